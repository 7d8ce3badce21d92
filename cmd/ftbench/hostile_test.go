package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ftbench/ftbench/internal/atomicfile"
	"github.com/ftbench/ftbench/record"
)

// TestHostileCLI runs the real binary on what a hostile user tried:
// outputs that are not files or name one file twice, a FIFO as the input,
// a killed run's workers, an input named like a flag, and the modes of
// what ftbench writes.
func TestHostileCLI(t *testing.T) {
	t.Parallel()
	bin := ftbenchBinary(t, t.TempDir())
	t.Run("outputs", func(t *testing.T) { testHostileOutputs(t, bin) })
	t.Run("FIFO inputs", func(t *testing.T) { testFIFOInputs(t, bin) })
	t.Run("workers die with their parent", func(t *testing.T) { testWorkersDieWithParent(t, bin) })
	t.Run("input named like a flag", func(t *testing.T) { testDashInput(t, bin) })
}

// exitOf runs bin with args, with a deadline that only a hang reaches, and
// returns its exit code and stderr.
func exitOf(t *testing.T, bin string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("ftbench %v hung: %s", args, stderr.String())
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), stderr.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, stderr.String()
}

// testHostileOutputs (class 1 and the umask of class 9): two outputs
// naming one file, a FIFO, a device or a folder as an output are refused
// with exit 2 before anything is written; a link is written through; new
// files get 0666 less the umask.
func testHostileOutputs(t *testing.T, bin string) {
	c := clip(t, "face_360p")
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	same := filepath.Join(dir, "same.mp4")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"video and tracks one file", []string{"-o", same, "--tracks", same}, "-o and --tracks name the same file"},
		{"tracks and metrics one file", []string{"--tracks", filepath.Join(dir, "s.json"), "--metrics", filepath.Join(dir, "s.json")}, "--tracks and --metrics name the same file"},
		{"metrics a FIFO", []string{"--metrics", fifo}, "fifo.json: cannot write: a FIFO, not a regular file"},
		{"metrics a device", []string{"--metrics", "/dev/full"}, "/dev/full: cannot write: a device, not a regular file"},
		{"video a folder", []string{"-o", dir}, "cannot write: a folder, not a regular file"},
	} {
		code, stderr := exitOf(t, bin, append([]string{"run", c.Video, "-q"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 and one line with %q", tc.name, code, stderr, tc.want)
		}
	}
	if _, err := os.Stat(same); err == nil {
		t.Error("a refused run wrote same.mp4")
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Error("the FIFO was replaced")
	}

	// A link is written through; new files follow the umask.
	real := filepath.Join(dir, "real-metrics.json")
	link := filepath.Join(dir, "metrics-link.json")
	os.Symlink(real, link)
	out := filepath.Join(dir, "out.mp4")
	if code, stderr := exitOf(t, bin, "run", c.Video, "-q", "-o", out, "--metrics", link, "--tracks", filepath.Join(dir, "tracks.json")); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Error("the metrics link was replaced by a file")
	}
	want := 0o666 &^ atomicfile.Umask()
	for _, p := range []string{real, out, filepath.Join(dir, "tracks.json")} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %v", filepath.Base(p), st.Mode().Perm(), err, want)
		}
	}
}

// testFIFOInputs (class 2): a FIFO as the video or as --gt is refused at
// once with one line, not opened (open(2) on a FIFO blocks, and no signal
// but SIGKILL reaches a process blocked there); a run stopped by SIGTERM
// before its pipeline starts exits.
func testFIFOInputs(t *testing.T, bin string) {
	c := clip(t, "face_360p")
	dir := t.TempDir()
	fifo := filepath.Join(dir, "in.mp4")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "o.mp4")
	code, stderr := exitOf(t, bin, "run", fifo, "-q", "-o", out)
	if code != exitFailure || !strings.Contains(stderr, "in.mp4: cannot read video: a FIFO, not a regular file") {
		t.Errorf("FIFO video: exit %d, %q", code, stderr)
	}
	code, stderr = exitOf(t, bin, "run", c.Video, "-q", "-o", out, "--gt", fifo)
	if code != exitUsage || !strings.Contains(stderr, "in.mp4: cannot read ground truth: a FIFO, not a regular file") {
		t.Errorf("FIFO ground truth: exit %d, %q", code, stderr)
	}
	spec := writeFile(t, filepath.Join(dir, "s.toml"), "calibrate = false\n[[input]]\nvideo = \"in.mp4\"\n")
	code, stderr = exitOf(t, bin, "sweep", spec, "--dry-run")
	if code != exitUsage || !strings.Contains(stderr, "in.mp4 is not a regular file") {
		t.Errorf("FIFO video in a spec: exit %d, %q", code, stderr)
	}

	// SIGTERM as early as it can be sent: the process ends on its own.
	for i := 0; i < 3; i++ {
		cmd := exec.Command(bin, "run", c.Video, "-q", "-o", filepath.Join(dir, "sig.mp4"))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(i) * 20 * time.Millisecond)
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(time.Minute):
			cmd.Process.Kill()
			t.Fatalf("SIGTERM %d ms after start did not end the run", i*20)
		}
	}
}

// testWorkersDieWithParent (class 5): after SIGKILL of `ftbench run` with
// two segment workers, the workers die too, and the next run in that
// folder removes the segment folder the killed run left.
func testWorkersDieWithParent(t *testing.T, bin string) {
	c := faultClip(t)
	o := newRunOutputs(t.TempDir())
	cfg := writeFile(t, filepath.Join(t.TempDir(), "two.toml"), twoWorkers)
	cmd := exec.Command(bin, o.args(c.Video, cfg)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var workers []int
	for deadline := time.Now().Add(time.Minute); len(workers) < 2 && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		workers = workers[:0]
		for _, pid := range childPIDs(cmd.Process.Pid) {
			cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
			if bytes.Contains(cmdline, []byte("--analyze-segment")) {
				workers = append(workers, pid)
			}
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	if len(workers) < 2 {
		t.Fatalf("saw %d workers before the kill", len(workers))
	}
	for _, pid := range workers {
		gone := false
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			// A zombie reparented to init counts as gone: it runs no more.
			st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
			if err != nil || bytes.Contains(st, []byte(") Z ")) {
				gone = true
				break
			}
		}
		if !gone {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("worker %d outlived its killed parent", pid)
		}
	}
	if left := leftovers(t, o.dir); len(left) == 0 || !strings.HasPrefix(left[0], ".ftbench-segments-") {
		t.Logf("the killed run left %v", left)
	}
	if code, stderr := exitOf(t, bin, o.args(c.Video, "")...); code != 0 {
		t.Fatalf("next run: exit %d: %s", code, stderr)
	}
	for _, name := range leftovers(t, o.dir, "out.mp4", "tracks.json", "metrics.json") {
		if strings.HasPrefix(name, ".ftbench-segments-") {
			t.Errorf("the next run left the killed run's %s", name)
		}
	}
}

// testDashInput (class 8): a sweep over an input named "-x.mp4" runs it
// (the child's command line ends its flags with "--").
func testDashInput(t *testing.T, bin string) {
	c := clip(t, "face_360p")
	dir := t.TempDir()
	data, err := os.ReadFile(c.Video)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "-x.mp4"), string(data))
	spec := writeFile(t, filepath.Join(dir, "s.toml"), "name = \"dash\"\ncalibrate = false\nrepeats = 1\n[[input]]\nvideo = \"-x.mp4\"\n")
	out := filepath.Join(dir, "out")
	if code, stderr := exitOf(t, bin, "sweep", spec, "--out", out); code != 0 {
		t.Fatalf("sweep: exit %d: %s", code, stderr)
	}
	rs, _, err := record.ReadResults(filepath.Join(out, record.ResultsFile))
	if err != nil || len(rs) != 1 || rs[0].Status != record.StatusOK || !filepath.IsAbs(rs[0].Input.Video) {
		t.Fatalf("records %v (%v)", rs, err)
	}
}

// TestExitCodesAgree (class 9): a baseline whose runs all failed is an
// error (exit 2), not an inconclusive gate; and `ftbench sweep` exits 1,
// as `ftbench report` does on the same records, when no config meets the
// spec's constraints.
func TestExitCodesAgree(t *testing.T) {
	dir := t.TempDir()
	base := gateRecords(t, dir, "base.jsonl", gateEnvA, 1500, gateFPS...)
	rs, _, err := record.ReadResults(base)
	if err != nil {
		t.Fatal(err)
	}
	failedBase := filepath.Join(dir, "failed.jsonl")
	w, err := record.OpenWriter(failedBase)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if !record.IsReference(r) {
			r.Status, r.Metrics, r.Error = record.StatusFailed, nil, "boom"
		}
		w.Append(r)
	}
	w.Close()
	code, _, stderr := ftbench("gate", "--baseline", failedBase, "--candidate", base)
	if code != exitUsage || !strings.Contains(stderr, "every one of the baseline's") {
		t.Errorf("gate on a failed baseline: exit %d, %q; want 2", code, stderr)
	}

	spec := sweepSpec(t, 1, 0, "1m", "batch = [1, 2]")
	text, _ := os.ReadFile(spec)
	writeFile(t, spec, "constraints = [\"fps >= 1000000000\"]\n"+string(text))
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr = ftbench("sweep", spec, "--out", out, "--run-cmd", fakeCmd("sleep=0"))
	rcode, _, rerr := ftbench("report", out)
	t.Log(rerr)
	if code != exitFailure || rcode != exitFailure || !strings.Contains(stderr, "no feasible config") {
		t.Errorf("no feasible config: sweep exit %d (%q), report exit %d; want both 1", code, stderr, rcode)
	}
}
