package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ftbench/ftbench/internal/atomicfile"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/record"
)

// stderrTailBytes is how much of a failed child's stderr a result keeps.
const stderrTailBytes = 2048

// Runner runs trials as child processes and turns each run into a record.Result.
type Runner struct {
	// Command is the program and leading arguments that run one trial; the
	// trial's flags and input are appended:
	//   -o OUT.mp4 --config CONFIG.toml --metrics METRICS.json [--gt GT] INPUT
	// Empty means this executable's "run" subcommand.
	Command []string
	// Dir is the sweep's output folder; each run's files go under
	// Dir/trials/ID/.
	Dir string
	// Sampler samples each run; nil samples /proc with the defaults.
	Sampler *Sampler
	// Env is stored in every result.
	Env *record.Env
	// SweepName and Shard are stored in every result.
	SweepName string
	Shard     string
	// KeepOutputs keeps each run's output video; by default it is deleted
	// once the run ends, since only the metrics are measured.
	KeepOutputs bool
	// KeepTracks has each run write its tracks.json into its folder
	// (RunDir), where it stays: what a sweep with a gold config compares.
	KeepTracks bool
	// MemoryLimitBytes, when > 0, caps the address space (RLIMIT_AS) of
	// each run's child and of every process it starts, so that a runaway
	// trial fails on its own instead of taking the machine down. See
	// limitMemory for what the limit counts.
	MemoryLimitBytes int64
	// Instrument, when set (record.InstrumentInstructions), runs each trial
	// under it and records its counts; the reference workload is never
	// instrumented (see CheckInstrument).
	Instrument string
	// MinRunSeconds, when > 0, makes every counted run of a plain sweep
	// last that long at the least (ftbench run --min-seconds: the input is
	// gone through again); warm-ups and instrumented runs make one pass.
	MinRunSeconds float64
}

// TracksFile is the name of a run's tracks.json in its folder, written
// when Runner.KeepTracks is set.
const TracksFile = "tracks.json"

// RunDir returns the folder of a run's files.
func (r *Runner) RunDir(run record.Run) string {
	name := "rep" + strconv.Itoa(run.Repetition)
	if run.Warmup {
		name = "warmup" + strconv.Itoa(run.Repetition)
	}
	return filepath.Join(r.Dir, "trials", run.Trial.ID, name)
}

func (r *Runner) command() ([]string, error) {
	if len(r.Command) > 0 {
		return r.Command, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find the ftbench executable to run trials with: %w", err)
	}
	return []string{exe, "run"}, nil
}

// runTrial executes one run of a trial and returns its result; it never
// fails, whatever the child does: a failure is a result with a failed
// status. Canceling ctx kills the child and records the run as
// interrupted; timeout (0 for none) kills it and records a timeout. Either
// way the child's whole process group is killed.
func (r *Runner) runTrial(ctx context.Context, run record.Run, timeout time.Duration) *record.Result {
	t := run.Trial
	res := &record.Result{
		Version:    record.RecordVersion,
		Sweep:      r.SweepName,
		Shard:      r.Shard,
		TrialID:    t.ID,
		Label:      t.Label,
		Config:     t.Config,
		Input:      t.Input,
		Round:      run.Round,
		Repetition: run.Repetition,
		Warmup:     run.Warmup,
		Env:        r.Env,
	}
	if len(t.Axes) > 0 {
		res.Axes = make(map[string]any, len(t.Axes))
		for _, s := range t.Axes {
			res.Axes[s.Key] = s.Value
		}
	}
	fail := func(err error) *record.Result { return failed(res, err) }
	harness := func(err error) *record.Result { res.HarnessErr = err; return res }
	argv, err := r.command()
	if err != nil {
		return fail(err)
	}
	dir := r.RunDir(run)
	// A resumed sweep reruns interrupted runs: start from an empty folder
	// so a stale metrics file can never pass for this run's.
	if err := os.RemoveAll(dir); err != nil {
		return harness(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return harness(err)
	}
	cfgPath := filepath.Join(r.Dir, "trials", t.ID, "config.toml")
	header := fmt.Sprintf("record.Trial %s (%s) of sweep %q, written by ftbench sweep.\nRun it alone with: ftbench run --config %s %s", t.ID, t.Label, r.SweepName, cfgPath, t.Input.Video)
	if err := atomicfile.WriteFile(cfgPath, t.Config.WriteTOML(header)); err != nil {
		return harness(err)
	}
	metricsPath := filepath.Join(dir, "metrics.json")
	outPath := filepath.Join(dir, "out.mp4")
	args := append([]string{}, argv[1:]...)
	args = append(args, "-o", outPath, "--config", cfgPath, "--metrics", metricsPath)
	if t.Input.GroundTruth != "" {
		args = append(args, "--gt", t.Input.GroundTruth)
	}
	if r.KeepTracks {
		args = append(args, "--tracks", filepath.Join(dir, TracksFile))
	}
	if r.MinRunSeconds > 0 && r.Instrument == "" && !run.Warmup {
		args = append(args, "--min-seconds", strconv.FormatFloat(r.MinRunSeconds, 'g', -1, 64))
	}
	// Note: "--" ends the flags, so an input named "-x.mp4" is a file.
	args = append(args, "--", t.Input.Video)

	name := argv[0]
	var env []string
	if r.Instrument != "" {
		res.Instrument = r.Instrument
		valgrind, err := findValgrind()
		if err != nil {
			return fail(err)
		}
		name, args = Cachegrind(valgrind, dir, name, args)
		env = instrumentEnv(filepath.Join(r.Dir, "trials"))
	}
	if r.MemoryLimitBytes > 0 {
		name, args = limitMemory(r.MemoryLimitBytes, name, args)
	}
	sup, err := r.supervise(ctx, res, dir, name, args, env, timeout)
	var he *harnessError
	if errors.As(err, &he) {
		return harness(he.err)
	} else if err != nil {
		return fail(fmt.Errorf("cannot start %s: %w", argv[0], err))
	}
	waitErr, tail := sup.waitErr, sup.tail
	if err := harnessWriteFailure(waitErr, tail, dir); err != nil {
		return harness(err)
	}
	switch {
	case sup.killed(res, "", timeout):
	case waitErr != nil:
		res.Status = record.StatusFailed
		if res.Signal != "" {
			res.Error = "killed by " + res.Signal
			if res.Signal == "SIGKILL" {
				res.Error += " (out of memory?)"
			}
		} else {
			res.Error = waitErr.Error()
		}
		switch line := lastLine(tail); {
		case r.MemoryLimitBytes > 0 && outOfMemory(tail):
			// Note: Go's out-of-memory crash is a page of goroutine
			// traces; its last line says nothing. One line names the limit.
			res.Error = fmt.Sprintf("out of memory under the memory limit of %d bytes (%.1f GiB) of address space", r.MemoryLimitBytes, float64(r.MemoryLimitBytes)/(1<<30))
		case line != "":
			res.Error += ": " + line
		}
		if r.MemoryLimitBytes > 0 && !strings.HasPrefix(res.Error, "out of memory under") {
			res.Error += fmt.Sprintf(" (run under a memory limit of %d bytes of address space)", r.MemoryLimitBytes)
		}
	default:
		m, err := readMetrics(metricsPath)
		if err != nil {
			res.Status = record.StatusFailed
			res.Error = "exited 0 but " + err.Error()
		} else {
			res.Status = record.StatusOK
			res.Metrics = m
		}
		if r.Instrument != "" && res.Status == record.StatusOK {
			if res.Resources.Instructions, err = CountInstructions(dir); err != nil {
				res.Status = record.StatusFailed
				res.Error = "exited 0 but the instrument's counts are unreadable: " + err.Error()
			}
		}
	}
	if r.Instrument != "" {
		files, _ := filepath.Glob(filepath.Join(dir, cachegrindPrefix+"*"))
		for _, f := range files {
			os.Remove(f) // per-function counts, megabytes each; the sum is in the record
		}
	}
	if res.Status != record.StatusOK {
		res.StderrTail = tail
		if m, err := readMetrics(metricsPath); err == nil {
			res.Metrics = m // whatever the child managed to write
		}
	}
	if !r.KeepOutputs {
		os.Remove(outPath)
	}
	return res
}

// outOfMemory reports whether a child's stderr says it ran out of memory:
// Go's runtime, FFmpeg's ENOMEM, or a C allocator's.
func outOfMemory(tail string) bool {
	for _, s := range []string{"fatal error: runtime: out of memory", "runtime: cannot allocate memory", "Cannot allocate memory", "out of memory"} {
		if strings.Contains(tail, s) {
			return true
		}
	}
	return false
}

// harnessError is a failure of the harness's own files for a run.
type harnessError struct{ err error }

func (e *harnessError) Error() string { return e.err.Error() }

// harnessErrnos are the write failures that belong to the machine, not to
// a trial: the same run would succeed with room, rights or a working disk.
var harnessErrnos = []string{"no space left on device", "disk quota exceeded", "read-only file system", "input/output error", "permission denied"}

// harnessWriteFailure returns an error when a child that failed said, in
// its last line, that writing a file in the run's folder failed for one of
// harnessErrnos: the folder is the harness's, so the failure is the
// harness's too (a full disk is not a slow config), and nil otherwise.
//
// Note: on a full disk the child's stderr.log, in the same folder, may be
// empty, so a failed child whose folder cannot take a small write now is
// the harness's failure as well.
func harnessWriteFailure(waitErr error, tail, dir string) error {
	if waitErr == nil {
		return nil
	}
	line := lastLine(tail)
	if strings.Contains(line, dir) {
		for _, e := range harnessErrnos {
			if strings.Contains(line, e) {
				return fmt.Errorf("the run's output in %s could not be written: %s", dir, line)
			}
		}
	}
	if err := probeWrite(dir); err != nil {
		return fmt.Errorf("the run's folder %s cannot be written: %w", dir, err)
	}
	return nil
}

// probeWrite writes, syncs and removes a small file in dir, and returns
// the error when one of harnessErrnos stops it.
func probeWrite(dir string) error {
	f, err := os.CreateTemp(dir, ".probe*")
	if err == nil {
		_, err = f.Write(make([]byte, 64<<10))
		if err == nil {
			err = f.Sync()
		}
		f.Close()
		os.Remove(f.Name())
	}
	if err == nil {
		return nil
	}
	for _, e := range harnessErrnos {
		if strings.Contains(err.Error(), e) {
			return err
		}
	}
	return nil
}

// failed marks res as a run that failed before or around its child (it
// could not be prepared or started) and returns it.
func failed(res *record.Result, err error) *record.Result {
	res.Status = record.StatusFailed
	res.ExitCode = -1
	res.Error = err.Error()
	if res.Start.IsZero() {
		res.Start = time.Now().UTC()
	}
	res.End = time.Now().UTC()
	return res
}

// child is how a supervised child ended.
type child struct {
	killedFor record.Status // record.StatusTimeout or record.StatusInterrupted when the harness killed it
	waitErr   error         // from Wait
	tail      string        // the end of its stderr
}

// killed fills res's status and error for a child the harness killed (at
// its timeout, or interrupted), naming it what ("" or "reference workload
// "), and reports whether it was killed.
func (c child) killed(res *record.Result, what string, timeout time.Duration) bool {
	switch c.killedFor {
	case record.StatusTimeout:
		res.Status, res.Error = record.StatusTimeout, fmt.Sprintf("%stimed out after %s; killed its process group", what, timeout)
	case record.StatusInterrupted:
		res.Status, res.Error = record.StatusInterrupted, "interrupted; killed its process group"
	default:
		return false
	}
	return true
}

// supervise runs name with args in its own process group, its output in
// dir/stdout.log and dir/stderr.log, sampling it while it lives, killing
// its whole tree at the timeout or when ctx is done, and fills res's start
// and end, elapsed time, resources, exit code and signal. env adds to
// this process's environment. The error is
// only for a child that could not be started (res.Start is set then).
// Trials (record.Run) and the reference workload (RunReference) share it.
func (r *Runner) supervise(ctx context.Context, res *record.Result, dir, name string, args, env []string, timeout time.Duration) (child, error) {
	stdout, err := os.Create(filepath.Join(dir, "stdout.log"))
	if err != nil {
		return child{}, &harnessError{err}
	}
	defer stdout.Close()
	stderrPath := filepath.Join(dir, "stderr.log")
	stderr, err := os.Create(stderrPath)
	if err != nil {
		return child{}, &harnessError{err}
	}
	defer stderr.Close()

	cmd := exec.Command(name, args...)
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	// Note: files, not pipes, take the child's output: with a pipe, Wait
	// would also wait for any grandchild that inherited it.
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid: true, // its own group, so a timeout kills the whole tree
		// If the sweep itself dies (SIGKILL), take the child with it.
		Pdeathsig: syscall.SIGKILL,
	}
	sampler := r.Sampler
	if sampler == nil {
		sampler = &Sampler{}
	}

	// Note: Pdeathsig fires when the forking thread ends, so this goroutine
	// keeps its thread until the child has been waited for.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	harness0 := processCPUSeconds()
	start := time.Now()
	res.Start = start.UTC()
	if err := cmd.Start(); err != nil {
		return child{}, err
	}
	pgid := cmd.Process.Pid
	sampling := sampler.Start(cmd.Process.Pid)
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()

	var timer <-chan time.Time
	if timeout > 0 {
		tm := time.NewTimer(timeout)
		defer tm.Stop()
		timer = tm.C
	}
	var c child
	select {
	case c.waitErr = <-waited:
	case <-timer:
		c.killedFor = record.StatusTimeout
		killTree(pgid)
		c.waitErr = <-waited
	case <-ctx.Done():
		c.killedFor = record.StatusInterrupted
		killTree(pgid)
		c.waitErr = <-waited
	}
	end := time.Now()
	// Grandchildren that outlive the child are part of the run too.
	killGroup(pgid)
	res.Resources, res.Series = sampling.Stop()
	res.End = end.UTC()
	res.ElapsedSeconds = end.Sub(start).Seconds()
	res.Resources.HarnessCPUSeconds = processCPUSeconds() - harness0
	res.ExitCode = -1
	if ps := cmd.ProcessState; ps != nil {
		res.ExitCode = ps.ExitCode()
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			res.Signal = signalName(ws.Signal())
		}
		ru, _ := ps.SysUsage().(*syscall.Rusage)
		account(&res.Resources, ru)
		// Note: the kernel's accounting covers the child's whole life and
		// every descendant it waited for, so the mean comes from it rather
		// than from the samples, which miss the last interval.
		if cpus := envCPUs(res.Env); cpus > 0 && res.ElapsedSeconds > 0 {
			res.Resources.CPUUtilMean = res.Resources.CPUSeconds / res.ElapsedSeconds / float64(cpus)
			// A run shorter than a few samples can peak above what the
			// samples saw, never below its mean.
			res.Resources.CPUUtilMax = max(res.Resources.CPUUtilMax, res.Resources.CPUUtilMean)
		}
	}
	c.tail = readTail(stderrPath, stderrTailBytes)
	return c, nil
}

func envCPUs(e *record.Env) int {
	if e != nil && e.CPUs > 0 {
		return e.CPUs
	}
	return runtime.NumCPU()
}

// killTree kills a live child's process group and every descendant, in
// case one moved to a group of its own.
func killTree(pid int) {
	tree, _ := Proc{}.Tree(pid)
	killGroup(pid)
	for _, p := range tree {
		if p.PID != pid {
			_ = syscall.Kill(p.PID, syscall.SIGKILL)
		}
	}
}

// killGroup sends SIGKILL to a process group; a group already gone is fine.
func killGroup(pgid int) {
	if pgid > 0 {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
}

func readMetrics(path string) (*metrics.Metrics, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("wrote no metrics file %s", path)
		}
		return nil, err
	}
	var m metrics.Metrics
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("wrote a malformed metrics file %s: %v", path, err)
	}
	return &m, nil
}

// readTail returns up to n bytes from the end of a file, starting at a
// line boundary when it had to cut.
func readTail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(st.Size()-n, 0)
	buf, err := io.ReadAll(io.NewSectionReader(f, off, st.Size()-off))
	if err != nil {
		return ""
	}
	if off > 0 {
		if i := bytes.IndexByte(buf, '\n'); i >= 0 && i < len(buf)-1 {
			buf = buf[i+1:]
		}
	}
	return strings.ToValidUTF8(string(buf), "?")
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n\r\t "), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

var signalNames = map[syscall.Signal]string{
	syscall.SIGABRT: "SIGABRT", syscall.SIGBUS: "SIGBUS", syscall.SIGFPE: "SIGFPE",
	syscall.SIGHUP: "SIGHUP", syscall.SIGILL: "SIGILL", syscall.SIGINT: "SIGINT",
	syscall.SIGKILL: "SIGKILL", syscall.SIGPIPE: "SIGPIPE", syscall.SIGQUIT: "SIGQUIT",
	syscall.SIGSEGV: "SIGSEGV", syscall.SIGTERM: "SIGTERM", syscall.SIGXCPU: "SIGXCPU",
}

func signalName(s syscall.Signal) string {
	if n, ok := signalNames[s]; ok {
		return n
	}
	return "signal " + strconv.Itoa(int(s))
}
