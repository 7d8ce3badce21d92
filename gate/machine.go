package gate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/ftbench/ftbench/record"
)

// Machine is the part of a record's environment that decides its speed:
// what raw figures may be compared across, and what baselines are kept
// per.
//
// Note: the host name, kernel and library versions are left out on
// purpose. CI runners of one type share a machine under many names, and a
// changed library is something the gate is meant to judge, not refuse.
type Machine struct {
	CPUModel   string   `json:"cpu_model"`
	CPUs       int      `json:"cpus"`
	UsableCPUs int      `json:"usable_cpus"`
	GPUs       []string `json:"gpus,omitempty"`
}

// MachineOf returns the machine of an environment; a record without one
// gets the zero Machine ("unknown").
func MachineOf(e *record.Env) Machine {
	if e == nil {
		return Machine{}
	}
	m := Machine{CPUModel: strings.TrimSpace(e.CPUModel), CPUs: e.CPUs, UsableCPUs: e.UsableCPUs}
	for _, d := range e.GPU.Devices {
		m.GPUs = append(m.GPUs, d.Name)
	}
	return m
}

// Key is the machine's identity: machines with equal keys are the same.
func (m Machine) Key() string {
	return fmt.Sprintf("%s|%d|%d|%s", m.CPUModel, m.CPUs, m.UsableCPUs, strings.Join(m.GPUs, ","))
}

func (m Machine) String() string {
	if m.Key() == (Machine{}).Key() {
		return "an unknown machine"
	}
	cpu := m.CPUModel
	if cpu == "" {
		cpu = "unknown CPU"
	}
	s := fmt.Sprintf("%s, %d CPUs", cpu, m.CPUs)
	if m.UsableCPUs != m.CPUs {
		s += fmt.Sprintf(" (%d usable)", m.UsableCPUs)
	}
	if len(m.GPUs) == 0 {
		return s + ", no GPU"
	}
	return s + ", " + strings.Join(m.GPUs, " + ")
}

// ID is a file-name-safe name for the machine: a slug of its description
// and a hash of its key, such as "amd-epyc-7b13-2cpu-nogpu-1a2b3c4d".
func (m Machine) ID() string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(m.CPUModel) {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 32 {
			break
		}
	}
	slug := strings.TrimRight(b.String(), "-")
	if slug == "" {
		slug = "unknown"
	}
	gpu := "nogpu"
	if n := len(m.GPUs); n > 0 {
		gpu = fmt.Sprintf("%dgpu", n)
	}
	sum := sha256.Sum256([]byte(m.Key()))
	return fmt.Sprintf("%s-%dcpu-%s-%s", slug, m.UsableCPUs, gpu, hex.EncodeToString(sum[:4]))
}
