package reports

import (
	"math"
	"testing"

	"github.com/ftbench/ftbench/metric"
)

// TestScorecard: the chosen config against the plan's KPI table, on the
// recorded GPU and CPU sweeps, and with a spec's own [kpi] table.
func TestScorecard(t *testing.T) {
	t.Parallel()
	verdicts := func(sc *Scorecard) map[string]string {
		out := map[string]string{}
		for _, row := range sc.Rows {
			out[row.Target.Key] = row.Verdict
		}
		return out
	}
	gpu := analyzeScenario(t, "gpu")
	sc := gpu.Scorecard
	if sc == nil || sc.Config != gpu.Choice.Best.Label || len(sc.Rows) != 5 {
		t.Fatalf("scorecard %+v, want the plan's 5 KPIs for %s", sc, gpu.Choice.Best.Label)
	}
	want := map[string]string{"time": KPIMet, "gpu": KPINotMet, "cpu": KPINotMet, "vram": KPINotMet, "fps": KPIMet}
	for k, v := range verdicts(sc) {
		if want[k] != v {
			t.Errorf("gpu sweep: %s is %q, want %q", k, v, want[k])
		}
	}
	// 1800 frames at 30 frames/s are one minute of video: the time KPI
	// is the wall time itself, 1800 frames over the median frames/s.
	fps, _ := gpu.Choice.Best.Trials[0].Stat("fps")
	if got, want := sc.Rows[0].Measured.Center, 1800/fps.Center; math.Abs(got-want) > 0.02*want {
		t.Errorf("time KPI %g s, want about %g s (1800 frames at %g f/s)", got, want, fps.Center)
	}

	cpu := analyzeScenario(t, "cpu")
	for _, row := range cpu.Scorecard.Rows {
		m, _ := metric.Lookup(row.Target.Metric)
		if m.GPU != (row.Verdict == KPINotMeasured) {
			t.Errorf("cpu sweep: %s is %q (%s)", row.Target.Key, row.Verdict, row.Why)
		}
		if m.GPU && verdictText(row, nil) != "not measurable here (no GPU)" {
			t.Errorf("cpu sweep: %s says %q", row.Target.Key, verdictText(row, nil))
		}
	}

	// A spec's [kpi] goal is what the verdict reads.
	spec, results := loadScenario(t, "gpu")
	for i := range spec.KPIs {
		if spec.KPIs[i].Key == "fps" {
			spec.KPIs[i].Goal = 1000
		}
	}
	if v := verdicts(Analyze(results, spec, Options{}).Scorecard)["fps"]; v != KPINotMet {
		t.Errorf("fps against a goal of 1000 f/s: %q, want not met", v)
	}

	if nf := analyzeScenario(t, "nofeasible"); nf.Scorecard != nil {
		t.Errorf("no config chosen, but a scorecard: %+v", nf.Scorecard)
	}
}
