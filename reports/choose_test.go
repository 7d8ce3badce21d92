package reports

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/sweeps"
)

// fakeTrial describes the counted runs of one trial.
type fakeTrial struct {
	set    map[string]any // config fields over the defaults
	fps    []float64
	hit    float64 // 0 for no ground truth
	failed int     // extra counted runs that failed
	vram   float64 // vram_fraction; 0 for no GPU
}

// fakeResults builds records for trials on one input, measured on a
// machine with cpus CPUs.
func fakeResults(t *testing.T, trials []fakeTrial, cpus int) []*record.Result {
	t.Helper()
	in := record.Input{Name: "clip", Fixture: "face_360p"}
	env := &record.Env{Host: "test", CPUs: cpus, UsableCPUs: cpus}
	var out []*record.Result
	for _, ft := range trials {
		cfg, err := config.DefaultConfig().With(ft.set)
		if err != nil {
			t.Fatal(err)
		}
		var axes []record.Setting
		for _, k := range sortedKeys(ft.set) {
			axes = append(axes, record.Setting{Key: k, Value: ft.set[k]})
		}
		base := record.Result{Version: 1, Sweep: "t", TrialID: record.TrialID(cfg, in), Label: record.Label(axes),
			Axes: ft.set, Config: cfg, Input: in, Env: env}
		for i, fps := range ft.fps {
			r := base
			r.Round, r.Repetition, r.Status = i, i, record.StatusOK
			r.Metrics = &metrics.Metrics{Frames: 90, FPS: fps, WallSeconds: 90 / fps}
			if ft.hit > 0 {
				r.Metrics.Quality = &metrics.Quality{HitRate: ft.hit}
			}
			if ft.vram > 0 {
				r.Resources.VRAMFraction = ft.vram
			} else {
				r.Resources.GPU = "no GPU: test"
			}
			out = append(out, &r)
		}
		for i := 0; i < ft.failed; i++ {
			r := base
			r.Round, r.Status, r.Error = len(ft.fps)+i, record.StatusFailed, "exit status 1"
			out = append(out, &r)
		}
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if keys[j] < keys[i] {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	return keys
}

func mustConstraints(t *testing.T, texts ...string) []sweeps.Constraint {
	t.Helper()
	var out []sweeps.Constraint
	for _, s := range texts {
		c, err := sweeps.ParseConstraint(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func TestChoose(t *testing.T) {
	t.Parallel()
	maxFPS := sweeps.Objective{Metric: "fps", Direction: sweeps.Maximize}
	fast := []float64{100, 102, 104, 101, 103}
	slow := []float64{90, 91, 92, 93, 89}
	alike := []float64{99, 101, 100, 103, 102}
	tests := []struct {
		name        string
		objective   sweeps.Objective
		constraints []string
		cpus        int
		trials      []fakeTrial
		best        string // "" for no feasible config
		powerless   bool
		why         string // in the reasons or the infeasible list
	}{
		{
			name:   "significantly faster wins even if it costs more",
			trials: []fakeTrial{{set: map[string]any{"decoder_threads": 1}, fps: slow}, {set: map[string]any{"decoder_threads": 4}, fps: fast}},
			best:   "decoder_threads=4", why: "no other is statistically indistinguishable",
		},
		{
			name:   "a tie goes to fewer threads",
			trials: []fakeTrial{{set: map[string]any{"decoder_threads": 4}, fps: fast}, {set: map[string]any{"decoder_threads": 2}, fps: alike}},
			best:   "decoder_threads=2", why: "uses fewer resources: threads",
		},
		{
			name: "a tie goes to fewer processes before fewer threads",
			trials: []fakeTrial{{set: map[string]any{"processes": 2, "decoder_threads": 1}, fps: fast},
				{set: map[string]any{"processes": 1, "decoder_threads": 4}, fps: alike}},
			best: "decoder_threads=4,processes=1", why: "processes",
		},
		{
			name: "threads = 0 counts as every CPU",
			cpus: 16,
			trials: []fakeTrial{{set: map[string]any{"encode_threads": 0}, fps: fast},
				{set: map[string]any{"encode_threads": 8}, fps: alike}},
			best: "encode_threads=8", why: "threads 24 vs 32",
		},
		{
			name:   "too few runs to test: the best median",
			trials: []fakeTrial{{set: map[string]any{"batch": 1}, fps: []float64{100}}, {set: map[string]any{"batch": 8}, fps: []float64{110}}},
			best:   "batch=8", powerless: true, why: "too few runs",
		},
		{
			// 2+2 runs: the U test's smallest one-sided p is 1/6; Welch's
			// t on the logs separates 100-101 from 110-111.
			name:   "a powerless rank test gives way to Welch's t",
			trials: []fakeTrial{{set: map[string]any{"batch": 1}, fps: []float64{100, 101}}, {set: map[string]any{"batch": 8}, fps: []float64{110, 111}}},
			best:   "batch=8", why: "slower than the top (p=0.003, welch-log)",
		},
		{
			name:   "a failed run rules a config out",
			trials: []fakeTrial{{set: map[string]any{"batch": 1}, fps: slow}, {set: map[string]any{"batch": 8}, fps: fast, failed: 1}},
			best:   "batch=1", why: "",
		},
		{
			name:        "constraints rule configs out",
			constraints: []string{"quality.hit_rate >= 0.9"},
			trials:      []fakeTrial{{set: map[string]any{"batch": 1}, fps: slow, hit: 0.95}, {set: map[string]any{"batch": 8}, fps: fast, hit: 0.5}},
			best:        "batch=1", why: "quality.hit_rate >= 0.9: 0.950",
		},
		{
			name:        "a constraint on a metric not measured is not met",
			constraints: []string{"vram_fraction <= 0.85"},
			trials:      []fakeTrial{{set: map[string]any{"batch": 1}, fps: slow}, {set: map[string]any{"batch": 8}, fps: fast}},
			best:        "", why: "vram_fraction <= 0.85 cannot be checked: no GPU",
		},
		{
			name:        "a constraint on VRAM with a GPU",
			constraints: []string{"vram_fraction <= 0.85"},
			trials:      []fakeTrial{{set: map[string]any{"batch": 1}, fps: slow, vram: 0.5}, {set: map[string]any{"batch": 8}, fps: fast, vram: 0.9}},
			best:        "batch=1", why: "vram_fraction <= 0.85: 50.0%",
		},
		{
			name:      "minimize wall time",
			objective: sweeps.Objective{Metric: "wall_seconds", Direction: sweeps.Minimize},
			trials:    []fakeTrial{{set: map[string]any{"batch": 1}, fps: fast}, {set: map[string]any{"batch": 8}, fps: slow}},
			best:      "batch=1", why: "best median wall_seconds",
		},
		{
			name:   "no runs at all",
			trials: []fakeTrial{{set: map[string]any{"batch": 1}, failed: 3}},
			best:   "", why: "3 of 3 runs failed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			obj := tt.objective
			if obj.Metric == "" {
				obj = maxFPS
			}
			cpus := tt.cpus
			if cpus == 0 {
				cpus = 2
			}
			spec := &sweeps.Spec{Name: "t", File: "t.toml", Objective: obj, Constraints: mustConstraints(t, tt.constraints...), Repeats: 5}
			r := Analyze(fakeResults(t, tt.trials, cpus), spec, Options{})
			got := ""
			if r.Choice.Best != nil {
				got = r.Choice.Best.Label
			}
			if got != tt.best {
				t.Errorf("best = %q, want %q\n%s", got, tt.best, strings.Join(choiceReasons(r), "\n"))
			}
			if r.Choice.Powerless != tt.powerless {
				t.Errorf("powerless = %t, want %t", r.Choice.Powerless, tt.powerless)
			}
			if text := choiceHeadline(r) + "\n" + strings.Join(choiceReasons(r), "\n"); !strings.Contains(text, tt.why) {
				t.Errorf("the explanation lacks %q:\n%s", tt.why, text)
			}
		})
	}
}

// TestProductionConfigFillsMissingFields: records made before the
// pipeline had a field decode it as zero; best.toml takes the spec's value
// for it instead of an invalid zero, and says so.
func TestProductionConfigFillsMissingFields(t *testing.T) {
	t.Parallel()
	spec, err := sweeps.Parse([]byte("name = \"old\"\n[[input]]\nfixture = \"face_360p\"\n[axes]\nbatch = [1, 8]\n"), "old.toml", "")
	if err != nil {
		t.Fatal(err)
	}
	results := fakeResults(t, []fakeTrial{{set: map[string]any{"batch": 1}, fps: []float64{100, 101, 102}},
		{set: map[string]any{"batch": 8}, fps: []float64{50, 51, 52}}}, 2)
	for _, r := range results {
		r.Input.Name = "face_360p"
		r.Config.Processes, r.Config.Streams = 0, 0 // as an old record decodes
	}
	r := Analyze(results, spec, Options{})
	best := r.Choice.Best
	if best == nil {
		t.Fatalf("no config chosen: %s", strings.Join(choiceReasons(r), "\n"))
	}
	if best.Config.Processes != 1 || best.Config.Streams != 1 || best.Config.Batch != 1 {
		t.Errorf("config %+v, want processes and streams from the spec and batch from the record", best.Config)
	}
	data, err := BestTOML(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "processes = 1, streams = 1") {
		t.Errorf("best.toml does not say which fields it filled:\n%s", data)
	}
	if _, err := config.ParseConfig(data, "best.toml"); err != nil {
		t.Error(err)
	}
}

// TestTwoInputs: a config is one candidate over its trials on every
// input; its runs pool, and it must meet the constraints on each.
func TestTwoInputs(t *testing.T) {
	t.Parallel()
	var results []*record.Result
	for i, name := range []string{"talk", "walk"} {
		hit := 0.95
		if name == "walk" {
			hit = 0.8 // batch=8 loses the face on this one
		}
		rs := fakeResults(t, []fakeTrial{
			{set: map[string]any{"batch": 1}, fps: []float64{100, 101, 102}, hit: 0.95},
			{set: map[string]any{"batch": 8}, fps: []float64{150, 151, 152}, hit: hit},
		}, 2)
		for _, r := range rs {
			r.Input.Name = name
			r.TrialID = fmt.Sprintf("%s-%d", r.TrialID[:6], i)
		}
		results = append(results, rs...)
	}
	spec := &sweeps.Spec{Name: "t", File: "t.toml", Objective: sweeps.Objective{Metric: "fps", Direction: sweeps.Maximize},
		Constraints: mustConstraints(t, "quality.hit_rate >= 0.9")}
	r := Analyze(results, spec, Options{})
	if len(r.Trials) != 4 || len(r.Choice.Candidates) != 2 {
		t.Fatalf("%d trials and %d candidates, want 4 and 2", len(r.Trials), len(r.Choice.Candidates))
	}
	if best := r.Choice.Best; best == nil || best.Label != "batch=1" || len(best.Samples) != 6 {
		t.Fatalf("best %+v, want batch=1 with 6 pooled runs", best)
	}
	if why := infeasibleWhy(r.Choice.Candidates[1], true); !strings.Contains(why, "not met on walk") {
		t.Errorf("batch=8 infeasible because %q, want the input named", why)
	}
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "batch=8 @ walk") {
		t.Error("chart labels do not name the input")
	}
}

// TestBatchCost checks the batch term: a fixed batch costs itself,
// batch = "auto" what it may grow to (batch_max), and batch_max alone
// costs nothing (it is a limit, not a use).
func TestBatchCost(t *testing.T) {
	term := DefaultCost[len(DefaultCost)-1]
	if term.Name != "batch" {
		t.Fatalf("last cost term is %s", term.Name)
	}
	cfg := config.DefaultConfig()
	cfg.BatchMax = 64
	for b, want := range map[config.BatchSize]float64{16: 16, config.BatchAuto: 64} {
		cfg.Batch = b
		if got := term.value(&Candidate{Config: cfg}); got != want {
			t.Errorf("batch %v: cost %g, want %g", b, got, want)
		}
	}
	cfg.Batch = config.BatchAuto // the map above leaves either value
	cand := &Candidate{Config: cfg, Cost: []float64{0, 0, 0, 0, 64}}
	if s := fmtCost(cand, DefaultCost); !strings.Contains(s, "batch 64 (auto, counted at batch_max)") {
		t.Errorf("cost text %q", s)
	}
}
