package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

	"github.com/ftbench/ftbench/fixtures"
	"github.com/ftbench/ftbench/fixtures/catalog"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/pipeline/track"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/runner"
)

// TestReliability runs the real binary, built once for its subtests, under
// the faults a long benchmark meets: segment workers killed as the OOM
// killer kills them, a full disk under `ftbench run` and under a sweep's
// record, two sweeps on one folder, a record torn by a crash, and a
// per-trial memory limit.
func TestReliability(t *testing.T) {
	t.Parallel()
	bin := ftbenchBinary(t, t.TempDir())
	t.Run("segment worker killed once", func(t *testing.T) { testWorkerKilledOnce(t, bin) })
	t.Run("segment workers always killed", func(t *testing.T) { testWorkersAlwaysKilled(t, bin) })
	t.Run("disk full under ftbench run", func(t *testing.T) { testRunDiskFull(t, bin) })
	t.Run("disk full under a sweep's record", func(t *testing.T) { testSweepDiskFull(t, bin) })
	t.Run("two sweeps on one folder", func(t *testing.T) { testTwoSweepsOneFolder(t, bin) })
	t.Run("torn last record then resume", func(t *testing.T) { testTornRecordResume(t, bin) })
	t.Run("memory limit", func(t *testing.T) { testMemoryLimit(t, bin) })
}

// faultClip is a 15-second 360p clip: long enough that a segment worker is
// still at work when the test kills it.
func faultClip(t *testing.T) fixtures.Clip {
	t.Helper()
	c, err := fixtures.Generate(catalog.Spec{Name: "faults_360p", Width: 640, Height: 360, FPS: 30, Frames: 450, Faces: 1, Seed: 11}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// twoWorkers is a config that analyses the clip in two segment worker
// processes; the budget keeps the memory planner from clamping them.
const twoWorkers = "processes = 2\nsegments = 2\nmemory_budget = 68719476736\n"

// runOutputs are the paths one `ftbench run` writes, in a folder of their own.
type runOutputs struct{ dir, video, tracks, metrics string }

func newRunOutputs(dir string) runOutputs {
	return runOutputs{dir: dir, video: filepath.Join(dir, "out.mp4"), tracks: filepath.Join(dir, "tracks.json"), metrics: filepath.Join(dir, "metrics.json")}
}

func (o runOutputs) args(input, config string) []string {
	args := []string{"run", input, "-o", o.video, "--tracks", o.tracks, "--metrics", o.metrics, "-q"}
	if config != "" {
		args = append(args, "--config", config)
	}
	return args
}

// leftovers lists what is in dir apart from the names in keep.
func leftovers(t *testing.T, dir string, keep ...string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !slices.Contains(keep, e.Name()) {
			out = append(out, e.Name())
		}
	}
	return out
}

func writeFile(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// workerKiller SIGKILLs the segment workers (children whose command line
// holds --analyze-segment) of the process parent, as the OOM killer would:
// every worker as soon as it appears when always is set, else only the
// first one, once it has used minCPU of CPU time, so that it dies in the
// middle of its segment. Stop it with the returned function, which returns
// the pids it killed.
func workerKiller(parent int, always bool, minCPU time.Duration) (stop func() []int) {
	done := make(chan struct{})
	result := make(chan []int, 1)
	go func() {
		var killed []int
		defer func() { result <- killed }()
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if !always && len(killed) > 0 {
				continue
			}
			for _, pid := range childPIDs(parent) {
				cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
				if !bytes.Contains(cmdline, []byte("--analyze-segment")) || slices.Contains(killed, pid) {
					continue
				}
				st, err := runner.Proc{}.PIDStat(pid)
				if err != nil {
					continue
				}
				if !always && time.Duration(st.CPUTicks)*10*time.Millisecond < minCPU {
					continue
				}
				if syscall.Kill(pid, syscall.SIGKILL) == nil {
					killed = append(killed, pid)
				}
				if !always {
					break
				}
			}
		}
	}()
	return func() []int { close(done); return <-result }
}

// childPIDs lists the processes whose parent is pid, from /proc.
func childPIDs(pid int) []int {
	if kids, ok, err := (runner.Proc{}).Children(pid); ok && err == nil {
		return kids
	}
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := (runner.Proc{}).PIDStat(n); err == nil && st.PPID == pid {
			out = append(out, n)
		}
	}
	return out
}

// runWithKiller runs `bin args...` with a worker killer on it and returns
// its exit code, stderr and the pids killed.
func runWithKiller(t *testing.T, bin string, args []string, always bool) (int, string, []int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop := workerKiller(cmd.Process.Pid, always, 150*time.Millisecond)
	err := cmd.Wait()
	killed := stop()
	if ctx.Err() != nil {
		t.Fatalf("ftbench run hung with its workers killed: %s", stderr.String())
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stderr.String(), killed
}

// testWorkerKilledOnce: a segment worker killed by SIGKILL mid-segment is
// taken for an out-of-memory kill: the run backs off to fewer workers,
// retries the segment and delivers every frame.
func testWorkerKilledOnce(t *testing.T, bin string) {
	c := faultClip(t)
	o := newRunOutputs(t.TempDir())
	cfg := writeFile(t, filepath.Join(t.TempDir(), "two.toml"), twoWorkers)
	code, stderr, killed := runWithKiller(t, bin, o.args(c.Video, cfg), false)
	if len(killed) != 1 {
		t.Fatalf("killed %d workers, want 1 (the workers finished before the test could kill one?)", len(killed))
	}
	if code != exitOK {
		t.Fatalf("exit %d after one worker was killed: %s", code, stderr)
	}
	if got := ffprobe(t, o.video).frames; got != c.Frames {
		t.Errorf("output has %d frames, want %d", got, c.Frames)
	}
	tf, err := track.ReadTracks(o.tracks)
	if err != nil {
		t.Fatal(err)
	}
	if len(tf.Frames) != c.Frames {
		t.Errorf("tracks.json has %d frames, want %d", len(tf.Frames), c.Frames)
	}
	var m metrics.Metrics
	readJSON(t, o.metrics, &m)
	failed := 0
	for _, w := range m.Workers {
		if w.Error != "" {
			failed++
			if !strings.Contains(w.Error, "killed") {
				t.Errorf("failed attempt's error %q does not say it was killed", w.Error)
			}
		}
	}
	if failed != 1 || m.Frames != c.Frames {
		t.Errorf("metrics: %d frames, %d failed attempts; want %d and 1", m.Frames, failed, c.Frames)
	}
	if len(m.Scaling) != 1 || m.Scaling[0].From != 2 || m.Scaling[0].To != 1 {
		t.Errorf("scaling %+v, want one back-off from 2 to 1 workers", m.Scaling)
	}
}

// testWorkersAlwaysKilled: when every worker dies, the run gives up after
// the retries with one error line naming the input, and leaves nothing at
// its output paths (nor its segments' scratch folder).
func testWorkersAlwaysKilled(t *testing.T, bin string) {
	c := faultClip(t)
	o := newRunOutputs(t.TempDir())
	cfg := writeFile(t, filepath.Join(t.TempDir(), "two.toml"), twoWorkers)
	code, stderr, killed := runWithKiller(t, bin, o.args(c.Video, cfg), true)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d: %s", code, exitFailure, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 1 || !strings.Contains(stderr, c.Video) || !strings.Contains(stderr, "after 3 attempts") {
		t.Errorf("stderr %q, want one line naming %s and the attempts", stderr, c.Video)
	}
	if len(killed) < 3 {
		t.Errorf("killed %d workers; a segment gets 3 attempts", len(killed))
	}
	if left := leftovers(t, o.dir); len(left) > 0 {
		t.Errorf("a failed run left %v", left)
	}
	for _, pid := range killed {
		if !processGone(pid) {
			t.Errorf("worker %d outlived the run", pid)
		}
	}
}

// smallDisk mounts a tmpfs of size bytes on a new folder, or skips the test
// when this process may not mount one (not root, or a container without
// CAP_SYS_ADMIN).
func smallDisk(t *testing.T, size int64) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+strconv.FormatInt(size, 10), "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root with CAP_SYS_ADMIN): %v: %s", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// testRunDiskFull: `ftbench run` whose output folder fills up, first under
// the video, then under tracks.json, then under metrics.json (written last,
// after the video and tracks are in place), fails with one error line
// naming the full disk, and leaves nothing half-written behind: the run's
// outputs are all there or none is.
func testRunDiskFull(t *testing.T, bin string) {
	input := clip(t, "face_360p").Video
	ref := newRunOutputs(t.TempDir())
	if code, _, stderr := ftbench(ref.args(input, "")...); code != exitOK {
		t.Fatalf("reference run: exit %d: %s", code, stderr)
	}
	const page = 4096
	pages := func(n int64) int64 { return (n + page - 1) / page * page }
	video, tracks := pages(fileSize(t, ref.video)), pages(fileSize(t, ref.tracks))
	two := writeFile(t, filepath.Join(t.TempDir(), "two.toml"), twoWorkers+"encode_workers = 2\n")
	for _, tc := range []struct {
		name   string
		size   int64
		config string
	}{
		{"video does not fit", video / 2, ""},
		{"tracks do not fit", video + tracks/2, ""},
		{"metrics do not fit", video + tracks, ""},
		{"two workers, video does not fit", video / 2, two},
		{"two workers, tracks do not fit", video + tracks/2, two},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := newRunOutputs(smallDisk(t, tc.size))
			cmd := exec.Command(bin, o.args(input, tc.config)...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitFailure {
				t.Fatalf("exit %v, want %d: %s", err, exitFailure, stderr.String())
			}
			msg := strings.TrimSpace(stderr.String())
			if strings.Contains(msg, "\n") || !strings.Contains(strings.ToLower(msg), "no space left on device") || !strings.Contains(msg, o.dir) {
				t.Errorf("stderr %q, want one line naming a file in %s and the full disk", msg, o.dir)
			}
			if left := leftovers(t, o.dir); len(left) > 0 {
				t.Errorf("a failed run left %v", left)
			}
		})
	}
}

// testSweepDiskFull: a sweep whose output folder fills up stops with an
// error naming the file it could not write (results.jsonl, or a run's own
// file: which one fills the disk first depends on sizes), keeps every
// record it had written whole (no torn line), records no run as failed
// for the full disk, and once there is room again --resume finishes the
// sweep.
func testSweepDiskFull(t *testing.T, bin string) {
	disk := smallDisk(t, 192<<10)
	spec := sweepSpec(t, 1, 0, "1m", "batch = { from = 1, to = 60 }")
	out := filepath.Join(disk, "out")
	args := []string{"sweep", spec, "--out", out, "--run-cmd", fakeCmd("sleep=0")}
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() == exitOK {
		t.Fatalf("exit %v, want a failure: %s", err, stderr.String())
	}
	results := filepath.Join(out, record.ResultsFile)
	// The spec's one repeat draws a warning line about the rank test's
	// power; the error itself is one line.
	errLines := slices.DeleteFunc(strings.Split(strings.TrimSpace(stderr.String()), "\n"), func(l string) bool { return strings.HasPrefix(l, "ftbench sweep: warning: ") })
	if !strings.Contains(stderr.String(), out+"/") || !strings.Contains(stderr.String(), "no space left on device") || len(errLines) != 1 {
		t.Errorf("stderr is not one line naming a file under %s and the full disk:\n%s", out, stderr.String())
	}
	data, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) == 0 || data[len(data)-1] != '\n' {
		t.Fatalf("results.jsonl (%d bytes) does not end with a whole record", len(data))
	}
	kept, warns, err := record.ReadResults(results)
	if err != nil || len(warns) > 0 || len(kept) == 0 {
		t.Fatalf("%d records kept, warnings %v, error %v", len(kept), warns, err)
	}
	for _, r := range kept {
		if r.Status != record.StatusOK {
			t.Errorf("run %s was recorded %s (%s): a full disk is not the trial's failure", r.Label, r.Status, r.Error)
		}
	}
	t.Logf("the disk filled after %d of 60 runs: %s", len(kept), strings.TrimSpace(stderr.String()))

	// Room again: the resumed sweep keeps what was recorded and runs the rest.
	if b, err := exec.Command("mount", "-o", "remount,size=16m", disk).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v: %s", err, b)
	}
	if b, err := exec.Command(bin, append(args, "--resume")...).CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}
	all, warns, err := record.ReadResults(results)
	if err != nil || len(warns) > 0 {
		t.Fatalf("after resume: warnings %v, error %v", warns, err)
	}
	if got, want := keysOf(all), planKeys(t, spec); !slices.Equal(got, want) {
		t.Errorf("after resume %d runs recorded, want each of the %d once", len(got), len(want))
	}
}

// testTwoSweepsOneFolder: a second sweep started on a folder a running
// sweep holds refuses at once, naming the lock and its holder, and the
// first sweep finishes undisturbed.
func testTwoSweepsOneFolder(t *testing.T, bin string) {
	spec := sweepSpec(t, 1, 0, "1m", "batch = [1, 2, 3, 4]")
	out := filepath.Join(t.TempDir(), "out")
	log := filepath.Join(t.TempDir(), "log")
	first := exec.Command(bin, "sweep", spec, "--out", out, "--run-cmd", fakeCmd("sleep=0.3;log="+log))
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first sweep's first run", func() bool { return len(startCount(log)) >= 1 })
	second := exec.Command(bin, "sweep", spec, "--out", out, "--resume", "--run-cmd", fakeCmd("sleep=0"))
	var stderr bytes.Buffer
	second.Stderr = &stderr
	err := second.Run()
	var ee *exec.ExitError
	want := fmt.Sprintf("%s is held by pid %d", filepath.Join(out, record.LockFile), first.Process.Pid)
	if !errors.As(err, &ee) || ee.ExitCode() != exitUsage || !strings.Contains(stderr.String(), want) {
		t.Errorf("second sweep: %v, stderr %q; want exit %d and %q", err, stderr.String(), exitUsage, want)
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("first sweep: %v", err)
	}
	if rs := readRecords(t, out); len(rs) != 4 {
		t.Errorf("%d records, want 4", len(rs))
	}
}

// testTornRecordResume: a sweep killed in the middle of writing a record
// leaves a torn last line; --resume warns about it by file and line, skips
// it, and runs that run again.
func testTornRecordResume(t *testing.T, bin string) {
	spec := sweepSpec(t, 1, 0, "1m", "batch = [1, 2, 3]")
	out := filepath.Join(t.TempDir(), "out")
	args := []string{"sweep", spec, "--out", out, "--run-cmd", fakeCmd("sleep=0")}
	if b, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("sweep: %v\n%s", err, b)
	}
	results := filepath.Join(out, record.ResultsFile)
	data, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	lastStart := bytes.LastIndexByte(data[:len(data)-1], '\n') + 1
	torn := data[:lastStart+(len(data)-lastStart)/2]
	if err := os.WriteFile(results, torn, 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := exec.Command(bin, append(args, "--resume")...).CombinedOutput()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}
	if !strings.Contains(string(b), results+":3:") || !strings.Contains(string(b), "1 runs: 1 ok, 2 already recorded") {
		t.Errorf("resume output does not warn about line 3 or did not rerun one run:\n%s", b)
	}
	after, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(after, torn) {
		t.Error("the resumed sweep rewrote what was recorded")
	}
	rs, warns, err := record.ReadResults(results)
	if err != nil || len(warns) != 1 || warns[0].Line != 3 {
		t.Errorf("warnings %v, error %v; want one, at line 3", warns, err)
	}
	if got, want := keysOf(rs), planKeys(t, spec); !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v", got, want)
	}
}

// testMemoryLimit: under a 4 GiB address-space limit `ftbench run` on a
// 1080p fixture succeeds; under 64 MiB it cannot start, and the run is
// recorded as failed, naming the limit.
func testMemoryLimit(t *testing.T, bin string) {
	c := clip(t, "face_1080p")
	env := runner.Fingerprint(runner.Proc{}, nil, "no GPU: test")
	in := record.Input{Name: c.Name, Video: c.Video}
	cfg := config.DefaultConfig()
	tr := record.Trial{ID: record.TrialID(cfg, in), Label: "default", Config: cfg, Input: in}
	for _, tc := range []struct {
		name   string
		limit  int64
		status record.Status
	}{
		{"4 GiB", 4 << 30, record.StatusOK},
		{"64 MiB", 64 << 20, record.StatusFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &runner.Runner{Command: []string{bin, "run"}, Dir: t.TempDir(), Env: &env, SweepName: "limit",
				Sampler: &runner.Sampler{Interval: 50 * time.Millisecond, NoGPU: "no GPU: test"}, MemoryLimitBytes: tc.limit}
			res := r.Run(context.Background(), record.Run{Trial: &tr}, 2*time.Minute)
			if res.Status != tc.status {
				t.Fatalf("status %s, error %q; want %s", res.Status, res.Error, tc.status)
			}
			if tc.status == record.StatusOK {
				if res.Metrics == nil || res.Metrics.Frames != c.Frames {
					t.Errorf("metrics %+v, want %d frames", res.Metrics, c.Frames)
				}
				return
			}
			if !strings.Contains(res.Error, "memory limit of 67108864 bytes") || strings.Contains(res.Error, "\n") || strings.Contains(res.Error, "goroutine") {
				t.Errorf("error %q is not one line naming the limit", res.Error)
			}
			line, _ := json.Marshal(res)
			if _, err := record.NewDecoder(bytes.NewReader(line), "r").Decode(); err != nil {
				t.Errorf("the failed run's record does not decode: %v", err)
			}
		})
	}
}
