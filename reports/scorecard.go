package reports

import (
	"fmt"
	"math"

	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/stats"
	"github.com/ftbench/ftbench/sweeps"
)

// Verdicts of a KPI on the scorecard.
const (
	KPIMet         = "met"
	KPINotMet      = "not met"
	KPINotMeasured = "not measurable here"
)

const (
	minuteOfVideo = 60.0
	timeKPI       = "time"
)

// KPIScore is one row of the scorecard: a KPI of the plan, measured on
// the chosen config, beside the plan's today and goal.
type KPIScore struct {
	Target sweeps.KPITarget
	// Label names the KPI for people ("total processing time").
	Label string
	Unit  metric.Unit
	// Measured summarises the KPI over the chosen config's counted runs;
	// N is 0 when they lack it, and Why then says why ("no GPU").
	Measured stats.Summary
	Why      string
	// Verdict is KPIMet, KPINotMet or KPINotMeasured.
	Verdict string
}

// Scorecard is the chosen config against the plan's KPI table.
type Scorecard struct {
	Config string // the chosen config's label
	Rows   []KPIScore
	// Bottleneck bounds the chosen config, the reason of its "not met"
	// rows; nil without stage times.
	Bottleneck *Bottleneck
}

// scorecard judges the chosen config by the spec's KPI targets (the
// plan's by default); nil when no config was chosen.
func (r *Report) scorecard() *Scorecard {
	if r.Choice == nil || r.Choice.Best == nil {
		return nil
	}
	best := r.Choice.Best
	targets := sweeps.DefaultKPIs()
	if r.Spec != nil && len(r.Spec.KPIs) > 0 {
		targets = r.Spec.KPIs
	}
	var runs []*record.Result
	for _, t := range best.Trials {
		if t != nil {
			runs = append(runs, t.Runs...)
		}
	}
	sc := &Scorecard{Config: best.Label, Bottleneck: findBottleneck(runs, r.axisFields())}
	for _, k := range targets {
		m, _ := metric.Lookup(k.Metric)
		row := KPIScore{Target: k, Label: m.Label, Unit: m.Unit}
		var values []float64
		for _, run := range runs {
			v, ok := kpiValue(k, m, run)
			if ok {
				values = append(values, v)
			} else if row.Why == "" {
				row.Why = m.WhyAbsent(run)
			}
		}
		switch {
		case len(values) == 0:
			row.Verdict = KPINotMeasured
			if row.Why == "" {
				row.Why = "no runs"
			}
		default:
			row.Why = ""
			row.Measured = stats.Summarize(values, r.Opts.statsOptions())
			row.Verdict = KPINotMet
			if k.Met(row.Measured.Center) {
				row.Verdict = KPIMet
			}
		}
		sc.Rows = append(sc.Rows, row)
	}
	return sc
}

// kpiValue returns a run's value of a KPI: the metric itself, except the
// total time, which is the wall time scaled to one minute of the input's
// video (the plan's "total processing time of a one-minute video").
func kpiValue(k sweeps.KPITarget, m *metric.Metric, run *record.Result) (float64, bool) {
	v, ok := m.Value(run)
	if !ok || math.IsNaN(v) {
		return 0, false
	}
	if k.Key != timeKPI {
		return v, true
	}
	mt := run.Metrics
	if mt == nil || mt.Frames <= 0 || mt.InputFPS <= 0 {
		return 0, false
	}
	return v * minuteOfVideo / (float64(mt.Frames) / mt.InputFPS), true
}

// fmtTarget formats a KPI value (today's or a goal's) in its unit.
func fmtTarget(u metric.Unit, v float64) string {
	return metric.Format(v, u)
}

// goalText is a KPI's goal as the plan writes it: "<= 4 s", ">= 90%".
func goalText(row KPIScore) string {
	op := map[string]string{"<=": "≤", ">=": "≥"}[row.Target.Op]
	if op == "" {
		op = row.Target.Op
	}
	return op + " " + fmtTarget(row.Unit, row.Target.Goal)
}

// measuredText is a KPI's measured value with its interval, or why there
// is none.
func measuredText(row KPIScore) string {
	if row.Measured.N == 0 {
		return "(" + row.Why + ")"
	}
	return fmtInterval(row.Measured, row.Unit)
}

// verdictText is a KPI's verdict, with the reason where the goal is not
// met or cannot be measured.
func verdictText(row KPIScore, b *Bottleneck) string {
	switch row.Verdict {
	case KPINotMeasured:
		return fmt.Sprintf("%s (%s)", KPINotMeasured, row.Why)
	case KPINotMet:
		if b != nil {
			return fmt.Sprintf("%s: bounded by %s", KPINotMet, b.Stage)
		}
	}
	return row.Verdict
}
