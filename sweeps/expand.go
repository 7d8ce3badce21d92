package sweeps

import (
	"fmt"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/record"
)

// maxTrials bounds an expansion, so that a typo in a range (to = 100000)
// is an error rather than a sweep that never ends.
const maxTrials = 10000

// combo is one point of the axes' product.
type combo struct {
	axes   []record.Setting
	config config.Config
}

func (c combo) label() string { return record.Label(c.axes) }

// expand builds every point of the axes' product (the first axis varies
// slowest; axes grouped by together advance as one) and validates each
// whole config, since a value can be valid alone and invalid beside
// another (max_face below min_face).
func (p *parser) expand(base config.Config, axes []Axis, groups [][]int, inputs int) []combo {
	dims := dimensions(axes, groups)
	total := 1
	for _, d := range dims {
		a := axes[d[0]]
		total *= len(a.Values)
		if total*max(inputs, 1) > maxTrials {
			p.errs = append(p.errs, &Error{File: p.file, Line: a.Line, Field: "axes." + a.Field,
				Msg: fmt.Sprintf("the axes expand into more than %d trials", maxTrials)})
			return nil
		}
	}
	var out []combo
	idx := make([]int, len(dims))
	reported := map[string]bool{}
	for {
		c := combo{axes: make([]record.Setting, len(axes))}
		vals := make(map[string]any, len(axes))
		for di, d := range dims {
			for _, i := range d {
				a := axes[i]
				c.axes[i] = record.Setting{Key: a.Field, Value: a.Values[idx[di]]}
				vals[a.Field] = a.Values[idx[di]]
			}
		}
		cfg, err := base.With(vals)
		if err != nil {
			key := fieldOf(err)
			field := "base." + key
			if _, swept := vals[key]; swept {
				field = "axes." + key
			}
			msg := fmt.Sprintf("trial %s: %s", c.label(), msgOf(err))
			if !reported[field] && len(reported) < 10 {
				reported[field] = true
				p.errf(field, "%s", msg)
			}
		} else {
			c.config = cfg
			out = append(out, c)
		}
		if !advance(idx, axes, dims) {
			return out
		}
	}
}

// advance moves idx, an odometer over the dimensions' values, to the next
// point, last dimension fastest; it reports false after the last point.
func advance(idx []int, axes []Axis, dims [][]int) bool {
	for i := len(dims) - 1; i >= 0; i-- {
		idx[i]++
		if idx[i] < len(axes[dims[i][0]].Values) {
			return true
		}
		idx[i] = 0
	}
	return false
}

func (s *Spec) hasLabel(label string) bool {
	for _, c := range s.combos {
		if c.label() == label {
			return true
		}
	}
	return false
}

// uniqueIDs rejects specs whose axes reach the same config twice.
func (p *parser) uniqueIDs(s *Spec) {
	seen := map[string]string{}
	for _, t := range s.Trials() {
		if prev, ok := seen[t.ID]; ok {
			p.errf("axes", "trials %s and %s run the same config", prev, t.Label)
			return
		}
		seen[t.ID] = t.Label
	}
}

// MaxRepeats bounds repeats and warmups: past it a sweep is a typo, and
// the run list would be allocated (even under --dry-run) before anything
// could refuse it.
const MaxRepeats = 1000

// MaxRuns bounds the runs a sweep plans at its most: trials x (warmups +
// repeats, or repeats' max when it repeats until decided), plus the
// reference runs when it calibrates.
const MaxRuns = 100000

// runCount refuses a spec that plans more than MaxRuns runs.
func (p *parser) runCount(s *Spec) {
	repeats := max(s.Repeats, s.RepeatsMax)
	rounds := s.Warmups + repeats
	runs := len(s.Inputs) * len(s.combos) * rounds
	if s.Calibrate {
		runs += len(s.Inputs) * rounds
	}
	if runs > MaxRuns {
		field := "repeats"
		if p.lines.line("repeats") == 0 {
			field = "axes"
		}
		p.errf(field, "the sweep plans %d runs (%d trials x (%d warm-ups + %d repeats)); at most %d", runs, len(s.Inputs)*len(s.combos), s.Warmups, repeats, MaxRuns)
	}
}

// Trials expands the spec into its flat list of trials: for each input in
// order, every point of the axes' product. The order and the ids are the
// same on every machine.
func (s *Spec) Trials() []record.Trial {
	out := make([]record.Trial, 0, len(s.Inputs)*len(s.combos))
	for _, in := range s.Inputs {
		for _, c := range s.combos {
			out = append(out, record.Trial{
				ID:     record.TrialID(c.config, in),
				Label:  c.label(),
				Index:  len(out),
				Axes:   c.axes,
				Config: c.config,
				Input:  in,
			})
		}
	}
	return out
}

// Plan returns the spec's runs as a runner plan.
func (s *Spec) Plan() record.Plan {
	return record.Plan{Name: s.Name, Trials: s.Trials(), Warmups: s.Warmups, Repeats: s.Repeats, MaxRepeats: s.RepeatsMax, CI: s.RepeatsCI, Timeout: s.Timeout}
}
