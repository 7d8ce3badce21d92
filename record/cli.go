package record

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ftbench/ftbench/pipeline/config"
)

// CLIVariant is one way of running the reference workload beside the plain
// ffmpeg CLI, so that a sweep measures ftbench against the best the CLI
// does on the same machine in the same run: NVDEC decoding, and the same
// work split into segments run by parallel ffmpeg processes and joined
// without re-encoding (what encode_workers does).
type CLIVariant struct {
	HWAccel string // "" (as the base config says) or "cuda": -hwaccel cuda
	Split   int    // ffmpeg processes on that many segments at once; 0 or 1 = one
}

// Name is the variant as a spec lists it: "hwaccel=cuda,split=16".
func (v CLIVariant) Name() string {
	var parts []string
	if v.HWAccel != "" {
		parts = append(parts, "hwaccel="+v.HWAccel)
	}
	if v.Split > 1 {
		parts = append(parts, "split="+strconv.Itoa(v.Split))
	}
	return strings.Join(parts, ",")
}

// ParseCLIVariant reads a variant's name: comma-separated "hwaccel=cuda"
// (or "none") and "split=N" (N in 2..256).
func ParseCLIVariant(s string) (CLIVariant, error) {
	var v CLIVariant
	for _, part := range strings.Split(s, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		switch {
		case !ok:
			return v, fmt.Errorf("ffmpeg CLI variant %q: want key=value pairs such as \"hwaccel=cuda,split=16\"", s)
		case key == "hwaccel" && (val == config.HWAccelCUDA || val == config.HWAccelNone):
			v.HWAccel = val
		case key == "split":
			n, err := strconv.Atoi(val)
			if err != nil || n < 2 || n > 256 {
				return v, fmt.Errorf("ffmpeg CLI variant %q: split must be an integer in 2..256", s)
			}
			v.Split = n
		default:
			return v, fmt.Errorf("ffmpeg CLI variant %q: unknown %q (want hwaccel=cuda|none, split=N)", s, part)
		}
	}
	if v.Name() == "" {
		return v, fmt.Errorf("ffmpeg CLI variant %q: the plain CLI runs anyway; name what differs", s)
	}
	return v, nil
}

// CLIVariantOf returns the variant a reference trial runs (the zero
// CLIVariant for the plain reference workload).
func CLIVariantOf(t *Trial) CLIVariant {
	name, ok := strings.CutPrefix(t.Label, ReferenceLabel+" ")
	if !ok {
		return CLIVariant{}
	}
	v, _ := ParseCLIVariant(name)
	return v
}

// VariantTrial returns the reference workload run as variant v on an
// input: ReferenceTrial's, labelled "reference:ffmpeg NAME", with the
// variant in its id.
func VariantTrial(cfg config.Config, in Input, v CLIVariant) Trial {
	if v.HWAccel != "" {
		cfg.HWAccel = v.HWAccel
	}
	t := ReferenceTrial(cfg, in)
	if v.Split > 1 {
		t.ID = trialHash(map[string]any{"reference": t.ID, "split": v.Split})
	}
	t.Label = ReferenceLabel + " " + v.Name()
	return t
}
