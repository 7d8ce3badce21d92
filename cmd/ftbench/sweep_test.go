package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/runner/runnertest"
	"github.com/ftbench/ftbench/sweeps"
)

// Note: an init function, not TestMain (run_test.go has that), turns this
// test binary into the fake pipeline when a sweep under test runs it.
func init() { runnertest.MaybeChild() }

// sweepCLI runs ftbench in-process and returns its exit code and output.
func sweepCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(&out, &errb, args)
	return code, out.String(), errb.String()
}

// sweepSpec writes a spec over a dummy video into a new folder and returns
// its path. axes is the [axes] table's body.
func sweepSpec(t *testing.T, repeats, warmups int, timeout, axes string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "clip.mp4"), []byte("not really a video"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The fake pipeline's sweeps test the runner, not the calibration:
	// the reference workload (real ffmpeg on a fake video) stays off.
	text := fmt.Sprintf(`name = "t"
description = "test sweep"
calibrate = false
repeats = %d
warmups = %d
timeout = %q

[[input]]
video = "clip.mp4"

[axes]
%s
`, repeats, warmups, timeout, axes)
	path := filepath.Join(dir, "t.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// fakeCmd is a --run-cmd that runs this test binary as the fake pipeline
// with the given rules (no spaces in them).
func fakeCmd(rules string) string {
	return "env " + runnertest.EnvVar + "=" + rules + " " + os.Args[0]
}

func readRecords(t *testing.T, dir string) []*record.Result {
	t.Helper()
	rs, warns, err := record.ReadResults(filepath.Join(dir, record.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warns {
		t.Logf("warning: %v", w)
	}
	return rs
}

func keysOf(rs []*record.Result) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.TrialID+"/"+strconv.Itoa(r.Round))
	}
	slices.Sort(out)
	return out
}

func planKeys(t *testing.T, specPath string) []string {
	t.Helper()
	spec, err := sweeps.Load(specPath)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range spec.Plan().Runs() {
		out = append(out, r.Trial.ID+"/"+strconv.Itoa(r.Round))
	}
	slices.Sort(out)
	return out
}

func TestSweepDryRun(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "never")
	code, stdout, stderr := sweepCLI("sweep", "--dry-run", "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	def, err := sweeps.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range def.Trials() {
		if !strings.Contains(stdout, tr.ID) || !strings.Contains(stdout, tr.Label) {
			t.Errorf("dry run does not list trial %s %s", tr.ID, tr.Label)
		}
	}
	counted := len(def.Trials()) * def.Repeats
	if !strings.Contains(stdout, "(reference)") || !strings.Contains(stdout, fmt.Sprintf("= %d runs", len(def.Plan().Runs()))) ||
		!strings.Contains(stdout, fmt.Sprintf("min_run_seconds 1: each counted run goes through its input again until it has lasted 1 s (warm-ups make one pass), so the %d counted runs take at least", counted)) ||
		!strings.Contains(stdout, "resources sampled every 40ms") {
		t.Errorf("dry run output:\n%s", stdout)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a dry run created %s", out)
	}
	// A shard lists only its trials.
	// Note: 4 divides the default's 12 trials, so every shard lists as many.
	if len(def.Trials())%4 != 0 {
		t.Fatalf("the default sweep has %d trials; pick a shard count that divides it", len(def.Trials()))
	}
	_, stdout, _ = sweepCLI("sweep", "--dry-run", "--shard", "1/4")
	if n := strings.Count(stdout, "  face_360p  "); n != len(def.Trials())/4 {
		t.Errorf("shard 1/4 lists %d trials, want %d:\n%s", n, len(def.Trials())/4, stdout)
	}
}

// TestSweepFailuresRecorded: a trial whose child crashes and one that runs
// past its timeout are recorded as failed, with their errors, and the sweep
// goes on to the end.
func TestSweepFailuresRecorded(t *testing.T) {
	t.Parallel()
	spec := sweepSpec(t, 1, 0, "8s", "batch = [1, 2, 3, 4]")
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := sweepCLI("sweep", spec, "--out", out, "--run-cmd", fakeCmd("sleep=0.01;crash=batch:2;hang=batch:3"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "4 runs: 2 ok, 1 failed, 1 timed out") {
		t.Errorf("summary: %s", stdout)
	}
	rs := readRecords(t, out)
	if len(rs) != 4 {
		t.Fatalf("%d records, want 4", len(rs))
	}
	byBatch := map[int]*record.Result{}
	for _, r := range rs {
		byBatch[int(r.Config.Batch)] = r
	}
	if r := byBatch[2]; r.Status != record.StatusFailed || !strings.Contains(r.Error, "boom") || !strings.Contains(r.StderrTail, "boom") {
		t.Errorf("crash: %s %q", r.Status, r.Error)
	}
	if r := byBatch[3]; r.Status != record.StatusTimeout || !strings.Contains(r.Error, "timed out after 8s") {
		t.Errorf("hang: %s %q", r.Status, r.Error)
	}
	if r := byBatch[4]; r.Status != record.StatusOK || r.Metrics == nil || r.Metrics.FPS != runnertest.FPS(r.Config) {
		t.Errorf("the trial after the failures: %+v", r)
	}
	if r := byBatch[1]; r.Env == nil || r.Env.GoVersion == "" || r.Env.CPUs == 0 || r.Env.FFmpeg["libavcodec"] == "" {
		t.Errorf("environment fingerprint: %+v", r.Env)
	}
	saved, err := os.ReadFile(filepath.Join(out, record.SpecFile))
	if err != nil || !strings.Contains(string(saved), `name = "t"`) {
		t.Errorf("spec not saved in the output folder: %v", err)
	}
}

// TestSweepShardsUnion: the shards' records, merged, are exactly the whole
// sweep's runs, each once.
func TestSweepShardsUnion(t *testing.T) {
	t.Parallel()
	spec := sweepSpec(t, 2, 1, "1m", "batch = [1, 2, 4]\ndecoder_threads = [1, 2]\nencode_threads = [1]")
	root := t.TempDir()
	var dirs []string
	for i := 0; i < 4; i++ {
		dir := filepath.Join(root, "shard"+strconv.Itoa(i))
		dirs = append(dirs, dir)
		code, _, stderr := sweepCLI("sweep", spec, "--out", dir, "--shard", fmt.Sprintf("%d/4", i), "--run-cmd", fakeCmd("sleep=0"))
		if code != exitOK {
			t.Fatalf("shard %d: exit %d: %s", i, code, stderr)
		}
		for _, r := range readRecords(t, dir) {
			if r.Shard != fmt.Sprintf("%d/4", i) {
				t.Errorf("shard %d wrote a record of shard %q", i, r.Shard)
			}
		}
	}
	merged := filepath.Join(root, "merged")
	code, stdout, stderr := sweepCLI(append(append([]string{"merge"}, dirs...), "--out", merged)...)
	if code != exitOK {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	want := planKeys(t, spec)
	got := keysOf(readRecords(t, merged))
	if !slices.Equal(got, want) {
		t.Errorf("merged runs\n%v\nwant\n%v", got, want)
	}
	if !strings.Contains(stdout, fmt.Sprintf("merged %d records from 4 folders", len(want))) {
		t.Errorf("merge output: %s", stdout)
	}
	// Merging again into the same folder is refused; merging with a
	// duplicate folder writes each record once.
	if code, _, stderr := sweepCLI("merge", dirs[0], "--out", merged); code != exitUsage || !strings.Contains(stderr, "already exists") {
		t.Errorf("merge into a used folder: exit %d: %s", code, stderr)
	}
	again := filepath.Join(root, "again")
	code, stdout, _ = sweepCLI("merge", dirs[0], dirs[0], dirs[1], "--out", again)
	if code != exitOK || !strings.Contains(stdout, "duplicates written once") {
		t.Errorf("merge with a duplicate: exit %d: %s", code, stdout)
	}
}

// TestSweepIndexedJob: without --shard, a Kubernetes Indexed Job's
// variables pick the shard.
func TestSweepIndexedJob(t *testing.T) {
	// Not parallel: it replaces sweepEnv.
	env := map[string]string{"JOB_COMPLETION_INDEX": "1", "JOB_COMPLETIONS": "2"}
	sweepEnv = func(k string) string { return env[k] }
	defer func() { sweepEnv = os.Getenv }()
	spec := sweepSpec(t, 1, 0, "1m", "batch = [1, 2, 3, 4]")
	code, stdout, stderr := sweepCLI("sweep", spec, "--dry-run")
	if code != exitOK || !strings.Contains(stdout, "shard 1/2") || !strings.Contains(stdout, "batch=2") || strings.Contains(stdout, "batch=1") {
		t.Errorf("exit %d: %s%s", code, stdout, stderr)
	}
	delete(env, "JOB_COMPLETIONS")
	code, _, stderr = sweepCLI("sweep", spec, "--dry-run")
	if code != exitUsage || !strings.Contains(stderr, "JOB_COMPLETIONS must be set together") {
		t.Errorf("half an Indexed Job: exit %d: %s", code, stderr)
	}
}

func TestSweepLocked(t *testing.T) {
	t.Parallel()
	spec := sweepSpec(t, 1, 0, "1m", "batch = [1]")
	out := t.TempDir()
	unlock, err := record.Lock(out)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	code, _, stderr := sweepCLI("sweep", spec, "--out", out, "--run-cmd", fakeCmd("sleep=0"))
	want := fmt.Sprintf("%s is held by pid %d", filepath.Join(out, record.LockFile), os.Getpid())
	if code != exitUsage || !strings.Contains(stderr, want) {
		t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, exitUsage, want)
	}
}

func TestSweepRefusesToMix(t *testing.T) {
	t.Parallel()
	spec := sweepSpec(t, 1, 0, "1m", "batch = [1, 2]")
	out := t.TempDir()
	if code, _, stderr := sweepCLI("sweep", spec, "--out", out, "--run-cmd", fakeCmd("sleep=0")); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	code, _, stderr := sweepCLI("sweep", spec, "--out", out, "--run-cmd", fakeCmd("sleep=0"))
	if code != exitUsage || !strings.Contains(stderr, "pass --resume") {
		t.Errorf("a second sweep into a used folder: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := sweepCLI("sweep", spec, "--out", out, "--resume", "--run-cmd", fakeCmd("sleep=0"))
	if code != exitOK || !strings.Contains(stdout, "0 runs: 0 ok, 2 already recorded") {
		t.Errorf("resume of a finished sweep: exit %d: %s%s", code, stdout, stderr)
	}
	code, _, stderr = sweepCLI("sweep", "--out", out, "--resume")
	if code != exitUsage || !strings.Contains(stderr, "is not the default sweep's spec") {
		t.Errorf("resume with the wrong spec: exit %d: %s", code, stderr)
	}
}

func TestSweepUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("[[input]]\nfixture = \"face_360p\"\n[axes]\nbatch = [1]\nreader_threads = [1, 8]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"spec error", []string{"sweep", bad, "--dry-run"}, bad + `:5: field "axes.reader_threads": the pipeline has no such config field`},
		{"missing spec", []string{"sweep", filepath.Join(dir, "nope.toml")}, "nope.toml: cannot read sweep spec: no such file or directory"},
		{"two specs", []string{"sweep", bad, bad}, "want at most one SPEC"},
		{"bad shard", []string{"sweep", "--shard", "4/4", "--dry-run"}, `shard "4/4": want I/N with 0 <= I < N`},
		{"bad flag", []string{"sweep", "--bogus"}, "flag provided but not defined: -bogus"},
		{"merge without out", []string{"merge", dir}, "want one or more shard folders and --out"},
		{"merge a folder without results", []string{"merge", dir, "--out", filepath.Join(dir, "m")}, "results.jsonl: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := sweepCLI(tt.args...)
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q", code, stderr, exitUsage, tt.want)
			}
		})
	}
}

func TestSweepMetricsList(t *testing.T) {
	t.Parallel()
	code, stdout, _ := sweepCLI("sweep", "--metrics")
	for _, m := range []string{"fps", "quality.hit_rate", "vram_fraction", "cpu_util_mean"} {
		if code != exitOK || !strings.Contains(stdout, "\n"+m+"\n") {
			t.Errorf("--metrics lacks %s", m)
		}
	}
}

// ftbenchBinary builds the real ftbench binary into dir.
func ftbenchBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "ftbench")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestSweepBinary runs the real binary, built once for its subtests.
func TestSweepBinary(t *testing.T) {
	t.Parallel()
	bin := ftbenchBinary(t, t.TempDir())
	t.Run("killed and resumed", func(t *testing.T) { t.Parallel(); testSweepKilledAndResumed(t, bin) })
	t.Run("interrupt", func(t *testing.T) { t.Parallel(); testSweepInterrupt(t, bin) })
}

// startCount returns the pids the fake logged as started.
func startCount(log string) []int {
	data, _ := os.ReadFile(log)
	var pids []int
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "start" {
			pid, _ := strconv.Atoi(f[1])
			pids = append(pids, pid)
		}
	}
	return pids
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 3000; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("gave up waiting for %s", what)
}

// processGone reports whether pid has exited (or is a zombie).
func processGone(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return true
	}
	st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err != nil || strings.Contains(string(st), ") Z ")
}

// testSweepKilledAndResumed: a sweep killed with SIGKILL mid-trial keeps
// every record it wrote, takes its child with it, and --resume reruns only
// the runs it lacks.
func testSweepKilledAndResumed(t *testing.T, bin string) {
	spec := sweepSpec(t, 2, 1, "1m", "batch = [1, 2, 3, 4]")
	out := filepath.Join(t.TempDir(), "out")
	log := filepath.Join(t.TempDir(), "log")
	args := []string{"sweep", spec, "--out", out, "--run-cmd", fakeCmd("sleep=0.2;log=" + log)}

	first := exec.Command(bin, args...)
	var stderr bytes.Buffer
	first.Stderr = &stderr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it while its fifth run is in flight.
	waitFor(t, "the fifth run to start", func() bool { return len(startCount(log)) >= 5 })
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	started := startCount(log)
	inFlight := started[len(started)-1]
	waitFor(t, "the orphaned child to die", func() bool { return processGone(inFlight) })

	before, err := os.ReadFile(filepath.Join(out, record.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	kept := readRecords(t, out)
	if len(kept) == 0 || len(kept) >= len(started)+1 {
		t.Fatalf("%d records after %d starts", len(kept), len(started))
	}

	second := exec.Command(bin, append(args, "--resume")...)
	if b, err := second.CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}
	after, err := os.ReadFile(filepath.Join(out, record.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(after, before) {
		t.Error("the resumed sweep changed what the killed one had recorded")
	}
	all := readRecords(t, out)
	if got, want := keysOf(all), planKeys(t, spec); !slices.Equal(got, want) {
		t.Errorf("runs after resume\n%v\nwant each of\n%v once", got, want)
	}
	if rerun := len(startCount(log)) - len(started); rerun != len(all)-len(kept) {
		t.Errorf("the resume ran %d children for %d missing runs", rerun, len(all)-len(kept))
	}
}

// testSweepInterrupt: the first SIGINT records the run in flight as
// interrupted and stops with exit 1; --resume then reruns that run.
func testSweepInterrupt(t *testing.T, bin string) {
	spec := sweepSpec(t, 1, 0, "1m", "batch = [1, 2, 3]")
	out := filepath.Join(t.TempDir(), "out")
	log := filepath.Join(t.TempDir(), "log")
	cmd := exec.Command(bin, "sweep", spec, "--out", out, "--run-cmd", fakeCmd("sleep=0.01;hang=batch:2;log="+log))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the hanging run", func() bool { return len(startCount(log)) >= 2 })
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitFailure {
		t.Fatalf("exit: %v; stderr:\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "--resume") {
		t.Errorf("stderr does not say how to finish: %s", stderr.String())
	}
	rs := readRecords(t, out)
	if len(rs) != 2 || rs[0].Status != record.StatusOK || rs[1].Status != record.StatusInterrupted {
		t.Fatalf("records: %d, want an ok run then an interrupted one", len(rs))
	}
	hung := startCount(log)[1]
	waitFor(t, "the interrupted child to die", func() bool { return processGone(hung) })
	// Resume, without the hang, finishes the sweep.
	resume := exec.Command(bin, "sweep", spec, "--out", out, "--resume", "--run-cmd", fakeCmd("sleep=0.01"))
	if b, err := resume.CombinedOutput(); err != nil || !strings.Contains(string(b), "2 runs: 2 ok, 1 already recorded") {
		t.Fatalf("resume: %v\n%s", err, b)
	}
}
