package runner

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/runner/runnertest"
)

func TestMain(m *testing.M) {
	runnertest.MaybeChild()
	os.Exit(m.Run())
}

// fakeRunner returns a runner whose child is this test binary acting as
// the fake pipeline with the given rules.
func fakeRunner(t *testing.T, rules string) *Runner {
	t.Helper()
	t.Setenv(runnertest.EnvVar, rules)
	env := Fingerprint(Proc{}, nil, "no GPU: test")
	return &Runner{
		Command:   []string{os.Args[0]},
		Dir:       t.TempDir(),
		Sampler:   &Sampler{Interval: 10 * time.Millisecond, NoGPU: "no GPU: test"},
		Env:       &env,
		SweepName: "test",
	}
}

func TestRunOK(t *testing.T) {
	r := fakeRunner(t, "burn=0.3")
	tr := runnertest.Trial(t, 4)
	res := r.Run(context.Background(), record.Run{Trial: &tr, Round: 1, Repetition: 0}, time.Minute)
	if res.Status != record.StatusOK {
		t.Fatalf("status %s, error %q, stderr %q", res.Status, res.Error, res.StderrTail)
	}
	if res.Metrics == nil || res.Metrics.FPS != runnertest.FPS(tr.Config) {
		t.Fatalf("metrics %+v, want the fake's fps %v", res.Metrics, runnertest.FPS(tr.Config))
	}
	if v, ok := metric.Value(res, "fps"); !ok || v != runnertest.FPS(tr.Config) {
		t.Errorf("Metric(fps) = %v, %v", v, ok)
	}
	if v, ok := metric.Value(res, "stages.detect"); !ok || v <= 0 {
		t.Errorf("Metric(stages.detect) = %v, %v", v, ok)
	}
	if _, ok := metric.Value(res, "quality.hit_rate"); ok {
		t.Error("no ground truth, yet a quality metric")
	}
	if res.TrialID != tr.ID || res.Label != "batch=4" || res.Round != 1 || res.Version != record.RecordVersion || res.Env == nil {
		t.Errorf("record fields: %+v", res)
	}
	if res.ExitCode != 0 || res.ElapsedSeconds <= 0 || !res.End.After(res.Start) {
		t.Errorf("exit %d elapsed %v start %v end %v", res.ExitCode, res.ElapsedSeconds, res.Start, res.End)
	}
	if res.Resources.Samples == 0 || res.Resources.CPUUtilMean <= 0 || res.Resources.CPUUtilMax <= 0 {
		t.Errorf("resources: %+v", res.Resources)
	}
	t.Logf("sampler: %.4f s CPU over %.2f s = %.3f%% of a core; harness %.4f s; %d samples",
		res.Resources.SamplerCPUSeconds, res.ElapsedSeconds, 100*res.Resources.SamplerOverhead,
		res.Resources.HarnessCPUSeconds, res.Resources.Samples)
	if _, err := os.Stat(filepath.Join(r.RunDir(record.Run{Trial: &tr, Round: 1}), "out.mp4")); !os.IsNotExist(err) {
		t.Errorf("output video kept without KeepOutputs: %v", err)
	}
	cfg, err := config.LoadConfig(filepath.Join(r.Dir, "trials", tr.ID, "config.toml"))
	if err != nil || cfg != tr.Config {
		t.Errorf("trial config file: %v", err)
	}
}

func TestRunFailures(t *testing.T) {
	tests := []struct {
		name       string
		rules      string
		timeout    time.Duration
		status     record.Status
		errHas     string
		signal     string
		grandchild bool
	}{
		{name: "crash", rules: "crash=batch:4", status: record.StatusFailed, errHas: "fake pipeline: boom"},
		{name: "killed", rules: "kill=batch:4", status: record.StatusFailed, errHas: "killed by SIGKILL", signal: "SIGKILL"},
		{name: "no metrics", rules: "nometrics=batch:4", status: record.StatusFailed, errHas: "wrote no metrics"},
		{name: "timeout", rules: "hang=batch:4", timeout: 3 * time.Second, status: record.StatusTimeout, errHas: "timed out", signal: "SIGKILL", grandchild: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := filepath.Join(t.TempDir(), "log")
			r := fakeRunner(t, tt.rules+";log="+log)
			tr := runnertest.Trial(t, 4)
			res := r.Run(context.Background(), record.Run{Trial: &tr}, tt.timeout)
			if res.Status != tt.status || !strings.Contains(res.Error, tt.errHas) {
				t.Fatalf("status %s error %q; want %s with %q", res.Status, res.Error, tt.status, tt.errHas)
			}
			if res.Signal != tt.signal {
				t.Errorf("signal %q, want %q", res.Signal, tt.signal)
			}
			if tt.name == "crash" && (res.ExitCode != 3 || !strings.Contains(res.StderrTail, "decoding frame 12")) {
				t.Errorf("exit %d, stderr tail %q", res.ExitCode, res.StderrTail)
			}
			if tt.grandchild {
				checkGrandchildDead(t, log)
			}
		})
	}
}

// checkGrandchildDead checks that the grandchild the fake logged is gone:
// the timeout killed the whole process group.
func checkGrandchildDead(t *testing.T, log string) {
	t.Helper()
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "grandchild "); ok {
			pid, _ := strconv.Atoi(rest)
			// The grandchild's parent is gone, so init reaps it; wait
			// for that rather than for a time.
			for i := 0; i < 200; i++ {
				if err := syscall.Kill(pid, 0); err != nil {
					return
				}
				if st, err := os.ReadFile("/proc/" + rest + "/stat"); err == nil && strings.Contains(string(st), ") Z ") {
					return // dead, not yet reaped
				}
				time.Sleep(10 * time.Millisecond)
			}
			t.Errorf("grandchild %d still alive after the timeout", pid)
			return
		}
	}
	t.Error("the fake logged no grandchild")
}

func TestRunInterrupted(t *testing.T) {
	log := filepath.Join(t.TempDir(), "log")
	r := fakeRunner(t, "hang=batch:4;log="+log)
	tr := runnertest.Trial(t, 4)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		waitForFile(t, log, "grandchild")
		cancel()
	}()
	res := r.Run(ctx, record.Run{Trial: &tr}, time.Hour)
	if res.Status != record.StatusInterrupted {
		t.Fatalf("status %s, error %q", res.Status, res.Error)
	}
	checkGrandchildDead(t, log)
}

func waitForFile(t *testing.T, path, substr string) {
	for i := 0; i < 2000; i++ {
		if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), substr) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("%s never held %q", path, substr)
}

// TestRunAccountsTree checks that a run's kernel accounting covers a
// grandchild: the fake starts one that burns a known CPU time by its own
// clock and waits for it, so the tree's cpu_seconds is at least that.
func TestRunAccountsTree(t *testing.T) {
	const burn = 0.4
	r := fakeRunner(t, "sleep=0;cpuchild="+strconv.FormatFloat(burn, 'f', -1, 64))
	tr := runnertest.Trial(t, 4)
	res := r.Run(context.Background(), record.Run{Trial: &tr}, time.Minute)
	if res.Status != record.StatusOK {
		t.Fatalf("status %s, error %q, stderr %q", res.Status, res.Error, res.StderrTail)
	}
	rs := res.Resources
	// Note: the upper bound is CPU time, which a busy machine does not
	// inflate: two Go processes start in well under a second of CPU.
	if rs.CPUSeconds < burn || rs.CPUSeconds > burn+1 {
		t.Errorf("cpu_seconds = %v, want the grandchild's %v and a little start-up", rs.CPUSeconds, burn)
	}
	if d := rs.CPUSeconds - rs.CPUUserSeconds - rs.CPUSysSeconds; d > 1e-9 || d < -1e-9 {
		t.Errorf("cpu_seconds %v is not user %v + sys %v", rs.CPUSeconds, rs.CPUUserSeconds, rs.CPUSysSeconds)
	}
	if rs.ProcessRSSMaxBytes <= 0 || rs.MinorFaults <= 0 || rs.VoluntaryCtxSwitches+rs.InvoluntaryCtxSwitches <= 0 {
		t.Errorf("accounting: %+v", rs)
	}
	v, ok := metric.Value(res, "cpu_seconds_per_frame")
	if !ok || v != rs.CPUSeconds/float64(res.Metrics.Frames) {
		t.Errorf("cpu_seconds_per_frame = %v, %t; want %v", v, ok, rs.CPUSeconds/float64(res.Metrics.Frames))
	}
}

// TestMinRunSeconds checks that counted runs are asked to last
// MinRunSeconds and warm-ups and instrumented runs are not.
func TestMinRunSeconds(t *testing.T) {
	r := fakeRunner(t, "sleep=0")
	r.MinRunSeconds = 0.3
	tr := runnertest.Trial(t, 4)
	counted := r.Run(context.Background(), record.Run{Trial: &tr, Round: 1}, time.Minute)
	warmup := r.Run(context.Background(), record.Run{Trial: &tr, Warmup: true}, time.Minute)
	for _, res := range []*record.Result{counted, warmup} {
		if res.Status != record.StatusOK {
			t.Fatalf("status %s, error %q, stderr %q", res.Status, res.Error, res.StderrTail)
		}
	}
	if counted.Metrics.Passes != 2 || counted.ElapsedSeconds < r.MinRunSeconds {
		t.Errorf("counted run: passes %d over %.3f s, want the fake's 2 over at least %g s", counted.Metrics.Passes, counted.ElapsedSeconds, r.MinRunSeconds)
	}
	if warmup.Metrics.Passes != 0 {
		t.Errorf("warm-up: passes %d, want one plain pass", warmup.Metrics.Passes)
	}
}

func TestSampleInterval(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		minRun float64
		want   time.Duration
	}{{0, DefaultSampleInterval}, {1, 40 * time.Millisecond}, {10, DefaultSampleInterval}, {2.5, DefaultSampleInterval}, {0.1, MinSampleInterval}} {
		if got := SampleInterval(tt.minRun); got != tt.want {
			t.Errorf("SampleInterval(%g) = %s, want %s", tt.minRun, got, tt.want)
		}
		if tt.minRun > 0 && tt.want > MinSampleInterval && time.Duration(tt.minRun*float64(time.Second))/SampleInterval(tt.minRun) < SamplesPerRun {
			t.Errorf("SampleInterval(%g) gives fewer than %d samples", tt.minRun, SamplesPerRun)
		}
	}
}
