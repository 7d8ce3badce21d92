package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/stats"
	"github.com/ftbench/ftbench/sweeps"
	"github.com/ftbench/ftbench/tune"
)

// Defaults of Options.
const (
	DefaultAlpha      = 0.05
	DefaultConfidence = 0.95
)

// Options are the tunables of a report. The zero value gives the defaults.
type Options struct {
	// Alpha is the significance level of every comparison (default 0.05).
	Alpha float64
	// Confidence is the level of the intervals of the medians (default 0.95).
	Confidence float64
	// Cost is the resource-cost ordering the choice of best config uses
	// among configs as good as the top one (default DefaultCost).
	Cost []CostTerm
	// HeatmapAxes names the two axes of the heatmap (default: the first two
	// axes that take two or more values).
	HeatmapAxes []string
	// Files names the results files, for the report's header.
	Files []string
	// Script says where the HTML page loads ECharts from (default: the
	// public copy at DefaultEChartsURL).
	Script Script
	// Searches are the sweep's search histories, for the search chart.
	Searches []tune.History
}

// statsOptions returns the levels the statistics are computed at.
//
// Note: a comparison whose rank test cannot reach alpha at its run counts
// falls back on Welch's t on the logs, as the gate's does, and names it.
func (o Options) statsOptions() stats.Options {
	return stats.Options{Alpha: o.Alpha, Confidence: o.Confidence, PowerFallback: true}
}

func (o Options) withDefaults() Options {
	if !(o.Alpha > 0 && o.Alpha < 1) {
		o.Alpha = DefaultAlpha
	}
	if !(o.Confidence > 0 && o.Confidence < 1) {
		o.Confidence = DefaultConfidence
	}
	if o.Cost == nil {
		o.Cost = DefaultCost
	}
	return o
}

// Report is everything the report's formats show, computed once from the
// records: nothing that formats a Report computes a statistic.
type Report struct {
	Opts Options
	// Spec is the sweep's spec; nil when the report has none, and then
	// Objective and Constraints are the defaults (maximize fps, none).
	Spec        *sweeps.Spec
	Name        string // the sweep's name
	Description string
	Objective   sweeps.Objective
	Constraints []sweeps.Constraint
	Repeats     int // counted runs per trial the spec asks for; 0 without a spec

	Inputs []string      // input names in trial order
	Axes   []sweeps.Axis // the swept fields and their values
	Envs   []EnvGroup    // the environments the runs were measured in
	Trials []*TrialStats // in the spec's expansion order
	// Reference is the label of the trial the others are compared with.
	Reference string
	// Failures are the runs that failed or timed out, warm-ups included,
	// in record order.
	Failures []*record.Result
	// Interrupted counts runs recorded as interrupted (not results: a
	// resumed sweep runs them again); WarmupRuns counts warm-up runs,
	// never part of any statistic.
	Interrupted int
	WarmupRuns  int
	// NoGPU says why there are no GPU figures; empty when some run has them.
	NoGPU string

	Choice *Choice
	// Scorecard is the chosen config against the plan's KPI targets; nil
	// when no config was chosen.
	Scorecard *Scorecard
	Heatmap   Heatmap
	Pareto    []ParetoPlot
	Series    []SeriesPick
	// Curves are the OTB precision and success plots of the trials with
	// ground truth, in trial order.
	Curves []QualityCurves
	// Scaling are the speedup curves of the worker axis (processes, and
	// the axes together with it), the chosen config's first; nil when the
	// sweep has no worker axis.
	Scaling []ScalingCurve
	// CLI is, per input, the ffmpeg CLI's variants against the chosen
	// config; nil when the records hold no reference workload runs.
	CLI      []CLIInput
	Warnings []string

	// specConfigs are the configs the spec expands into today, by label
	// and input name.
	specConfigs map[[2]string]config.Config
}

// EnvGroup is one environment fingerprint and the runs measured in it.
type EnvGroup struct {
	Env  record.Env
	Runs int
}

// TrialStats is one trial (a config on an input) and the statistics of its
// counted runs.
type TrialStats struct {
	ID     string
	Label  string
	Input  string
	Axes   map[string]any
	Config config.Config
	// Runs are the counted runs that succeeded; Failed the counted runs
	// that failed or timed out.
	Runs   []*record.Result
	Failed []*record.Result
	// Stats holds the summary of every metric the report uses that the
	// runs have; Absent says why a metric is missing ("no GPU").
	Stats  map[string]stats.Summary
	Absent map[string]string
	// VsRef compares the objective with the reference trial on the same
	// input (two-sided, the reference the baseline); nil for the
	// reference itself or without one.
	VsRef *stats.Comparison
	// IsReference marks the reference trial.
	IsReference bool
	// InSpec is false for trials the spec does not expand into.
	InSpec bool
	// Bottleneck is the stage that bounds the trial; nil when its runs
	// have no stage times.
	Bottleneck *Bottleneck

	order int
}

// Stat returns the summary of a metric and whether the runs have it.
func (t *TrialStats) Stat(metric string) (stats.Summary, bool) {
	s, ok := t.Stats[metric]
	return s, ok
}

// Samples returns a metric's values over the trial's counted runs that
// have it.
func (t *TrialStats) Samples(name string) []float64 { return samples(t.Runs, name) }

// chosenTrials returns the chosen config's trials, one per input; none
// when no config was chosen.
func (r *Report) chosenTrials() []*TrialStats {
	if r.Choice == nil || r.Choice.Best == nil {
		return nil
	}
	return r.Choice.Best.Trials
}

// samples returns a metric's values over the runs that have it.
func samples(runs []*record.Result, name string) []float64 {
	var out []float64
	for _, r := range runs {
		if v, ok := metric.Value(r, name); ok && !math.IsNaN(v) {
			out = append(out, v)
		}
	}
	return out
}

// TrialName returns a trial's label, with its input when the report has
// several.
func (r *Report) TrialName(t *TrialStats) string {
	if len(r.Inputs) > 1 {
		return t.Label + " @ " + t.Input
	}
	return t.Label
}

// reportMetrics are the metrics every trial is summarised on, beyond the
// KPIs, the objective and the constraints.
func reportMetrics(obj sweeps.Objective, cons []sweeps.Constraint, cost []CostTerm) []string {
	seen := map[string]bool{}
	var out []string
	add := func(m string) {
		if m != "" && !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	for _, k := range metric.KPIs() {
		add(k.Name)
	}
	add(obj.Metric)
	for _, c := range cons {
		add(c.Metric)
	}
	for _, c := range cost {
		add(c.Metric)
	}
	for _, s := range metric.Stages() {
		add("stages." + s)
	}
	for _, m := range []string{"elapsed_seconds", "cpu_cores", "vram_used_max_bytes", "vram_process_max_bytes",
		"vram_total_bytes", "processes_max", "rss_max_bytes", "peak_rss_bytes", "frames"} {
		add(m)
	}
	return out
}

// Analyze computes a report from result records (from one or several
// results files) and the sweep's spec, which may be nil. It never fails:
// what it cannot use it says in Warnings.
//
// Note: the reference workload's records (record.IsReference) calibrate
// the gate and show the ffmpeg CLI beside the chosen config (CLI); they
// are not a config the report should rank or choose.
func Analyze(results []*record.Result, spec *sweeps.Spec, opts Options) *Report {
	opts = opts.withDefaults()
	var refs []*record.Result
	results = slices.DeleteFunc(slices.Clone(results), func(res *record.Result) bool {
		if record.IsReference(res) {
			refs = append(refs, res)
			return true
		}
		return false
	})
	r := &Report{Opts: opts, Spec: spec, Objective: sweeps.Objective{Metric: "fps", Direction: sweeps.Maximize}}
	if spec != nil {
		r.Name, r.Description = spec.Name, spec.Description
		r.Objective, r.Constraints = spec.Objective, spec.Constraints
		r.Repeats = spec.Repeats
		r.Axes = spec.Axes
		r.Reference = spec.Reference
	}
	r.groupTrials(results)
	if spec == nil {
		r.Axes = inferAxes(r.Trials)
	}
	r.groupEnvs(results)
	metrics := reportMetrics(r.Objective, r.Constraints, opts.Cost)
	for _, t := range r.Trials {
		t.Stats, t.Absent = map[string]stats.Summary{}, map[string]string{}
		for _, m := range metrics {
			xs := t.Samples(m)
			if len(xs) > 0 {
				t.Stats[m] = stats.Summarize(xs, opts.statsOptions())
			} else if len(t.Runs) > 0 {
				info, _ := metric.Lookup(m)
				t.Absent[m] = info.WhyAbsent(t.Runs[0])
			}
		}
	}
	r.compareWithReference()
	r.Choice = choose(r)
	r.Heatmap = r.heatmap()
	r.Pareto = r.paretoPlots()
	r.Series = r.seriesPicks()
	r.Curves = r.qualityCurves()
	r.Scaling = r.scalingCurves()
	r.CLI = r.cliInputs(refs)
	r.findBottlenecks()
	r.Scorecard = r.scorecard()
	return r
}

// groupTrials sorts the records into trials, in the spec's order.
func (r *Report) groupTrials(results []*record.Result) {
	// Note: trial ids hash the whole config, so results recorded before
	// config.Config grew a field have other ids than the spec expands
	// into today; the label and input still place them.
	order := map[string]int{}
	byLabel := map[[2]string]int{}
	if r.Spec != nil {
		for _, t := range r.Spec.Trials() {
			order[t.ID] = t.Index
			byLabel[[2]string{t.Label, t.Input.Name}] = t.Index
		}
	}
	r.specConfigs = map[[2]string]config.Config{}
	if r.Spec != nil {
		for _, t := range r.Spec.Trials() {
			r.specConfigs[[2]string{t.Label, t.Input.Name}] = t.Config
		}
	}
	byID := map[string]*TrialStats{}
	sweepsSeen := map[string]bool{}
	noGPU, hasGPU := "", false
	done := map[record.RunKey]bool{}
	dups := 0
	for i, res := range results {
		if res.Sweep != "" {
			sweepsSeen[res.Sweep] = true
		}
		// Note: a run is recorded once; the same run twice means a file
		// was given twice or shards overlap, and would count double.
		if res.Status.Done() {
			if done[res.Key()] {
				dups++
				continue
			}
			done[res.Key()] = true
		}
		if res.Status == record.StatusInterrupted {
			r.Interrupted++
			continue
		}
		if res.Status == record.StatusFailed || res.Status == record.StatusTimeout {
			r.Failures = append(r.Failures, res)
		}
		t := byID[res.TrialID]
		if t == nil {
			idx, in := order[res.TrialID]
			if !in {
				idx, in = byLabel[[2]string{res.Label, res.Input.Name}]
			}
			if !in {
				idx = len(order) + i
			}
			t = &TrialStats{ID: res.TrialID, Label: res.Label, Input: res.Input.Name, Axes: res.Axes,
				Config: res.Config, InSpec: in || r.Spec == nil, order: idx}
			byID[res.TrialID] = t
			r.Trials = append(r.Trials, t)
		}
		if res.Warmup {
			r.WarmupRuns++
			continue
		}
		switch res.Status {
		case record.StatusOK:
			t.Runs = append(t.Runs, res)
			if res.Resources.GPU == "" {
				hasGPU = true
			} else if noGPU == "" {
				noGPU = res.Resources.GPU
			}
		default:
			t.Failed = append(t.Failed, res)
		}
	}
	if dups > 0 {
		r.warnf("%d runs are recorded more than once (a file given twice, or overlapping shards?); only the first record of each counts", dups)
	}
	if !hasGPU {
		r.NoGPU = noGPU
		if r.NoGPU == "" && len(results) > 0 {
			r.NoGPU = "no GPU figures recorded"
		}
	}
	sort.SliceStable(r.Trials, func(i, j int) bool { return r.Trials[i].order < r.Trials[j].order })
	seenIn := map[string]bool{}
	outside := 0
	for _, t := range r.Trials {
		if !seenIn[t.Input] {
			seenIn[t.Input] = true
			r.Inputs = append(r.Inputs, t.Input)
		}
		if !t.InSpec {
			outside++
		}
	}
	if outside > 0 {
		r.warnf("%d trials in the results are not in the spec %s (another spec's runs?); they are shown but compared as they are", outside, r.Spec.File)
	}
	names := sortedSet(sweepsSeen)
	if r.Name == "" && len(names) > 0 {
		r.Name = names[0]
	}
	if len(names) > 1 {
		r.warnf("the results come from %d sweeps: %s", len(names), strings.Join(names, ", "))
	}
	if len(results) == 0 {
		r.warnf("no result records")
	}
}

// inferAxes rebuilds the axes from the trials' axis values when there is
// no spec: fields in first-seen order, values in first-seen order.
func inferAxes(trials []*TrialStats) []sweeps.Axis {
	var axes []sweeps.Axis
	index := map[string]int{}
	seen := map[string]map[string]bool{}
	for _, t := range trials {
		keys := make([]string, 0, len(t.Axes))
		for k := range t.Axes {
			keys = append(keys, k)
		}
		// Note: the label keeps the spec's axis order ("batch=8,decoder_threads=1"),
		// which a map does not.
		sort.SliceStable(keys, func(i, j int) bool {
			return strings.Index(t.Label, keys[i]+"=") < strings.Index(t.Label, keys[j]+"=")
		})
		for _, k := range keys {
			i, ok := index[k]
			if !ok {
				i = len(axes)
				index[k] = i
				axes = append(axes, sweeps.Axis{Field: k})
				seen[k] = map[string]bool{}
			}
			v := normalizeJSONValue(t.Axes[k])
			if s := record.FormatValue(v); !seen[k][s] {
				seen[k][s] = true
				axes[i].Values = append(axes[i].Values, v)
			}
		}
	}
	return axes
}

// normalizeJSONValue turns a JSON-decoded number that is an integer into
// an int64, the type a spec's axis holds.
func normalizeJSONValue(v any) any {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
	}
	return v
}

// groupEnvs collects the distinct environment fingerprints.
func (r *Report) groupEnvs(results []*record.Result) {
	index := map[string]int{}
	for _, res := range results {
		if res.Env == nil {
			continue
		}
		key := envKey(res.Env)
		i, ok := index[key]
		if !ok {
			i = len(r.Envs)
			index[key] = i
			r.Envs = append(r.Envs, EnvGroup{Env: *res.Env})
		}
		r.Envs[i].Runs++
	}
	if len(r.Envs) > 1 {
		r.warnf("the runs were measured in %d different environments (see the fingerprints); compare across them with care", len(r.Envs))
	}
}

// envKey identifies an environment by what changes measurements: the
// machine, its hardware and the build, not the time.
func envKey(e *record.Env) string {
	var gpus []string
	for _, d := range e.GPU.Devices {
		gpus = append(gpus, d.Name+"/"+d.UUID)
	}
	return strings.Join([]string{e.Host, e.OS, e.Arch, e.Kernel, e.CPUModel, fmt.Sprint(e.CPUs, e.UsableCPUs, e.MemoryBytes),
		strings.Join(gpus, ","), e.GPU.Driver, e.GoVersion, e.Version, e.Revision, fmt.Sprint(e.Modified)}, "|")
}

// compareWithReference finds the reference trial of every input and
// compares each trial's objective with it.
func (r *Report) compareWithReference() {
	if len(r.Trials) == 0 {
		return
	}
	if r.Reference == "" {
		r.Reference = r.Trials[0].Label
	}
	refs := map[string]*TrialStats{}
	for _, t := range r.Trials {
		if t.Label == r.Reference && refs[t.Input] == nil {
			refs[t.Input] = t
			t.IsReference = true
		}
	}
	if len(refs) == 0 {
		r.warnf("the reference trial %s has no runs; no ratios", r.Reference)
		return
	}
	for _, t := range r.Trials {
		ref := refs[t.Input]
		if ref == nil || t == ref {
			continue
		}
		a, b := t.Samples(r.Objective.Metric), ref.Samples(r.Objective.Metric)
		if len(a) == 0 || len(b) == 0 {
			continue
		}
		c := stats.Compare(stats.NewSample(b), stats.NewSample(a), r.Opts.statsOptions())
		t.VsRef = &c
	}
}

func (r *Report) warnf(format string, args ...any) {
	r.Warnings = append(r.Warnings, fmt.Sprintf(format, args...))
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
