package reports

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/sweeps"
)

// curvesScenario is a two-trial sweep on one fixture whose runs carry the
// OTB curves: trial 0 (the faster, so the chosen one) has precision and
// success curves of 0.2 + 0.1*round, trial 1 of 0.5 + 0.1*round.
func curvesScenario(t *testing.T) (*sweeps.Spec, []*record.Result) {
	t.Helper()
	spec, err := sweeps.Parse([]byte(`name = "curves"
repeats = 3
constraints = ["quality.success_auc >= 0.1"]

[[input]]
fixture = "face_360p"

[axes]
preset = ["ultrafast", "veryfast"]
`), "curves.toml", "")
	if err != nil {
		t.Fatal(err)
	}
	var results []*record.Result
	for _, run := range spec.Plan().Runs() {
		tr := run.Trial
		level := 0.2 + 0.3*float64(tr.Index) + 0.1*float64(run.Round)
		curve := func(n int) []float64 {
			c := make([]float64, n)
			for k := range c {
				c[k] = level
			}
			return c
		}
		fps := 200 - 50*float64(tr.Index) + float64(run.Round)
		r := &record.Result{Version: 1, Sweep: spec.Name, TrialID: tr.ID, Label: tr.Label, Config: tr.Config,
			Input: tr.Input, Round: run.Round, Repetition: run.Repetition, Status: record.StatusOK,
			Metrics: &metrics.Metrics{Frames: 90, FPS: fps, WallSeconds: 90 / fps, Quality: &metrics.Quality{
				HitRate: 0.9, GTFrames: 90, SuccessAUC: level, Precision20: level,
				PrecisionCurve: curve(51), SuccessCurve: curve(21)}}}
		results = append(results, r)
	}
	return spec, results
}

func TestQualityCurves(t *testing.T) {
	t.Parallel()
	spec, results := curvesScenario(t)
	r := Analyze(results, spec, Options{})
	if len(r.Curves) != 2 {
		t.Fatalf("%d trials with curves, want 2", len(r.Curves))
	}
	// Rounds 0, 1, 2: the pointwise median is round 1's curve.
	for i, want := range []float64{0.3, 0.6} {
		c := r.Curves[i]
		if len(c.Precision) != 51 || len(c.Success) != 21 {
			t.Fatalf("trial %d: curves of %d and %d points", i, len(c.Precision), len(c.Success))
		}
		if c.Precision[50] < want-1e-9 || c.Precision[50] > want+1e-9 || c.SuccessAUC < want-1e-9 || c.SuccessAUC > want+1e-9 {
			t.Errorf("trial %d: precision %v, AUC %v, want the median run's %v", i, c.Precision[50], c.SuccessAUC, want)
		}
		if c.Chosen != (i == 0) {
			t.Errorf("trial %d: chosen %t, want %t (the faster trial is chosen)", i, c.Chosen, i == 0)
		}
	}
	blocks, err := r.qualityCharts()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, b := range blocks {
		ids = append(ids, b.ID)
		var opt struct {
			Series []struct {
				Name      string
				Data      [][2]float64
				LineStyle struct{ Width float64 } `json:"lineStyle"`
			}
		}
		if err := json.Unmarshal([]byte(b.Option), &opt); err != nil {
			t.Fatalf("%s: %v", b.ID, err)
		}
		if len(opt.Series) != 2 {
			t.Fatalf("%s: %d lines, want 2", b.ID, len(opt.Series))
		}
		for i, s := range opt.Series {
			if chosen := strings.HasSuffix(s.Name, "(chosen)"); chosen != (i == 0) || (s.LineStyle.Width == 4) != chosen {
				t.Errorf("%s: line %q width %v: only the chosen trial's is thick and named so", b.ID, s.Name, s.LineStyle.Width)
			}
		}
		last := opt.Series[0].Data[len(opt.Series[0].Data)-1]
		if want := map[string][2]float64{"chart-precision-0": {50, 0.3}, "chart-success-0": {1, 0.3}}[b.ID]; last != want {
			t.Errorf("%s: last point %v, want %v", b.ID, last, want)
		}
	}
	if !slices.Equal(ids, []string{"chart-precision-0", "chart-success-0"}) {
		t.Errorf("charts %v, want a precision and a success plot", ids)
	}
}
