package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/ftbench/ftbench/fixtures"
	"github.com/ftbench/ftbench/fixtures/catalog"
	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/reports"
	"github.com/ftbench/ftbench/runner"
	"github.com/ftbench/ftbench/sweeps"
)

func init() {
	register("sweep", "run a declarative sweep of pipeline configs and record every run", sweepCmd)
}

const sweepUsage = `usage: ftbench sweep [SPEC.toml] [--out DIR] [--resume] [--shard I/N] [--dry-run]

Expands the sweep SPEC (default: the embedded sweep on a generated clip,
about two minutes on a 2-core machine) into trials, runs each trial as its
own ` + "`ftbench run`" + ` child while sampling CPU, memory and GPU, and appends one
JSON record per run to DIR/results.jsonl, synced to disk before the next run.

Every round also runs the reference workload once per input: the ffmpeg
CLI doing the same decode, crop and encode, recorded with the label
reference:ffmpeg, so that ` + "`ftbench gate --normalize reference`" + ` can compare
frames/s across machines. calibrate = false in the spec turns it off.

A crashed or hung trial is recorded as failed (a hang is killed at the
spec's timeout, with its whole process tree) and the sweep goes on. Ctrl-C
records the run in flight as interrupted and stops; a second Ctrl-C stops at
once. --resume runs only what DIR lacks.

--shard I/N (0 <= I < N) runs every Nth trial from the Ith, so N machines
can share a sweep: a CI matrix, or a Kubernetes Indexed Job, whose
JOB_COMPLETION_INDEX and JOB_COMPLETIONS are read when --shard is not
given. ` + "`ftbench merge`" + ` joins the shards' folders.

Examples:
  ftbench sweep                              # the default sweep, into out/default
  ftbench sweep --dry-run sweeps/phase1b.toml
  ftbench sweep sweeps/phase1b.toml --out runs/1b --shard 0/4
  ftbench sweep sweeps/phase1b.toml --out runs/1b --resume
  ftbench sweep --metrics                    # the names objectives and constraints may use

flags:
`

// sweepEnv is how sweepCmd reads the environment; tests replace it.
var sweepEnv = os.Getenv

func sweepCmd(stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("sweep", sweepUsage, stderr)
	out := fs.String("out", "", "output `folder` (default out/NAME, NAME the spec's name)")
	resume := fs.Bool("resume", false, "continue the sweep in --out: run only the runs it has not recorded")
	shard := fs.String("shard", "", "run shard `I/N` of the trials (0-based); default from JOB_COMPLETION_INDEX/JOB_COMPLETIONS")
	dryRun := fs.Bool("dry-run", false, "list the trials and estimate the time; run nothing")
	runCmdLine := fs.String("run-cmd", "", "`command` that runs one trial, split on spaces; the trial's flags and input are appended (default: this binary's `run`)")
	interval := fs.Duration("interval", runner.DefaultSampleInterval, "time between resource samples")
	noGPU := fs.Bool("no-gpu", false, "do not sample GPUs even if NVML is present")
	keep := fs.Bool("keep-outputs", false, "keep every run's output video (deleted by default)")
	memLimit := fs.String("memory-limit", "", "cap each run's address space, e.g. `4GiB` (overrides the spec's memory_limit; 0 = none)")
	fixtureDir := fs.String("fixtures", "", "`folder` where generated input clips are cached (default: the user cache folder, else DIR/fixtures)")
	listMetrics := fs.Bool("metrics", false, "list the metric names objectives and constraints may use, and exit")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if *listMetrics {
		for _, n := range metric.Names() {
			fmt.Fprintln(stdout, n)
		}
		return nil
	}
	if len(pos) > 1 {
		fs.Usage()
		return withCode(exitUsage, fmt.Errorf("want at most one SPEC, got %d: %s", len(pos), strings.Join(pos, " ")))
	}
	if *interval <= 0 {
		return withCode(exitUsage, fmt.Errorf("--interval %s: want a positive duration", *interval))
	}

	spec, err := sweepLoadSpec(pos)
	if err != nil {
		return withCode(exitUsage, err)
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join("out", spec.Name)
	}
	shardI, shardN, err := sweepShard(*shard)
	if err != nil {
		return withCode(exitUsage, err)
	}
	shardText := ""
	if shardN > 1 {
		shardText = fmt.Sprintf("%d/%d", shardI, shardN)
	}
	resultsPath := filepath.Join(dir, record.ResultsFile)
	prior, err := sweepReadPrior(resultsPath, stderr)
	if err != nil {
		return withCode(exitUsage, err)
	}
	plan := spec.Plan().Shard(shardI, shardN)
	searching := spec.Search != nil && spec.Search.Strategy != "grid"
	if searching && shardN > 1 {
		return withCode(exitUsage, fmt.Errorf("%s: a %s search cannot be sharded: each step depends on the last; shard a grid, or run the search on one machine", spec.File, spec.Search.Strategy))
	}

	if *dryRun {
		sweepDryRun(stdout, spec, plan, shardText, prior, *resume)
		if spec.Calibrate && !searching {
			fmt.Fprintln(stdout, sweepReferenceNote(spec, plan))
		}
		if spec.Search != nil {
			fmt.Fprintln(stdout, searchCoverage(spec))
		}
		return nil
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return withCode(exitUsage, err)
	}
	unlock, err := record.Lock(dir)
	if err != nil {
		return withCode(exitUsage, err)
	}
	defer unlock()
	// Read again under the lock: another sweep may have written meanwhile.
	if prior, err = sweepReadPrior(resultsPath, stderr); err != nil {
		return withCode(exitUsage, err)
	}
	if len(prior) > 0 && !*resume {
		return withCode(exitUsage, fmt.Errorf("%s already holds %d records; pass --resume to continue that sweep, or choose another --out", resultsPath, len(prior)))
	}
	if err := sweepSaveSpec(dir, spec, pos, *resume, stderr); err != nil {
		return withCode(exitUsage, err)
	}
	if err := sweepGenerateInputs(spec, *fixtureDir, dir, stderr); err != nil {
		return withCode(exitFailure, err)
	}
	plan = spec.Plan().Shard(shardI, shardN) // now with the generated inputs' paths
	if spec.Calibrate {
		plan = record.WithReference(plan, spec.Base)
	}

	var command []string
	if *runCmdLine != "" {
		command = strings.Fields(*runCmdLine)
	}
	sampler := &runner.Sampler{Interval: *interval}
	if *noGPU {
		sampler.NoGPU = "no GPU: sampling turned off (--no-gpu)"
	} else if gpu, err := runner.OpenNVML(nil); err != nil {
		sampler.NoGPU = err.Error()
	} else {
		sampler.GPU = gpu
		defer gpu.Close()
	}
	env := runner.Fingerprint(runner.Proc{}, sampler.GPU, sampler.NoGPU)
	r := &runner.Runner{
		Command:     command,
		Dir:         dir,
		Sampler:     sampler,
		Env:         &env,
		SweepName:   spec.Name,
		Shard:       shardText,
		KeepOutputs: *keep,
		Instrument:  spec.Instrument,
	}
	if err := runner.CheckInstrument(spec.Instrument); err != nil {
		return withCode(exitUsage, fmt.Errorf("%s: %v", spec.File, err))
	}
	r.MemoryLimitBytes = spec.MemoryLimit
	if *memLimit != "" {
		if r.MemoryLimitBytes, err = sweeps.ParseSize(*memLimit); err != nil {
			return withCode(exitUsage, fmt.Errorf("--memory-limit: %v", err))
		}
	}
	w, err := record.OpenWriter(resultsPath)
	if err != nil {
		return withCode(exitUsage, err)
	}
	defer w.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopSignals := sweepHandleSignals(cancel, stderr)
	defer stopSignals()

	bar := newSweepProgress(stderr)
	if bar != nil && sampler.GPU == nil {
		bar.note("%s; sampling CPU and memory only", sampler.NoGPU)
	}
	if searching {
		bar.finish()
		err := runSearch(ctx, stdout, stderr, spec, r, w, prior, dir)
		if werr := writeSweepReport(stdout, stderr, dir, resultsPath, spec); werr != nil && err == nil {
			err = werr
		}
		if errors.Is(err, record.ErrInterrupted) {
			return withCode(exitFailure, fmt.Errorf("interrupted; every finished run is recorded, and `ftbench sweep %s--out %s --resume` reuses them", sweepSpecArg(pos), dir))
		}
		return withCode(exitFailure, err)
	}
	sum, err := r.Sweep(ctx, plan, w, runner.DoneRuns(prior), bar.update)
	bar.finish()
	fmt.Fprintf(stdout, "%s: %s in %s -> %s\n", spec.Name, sweepSummary(sum), sum.Elapsed.Round(time.Second), resultsPath)
	if sum.Reference > 0 && sum.ReferenceFailed == sum.Reference {
		fmt.Fprintf(stderr, "ftbench sweep: warning: every reference run failed (their error is in the reference:ffmpeg records of %s), so `ftbench gate --normalize reference` cannot use this sweep\n", resultsPath)
	}
	if werr := writeSweepReport(stdout, stderr, dir, resultsPath, spec); werr != nil && err == nil {
		err = werr
	}
	switch {
	case errors.Is(err, record.ErrInterrupted):
		return withCode(exitFailure, fmt.Errorf("interrupted; every finished run is recorded, and `ftbench sweep %s--out %s --resume` runs the rest", sweepSpecArg(pos), dir))
	case err != nil:
		return withCode(exitFailure, err)
	case sum.OK == 0 && sum.Failed+sum.Timeout > 0:
		return withCode(exitFailure, fmt.Errorf("every run failed; see the errors in %s", resultsPath))
	}
	return nil
}

// sweepReferenceNote says what the reference workload adds to a plan.
func sweepReferenceNote(spec *sweeps.Spec, plan record.Plan) string {
	inputs := map[string]bool{}
	for _, t := range plan.Trials {
		inputs[t.Input.Name] = true
	}
	runs := len(inputs) * (plan.Warmups + plan.Repeats)
	copyAudio := "audio dropped"
	if spec.Base.CopyAudio {
		copyAudio = "audio copied"
	}
	return fmt.Sprintf("calibration: + %d reference runs, one per round per input: the ffmpeg CLI decoding, cropping to %s and encoding (%s preset %s crf %d, %s), for `ftbench gate --normalize reference`; calibrate = false turns them off",
		runs, spec.Base.Aspect, spec.Base.Encoder, spec.Base.Preset, spec.Base.CRF, copyAudio)
}

func sweepSpecArg(pos []string) string {
	if len(pos) == 0 {
		return ""
	}
	return pos[0] + " "
}

// sweepLoadSpec loads the spec named on the command line, or the
// embedded default.
func sweepLoadSpec(pos []string) (*sweeps.Spec, error) {
	if len(pos) == 0 {
		return sweeps.Default()
	}
	return sweeps.Load(pos[0])
}

// sweepShard reads --shard, or the Kubernetes Indexed Job variables.
func sweepShard(flagValue string) (i, n int, err error) {
	if flagValue != "" {
		return record.ParseShard(flagValue)
	}
	idx, total := sweepEnv("JOB_COMPLETION_INDEX"), sweepEnv("JOB_COMPLETIONS")
	switch {
	case idx == "" && total == "":
		return 0, 1, nil
	case idx == "" || total == "":
		return 0, 0, errors.New("JOB_COMPLETION_INDEX and JOB_COMPLETIONS must be set together (or pass --shard I/N)")
	}
	i, n, err = record.ParseShard(idx + "/" + total)
	if err != nil {
		return 0, 0, fmt.Errorf("JOB_COMPLETION_INDEX=%s JOB_COMPLETIONS=%s: %v", idx, total, err)
	}
	return i, n, nil
}

// sweepReadPrior reads the records already in a results file, warning
// about malformed lines; a missing file holds none.
func sweepReadPrior(path string, stderr io.Writer) ([]*record.Result, error) {
	results, warns, err := record.ReadResults(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	for _, w := range warns {
		fmt.Fprintf(stderr, "ftbench sweep: warning: %v (skipped)\n", w)
	}
	return results, err
}

// sweepSaveSpec writes the spec into the output folder, so that the folder
// says what it holds and shards can be checked against each other.
func sweepSaveSpec(dir string, spec *sweeps.Spec, pos []string, resume bool, stderr io.Writer) error {
	path := filepath.Join(dir, record.SpecFile)
	old, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	case bytes.Equal(old, spec.Text):
		return nil
	case resume && len(pos) == 0:
		return fmt.Errorf("%s is not the default sweep's spec; pass the spec that folder was swept with: ftbench sweep SPEC --out %s --resume", path, dir)
	case resume:
		fmt.Fprintf(stderr, "ftbench sweep: note: %s differs from %s; runs of trials both specs share are kept, the rest run\n", pos[0], path)
	}
	return os.WriteFile(path, spec.Text, 0o644)
}

// sweepGenerateInputs generates the spec's fixture inputs (cached).
func sweepGenerateInputs(spec *sweeps.Spec, cache, dir string, stderr io.Writer) error {
	for i, in := range spec.Inputs {
		if in.Fixture == "" {
			continue
		}
		fx, ok := catalog.Lookup(in.Fixture)
		if !ok {
			return fmt.Errorf("unknown fixture %q", in.Fixture)
		}
		where := cache
		if where == "" {
			if c, err := os.UserCacheDir(); err == nil {
				where = filepath.Join(c, "ftbench", "fixtures")
			} else {
				where = filepath.Join(dir, "fixtures")
			}
		}
		if err := os.MkdirAll(where, 0o755); err != nil {
			return err
		}
		clip, err := fixtures.Generate(fx, where)
		if err != nil {
			return fmt.Errorf("generating input %s: %w", in.Fixture, err)
		}
		spec.Inputs[i].Video = clip.Video
		spec.Inputs[i].GroundTruth = clip.GroundTruth
	}
	return nil
}

// sweepHandleSignals cancels the sweep on the first SIGINT or SIGTERM and
// exits on the second. The returned function stops listening.
func sweepHandleSignals(cancel func(), stderr io.Writer) func() {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		fmt.Fprintln(stderr, "\nftbench sweep: stopping: recording the run in flight as interrupted (Ctrl-C again to stop at once)")
		cancel()
		select {
		case <-sigs:
			// Note: the child's process group was killed on the first
			// signal, and every finished run is already on disk.
			fmt.Fprintln(stderr, "ftbench sweep: stopped")
			os.Exit(exitFailure)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

func sweepSummary(s runner.Summary) string {
	ran := s.OK + s.Failed + s.Timeout + s.Interrupted
	parts := []string{fmt.Sprintf("%d runs: %d ok", ran, s.OK)}
	if s.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", s.Failed))
	}
	if s.Timeout > 0 {
		parts = append(parts, fmt.Sprintf("%d timed out", s.Timeout))
	}
	if s.Interrupted > 0 {
		parts = append(parts, fmt.Sprintf("%d interrupted", s.Interrupted))
	}
	if s.Skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d already recorded", s.Skipped))
	}
	if s.Reference > 0 {
		ref := fmt.Sprintf("%d reference runs", s.Reference)
		if s.ReferenceFailed > 0 {
			ref += fmt.Sprintf(" (%d failed)", s.ReferenceFailed)
		}
		parts = append(parts, ref)
	}
	return strings.Join(parts, ", ")
}

// sweepDryRun lists the trials and estimates the time.
func sweepDryRun(w io.Writer, spec *sweeps.Spec, plan record.Plan, shard string, prior []*record.Result, resume bool) {
	fmt.Fprintf(w, "sweep %s (%s)", spec.Name, spec.File)
	if shard != "" {
		fmt.Fprintf(w, ", shard %s", shard)
	}
	fmt.Fprintln(w)
	if spec.Description != "" {
		fmt.Fprintf(w, "  %s\n", spec.Description)
	}
	fmt.Fprintf(w, "  objective: %s %s", spec.Objective.Direction, spec.Objective.Metric)
	for _, c := range spec.Constraints {
		fmt.Fprintf(w, "; %s", c)
	}
	fmt.Fprintln(w)
	if len(spec.BaseKeys) > 0 {
		vals := spec.Base.Map()
		var kv []string
		for _, k := range spec.BaseKeys {
			kv = append(kv, k+"="+record.FormatValue(vals[k]))
		}
		fmt.Fprintf(w, "  base: %s\n", strings.Join(kv, ","))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tid\tinput\ttrial")
	for _, t := range plan.Trials {
		ref := ""
		if t.Label == spec.Reference {
			ref = "  (reference)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s%s\n", t.Index, t.ID, t.Input.Name, t.Label, ref)
	}
	tw.Flush()

	runs := plan.Runs()
	done := map[record.RunKey]bool{}
	if resume {
		done = runner.DoneRuns(prior)
	}
	todo := runner.Pending(plan, done)
	fmt.Fprintf(w, "\n%d trials x (%d warm-up + %d counted) = %d runs", len(plan.Trials), plan.Warmups, plan.Repeats, len(runs))
	if len(todo) < len(runs) {
		fmt.Fprintf(w, ", %d already recorded, %d to run", len(runs)-len(todo), len(todo))
	}
	fmt.Fprintln(w)
	// Estimate from earlier runs of the same trials where there are some.
	perTrial := map[string][]float64{}
	var all []float64
	for _, r := range prior {
		if r.Status == record.StatusOK {
			perTrial[r.TrialID] = append(perTrial[r.TrialID], r.ElapsedSeconds)
			all = append(all, r.ElapsedSeconds)
		}
	}
	if len(all) == 0 {
		fmt.Fprintf(w, "time: unknown before a first run; at most %s (every run at its %s timeout)\n",
			sweepDuration(time.Duration(len(todo))*plan.Timeout), plan.Timeout)
		return
	}
	var est float64
	for _, run := range todo {
		if xs := perTrial[run.Trial.ID]; len(xs) > 0 {
			est += sweepMean(xs)
		} else {
			est += sweepMean(all)
		}
	}
	fmt.Fprintf(w, "time: about %s, from %d earlier runs recorded in the output folder\n", sweepDuration(time.Duration(est*float64(time.Second))), len(all))
}

func sweepMean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func sweepDuration(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return d.Round(time.Minute).String()
	case d >= time.Minute:
		return d.Round(time.Second).String()
	default:
		return d.Round(100 * time.Millisecond).String()
	}
}

// sweepProgress draws one status line on a terminal: runs done of total,
// ETA, the running trial and the last run's frames/s.
type sweepProgress struct {
	w     io.Writer
	drawn bool
}

// newSweepProgress returns nil unless w is a terminal.
func newSweepProgress(w io.Writer) *sweepProgress {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return nil
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return &sweepProgress{w: w}
}

func (p *sweepProgress) note(format string, args ...any) {
	if p != nil {
		fmt.Fprintf(p.w, "ftbench sweep: "+format+"\n", args...)
	}
}

func (p *sweepProgress) update(pr runner.Progress) {
	if p == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "[%d/%d]", pr.Done, pr.Total)
	if pr.ETA > 0 {
		fmt.Fprintf(&b, " ETA %s", sweepDuration(pr.ETA))
	}
	if pr.Next != nil {
		fmt.Fprintf(&b, "  %s", pr.Next.Trial.Label)
		if pr.Next.Warmup {
			b.WriteString(" (warm-up)")
		} else {
			b.WriteString(" #" + strconv.Itoa(pr.Next.Repetition+1))
		}
	}
	if l := pr.Last; l != nil {
		if l.Status == record.StatusOK && l.Metrics != nil {
			fmt.Fprintf(&b, "  last %.1f frames/s", l.Metrics.FPS)
		} else {
			fmt.Fprintf(&b, "  last %s", l.Status)
		}
	}
	line := b.String()
	if len(line) > 110 {
		line = line[:107] + "..."
	}
	fmt.Fprintf(p.w, "\r\033[K%s", line)
	p.drawn = true
}

func (p *sweepProgress) finish() {
	if p != nil && p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// writeSweepReport writes report.html, summary.md and best.toml into dir
// from every record there. The report inlines a local ECharts when one is
// installed (scripts/fetch-echarts.sh), so it opens offline; otherwise it
// points at the public copy.
func writeSweepReport(stdout, stderr io.Writer, dir, resultsPath string, spec *sweeps.Spec) error {
	results, warnings, err := record.ReadResults(resultsPath)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "warning: %v\n", w)
	}
	// Note: the reference workload's records calibrate the gate; they are
	// not a config the report should rank or choose.
	results = slices.DeleteFunc(results, record.IsReference)
	opts := reports.Options{}
	if opts.Searches, err = reports.ReadSearches(dir); err != nil {
		return err
	}
	if js, err := reports.FindECharts(""); err == nil {
		if s, err := reports.LocalScript(js, dir, true); err == nil {
			opts.Script = s
		}
	}
	r, err := reports.WriteAll(dir, results, spec, opts)
	if err != nil {
		return err
	}
	reports.WriteOutcome(stdout, r, reports.DirPaths(dir))
	return nil
}
