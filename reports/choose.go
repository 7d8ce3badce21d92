package reports

import (
	"fmt"
	"math"
	"path"
	"reflect"
	"sort"

	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/stats"
	"github.com/ftbench/ftbench/sweeps"
)

// CostTerm is one level of the resource-cost ordering: among configs whose
// objective is statistically indistinguishable from the top one, the choice
// prefers the config with the smallest first term, then the smallest
// second, and so on.
type CostTerm struct {
	Name string
	// Fields are the config keys the term sums, as path.Match patterns
	// ("threads", "*_threads"), so fields count as soon as config.Config
	// grows them. Only numeric fields count (clamp_processes, a switch,
	// does not).
	Fields []string
	// AutoZero says that 0 in these fields means "as many as there are
	// CPUs" (FFmpeg's thread counts), so 0 counts as the run's CPU count.
	AutoZero bool
	// Metric, instead of Fields, is a measured metric: its median over the
	// config's counted runs (absent counts as 0).
	Metric string
	// Quantum rounds values up to a multiple of it before comparing, so
	// measurement noise (VRAM in use) does not outrank later terms.
	Quantum float64
}

// DefaultCost is the resource-cost ordering: processes, then streams, then
// threads, then VRAM measured, then batch size.
//
// Note: the order follows the plan's risks: every process holds its own
// model and CUDA context (VRAM exhaustion, context conflicts), streams and
// threads compete for the same cores, and a larger batch holds more frames
// in memory. processes, streams and the workers fields do not exist in
// config.Config yet; the patterns count them once they do.
var DefaultCost = []CostTerm{
	{Name: "processes", Fields: []string{"processes", "*_processes", "workers", "*_workers"}},
	{Name: "streams", Fields: []string{"streams", "*_streams"}},
	{Name: "threads", Fields: []string{"threads", "*_threads"}, AutoZero: true},
	{Name: "VRAM", Metric: "vram_process_max_bytes", Quantum: 256 << 20},
	{Name: "batch", Fields: []string{"batch", "*_batch"}},
}

// Candidate is one config considered for best.toml: its trials on every
// input and the checks the choice made.
type Candidate struct {
	Label string
	// Config is the config best.toml would hold: the one the runs
	// recorded, with Filled naming the fields it lacked.
	Config config.Config
	// Filled lists, as "key = value", the fields the recorded config lacks
	// (recorded before config.Config had them) and that take today's
	// values from the spec, or from the defaults.
	Filled []string
	Trials []*TrialStats // one per input, in input order
	// Samples are the objective's values over every counted run on every
	// input; Objective summarises them.
	Samples   []float64
	Objective stats.Summary
	Checks    []ConstraintCheck
	// Problems say why the config cannot be chosen, besides constraints:
	// failed runs, missing inputs, an objective that was not measured.
	Problems []string
	Feasible bool
	// VsTop compares this config with the top one (the baseline),
	// one-sided in the objective's direction: a small P means the top is
	// better.
	VsTop *stats.Comparison
	// Tied marks feasible configs indistinguishable from the top one (the
	// top one included).
	Tied bool
	// Cost holds the value of every Choice.Cost term.
	Cost []float64
}

// ConstraintCheck is one constraint on one input.
type ConstraintCheck struct {
	Constraint sweeps.Constraint
	Input      string
	Value      float64 // the median over the counted runs
	Measured   bool    // false when the runs lack the metric
	Why        string  // why it was not measured
	Held       bool
}

// Choice is the choice of best config.
type Choice struct {
	Objective   sweeps.Objective
	Constraints []sweeps.Constraint
	Alpha       float64
	Cost        []CostTerm
	// Candidates are every config: the feasible ones first in the order of
	// preference (the tied group by cost, then the rest by objective), then
	// the infeasible ones by objective.
	Candidates []*Candidate
	// Best is the chosen config, nil when no config is feasible. Top is the
	// feasible config with the best median objective; RunnerUp the next
	// feasible config in order of preference.
	Best, Top, RunnerUp *Candidate
	// Powerless is set when the runs were too few for the test to tell any
	// config from the top one; Best is then Top.
	Powerless bool
	Warnings  []string
}

// Test names the one-sided test that compared the configs with Top: the
// rank test, or Welch's t on the logs when it decided any comparison.
func (c *Choice) Test() string {
	for _, cand := range c.Candidates {
		if cand.VsTop != nil && cand.VsTop.Test == stats.WelchLogTest {
			return "one-sided Welch's t on logs, the rank test having no power at these run counts"
		}
	}
	return "one-sided Mann-Whitney U"
}

// choose picks the best config of a report.
//
// Method: a config is feasible when every one of its counted runs on every
// input succeeded and the median of every constraint's metric, per input,
// meets the constraint (a metric that was not measured fails it: a
// constraint is never passed silently). Top is the feasible config with the
// best median objective. Each other feasible config is compared with Top by
// a one-sided Mann-Whitney U test on the objective's runs at Options.Alpha
// (Welch's t on the logs where the U test cannot reach alpha at the run
// counts: stats.Options.PowerFallback); those with p > alpha are tied with
// Top. Among the tied, the choice is the
// config cheapest by Options.Cost (lexicographic), then the best median,
// then the label.
//
// Note: the test is one-sided because the question is whether Top is better,
// and with 3 runs each that is what lets complete separation count (p =
// 1/20 = 0.05); two-sided, 3 runs could never separate anything. When the
// runs are so few that no p-value can reach alpha, "indistinguishable" would
// tie every config and hand production the cheapest whatever its speed, so
// the choice is then Top, with a warning.
func choose(r *Report) *Choice {
	c := &Choice{Objective: r.Objective, Constraints: r.Constraints, Alpha: r.Opts.Alpha, Cost: r.Opts.Cost}
	byKey := map[string]*Candidate{}
	var order []string
	for _, t := range r.Trials {
		key := record.TrialID(t.Config, record.Input{})
		cand := byKey[key]
		if cand == nil {
			cfg, filled, err := r.productionConfig(t)
			cand = &Candidate{Label: t.Label, Config: cfg, Filled: filled}
			if err != nil {
				cand.Problems = append(cand.Problems, fmt.Sprintf("its config is not valid for this ftbench: %v", err))
			}
			byKey[key] = cand
			order = append(order, key)
		}
		cand.Trials = append(cand.Trials, t)
	}
	var feasible []*Candidate
	for _, key := range order {
		cand := byKey[key]
		c.check(r, cand)
		c.Candidates = append(c.Candidates, cand)
		if cand.Feasible {
			feasible = append(feasible, cand)
		}
	}
	better := func(a, b *Candidate) bool {
		// Note: a config without runs has a NaN median, equal to no other
		// and never better: those sort by label.
		if a.Objective.Center != b.Objective.Center && a.Objective.N > 0 && b.Objective.N > 0 {
			return c.Objective.Better(a.Objective.Center, b.Objective.Center)
		}
		return a.Label < b.Label
	}
	sort.SliceStable(feasible, func(i, j int) bool { return better(feasible[i], feasible[j]) })
	if len(feasible) > 0 {
		c.Top = feasible[0]
		c.Top.Tied = true
		o := r.Opts.statsOptions()
		o.Alternative = stats.Less
		if c.Objective.Direction == sweeps.Minimize {
			o.Alternative = stats.Greater
		}
		top := stats.NewSample(c.Top.Samples)
		for _, cand := range feasible[1:] {
			cmp := stats.Compare(top, stats.NewSample(cand.Samples), o)
			cand.VsTop = &cmp
			switch {
			case cmp.Powerless():
				c.Powerless = true
			case !cmp.Significant():
				cand.Tied = true
			}
		}
		if c.Powerless {
			c.Warnings = append(c.Warnings, fmt.Sprintf("too few runs (%d) to tell configs apart at alpha %g: the choice is the best median, not the cheapest of the indistinguishable; run more repeats",
				len(c.Top.Samples), c.Alpha))
			for _, cand := range feasible[1:] {
				cand.Tied = false
			}
		}
	}
	sort.SliceStable(feasible, func(i, j int) bool {
		a, b := feasible[i], feasible[j]
		if a.Tied != b.Tied {
			return a.Tied
		}
		if a.Tied {
			if d := compareCost(a.Cost, b.Cost, c.Cost); d != 0 {
				return d < 0
			}
		}
		return better(a, b)
	})
	var infeasible []*Candidate
	for _, cand := range c.Candidates {
		if !cand.Feasible {
			infeasible = append(infeasible, cand)
		}
	}
	sort.SliceStable(infeasible, func(i, j int) bool {
		a, b := infeasible[i], infeasible[j]
		if (a.Objective.N > 0) != (b.Objective.N > 0) {
			return a.Objective.N > 0
		}
		return better(a, b)
	})
	c.Candidates = append(feasible, infeasible...)
	if len(feasible) > 0 {
		c.Best = feasible[0]
	}
	if len(feasible) > 1 {
		c.RunnerUp = feasible[1]
	}
	return c
}

// check decides whether a candidate is feasible and computes its cost.
func (c *Choice) check(r *Report, cand *Candidate) {
	have := map[string]bool{}
	for _, t := range cand.Trials {
		have[t.Input] = true
	}
	for _, in := range r.Inputs {
		if !have[in] {
			cand.Problems = append(cand.Problems, fmt.Sprintf("no runs on input %s", in))
		}
	}
	obj := c.Objective.Metric
	for _, t := range cand.Trials {
		total := len(t.Runs) + len(t.Failed)
		where := ""
		if len(r.Inputs) > 1 {
			where = " on " + t.Input
		}
		switch {
		case len(t.Failed) > 0:
			cand.Problems = append(cand.Problems, fmt.Sprintf("%d of %d runs%s failed or timed out", len(t.Failed), total, where))
		case len(t.Runs) == 0:
			cand.Problems = append(cand.Problems, "no counted runs"+where)
		}
		xs := t.Samples(obj)
		if len(t.Runs) > 0 && len(xs) < len(t.Runs) {
			info, _ := metric.Lookup(obj)
			cand.Problems = append(cand.Problems, fmt.Sprintf("objective %s not measured in %d of %d runs%s (%s)",
				obj, len(t.Runs)-len(xs), len(t.Runs), where, info.WhyAbsent(t.Runs[0])))
		}
		cand.Samples = append(cand.Samples, xs...)
		for _, con := range c.Constraints {
			chk := ConstraintCheck{Constraint: con, Input: t.Input}
			if s, ok := t.Stat(con.Metric); ok {
				chk.Value, chk.Measured, chk.Held = s.Center, true, con.Holds(s.Center)
			} else {
				chk.Why = t.Absent[con.Metric]
				if chk.Why == "" {
					chk.Why = "no successful runs"
				}
			}
			cand.Checks = append(cand.Checks, chk)
		}
	}
	cand.Objective = stats.Summarize(cand.Samples, r.Opts.statsOptions())
	cand.Feasible = len(cand.Problems) == 0 && len(cand.Samples) > 0
	for _, chk := range cand.Checks {
		if !chk.Held {
			cand.Feasible = false
		}
	}
	cand.Cost = make([]float64, len(c.Cost))
	for i, term := range c.Cost {
		cand.Cost[i] = term.value(cand)
	}
}

// value is the term's cost of a candidate.
func (term CostTerm) value(cand *Candidate) float64 {
	var v float64
	if term.Metric != "" {
		var xs []float64
		for _, t := range cand.Trials {
			xs = append(xs, t.Samples(term.Metric)...)
		}
		if len(xs) > 0 {
			v = stats.Median(xs)
		}
	} else {
		cpus := 0
		for _, t := range cand.Trials {
			for _, run := range t.Runs {
				if n := run.Env.LogicalCPUs(); n > 0 {
					cpus = n
				}
			}
		}
		if cpus == 0 {
			cpus = 1 << 10 // unknown: "as many as there are" counts as many
		}
		m := cand.Config.Map()
		for _, key := range term.matching() {
			switch x := m[key].(type) {
			case config.BatchSize:
				// Note: "auto" may grow to batch_max; it counts as that.
				v += float64(x.Max(cand.Config.BatchMax))
			case int:
				if x == 0 && term.AutoZero {
					x = cpus
				}
				v += float64(x)
			case int64:
				if x == 0 && term.AutoZero {
					x = int64(cpus)
				}
				v += float64(x)
			case float64:
				if x == 0 && term.AutoZero {
					x = float64(cpus)
				}
				v += x
			}
		}
	}
	if term.Quantum > 0 {
		v = math.Ceil(v/term.Quantum) * term.Quantum
	}
	return v
}

// matching returns the config keys the term's patterns match, in the
// config's order.
func (term CostTerm) matching() []string {
	var out []string
	for _, f := range config.Fields() {
		switch f.Kind {
		case reflect.Int, reflect.Int64, reflect.Float64:
		default:
			continue
		}
		for _, pat := range term.Fields {
			if ok, _ := path.Match(pat, f.Key); ok {
				out = append(out, f.Key)
				break
			}
		}
	}
	return out
}

// compareCost compares two cost vectors lexicographically.
func compareCost(a, b []float64, terms []CostTerm) int {
	for i := range terms {
		if i >= len(a) || i >= len(b) {
			break
		}
		switch {
		case a[i] < b[i]:
			return -1
		case a[i] > b[i]:
			return 1
		}
	}
	return 0
}

// productionConfig returns the config best.toml writes for a trial: the
// one its runs recorded, completed with today's values for fields the
// record lacks, and validated.
//
// Note: a record made before config.Config grew a field decodes with the
// field's zero value (processes = 0), which today's validation may refuse.
// With a spec, a field that is zero in the record but not in the config
// the spec expands the same trial into today is taken as missing and filled
// from the spec; a value the record holds is never replaced. Without a
// spec, only a record that fails validation is filled, from the defaults,
// since a zero may be a swept value.
func (r *Report) productionConfig(t *TrialStats) (config.Config, []string, error) {
	rec := t.Config
	want, ok := r.specConfigs[[2]string{t.Label, t.Input}]
	if !ok {
		if rec.Validate() == nil {
			return rec, nil, nil
		}
		want = config.DefaultConfig()
	}
	var filled []string
	rv := reflect.ValueOf(&rec).Elem()
	wv := reflect.ValueOf(want)
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Field(i)
		if f.IsZero() && !wv.Field(i).IsZero() {
			f.Set(wv.Field(i))
			filled = append(filled, fmt.Sprintf("%s = %s", rv.Type().Field(i).Tag.Get("toml"), record.FormatValue(f.Interface())))
		}
	}
	return rec, filled, rec.Validate()
}
