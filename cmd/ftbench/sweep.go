package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ftbench/ftbench/cluster"
	"github.com/ftbench/ftbench/internal/progress"
	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/runner"
	"github.com/ftbench/ftbench/sweeprun"
	"github.com/ftbench/ftbench/sweeps"
)

var sweepUsage = usageText("sweep")

// sweepEnv is how sweepCmd reads the environment; tests replace it.
var sweepEnv = os.Getenv

func sweepCmd(stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("sweep", sweepUsage, stderr)
	out := fs.String("out", "", "output `folder` (default out/NAME, NAME the spec's name)")
	resume := fs.Bool("resume", false, "continue the sweep in --out: run only the runs it has not recorded")
	shard := fs.String("shard", "", "run shard `I/N` of the trials (0-based); default from JOB_COMPLETION_INDEX/JOB_COMPLETIONS")
	dryRun := fs.Bool("dry-run", false, "list the trials and estimate the time; run nothing")
	runCmdLine := fs.String("run-cmd", "", "`command` that runs one trial, split on spaces; the trial's flags and input are appended (default: this binary's `run`)")
	interval := fs.Duration("interval", runner.DefaultSampleInterval, "time between resource samples (default: 25 samples within min_run_seconds, at most 100ms)")
	noGPU := fs.Bool("no-gpu", false, "do not sample GPUs even if NVML is present")
	keep := fs.Bool("keep-outputs", false, "keep every run's output video (deleted by default)")
	memLimit := fs.String("memory-limit", "", "cap each run's address space, e.g. `4GiB` (overrides the spec's memory_limit; 0 = none)")
	fixtureDir := fs.String("fixtures", "", "`folder` where generated input clips are cached (default: the user cache folder, else DIR/fixtures)")
	listMetrics := fs.Bool("metrics", false, "list the metric names objectives and constraints may use, and exit")
	emit := fs.String("emit", "", "print the cluster job that runs the sweep's shards, `k8s` or slurm, and exit")
	image := fs.String("image", "", "with --emit k8s: the container `image` the pods run (ftbench on its PATH)")
	shards := fs.Int("shards", 0, "with --emit: the `N` shards the sweep is split into (default: one per trial)")
	parallelism := fs.Int("parallelism", 0, "with --emit: how many shards run at once, `P` (default: all)")
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

	var spec *sweeps.Spec
	specArg := "" // the default sweep
	if len(pos) == 1 {
		specArg = pos[0]
		spec, err = sweeps.Load(specArg)
	} else {
		spec, err = sweeps.Default()
	}
	if err != nil {
		return withCode(exitUsage, err)
	}
	if *emit != "" {
		return emitJob(stdout, spec, specArg, cluster.Engine(*emit), *image, *shards, *parallelism)
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join("out", spec.FolderName())
	}
	sh, err := sweeprun.ParseShard(*shard, sweepEnv)
	if err != nil {
		return withCode(exitUsage, err)
	}
	sw, err := sweeprun.New(spec, sweeprun.Options{Dir: dir, Resume: *resume, Shard: sh, SpecArg: specArg,
		Fixtures: *fixtureDir, Generate: generateFixture, Stdout: stdout, Stderr: stderr})
	if err != nil {
		return withCode(exitUsage, err)
	}
	if *dryRun {
		sw.DryRun(stdout)
		return nil
	}
	off := ""
	if *noGPU {
		off = "no GPU: sampling turned off (--no-gpu)"
	}
	if !flagSet(fs, "interval") {
		*interval = runner.SampleInterval(spec.MinRunSeconds)
	}
	sampler, env, closeGPU := runner.OpenSampler(*interval, off)
	defer closeGPU()
	// Note: before the output folder is made or any trial runs, a spec whose objective or constraints
	// this machine cannot measure is refused.
	if err := spec.CheckMachine(sweeps.Machine{GPU: sampler.GPU != nil}); err != nil {
		return withCode(exitUsage, err)
	}
	defer sw.Close()
	if err := sw.Start(); err != nil {
		return withCode(exitUsage, err)
	}
	if err := sw.GenerateInputs(); err != nil {
		return withCode(exitFailure, err)
	}

	r := &runner.Runner{Command: strings.Fields(*runCmdLine), Dir: dir, Sampler: sampler, Env: &env, SweepName: spec.Name,
		Shard: sh.String(), KeepOutputs: *keep, MemoryLimitBytes: spec.MemoryLimit, Instrument: spec.Instrument,
		MinRunSeconds: spec.MinRunSeconds}
	if err := runner.CheckInstrument(spec.Instrument); err != nil {
		return withCode(exitUsage, fmt.Errorf("%s: %v", spec.File, err))
	}
	if *memLimit != "" {
		if r.MemoryLimitBytes, err = sweeps.ParseSize(*memLimit); err != nil {
			return withCode(exitUsage, fmt.Errorf("--memory-limit: %v", err))
		}
	}
	w, err := record.OpenWriter(sw.ResultsPath())
	if err != nil {
		return withCode(exitUsage, err)
	}
	defer w.Close()

	ctx, stop := sweeprun.Interruptible(stderr, func() { os.Exit(exitFailure) })
	defer stop()
	bar := progress.New(stderr)
	if sampler.GPU == nil {
		bar.Note("ftbench sweep: " + sampler.NoGPU + "; sampling CPU and memory only")
	}
	var ex sweeprun.Executor = r
	if gold := spec.GoldTrials(); gold != nil {
		r.KeepTracks = true
		ex = &sweeprun.GoldExecutor{Inner: r, Gold: gold, TracksPath: sweeprun.RunTracksPath(r.RunDir, runner.TracksFile)}
	}
	_, err = sw.Run(ctx, ex, w, sweeprun.Bar(bar))
	return withCode(exitFailure, err)
}

// emitJob prints the cluster job that runs the sweep's shards. The
// default spec travels as its text, named default.toml.
func emitJob(stdout io.Writer, spec *sweeps.Spec, specArg string, e cluster.Engine, image string, shards, parallelism int) error {
	if shards == 0 {
		shards = len(spec.Trials())
	}
	o := cluster.Options{Image: image, SpecPath: specArg, Spec: spec.Text, Shards: shards, Parallelism: parallelism, Name: cluster.JobName(spec.Name)}
	if specArg == "" {
		o.SpecPath = sweeps.DefaultFile
		if e == cluster.Slurm {
			return withCode(exitUsage, errors.New("--emit slurm: name a SPEC file on the shared file system (sweeps/default.toml is the default sweep's)"))
		}
	}
	job, err := cluster.Emit(e, o)
	if err != nil {
		return withCode(exitUsage, err)
	}
	_, err = stdout.Write(job)
	return err
}
