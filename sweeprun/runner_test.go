//go:build cgo

// Note: these tests run the real runner (cgo, for NVML) with this test
// binary as the fake pipeline child; the rest of the package's tests build
// without cgo.

package sweeprun

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/runner"
	"github.com/ftbench/ftbench/runner/runnertest"
)

func TestMain(m *testing.M) {
	runnertest.MaybeChild()
	os.Exit(m.Run())
}

// fakeRunner returns a runner whose child is this test binary acting as
// the fake pipeline with the given rules.
func fakeRunner(t *testing.T, rules string) *runner.Runner {
	t.Helper()
	t.Setenv(runnertest.EnvVar, rules)
	env := runner.Fingerprint(runner.Proc{}, nil, "no GPU: test")
	return &runner.Runner{
		Command:   []string{os.Args[0]},
		Dir:       t.TempDir(),
		Sampler:   &runner.Sampler{Interval: 10 * time.Millisecond, NoGPU: "no GPU: test"},
		Env:       &env,
		SweepName: "test",
	}
}

// testTrial returns a trial of batch over a dummy video.
func testTrial(t *testing.T, batch int) record.Trial {
	t.Helper()
	video := filepath.Join(t.TempDir(), "clip.mp4")
	if err := os.WriteFile(video, []byte("video"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.DefaultConfig().With(map[string]any{"batch": batch})
	if err != nil {
		t.Fatal(err)
	}
	in := record.Input{Name: "clip.mp4", Video: video, Size: 5}
	axes := []record.Setting{{Key: "batch", Value: batch}}
	return record.Trial{ID: record.TrialID(cfg, in), Label: record.Label(axes), Axes: axes, Config: cfg, Input: in}
}

// TestSweepGoesOnAfterFailures runs a grid through a real Runner whose
// children crash and hang.
func TestSweepGoesOnAfterFailures(t *testing.T) {
	r := fakeRunner(t, "sleep=0.01;crash=batch:2;hang=batch:3")
	plan := record.Plan{Name: "test", Repeats: 1, Warmups: 1, Timeout: 8 * time.Second}
	for i, b := range []int{1, 2, 3, 4} {
		tr := testTrial(t, b)
		tr.Index = i
		plan.Trials = append(plan.Trials, tr)
	}
	path := filepath.Join(r.Dir, record.ResultsFile)
	w, err := record.OpenWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	var progress []Status
	sum, err := RunGrid(context.Background(), r, plan, w, nil, func(p Status) { progress = append(progress, p) })
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	if sum.Runs != 8 || sum.OK != 4 || sum.Failed != 2 || sum.Timeout != 2 {
		t.Errorf("summary %+v; want 8 runs: 4 ok, 2 failed, 2 timeouts", sum)
	}
	results, warns, err := record.ReadResults(path)
	if err != nil || len(warns) != 0 {
		t.Fatal(err, warns)
	}
	if len(results) != 8 {
		t.Fatalf("%d records, want 8", len(results))
	}
	// Interleaved: round by round, trials in order; warm-ups flagged.
	for i, res := range results {
		want := plan.Trials[i%4]
		if res.TrialID != want.ID || res.Round != i/4 || res.Warmup != (i < 4) {
			t.Errorf("record %d: trial %s round %d warmup %v; want %s round %d", i, res.Label, res.Round, res.Warmup, want.Label, i/4)
		}
	}
	if len(progress) != 9 || progress[8].Done != 8 || progress[8].Next != nil || progress[0].Next.Trial.ID != plan.Trials[0].ID {
		t.Errorf("progress reports: %d, last %+v", len(progress), progress[len(progress)-1])
	}
	// Resuming with everything done runs nothing.
	w, _ = record.OpenWriter(path)
	sum, err = RunGrid(context.Background(), r, plan, w, DoneRuns(results), nil)
	w.Close()
	if err != nil || sum.Skipped != 8 || sum.OK+sum.Failed+sum.Timeout != 0 {
		t.Errorf("resume of a finished sweep: %+v, %v", sum, err)
	}
}
