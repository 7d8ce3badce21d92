//go:build cgo

// Note: these tests run the real runner (cgo, for NVML) with this test
// binary as the fake pipeline child; the rest of the package's tests build
// without cgo.

package sweeprun

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// TestSweepGoesOnAfterFailures runs a grid through a real Runner whose
// children crash and hang.
func TestSweepGoesOnAfterFailures(t *testing.T) {
	r := fakeRunner(t, "sleep=0.01;crash=batch:2;hang=batch:3")
	plan := record.Plan{Name: "test", Repeats: 1, Warmups: 1, Timeout: 8 * time.Second}
	for i, b := range []int{1, 2, 3, 4} {
		tr := runnertest.Trial(t, b)
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

// TestHarnessWriteFailureStopsSweep: a run whose output in the sweep
// folder cannot be written (a full disk) stops the sweep and is not
// recorded as the trial's failure; --resume then runs it. The input is
// named "-x.mp4": the child's command line ends its flags with "--".
func TestHarnessWriteFailureStopsSweep(t *testing.T) {
	r := fakeRunner(t, "sleep=0.01;diskfull=batch:2")
	plan := record.Plan{Name: "test", Repeats: 1, Timeout: 10 * time.Second}
	for i, b := range []int{1, 2, 3} {
		tr := runnertest.Trial(t, b)
		dashed := filepath.Join(filepath.Dir(tr.Input.Video), "-x.mp4")
		if err := os.Rename(tr.Input.Video, dashed); err != nil {
			t.Fatal(err)
		}
		tr.Input.Video = dashed
		tr.Index = i
		plan.Trials = append(plan.Trials, tr)
	}
	path := filepath.Join(r.Dir, record.ResultsFile)
	w, err := record.OpenWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := RunGrid(context.Background(), r, plan, w, nil, nil)
	w.Close()
	if err == nil || !strings.Contains(err.Error(), "no space left on device") || !strings.Contains(err.Error(), "batch=2") {
		t.Fatalf("sweep error %v, want it stopped naming the full disk and the run", err)
	}
	results, _, err := record.ReadResults(path)
	if err != nil || len(results) != 1 || results[0].Label != "batch=1" || results[0].Status != record.StatusOK || sum.Failed != 0 {
		t.Fatalf("recorded %d runs (%v), summary %+v; want batch=1 ok only", len(results), err, sum)
	}
	// Room again: --resume runs batch=2 and batch=3.
	t.Setenv(runnertest.EnvVar, "sleep=0.01")
	w, _ = record.OpenWriter(path)
	sum, err = RunGrid(context.Background(), r, plan, w, DoneRuns(results), nil)
	w.Close()
	results, _, _ = record.ReadResults(path)
	if err != nil || sum.OK != 2 || len(results) != 3 {
		t.Fatalf("resume: %+v, %v, %d records", sum, err, len(results))
	}
	for _, res := range results {
		if res.Status != record.StatusOK {
			t.Errorf("%s: %s %s", res.Label, res.Status, res.Error)
		}
	}
}
