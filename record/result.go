package record

import (
	"errors"
	"time"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/metrics"
)

// RecordVersion is the version of the Result JSON this package writes.
// Readers skip, with a warning, records of a newer version.
const RecordVersion = 1

// Status says how a run ended.
type Status string

// The statuses of a run.
const (
	StatusOK          Status = "ok"          // the child exited 0 and wrote its metrics
	StatusFailed      Status = "failed"      // the child crashed, was killed, exited non-zero or wrote no metrics
	StatusTimeout     Status = "timeout"     // the child ran past the timeout and its process group was killed
	StatusInterrupted Status = "interrupted" // the sweep was interrupted (Ctrl-C) while the run was in flight
)

// ErrInterrupted is returned by whatever runs a plan (a sweep, a live
// search) when its context was canceled; the run in flight is recorded
// with StatusInterrupted.
var ErrInterrupted = errors.New("interrupted")

// Done reports whether a run with this status counts as done when a sweep
// is resumed. Interrupted runs are run again; failures are results.
func (s Status) Done() bool { return s == StatusOK || s == StatusFailed || s == StatusTimeout }

// Known reports whether s is one of the statuses above.
func (s Status) Known() bool { return s.Done() || s == StatusInterrupted }

// Result is the record of one run of one trial: one JSON line in
// results.jsonl. Everything downstream (reports, best config, the gate)
// reads only these.
//
// Note: the JSON names are a contract with reports, the gate and users'
// scripts: add fields (and bump nothing), never rename or repurpose one;
// a change that old readers would misread bumps RecordVersion.
type Result struct {
	Version int    `json:"version"`
	Sweep   string `json:"sweep"`           // the spec's name
	Shard   string `json:"shard,omitempty"` // "I/N" when run as a shard

	TrialID    string         `json:"trial_id"`
	Label      string         `json:"label"`
	Axes       map[string]any `json:"axes,omitempty"` // the trial's axis values
	Config     config.Config  `json:"config"`
	Input      Input          `json:"input"`
	Round      int            `json:"round"`
	Repetition int            `json:"repetition"` // within the warm-ups when Warmup, else within the counted runs
	Warmup     bool           `json:"warmup"`

	Start          time.Time `json:"start"`
	End            time.Time `json:"end"`
	ElapsedSeconds float64   `json:"elapsed_seconds"` // the child's life as the harness saw it, start-up included

	Status     Status `json:"status"`
	ExitCode   int    `json:"exit_code"`        // -1 when the child was killed by a signal
	Signal     string `json:"signal,omitempty"` // the signal that killed the child
	Error      string `json:"error,omitempty"`  // why the run failed, in one line
	StderrTail string `json:"stderr_tail,omitempty"`

	// Instrument names the instrument the run ran under ("instructions":
	// valgrind's cachegrind), empty for a plain run. An instrumented run's
	// wall-clock figures are the instrument's, not the pipeline's: reports
	// and the gate never put it beside plain runs.
	Instrument string `json:"instrument,omitempty"`

	Metrics *metrics.Metrics `json:"metrics,omitempty"` // the child's metrics.json; nil when it wrote none
	// Gold is the run's tracks against its sweep's gold config on the same
	// input; nil when the sweep has none or the tracks could not be read.
	Gold      *Gold     `json:"gold,omitempty"`
	Resources Resources `json:"resources"`
	Series    *Series   `json:"series,omitempty"`
	Env       *Env      `json:"env,omitempty"`

	// HarnessErr is set, and the result is not a record, when the
	// harness's own writes for the run failed (a full disk, a permission,
	// an I/O error under the sweep folder): what failed was not the trial.
	// Whatever runs a plan stops with this error and records nothing, so
	// --resume runs the run again.
	HarnessErr error `json:"-"`
}

// InstrumentInstructions is the instrument that counts the instructions
// of a run's process tree under valgrind's cachegrind.
const InstrumentInstructions = "instructions"

// Key returns the run's identity within its sweep.
func (r *Result) Key() RunKey { return RunKey{TrialID: r.TrialID, Round: r.Round} }

// Resources are the aggregates of the samples taken while a run's child
// lived. Utilisations are fractions: CPU of all cores together, GPU of all
// devices together.
type Resources struct {
	Samples         int     `json:"samples"`
	IntervalSeconds float64 `json:"interval_seconds"`

	CPUUtilMean       float64 `json:"cpu_util_mean"` // the child's process tree, as a fraction of all cores
	CPUUtilMax        float64 `json:"cpu_util_max"`
	SystemCPUUtilMean float64 `json:"system_cpu_util_mean"` // the whole machine
	SystemCPUUtilMax  float64 `json:"system_cpu_util_max"`
	RSSMaxBytes       int64   `json:"rss_max_bytes"` // the tree's resident memory, largest sample
	ProcessesMax      int     `json:"processes_max"` // the tree's size, largest sample

	GPU                 string  `json:"gpu,omitempty"` // why there are no GPU figures ("no GPU: ..."), empty when there are
	GPUUtilMean         float64 `json:"gpu_util_mean"`
	GPUUtilMax          float64 `json:"gpu_util_max"`
	VRAMUsedMaxBytes    int64   `json:"vram_used_max_bytes"` // device memory in use, all processes
	VRAMTotalBytes      int64   `json:"vram_total_bytes"`
	VRAMFraction        float64 `json:"vram_fraction"`          // VRAMUsedMaxBytes / VRAMTotalBytes
	VRAMProcessMaxBytes int64   `json:"vram_process_max_bytes"` // device memory of the child's tree
	SMClockMeanMHz      float64 `json:"sm_clock_mean_mhz"`
	GPUTempMaxC         float64 `json:"gpu_temp_max_c"`
	GPUPowerMeanWatts   float64 `json:"gpu_power_mean_watts"`
	GPUPowerMaxWatts    float64 `json:"gpu_power_max_watts"`

	// The kernel's accounting of the run's child and every descendant it
	// waited for (wait4's rusage): CPU seconds in user and kernel mode and
	// their sum, the largest resident set of any one process of the tree,
	// context switches and page faults. A record written before this
	// accounting existed has zeros.
	CPUSeconds             float64 `json:"cpu_seconds"`
	CPUUserSeconds         float64 `json:"cpu_user_seconds"`
	CPUSysSeconds          float64 `json:"cpu_sys_seconds"`
	ProcessRSSMaxBytes     int64   `json:"process_rss_max_bytes"`
	VoluntaryCtxSwitches   int64   `json:"voluntary_ctx_switches"`
	InvoluntaryCtxSwitches int64   `json:"involuntary_ctx_switches"`
	MinorFaults            int64   `json:"minor_faults"`
	MajorFaults            int64   `json:"major_faults"`
	// Instructions is the tree's instructions executed under cachegrind,
	// summed over its processes; 0 when the run was not instrumented (see
	// Result.Instrument).
	Instructions int64 `json:"instructions,omitempty"`

	// SamplerCPUSeconds is the CPU time of the sampler's own thread;
	// SamplerOverhead is that over the run's elapsed time, as a fraction
	// of one core.
	SamplerCPUSeconds float64 `json:"sampler_cpu_seconds"`
	SamplerOverhead   float64 `json:"sampler_overhead"`
	// HarnessCPUSeconds is the CPU time of the whole sweep process during
	// the run (sampler, child management, logging).
	HarnessCPUSeconds float64 `json:"harness_cpu_seconds"`
	// Errors lists the samplers that failed during the run; the others kept going.
	Errors []string `json:"errors,omitempty"`
}

// Series is the sampled time series of a run, one column per quantity.
// GPU columns are absent without a GPU. Long runs are thinned by keeping
// every other sample (Stride doubles), so a record stays small; the
// aggregates in Resources always use every sample.
type Series struct {
	StrideSamples int       `json:"stride"`     // samples taken per sample kept
	Seconds       []float64 `json:"t"`          // since the child started
	CPUUtil       []float64 `json:"cpu"`        // tree, fraction of all cores
	SystemCPUUtil []float64 `json:"system_cpu"` // machine, fraction
	RSSBytes      []int64   `json:"rss"`        // tree
	GPUUtil       []float64 `json:"gpu,omitempty"`
	VRAMUsedBytes []int64   `json:"vram,omitempty"`
	VRAMProcBytes []int64   `json:"vram_proc,omitempty"`
	SMClockMHz    []float64 `json:"sm_clock,omitempty"`
	GPUTempC      []float64 `json:"temp,omitempty"`
	GPUPowerWatts []float64 `json:"power,omitempty"`
}

// Gold is a run's tracks against those of its sweep's gold config (the
// most thorough one, or the one the spec names) on the same input: pseudo
// ground truth for videos that have none. The harness computes it from the
// two runs' tracks.json.
type Gold struct {
	// Trial is the gold trial's id.
	Trial string `json:"trial"`
	// Frames counts the frames where gold has a primary face, over which
	// IoU and CenterPx are taken.
	Frames int `json:"frames"`
	// IoU is the mean IoU of the run's primary face with gold's, a frame
	// where the run has none counting 0.
	IoU float64 `json:"iou"`
	// CenterPx is the median distance in source pixels between the two
	// primary faces' centres, a frame where the run has none counting the
	// frame's diagonal.
	CenterPx float64 `json:"center_px"`
	// CropDevPx is the median distance in source pixels between the
	// centres of the two crop windows, over every frame both have.
	CropDevPx float64 `json:"crop_dev_px"`
}
