package gate

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/record"
)

var (
	envA = &record.Env{CPUModel: "Test CPU A", CPUs: 2, UsableCPUs: 2, OS: "linux", Arch: "amd64"}
	envB = &record.Env{CPUModel: "Test CPU B", CPUs: 16, UsableCPUs: 16, OS: "linux", Arch: "amd64",
		GPU: record.GPUEnv{Devices: []record.GPUDevice{{Name: "NVIDIA H100"}}}}
)

// rec returns an ok counted record of a trial run.
func rec(id, label string, round int, fps float64, env *record.Env) *record.Result {
	return &record.Result{
		Version: record.RecordVersion, Sweep: "t", TrialID: id, Label: label, Round: round, Repetition: round,
		Input:  record.Input{Name: "face_360p", GroundTruth: "face.gt"},
		Status: record.StatusOK, Env: env, Start: time.Unix(int64(round), 0),
		Resources: record.Resources{GPU: "no GPU: test"},
		Metrics: &metrics.Metrics{Frames: 90, FPS: fps, WallSeconds: 90 / fps, PeakRSSBytes: 100 << 20,
			Quality: &metrics.Quality{HitRate: 0.95}},
	}
}

func ref(round int, fps float64, env *record.Env) *record.Result {
	r := rec("ref000000000", record.ReferenceLabel, round, fps, env)
	r.Metrics.Quality = nil
	return r
}

// side makes one trial's runs with the given frames/s, and a reference
// run per round when refFPS > 0.
func side(env *record.Env, refFPS float64, fps ...float64) []*record.Result {
	var out []*record.Result
	for i, v := range fps {
		if refFPS > 0 {
			out = append(out, ref(i, refFPS*(1+0.001*float64(i%3)), env))
		}
		out = append(out, rec("aaaaaaaaaaaa", "batch=16", i, v, env))
	}
	return out
}

var steady = []float64{300, 303, 297, 301, 299, 302, 298, 300, 304, 296}

func scaled(xs []float64, f float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = x * f
	}
	return out
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	hitRule, err := ParseRules([]byte("thresholds = [\"quality.hit_rate >= 0.99\"]\n[max_regression]\nfps = \"5%\"\n"), "r.toml")
	if err != nil {
		t.Fatal(err)
	}
	gpuRule, _ := ParseRules([]byte("thresholds = [\"gpu_util_mean >= 0.8\"]\n"), "r.toml")
	tests := []struct {
		name       string
		base, cand []*record.Result
		rules      *Rules
		cfg        Config
		verdict    Verdict
		reason     string // in some check's reason or a failure
	}{
		{name: "same", base: side(envA, 0, steady...), cand: side(envA, 0, scaled(steady, 1.01)...), verdict: Pass, reason: "within the -5.0% allowed"},
		{name: "15% slower", base: side(envA, 0, steady...), cand: side(envA, 0, scaled(steady, 0.85)...), verdict: Fail, reason: "regression: -15.0%"},
		{name: "two runs a side", base: side(envA, 0, 300, 250), cand: side(envA, 0, 240, 330), verdict: Inconclusive, reason: "2+2 runs: need at least 3 a side"},
		{name: "threshold broken", base: side(envA, 0, steady...), cand: side(envA, 0, steady...), rules: hitRule, verdict: Fail, reason: "the median 0.95 breaks quality.hit_rate >= 0.99"},
		{name: "absent GPU metric", base: side(envA, 0, steady...), cand: side(envA, 0, steady...), rules: gpuRule, verdict: Inconclusive, reason: "no candidate run has gpu_util_mean"},
		{
			name: "other machine, normalised", base: side(envA, 1500, steady...), cand: side(envB, 4500, scaled(steady, 3)...),
			cfg: Config{Normalize: NormalizeReference}, verdict: Pass, reason: "within",
		},
		{
			name: "other machine, normalised, 15% slower", base: side(envA, 1500, steady...), cand: side(envB, 4500, scaled(steady, 3*0.85)...),
			cfg: Config{Normalize: NormalizeReference}, verdict: Fail, reason: "regression: -15.0%",
		},
		{
			name: "per-round normalisation", base: side(envA, 1500, steady...), cand: side(envB, 3000, scaled(steady, 2)...),
			cfg: Config{Normalize: NormalizeReferenceRound}, verdict: Pass, reason: "within",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rep, err := Evaluate(Side{"base.jsonl", tt.base}, Side{"cand.jsonl", tt.cand}, tt.rules, tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			var reasons []string
			for _, c := range rep.Checks {
				reasons = append(reasons, c.Reason)
			}
			if rep.Verdict != tt.verdict || !strings.Contains(strings.Join(reasons, "\n"), tt.reason) {
				t.Errorf("verdict %v, reasons:\n%s\nwant %v and %q", rep.Verdict, strings.Join(reasons, "\n"), tt.verdict, tt.reason)
			}
		})
	}
}

func TestEvaluateFailedRun(t *testing.T) {
	t.Parallel()
	cand := side(envA, 0, steady...)
	cand[3].Status, cand[3].Error, cand[3].Metrics = record.StatusFailed, "killed by SIGSEGV", nil
	base := side(envA, 0, steady...)
	base[2].Status, base[2].Metrics = record.StatusTimeout, nil
	rep, err := Evaluate(Side{"base.jsonl", base}, Side{"cand.jsonl", cand}, nil, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != Fail || len(rep.Failures) != 1 || rep.Failures[0].Error != "killed by SIGSEGV" {
		t.Errorf("verdict %v, failures %+v", rep.Verdict, rep.Failures)
	}
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "base.jsonl: 1 counted runs failed") {
		t.Errorf("notes: %v", rep.Notes)
	}
	// Warm-ups and interrupted runs are left out, not failures.
	cand = side(envA, 0, steady...)
	cand[0].Warmup = true
	cand[1].Status = record.StatusInterrupted
	rep, err = Evaluate(Side{"base.jsonl", side(envA, 0, steady...)}, Side{"cand.jsonl", cand}, nil, Config{})
	if err != nil || rep.Verdict != Pass || rep.Checks[0].Cand.N != 8 {
		t.Errorf("verdict %v n %d err %v", rep.Verdict, rep.Checks[0].Cand.N, err)
	}
}

func TestEvaluateErrors(t *testing.T) {
	t.Parallel()
	override, _ := ParseRules([]byte("[max_regression]\nfps = \"5%\"\n[trial.\"batch=17\"]\nmax_regression = { fps = \"9%\" }\n"), "r.toml")
	other := side(envA, 0, steady...)
	for _, r := range other {
		r.TrialID = "bbbbbbbbbbbb"
	}
	tests := []struct {
		name       string
		base, cand []*record.Result
		rules      *Rules
		cfg        Config
		want       string
	}{
		{name: "different machines", base: side(envA, 0, steady...), cand: side(envB, 0, steady...),
			want: "the baseline base.jsonl ran on Test CPU A, 2 CPUs, no GPU, the candidate cand.jsonl on Test CPU B, 16 CPUs, NVIDIA H100"},
		{name: "no reference", base: side(envA, 0, steady...), cand: side(envB, 1000, steady...), cfg: Config{Normalize: NormalizeReference},
			want: "base.jsonl: cannot normalise by the reference on input face_360p: it has no reference records"},
		{name: "override for no trial", base: side(envA, 0, steady...), cand: side(envA, 0, steady...), rules: override,
			want: `r.toml:3: trial "batch=17": no trial in base.jsonl or cand.jsonl has this id or label`},
		{name: "no trial in common", base: side(envA, 0, steady...), cand: other, want: "share no trial (1 and 1 trials); trial ids hash the whole pipeline config"},
		{name: "nothing counted", base: side(envA, 0), cand: side(envA, 0, steady...), want: "base.jsonl: no counted trial runs"},
		{name: "bad alpha", base: side(envA, 0, steady...), cand: side(envA, 0, steady...), cfg: Config{Options: Options{Alpha: 0.7}}, want: "alpha 0.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Evaluate(Side{"base.jsonl", tt.base}, Side{"cand.jsonl", tt.cand}, tt.rules, tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
	_, err := Evaluate(Side{"base.jsonl", side(envA, 0, steady...)}, Side{"cand.jsonl", side(envB, 0, steady...)}, nil, Config{})
	if !errors.Is(err, ErrMachines) {
		t.Errorf("error %v is not ErrMachines", err)
	}
	// By label, trials whose ids changed still pair.
	rep, err := Evaluate(Side{"base.jsonl", side(envA, 0, steady...)}, Side{"cand.jsonl", other}, nil, Config{Match: MatchLabel})
	if err != nil || len(rep.Checks) != 1 || rep.Verdict != Pass {
		t.Errorf("match by label: %v %+v", err, rep)
	}
}

func TestMachineID(t *testing.T) {
	t.Parallel()
	a := MachineOf(envA)
	if id := a.ID(); !strings.HasPrefix(id, "test-cpu-a-2cpu-nogpu-") || len(id) != len("test-cpu-a-2cpu-nogpu-")+8 {
		t.Errorf("ID %q", id)
	}
	if MachineOf(envB).ID() == a.ID() || MachineOf(nil).String() != "an unknown machine" {
		t.Error("machine ids or names collide")
	}
}
