package sweeps

import (
	"strings"

	"github.com/ftbench/ftbench/metric"
)

// Machine is what the machine a spec is to run on offers, as far as
// measuring goes. The command finds it out; sweeps stays pure.
type Machine struct {
	// GPU says whether the machine has a GPU the sampler can read.
	GPU bool
}

// goal is a metric the spec's choice depends on, with the field that
// names it.
type goal struct {
	field, metric string
}

// goals returns the objective's and the constraints' metrics.
func (s *Spec) goals() []goal {
	out := []goal{{"objective.metric", s.Objective.Metric}}
	for _, c := range s.Constraints {
		out = append(out, goal{"constraints", c.Metric})
	}
	return out
}

// unmeasurableGoals reports the objective and constraints that the spec's
// own runs cannot measure: a metric of an instrument the spec does not
// use, or one that needs ground truth when some input has none. Such a
// spec could only end in "no feasible config".
func (p *parser) unmeasurableGoals(s *Spec) {
	for _, g := range s.goals() {
		if m, ok := metric.Lookup(g.metric); ok && m.Instrument != "" && m.Instrument != s.Instrument {
			p.errf(g.field, "%s is counted under instrument = %q, which this spec does not set; add it, or drop %s",
				g.metric, m.Instrument, g.metric)
		}
	}
	var without []string
	for _, in := range s.Inputs {
		if in.Fixture == "" && in.GroundTruth == "" {
			without = append(without, in.Name)
		}
	}
	if len(without) == 0 {
		return
	}
	for _, g := range s.goals() {
		if m, ok := metric.Lookup(g.metric); ok && m.GroundTruth {
			p.errf(g.field, "%s is measured against ground truth, and input %s has no gt; give each [[input]] a gt file, or drop %s",
				g.metric, strings.Join(without, ", "), g.metric)
		}
	}
}

// CheckMachine returns an ErrorList, located at the spec's lines, naming
// each objective or constraint metric that machine m cannot measure (a
// GPU metric on a machine without a GPU), or nil. Run it before any trial:
// such a sweep would run to the end and choose nothing.
func (s *Spec) CheckMachine(m Machine) error {
	p := &parser{file: s.File, lines: s.lines}
	for _, g := range s.goals() {
		if mt, ok := metric.Lookup(g.metric); ok && mt.GPU && !m.GPU {
			p.errf(g.field, "%s is a GPU metric and this machine has no GPU (or its driver does not answer); run on a GPU machine, or drop %s",
				g.metric, g.metric)
		}
	}
	if len(p.errs) > 0 {
		return p.sorted()
	}
	return nil
}
