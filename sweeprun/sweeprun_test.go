package sweeprun

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftbench/ftbench/fixtures/catalog"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/reports"
	"github.com/ftbench/ftbench/sweeps"
	"github.com/ftbench/ftbench/tune"
)

// fakeExec runs nothing: a run of batch b ends ok at 100+b frames/s, or
// failed when fail says so; cancel, when set, is called after cancelAfter
// runs and the run in flight is interrupted, as a Ctrl-C does.
type fakeExec struct {
	fail        func(batch int) bool
	cancel      func()
	cancelAfter int
	runs        int
}

func (f *fakeExec) Run(ctx context.Context, run record.Run, _ time.Duration) *record.Result {
	f.runs++
	t := run.Trial
	res := &record.Result{Version: record.RecordVersion, TrialID: t.ID, Label: t.Label, Config: t.Config, Input: t.Input,
		Round: run.Round, Repetition: run.Repetition, Warmup: run.Warmup, Status: record.StatusOK, ElapsedSeconds: 2}
	if len(t.Axes) > 0 {
		res.Axes = map[string]any{}
		for _, s := range t.Axes {
			res.Axes[s.Key] = s.Value
		}
	}
	if f.cancel != nil && f.runs > f.cancelAfter {
		f.cancel()
	}
	switch {
	case ctx.Err() != nil:
		res.Status = record.StatusInterrupted
	case f.fail != nil && f.fail(int(t.Config.Batch)):
		res.Status, res.Error = record.StatusFailed, "boom"
	default:
		res.Metrics = &metrics.Metrics{Frames: 100, FPS: 100 + float64(t.Config.Batch), Config: t.Config}
	}
	return res
}

// testSpec writes a spec over a dummy video and loads it; extra is TOML
// after the [axes] table's body.
func testSpec(t *testing.T, axes, extra string) *sweeps.Spec {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "clip.mp4"), []byte("not really a video"), 0o644); err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf("name = \"t\"\ncalibrate = false\nrepeats = 1\nwarmups = 0\ntimeout = \"1m\"\n\n[[input]]\nvideo = \"clip.mp4\"\n\n[axes]\n%s\n%s", axes, extra)
	path := filepath.Join(dir, "t.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, err := sweeps.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// start prepares a sweep of spec into a new folder, up to Run.
func start(t *testing.T, spec *sweeps.Spec, opts Options) (*Sweep, *record.Writer, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if opts.Dir == "" {
		opts.Dir = filepath.Join(t.TempDir(), "out")
	}
	opts.Stdout, opts.Stderr = &stdout, &stderr
	sw, err := New(spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sw.Close() })
	if err := sw.Start(); err != nil {
		t.Fatal(err)
	}
	if err := sw.GenerateInputs(); err != nil {
		t.Fatal(err)
	}
	w, err := record.OpenWriter(sw.ResultsPath())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return sw, w, &stdout, &stderr
}

type statuses []Status

func (s *statuses) Update(st Status) { *s = append(*s, st) }
func (s *statuses) Clear()           {}

// TestRunGrid: every run recorded, the summary on stdout, the report
// written, the progress told before each run and after the last; a second
// sweep of the folder is refused, and a resumed one runs nothing.
func TestRunGrid(t *testing.T) {
	t.Parallel()
	spec := testSpec(t, "batch = [1, 2, 3]", "")
	sw, w, stdout, _ := start(t, spec, Options{})
	var seen statuses
	sum, err := sw.Run(context.Background(), &fakeExec{}, w, &seen)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Runs != 3 || sum.OK != 3 {
		t.Errorf("summary %+v", sum)
	}
	if !strings.Contains(stdout.String(), "t: 3 runs: 3 ok in 0s -> "+sw.ResultsPath()) || !strings.Contains(stdout.String(), "Best config: batch=3") {
		t.Errorf("stdout:\n%s", stdout)
	}
	for _, f := range []string{record.SpecFile, reports.HTMLFile, reports.MarkdownFile, reports.BestFile} {
		if _, err := os.Stat(filepath.Join(sw.opts.Dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if len(seen) != 4 || seen[0].Next == nil || seen[3].Next != nil || seen[3].Done != 3 {
		t.Errorf("progress: %+v", seen)
	}
	sw.Close()
	w.Close()

	again, err := New(spec, Options{Dir: sw.opts.Dir, Stdout: stdout, Stderr: stdout})
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Start(); err == nil || !strings.Contains(err.Error(), "already holds 3 records; pass --resume") {
		t.Errorf("a second sweep into the folder: %v", err)
	}
	again.Close()

	resumed, w2, stdout2, _ := start(t, spec, Options{Dir: sw.opts.Dir, Resume: true})
	ex := &fakeExec{}
	if sum, err := resumed.Run(context.Background(), ex, w2, nil); err != nil || ex.runs != 0 || sum.Skipped != 3 {
		t.Errorf("resume of a finished sweep: %d runs, %+v, %v", ex.runs, sum, err)
	}
	if !strings.Contains(stdout2.String(), "3 already recorded") {
		t.Errorf("stdout of the resume:\n%s", stdout2)
	}
}

// TestRunGridErrors: a sweep whose every run failed, and one interrupted,
// each end with an error that says what to do.
func TestRunGridErrors(t *testing.T) {
	t.Parallel()
	spec := testSpec(t, "batch = [1, 2, 3]", "")
	sw, w, _, _ := start(t, spec, Options{})
	_, err := sw.Run(context.Background(), &fakeExec{fail: func(int) bool { return true }}, w, nil)
	if err == nil || !strings.Contains(err.Error(), "every run failed; see the errors in") {
		t.Errorf("every run failed: %v", err)
	}

	sw, w, _, _ = start(t, spec, Options{SpecArg: "t.toml"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sum, err := sw.Run(ctx, &fakeExec{cancel: cancel, cancelAfter: 1}, w, nil)
	if err == nil || !strings.Contains(err.Error(), "`ftbench sweep t.toml --out "+sw.opts.Dir+" --resume` runs the rest") {
		t.Errorf("interrupted: %v", err)
	}
	if sum.OK != 1 || sum.Interrupted != 1 {
		t.Errorf("interrupted after one run: %+v", sum)
	}
}

// TestRunSearch: a live search records its runs and its history, and says
// what it found.
func TestRunSearch(t *testing.T) {
	t.Parallel()
	spec := testSpec(t, "batch = [1, 2, 3, 4]\ndecoder_threads = [1, 2]", "\n[search]\nstrategy = \"coordinate\"\n")
	sw, w, stdout, stderr := start(t, spec, Options{})
	if _, err := sw.Run(context.Background(), &fakeExec{}, w, nil); err != nil {
		t.Fatal(err)
	}
	h, err := tune.ReadHistories(sw.opts.Dir)
	if err != nil || len(h) != 1 || h[0].Strategy != "coordinate" || h[0].Runs == 0 || !strings.Contains(h[0].Best, "batch=4") {
		t.Fatalf("histories %+v, %v", h, err)
	}
	if !strings.Contains(stdout.String(), "t: search coordinate: ") || !strings.Contains(stdout.String(), "best batch=4") {
		t.Errorf("stdout:\n%s", stdout)
	}
	if !strings.HasPrefix(stderr.String(), "search coordinate over 8 configs (a grid costs 8 runs)") || !strings.Contains(stderr.String(), "  run 1  ") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if _, err := New(spec, Options{Dir: t.TempDir(), Shard: Shard{0, 2}}); err == nil || !strings.Contains(err.Error(), "cannot be sharded") {
		t.Errorf("a sharded search: %v", err)
	}
}

// TestStartSpec: the spec is saved into the folder; resuming with another
// spec keeps it with a note, and resuming the default sweep over another
// spec is refused.
func TestStartSpec(t *testing.T) {
	t.Parallel()
	spec := testSpec(t, "batch = [1, 2]", "")
	dir := filepath.Join(t.TempDir(), "out")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, record.SpecFile), []byte("other"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	sw, err := New(spec, Options{Dir: dir, Resume: true, Stdout: &stderr, Stderr: &stderr})
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.Start(); err == nil || !strings.Contains(err.Error(), "is not the default sweep's spec") {
		t.Errorf("resuming the default sweep over another spec: %v", err)
	}
	sw.Close()
	sw, _ = New(spec, Options{Dir: dir, Resume: true, SpecArg: "t.toml", Stdout: &stderr, Stderr: &stderr})
	if err := sw.Start(); err != nil {
		t.Fatal(err)
	}
	sw.Close()
	if !strings.Contains(stderr.String(), "note: t.toml differs from "+filepath.Join(dir, record.SpecFile)) {
		t.Errorf("stderr: %s", stderr.String())
	}
	if saved, _ := os.ReadFile(filepath.Join(dir, record.SpecFile)); !bytes.Equal(saved, spec.Text) {
		t.Errorf("saved spec %q", saved)
	}
}

// TestGenerateInputs: fixture inputs are generated into the cache folder
// and planned with their paths, with the reference workload when the spec
// calibrates.
func TestGenerateInputs(t *testing.T) {
	t.Parallel()
	name := catalog.Names()[0]
	spec := testSpec(t, "batch = [1, 2]", "")
	spec.Inputs = append(spec.Inputs, record.Input{Name: name, Fixture: name})
	spec.Calibrate = true
	cache := t.TempDir()
	var asked []string
	gen := func(fx catalog.Spec, dir string) (string, string, error) {
		asked = append(asked, fx.Name+"@"+dir)
		return filepath.Join(dir, fx.Name+".mp4"), filepath.Join(dir, fx.Name+".gt"), nil
	}
	sw, err := New(spec, Options{Dir: t.TempDir(), Fixtures: cache, Generate: gen, Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.GenerateInputs(); err != nil {
		t.Fatal(err)
	}
	if len(asked) != 1 || asked[0] != name+"@"+cache {
		t.Errorf("generated %v", asked)
	}
	refs, videos := 0, map[string]bool{}
	for _, tr := range sw.plan.Trials {
		videos[tr.Input.Video] = true
		if record.IsReferenceTrial(&tr) {
			refs++
		}
	}
	if refs != 2 || !videos[filepath.Join(cache, name+".mp4")] {
		t.Errorf("plan: %d reference trials, videos %v", refs, videos)
	}
}

// TestDryRun: the trials, the runs and the estimate from the runs the
// folder records.
func TestDryRun(t *testing.T) {
	t.Parallel()
	spec := testSpec(t, "batch = [1, 2]", "")
	sw, w, _, _ := start(t, spec, Options{})
	if _, err := sw.Run(context.Background(), &fakeExec{}, w, nil); err != nil {
		t.Fatal(err)
	}
	sw.Close()
	var out bytes.Buffer
	fresh, _ := New(spec, Options{Dir: t.TempDir(), Shard: Shard{1, 2}, Stderr: &out})
	fresh.DryRun(&out)
	for _, want := range []string{"sweep t (", ", shard 1/2", "batch=2", "1 trials x (0 warm-up + 1 counted) = 1 runs", "time: unknown before a first run; at most 1m0s"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry run lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	resumed, _ := New(spec, Options{Dir: sw.opts.Dir, Resume: true, Stderr: &out})
	resumed.DryRun(&out)
	for _, want := range []string{"2 runs, 2 already recorded, 0 to run", "time: about 0s, from 2 earlier runs"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("resumed dry run lacks %q:\n%s", want, out.String())
		}
	}
}

func TestParseShard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		flag     string
		env      map[string]string
		want     Shard
		wantErr  string
		wantText string
	}{
		{name: "none", want: Shard{0, 1}},
		{name: "flag", flag: "1/4", want: Shard{1, 4}, wantText: "1/4"},
		{name: "indexed job", env: map[string]string{"JOB_COMPLETION_INDEX": "2", "JOB_COMPLETIONS": "3"}, want: Shard{2, 3}, wantText: "2/3"},
		{name: "flag over env", flag: "0/2", env: map[string]string{"JOB_COMPLETION_INDEX": "2", "JOB_COMPLETIONS": "3"}, want: Shard{0, 2}, wantText: "0/2"},
		{name: "half the env", env: map[string]string{"JOB_COMPLETIONS": "3"}, wantErr: "must be set together"},
		{name: "bad env", env: map[string]string{"JOB_COMPLETION_INDEX": "3", "JOB_COMPLETIONS": "3"}, wantErr: "JOB_COMPLETION_INDEX=3 JOB_COMPLETIONS=3"},
	}
	for _, tt := range tests {
		got, err := ParseShard(tt.flag, func(k string) string { return tt.env[k] })
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: err %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want || got.String() != tt.wantText {
			t.Errorf("%s: %v (%q), %v; want %v", tt.name, got, got.String(), err, tt.want)
		}
	}
}

func TestStatusLine(t *testing.T) {
	t.Parallel()
	tr := &record.Trial{Label: "batch=2"}
	tests := []struct {
		name string
		st   Status
		want string
	}{
		{"first", Status{Total: 4, Next: &record.Run{Trial: tr, Warmup: true}}, "[0/4]  batch=2 (warm-up)"},
		{"later", Status{Done: 2, Total: 4, ETA: 90 * time.Second, Next: &record.Run{Trial: tr, Repetition: 1},
			Last: &record.Result{Status: record.StatusOK, Metrics: &metrics.Metrics{FPS: 312.34}}}, "[2/4] ETA 1m30s  batch=2 #2  last 312.3 frames/s"},
		{"after a failure", Status{Done: 4, Total: 4, Last: &record.Result{Status: record.StatusFailed}}, "[4/4]  last failed"},
	}
	for _, tt := range tests {
		if got := tt.st.Line(); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSummaryString(t *testing.T) {
	t.Parallel()
	s := Summary{OK: 5, Failed: 1, Timeout: 1, Interrupted: 1, Skipped: 2, Reference: 3, ReferenceFailed: 1}
	want := "8 runs: 5 ok, 1 failed, 1 timed out, 1 interrupted, 2 already recorded, 3 reference runs (1 failed)"
	if got := s.String(); got != want {
		t.Errorf("%q, want %q", got, want)
	}
}

func TestCompleteness(t *testing.T) {
	t.Parallel()
	spec := testSpec(t, "batch = [1, 2]", "")
	if got := Completeness(t.TempDir()); got != "" {
		t.Errorf("a folder without a spec: %q", got)
	}
	sw, w, _, _ := start(t, spec, Options{})
	// The copied spec names its video relative to itself.
	if err := os.WriteFile(filepath.Join(sw.opts.Dir, "clip.mp4"), []byte("not really a video"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := Completeness(sw.opts.Dir); got != "incomplete: 2 of 2 runs of sweep t are not recorded (unfinished shards?)" {
		t.Errorf("before the runs: %q", got)
	}
	if _, err := sw.Run(context.Background(), &fakeExec{}, w, nil); err != nil {
		t.Fatal(err)
	}
	if got := Completeness(sw.opts.Dir); got != "complete: every run of sweep t is recorded" {
		t.Errorf("after the runs: %q", got)
	}
}
