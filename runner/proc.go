package runner

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// userHZ is the unit of the CPU times in /proc (USER_HZ), fixed at 100 by
// the Linux ABI on every architecture Go supports.
const userHZ = 100

// Proc reads the files of a procfs mounted at Root ("/proc" when empty).
// Each reader has a parse function beside it that takes the file's text, so
// samplers are tested on recorded snapshots under testdata/.
type Proc struct {
	Root string
}

func (p Proc) path(elem ...string) string {
	root := p.Root
	if root == "" {
		root = "/proc"
	}
	return filepath.Join(append([]string{root}, elem...)...)
}

func (p Proc) read(elem ...string) (string, error) {
	b, err := os.ReadFile(p.path(elem...))
	return string(b), err
}

// CPUTimes are the machine's CPU times from the first line of /proc/stat,
// in USER_HZ ticks summed over all CPUs.
type CPUTimes struct {
	Busy, Total uint64
	CPUs        int // the per-CPU lines: every CPU the kernel has online
}

// SystemCPU reads /proc/stat.
func (p Proc) SystemCPU() (CPUTimes, error) {
	s, err := p.read("stat")
	if err != nil {
		return CPUTimes{}, err
	}
	return parseStat(s)
}

// parseStat parses the aggregate "cpu" line of /proc/stat. Idle and iowait
// count as not busy; guest time is already inside user time.
func parseStat(s string) (CPUTimes, error) {
	var (
		t     CPUTimes
		found bool
	)
	// Note: only the cpu lines are split into fields; on a large machine
	// the intr line holds thousands of numbers, and this runs every sample.
	for len(s) > 0 {
		line := s
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		if !strings.HasPrefix(line, "cpu") {
			if found {
				break // the cpu lines come first
			}
			continue
		}
		if !strings.HasPrefix(line, "cpu ") {
			t.CPUs++
			continue
		}
		f := strings.Fields(line)
		var v [10]uint64
		for i := 1; i < len(f) && i <= len(v); i++ {
			n, err := strconv.ParseUint(f[i], 10, 64)
			if err != nil {
				return CPUTimes{}, fmt.Errorf("stat: cpu field %d: %v", i, err)
			}
			v[i-1] = n
		}
		// user nice system idle iowait irq softirq steal guest guest_nice
		t.Total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7]
		t.Busy = t.Total - v[3] - v[4]
		found = true
	}
	if !found {
		return CPUTimes{}, errors.New("stat: no cpu line")
	}
	if t.CPUs == 0 {
		t.CPUs = 1
	}
	return t, nil
}

// PIDStat is what the sampler needs of /proc/PID/stat.
type PIDStat struct {
	PID, PPID, PGRP int
	Comm            string
	State           byte
	// CPUTicks is user+system time of the process and of its children
	// that it has waited for, in USER_HZ ticks.
	CPUTicks   uint64
	RSSPages   int64
	NumThreads int
}

// PIDStat reads /proc/PID/stat.
func (p Proc) PIDStat(pid int) (PIDStat, error) {
	s, err := p.read(strconv.Itoa(pid), "stat")
	if err != nil {
		return PIDStat{}, err
	}
	return parsePIDStat(s)
}

// parsePIDStat parses /proc/PID/stat (see proc(5)). The command name is in
// parentheses and may itself hold spaces and parentheses, so the fields
// are counted from the last ')'.
func parsePIDStat(s string) (PIDStat, error) {
	open := strings.IndexByte(s, '(')
	closing := strings.LastIndexByte(s, ')')
	if open < 0 || closing < open {
		return PIDStat{}, errors.New("stat: no (comm)")
	}
	pid, err := strconv.Atoi(strings.TrimSpace(s[:open]))
	if err != nil {
		return PIDStat{}, fmt.Errorf("stat: pid: %v", err)
	}
	st := PIDStat{PID: pid, Comm: s[open+1 : closing]}
	f := strings.Fields(s[closing+1:])
	// f[0] is field 3 (state); field n of proc(5) is f[n-3].
	if len(f) < 22 {
		return PIDStat{}, fmt.Errorf("stat: %d fields after comm, want at least 22", len(f))
	}
	num := func(n int) int64 {
		if err != nil {
			return 0
		}
		var v int64
		v, err = strconv.ParseInt(f[n-3], 10, 64)
		if err != nil {
			err = fmt.Errorf("stat: field %d: %v", n, err)
		}
		return v
	}
	st.State = f[0][0]
	st.PPID = int(num(4))
	st.PGRP = int(num(5))
	st.CPUTicks = uint64(num(14) + num(15) + num(16) + num(17))
	st.NumThreads = int(num(20))
	st.RSSPages = num(24)
	return st, err
}

// Children returns the pids of pid's children, read from
// /proc/PID/task/TID/children of every thread. ok is false when the kernel
// does not provide those files (CONFIG_PROC_CHILDREN).
func (p Proc) Children(pid int) (kids []int, ok bool, err error) {
	tasks, err := os.ReadDir(p.path(strconv.Itoa(pid), "task"))
	if err != nil {
		return nil, true, err
	}
	for _, t := range tasks {
		s, err := p.read(strconv.Itoa(pid), "task", t.Name(), "children")
		if errors.Is(err, fs.ErrNotExist) {
			if _, serr := os.Stat(p.path(strconv.Itoa(pid), "task", t.Name())); serr == nil {
				return nil, false, nil // the thread exists but the file does not
			}
			continue // the thread ended
		}
		if err != nil {
			continue
		}
		kids = append(kids, parseChildren(s)...)
	}
	return kids, true, nil
}

// parseChildren parses a task's children file: pids separated by spaces.
func parseChildren(s string) []int {
	var out []int
	for _, f := range strings.Fields(s) {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// Tree returns the stat of root and of every live descendant.
//
// Note: descendants are found through the children files, which touch only
// the tree; without them (an old or restricted kernel) every process is
// scanned for the root's process group, which costs more per sample.
func (p Proc) Tree(root int) ([]PIDStat, error) {
	rs, err := p.PIDStat(root)
	if err != nil {
		return nil, err
	}
	out := []PIDStat{rs}
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		kids, ok, err := p.Children(pid)
		if !ok {
			return p.group(rs.PGRP, root)
		}
		if err != nil {
			continue // pid ended while we walked
		}
		for _, k := range kids {
			st, err := p.PIDStat(k)
			if err != nil {
				continue
			}
			out = append(out, st)
			queue = append(queue, k)
		}
	}
	return out, nil
}

// group scans every process for members of a process group.
func (p Proc) group(pgrp, root int) ([]PIDStat, error) {
	ents, err := os.ReadDir(p.path())
	if err != nil {
		return nil, err
	}
	var out []PIDStat
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := p.PIDStat(pid)
		if err != nil || (st.PGRP != pgrp && pid != root) {
			continue
		}
		out = append(out, st)
	}
	return out, nil
}

// MemInfo is what the environment needs of /proc/meminfo.
type MemInfo struct {
	TotalBytes     int64
	AvailableBytes int64
}

// MemInfo reads /proc/meminfo.
func (p Proc) MemInfo() (MemInfo, error) {
	s, err := p.read("meminfo")
	if err != nil {
		return MemInfo{}, err
	}
	return parseMemInfo(s)
}

func parseMemInfo(s string) (MemInfo, error) {
	var m MemInfo
	for _, line := range strings.Split(s, "\n") {
		key, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return m, fmt.Errorf("meminfo: %s: %v", key, err)
		}
		if len(f) > 1 && f[1] == "kB" {
			n *= 1024
		}
		switch key {
		case "MemTotal":
			m.TotalBytes = n
		case "MemAvailable":
			m.AvailableBytes = n
		}
	}
	if m.TotalBytes == 0 {
		return m, errors.New("meminfo: no MemTotal")
	}
	return m, nil
}

// CPUInfo is what the environment needs of /proc/cpuinfo.
type CPUInfo struct {
	Model string
	CPUs  int // logical CPUs listed
}

// CPUInfo reads /proc/cpuinfo.
func (p Proc) CPUInfo() (CPUInfo, error) {
	s, err := p.read("cpuinfo")
	if err != nil {
		return CPUInfo{}, err
	}
	return parseCPUInfo(s), nil
}

func parseCPUInfo(s string) CPUInfo {
	var c CPUInfo
	for _, line := range strings.Split(s, "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		switch key {
		case "processor":
			c.CPUs++
		case "model name", "Model", "Hardware", "cpu model":
			if c.Model == "" {
				c.Model = val
			}
		}
	}
	return c
}

// KernelRelease reads /proc/sys/kernel/osrelease.
func (p Proc) KernelRelease() (string, error) {
	s, err := p.read("sys", "kernel", "osrelease")
	return strings.TrimSpace(s), err
}
