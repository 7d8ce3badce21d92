// Package gate decides whether a candidate sweep's results regressed
// against a baseline's. It reads only result records, applies rules
// (relative allowances and absolute thresholds, per trial if need be) with
// statistics that hold up under noise, and renders the verdicts as a text
// table, Markdown, JUnit XML or Go benchmark lines.
package gate

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/stats"
)

// Trial identifies a trial across the two record files.
type Trial struct {
	ID    string
	Label string
	Input string // the input's name
}

func (t Trial) String() string { return t.Input + " " + t.Label }

// Side is one side of a comparison: the records of one results file.
type Side struct {
	Name    string // the file, for messages
	Results []*record.Result
}

// Normalize says how speed metrics are made comparable across machines.
type Normalize string

// The normalisations.
const (
	// NormalizeNone compares raw values, and refuses records from
	// different machines.
	NormalizeNone Normalize = "none"
	// NormalizeReference divides frames/s (and multiplies seconds) by the
	// median frames/s of the same file's reference runs on the same input.
	NormalizeReference Normalize = "reference"
	// NormalizeReferenceRound uses the reference run of the same round on
	// the same input instead (the median when the round has none).
	//
	// Note: pairing by round cancels a drift slower than a round, but adds
	// the reference run's own noise to every value. Measured on this
	// project's shared 2-core machine under load, per-round pairing left
	// the CV of frames/s at 23% (22% raw), while dividing by the median
	// leaves it as it is; hence the median is the default.
	NormalizeReferenceRound Normalize = "reference-round"
)

// ParseNormalize parses a --normalize value.
func ParseNormalize(s string) (Normalize, error) {
	switch Normalize(s) {
	case "", NormalizeNone:
		return NormalizeNone, nil
	case NormalizeReference, NormalizeReferenceRound:
		return Normalize(s), nil
	}
	return "", fmt.Errorf("normalize %q: want none, reference or reference-round", s)
}

// Match says how the trials of the two sides are paired.
type Match string

// The ways of matching trials.
const (
	// MatchID pairs trials with the same trial id: the same whole config
	// on the same input.
	MatchID Match = "id"
	// MatchLabel pairs trials with the same input name and label, so a
	// baseline survives a pipeline change that adds a config field (which
	// changes every trial id).
	MatchLabel Match = "label"
)

// Config is how a gate compares.
type Config struct {
	Options
	Normalize Normalize
	Match     Match
}

// Report is a gate's outcome: what was compared, every check, and the runs
// that failed. Outputs render it; they compute nothing.
type Report struct {
	Baseline, Candidate SideInfo
	Config              Config
	Checks              []Check
	// Failures are the candidate's counted runs that failed: each fails
	// the gate.
	Failures []RunFailure
	// References summarize the reference workload per input, when both
	// sides ran it.
	References []ReferenceInfo
	// Notes are things worth knowing that do not change the verdict.
	Notes   []string
	Verdict Verdict
	// Z is the normal quantile at 1 - alpha/2 that the runs-to-settle
	// formula uses, for outputs to state it.
	Z float64
}

// Counts returns how many checks (and failed runs, counted as failing)
// ended in each verdict.
func (r *Report) Counts() (pass, inconclusive, fail int) {
	for _, c := range r.Checks {
		switch c.Verdict {
		case Pass:
			pass++
		case Inconclusive:
			inconclusive++
		default:
			fail++
		}
	}
	return pass, inconclusive, fail + len(r.Failures)
}

// SideInfo describes one side's records.
type SideInfo struct {
	Name     string
	Records  int       // all records read
	Counted  int       // counted (not warm-up) trial runs, of any status
	Machines []Machine // the machines the records ran on
}

// RunFailure is a counted run that did not finish well.
type RunFailure struct {
	Trial  Trial
	Round  int
	Status record.Status
	Error  string
}

// ReferenceInfo compares the reference workload's frames/s on one input.
type ReferenceInfo struct {
	Input      string
	Base, Cand stats.Summary
	// Speed is the candidate machine's speed relative to the baseline's:
	// the ratio of the medians (1.1 = the candidate ran the reference 10%
	// faster).
	Speed float64
}

// ErrMachines is wrapped by the error Evaluate returns when raw speeds
// from different machines would be compared.
var ErrMachines = errors.New("different machines")

// Evaluate applies rules to every trial the two sides share, metric by
// metric, using every counted run (warm-ups excluded). An error means the
// comparison could not be made at all (different machines without
// normalisation, no reference runs to normalise by, no trial in common, a
// per-trial rule that matches no trial); the verdicts are in the report.
func Evaluate(base, cand Side, rules *Rules, cfg Config) (*Report, error) {
	cfg.Options = cfg.Options.withDefaults()
	if err := cfg.Options.Validate(); err != nil {
		return nil, err
	}
	if cfg.Normalize == "" {
		cfg.Normalize = NormalizeNone
	}
	if cfg.Match == "" {
		cfg.Match = MatchID
	}
	if rules == nil {
		rules = DefaultRules()
	}
	rep := &Report{Config: cfg, Z: cfg.statsOptions().Z()}
	bs, err := collect(base, cfg)
	if err != nil {
		return nil, err
	}
	cs, err := collect(cand, cfg)
	if err != nil {
		return nil, err
	}
	rep.Baseline, rep.Candidate = bs.info, cs.info
	if cfg.Normalize == NormalizeNone {
		if err := sameMachine(bs, cs); err != nil {
			return nil, err
		}
	} else {
		for _, s := range []*sideData{bs, cs} {
			if err := s.canNormalize(); err != nil {
				return nil, err
			}
		}
	}
	rep.Notes = append(rep.Notes, bs.notes...)
	rep.Notes = append(rep.Notes, cs.notes...)

	// Per-trial rules must name trials that exist: a typo is an error.
	for _, k := range rules.Keys {
		if !bs.hasTrial(k) && !cs.hasTrial(k) {
			return nil, fmt.Errorf("%s: trial %q: no trial in %s or %s has this id or label", rules.Trials[k].Source, k, base.Name, cand.Name)
		}
	}

	common := 0
	for _, key := range cs.order {
		ct := cs.trials[key]
		bt, ok := bs.trials[key]
		if !ok {
			continue
		}
		common++
		for _, rule := range rules.For(ct.trial.ID, ct.trial.Label) {
			rep.Checks = append(rep.Checks, check(rule, bt, ct, bs, cs, cfg))
		}
	}
	if common == 0 {
		hint := ""
		if cfg.Match == MatchID {
			hint = "; trial ids hash the whole pipeline config, so a changed or added config field changes them all: --match label pairs trials by input and label instead"
		}
		return nil, fmt.Errorf("%s and %s share no trial (%d and %d trials)%s", base.Name, cand.Name, len(bs.trials), len(cs.trials), hint)
	}
	if n := len(bs.trials) - common; n > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d trials of the baseline are not in the candidate: %s", n, strings.Join(bs.missingFrom(cs), ", ")))
	}
	if n := len(cs.trials) - common; n > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d trials of the candidate are not in the baseline (nothing to compare them with): %s", n, strings.Join(cs.missingFrom(bs), ", ")))
	}
	for _, key := range cs.order {
		ct := cs.trials[key]
		for _, r := range ct.failed {
			rep.Failures = append(rep.Failures, RunFailure{Trial: ct.trial, Round: r.Round, Status: r.Status, Error: r.Error})
		}
	}
	if bs.failed > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%s: %d counted runs failed (left out; a failing baseline run does not fail the gate)", base.Name, bs.failed))
	}
	for _, s := range []*sideData{bs, cs} {
		if n := len(s.fallbacks); n > 0 {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: %d runs normalised by the median reference run, their round having none", s.name, n))
		}
	}
	for _, in := range cs.refOrder {
		b, c := bs.refFPS(in), cs.refFPS(in)
		if len(b) == 0 || len(c) == 0 {
			continue
		}
		ri := ReferenceInfo{Input: in, Base: stats.Summarize(b, cfg.statsOptions()), Cand: stats.Summarize(c, cfg.statsOptions())}
		ri.Speed = ri.Cand.Center / ri.Base.Center
		rep.References = append(rep.References, ri)
	}
	for _, c := range rep.Checks {
		v := c.Verdict
		if info, _ := metric.Lookup(c.Rule.Metric); info.Deterministic && v == Inconclusive {
			// Note: more runs cannot settle a count noise does not move;
			// an undecided deterministic check is a failure, not a shrug.
			v = Fail
		}
		rep.Verdict = max(rep.Verdict, v)
	}
	if len(rep.Failures) > 0 {
		rep.Verdict = Fail
	}
	return rep, nil
}

// check applies one rule to one trial.
func check(rule Rule, bt, ct *trialData, bs, cs *sideData, cfg Config) Check {
	c := Check{Trial: ct.trial, Rule: rule}
	info, _ := metric.Lookup(rule.Metric)
	// Note: thresholds are absolute figures a person wrote ("fps >= 300");
	// they always see raw values, never ratios to the reference.
	c.Normalized = cfg.Normalize != NormalizeNone && info.Scale != metric.Fixed && rule.Kind == Relative
	cv, cwhy := cs.values(ct, rule.Metric, c.Normalized)
	if rule.Kind == Threshold {
		judgeThreshold(&c, cv, cfg.Options)
		if len(cv) == 0 && cwhy != "" {
			c.Reason += " (" + cwhy + ")"
		}
		return c
	}
	bv, bwhy := bs.values(bt, rule.Metric, c.Normalized)
	switch {
	case len(bv) == 0 && len(bt.runs) > 0:
		c.Verdict, c.Reason = Inconclusive, "no baseline run has "+rule.Metric+parens(bwhy)
	case len(cv) == 0 && len(ct.runs) > 0:
		c.Verdict, c.Reason = Inconclusive, "no candidate run has "+rule.Metric+parens(cwhy)
	case info.Deterministic:
		judgeDeterministic(&c, bv, cv, cfg.Options)
	default:
		judgeRelative(&c, bv, cv, cfg.Options)
	}
	return c
}

func parens(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// trialData is one trial's runs on one side.
type trialData struct {
	trial  Trial
	runs   []*record.Result // counted runs that finished ok
	failed []*record.Result // counted runs that failed or timed out
}

// sideData is one side's records, sorted out.
type sideData struct {
	name   string
	info   SideInfo
	trials map[string]*trialData
	order  []string // trial keys, first seen first
	// refs holds the ok counted reference runs by input; refOrder their inputs.
	refs     map[string][]*record.Result
	refOrder []string
	refBad   map[string]int // failed reference runs by input
	refErr   map[string]string
	machines map[string]Machine
	norm     Normalize
	notes    []string
	// fallbacks holds the runs normalised by the median for want of a
	// reference run in their round.
	fallbacks map[*record.Result]bool
	failed    int // counted trial runs that failed
}

func trialKey(r *record.Result, m Match) string {
	if m == MatchLabel {
		return r.Input.Name + "\x00" + r.Label
	}
	return r.TrialID
}

func collect(s Side, cfg Config) (*sideData, error) {
	d := &sideData{
		name: s.Name, trials: map[string]*trialData{}, refs: map[string][]*record.Result{},
		refBad: map[string]int{}, refErr: map[string]string{}, machines: map[string]Machine{}, norm: cfg.Normalize,
		fallbacks: map[*record.Result]bool{},
	}
	d.info = SideInfo{Name: s.Name, Records: len(s.Results)}
	interrupted, warmups := 0, 0
	for _, r := range s.Results {
		if r.Warmup {
			warmups++
			continue
		}
		if r.Status == record.StatusInterrupted {
			interrupted++
			continue
		}
		if r.Status == record.StatusOK {
			m := MachineOf(r.Env)
			d.machines[m.Key()] = m
		}
		if record.IsCalibration(r) {
			in := r.Input.Name
			if _, ok := d.refs[in]; !ok {
				d.refOrder = append(d.refOrder, in)
				d.refs[in] = nil
			}
			if r.Status == record.StatusOK && r.Metrics != nil && r.Metrics.FPS > 0 {
				d.refs[in] = append(d.refs[in], r)
			} else {
				d.refBad[in]++
				if d.refErr[in] == "" {
					d.refErr[in] = r.Error
				}
			}
			continue
		}
		if record.IsReference(r) {
			continue // a CLI variant: compared in reports, never calibrates
		}
		d.info.Counted++
		key := trialKey(r, cfg.Match)
		t, ok := d.trials[key]
		if !ok {
			t = &trialData{trial: Trial{ID: r.TrialID, Label: r.Label, Input: r.Input.Name}}
			d.trials[key] = t
			d.order = append(d.order, key)
		}
		if r.Status == record.StatusOK {
			t.runs = append(t.runs, r)
		} else {
			t.failed = append(t.failed, r)
			d.failed++
		}
	}
	for _, k := range sortedKeys(d.machines) {
		d.info.Machines = append(d.info.Machines, d.machines[k])
	}
	if len(d.trials) == 0 {
		return nil, fmt.Errorf("%s: no counted trial runs (%d records, %d warm-ups, %d interrupted)", s.Name, len(s.Results), warmups, interrupted)
	}
	if interrupted > 0 {
		d.notes = append(d.notes, fmt.Sprintf("%s: %d interrupted runs left out", s.Name, interrupted))
	}
	for _, in := range d.refOrder {
		if n := d.refBad[in]; n > 0 {
			d.notes = append(d.notes, fmt.Sprintf("%s: %d reference runs on %s failed: %s", s.Name, n, in, d.refErr[in]))
		}
	}
	return d, nil
}

func (d *sideData) hasTrial(key string) bool {
	for _, t := range d.trials {
		if t.trial.ID == key || t.trial.Label == key {
			return true
		}
	}
	return false
}

func (d *sideData) missingFrom(o *sideData) []string {
	var out []string
	for _, k := range d.order {
		if _, ok := o.trials[k]; !ok {
			out = append(out, d.trials[k].trial.String())
		}
	}
	if len(out) > 5 {
		out = append(out[:5], "...")
	}
	return out
}

// canNormalize checks that every input with trial runs has reference runs.
func (d *sideData) canNormalize() error {
	for _, k := range d.order {
		in := d.trials[k].trial.Input
		if len(d.refs[in]) > 0 {
			continue
		}
		why := "it has no reference records: the sweep ran with calibrate = false, or before ftbench recorded the reference workload"
		if d.refBad[in] > 0 {
			why = fmt.Sprintf("all %d of its reference runs failed: %s", d.refBad[in], d.refErr[in])
		}
		return fmt.Errorf("%s: cannot normalise by the reference on input %s: %s", d.name, in, why)
	}
	return nil
}

// refFPS returns the frames/s of the input's ok counted reference runs.
func (d *sideData) refFPS(input string) []float64 {
	var out []float64
	for _, r := range d.refs[input] {
		out = append(out, r.Metrics.FPS)
	}
	return out
}

// refFor returns the reference frames/s that r is normalised by.
func (d *sideData) refFor(r *record.Result) float64 {
	if d.norm == NormalizeReferenceRound {
		for _, ref := range d.refs[r.Input.Name] {
			if ref.Round == r.Round && ref.Shard == r.Shard && ref.Sweep == r.Sweep {
				return ref.Metrics.FPS
			}
		}
		d.fallbacks[r] = true
	}
	return stats.Median(d.refFPS(r.Input.Name))
}

// values returns a metric's values over a trial's ok counted runs, and
// when there are none although there are runs, why (the records' own
// reason, such as "no GPU: ...").
func (d *sideData) values(t *trialData, name string, normalized bool) ([]float64, string) {
	info, _ := metric.Lookup(name)
	var out []float64
	why := ""
	for _, r := range t.runs {
		v, ok := metric.Value(r, name)
		if !ok {
			switch {
			case info.GPU && r.Resources.GPU != "":
				why = r.Resources.GPU
			case info.GroundTruth && r.Input.GroundTruth == "":
				why = "the input has no ground truth"
			}
			continue
		}
		if normalized {
			ref := d.refFor(r)
			if info.Scale == metric.Rate {
				v /= ref
			} else {
				v *= ref
			}
		}
		out = append(out, v)
	}
	return out, why
}

// sameMachine refuses to compare raw records from different machines.
func sameMachine(b, c *sideData) error {
	keys := func(d *sideData) []string { return sortedKeys(d.machines) }
	bk, ck := keys(b), keys(c)
	if len(bk) <= 1 && len(ck) <= 1 && (len(bk) == 0 || len(ck) == 0 || bk[0] == ck[0]) {
		return nil
	}
	desc := func(d *sideData) string {
		var parts []string
		for _, k := range keys(d) {
			parts = append(parts, d.machines[k].String())
		}
		return strings.Join(parts, " and ")
	}
	return fmt.Errorf("%w: the baseline %s ran on %s, the candidate %s on %s; raw speeds from different machines do not compare. "+
		"Pass --normalize reference (both sweeps must have recorded the reference workload), or compare with a baseline from this machine (ftbench baseline save)",
		ErrMachines, b.name, desc(b), c.name, desc(c))
}
