package sweeps

import (
	"bytes"
	_ "embed"
	"path/filepath"
	"strings"
	"time"

	"github.com/ftbench/ftbench/pipeline/config"
)

// Defaults of a spec's optional settings.
const (
	DefaultRepeats = 3
	DefaultWarmups = 0
	DefaultTimeout = 10 * time.Minute
	// DefaultMinRunSeconds is how long a counted run lasts at the least
	// unless a spec says min_run_seconds.
	//
	// Note: measured on this project's shared 2-core machine, a 0.12 s run
	// of face_360p had a frames/s CV of 11-34% from run to run and 1-3
	// resource samples; startup and scheduling dominate a run that short.
	DefaultMinRunSeconds = 1.0
)

// defaultObjective is what a sweep optimises when its spec says nothing.
var defaultObjective = Objective{Metric: "fps", Direction: Maximize}

// DefaultFile is the name under which the embedded default spec reports
// its errors and is copied into output folders.
const DefaultFile = "default.toml"

//go:embed default.toml
var defaultSpec []byte

// Default returns the embedded default sweep: a short sweep on a generated
// fixture, the README's main job.
func Default() (*Spec, error) { return Parse(defaultSpec, DefaultFile, "") }

// DefaultText returns the embedded default spec's text.
func DefaultText() []byte { return bytes.Clone(defaultSpec) }

// newSpec returns the spec that a file with no settings describes: named
// after the file, with the default repeats, warm-ups, timeout, objective,
// pipeline config and calibration.
func newSpec(file string, data []byte) *Spec {
	return &Spec{
		File:          file,
		Name:          strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)),
		Repeats:       DefaultRepeats,
		RepeatsMax:    DefaultRepeats,
		Warmups:       DefaultWarmups,
		Timeout:       DefaultTimeout,
		Objective:     defaultObjective,
		Base:          config.DefaultConfig(),
		Calibrate:     true,
		MinRunSeconds: DefaultMinRunSeconds,
		KPIs:          DefaultKPIs(),
		Text:          bytes.Clone(data),
	}
}
