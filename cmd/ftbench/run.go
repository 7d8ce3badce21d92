package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/ftbench/ftbench/internal/atomicfile"
	"github.com/ftbench/ftbench/internal/progress"
	"github.com/ftbench/ftbench/pipeline"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/runner"
)

var runUsage = usageText("run")

func runCmd(stdout, stderr io.Writer, args []string) error {
	if len(args) == 2 && args[0] == "--analyze-segment" {
		// A segment worker started by a run with processes > 1.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return withCode(exitFailure, pipeline.RunWorker(ctx, args[1]))
	}
	fs := newFlagSet("run", runUsage, stderr)
	out := fs.String("o", "", "output video `path` (.mp4, .mkv, .mov)")
	configPath := fs.String("config", "", "pipeline config `file` (TOML); unset keys keep their defaults")
	tracks := fs.String("tracks", "", "write per-frame detections, tracks and crops to this JSON `file`")
	metricsPath := fs.String("metrics", "", "write the run's metrics to this JSON `file`")
	gt := fs.String("gt", "", "ground-truth `file` (OTB x,y,w,h per line, or ftbench's own); adds quality to the metrics")
	cascade := fs.String("cascade", "", "PICO cascade `file` (overrides the config's cascade)")
	printConfig := fs.Bool("print-config", false, "print the default config as a TOML file and exit")
	quiet := fs.Bool("q", false, "no progress bar")
	instrument := fs.String("instrument", "", "run under an `instrument`: \"instructions\" counts the instructions of the whole run under valgrind's cachegrind (about 15x slower)")
	minSeconds := fs.Float64("min-seconds", 0, "go through the input again and again until the run has lasted this many `seconds` (frames and frames/s count every pass; quality the first)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if *minSeconds < 0 || *minSeconds > 3600 {
		return withCode(exitUsage, fmt.Errorf("--min-seconds %g: want 0 to 3600 seconds", *minSeconds))
	}
	if *instrument != "" && *minSeconds > 0 {
		return withCode(exitUsage, errors.New("--min-seconds with --instrument: an instruction count needs no minimum time, and a timed loop would make it vary"))
	}
	if *instrument != "" {
		return runInstrumented(stdout, stderr, *instrument, *metricsPath, args)
	}
	if *printConfig {
		_, err := stdout.Write(config.DefaultConfig().WriteTOML("ftbench pipeline config: every knob, with its default value."))
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return withCode(exitUsage, errors.New("want exactly one INPUT video"))
	}
	input := pos[0]
	cfg := config.DefaultConfig()
	if *configPath != "" {
		if cfg, err = config.LoadConfig(*configPath); err != nil {
			return err
		}
	}
	if *cascade != "" {
		cfg.Cascade = *cascade
	}
	if *out == "" {
		stem := strings.TrimSuffix(filepath.Base(input), filepath.Ext(input))
		*out = stem + "_reframed.mp4"
	}
	if err := atomicfile.CheckInput(input, "video"); err != nil {
		return withCode(exitFailure, err)
	}
	for _, in := range []struct{ path, what string }{{*gt, "ground truth"}, {*cascade, "cascade"}} {
		if in.path != "" {
			if err := atomicfile.CheckInput(in.path, in.what); err != nil {
				return err
			}
		}
	}
	for _, p := range []string{*metricsPath, *tracks, *out} {
		if p != "" && (atomicfile.SameFile(p, input) || *gt != "" && atomicfile.SameFile(p, *gt)) {
			return fmt.Errorf("%s: refusing to overwrite an input", p)
		}
	}
	if err := atomicfile.Distinct(atomicfile.Output{Flag: "-o", Path: *out}, atomicfile.Output{Flag: "--tracks", Path: *tracks},
		atomicfile.Output{Flag: "--metrics", Path: *metricsPath}); err != nil {
		return err
	}
	for _, p := range []string{*out, *tracks, *metricsPath} {
		if p != "" {
			if err := atomicfile.CheckWritable(p); err != nil {
				return err
			}
		}
	}

	if pipeline.OneGoThread(cfg) && os.Getenv("GOMAXPROCS") == "" {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opt := pipeline.Options{Input: input, Output: *out, Config: cfg, GroundTruth: *gt, TracksPath: *tracks}
	var bar *progress.Bar
	if !*quiet {
		bar = progress.New(stderr)
	}
	if bar != nil {
		opt.Progress = bar.Frames
	}
	m, err := pipeline.RunFor(ctx, opt, *minSeconds)
	bar.Clear()
	if err != nil {
		return withCode(exitFailure, err)
	}
	if *metricsPath != "" {
		if err := atomicfile.WriteJSON(*metricsPath, m); err != nil {
			os.Remove(*out)
			if *tracks != "" {
				os.Remove(*tracks)
			}
			return withCode(exitFailure, err)
		}
	}
	fmt.Fprintln(stdout, m.Summary(input, *out))
	return nil
}

// runInstrumented runs this same command without --instrument under the
// instrument and prints the instructions of its whole process tree.
func runInstrumented(stdout, stderr io.Writer, instrument, metricsPath string, args []string) error {
	if err := runner.CheckInstrument(instrument); err != nil {
		return withCode(exitUsage, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	n, frames, err := runner.RunSelf(ctx, instrument, metricsPath, args, stdout, stderr)
	switch {
	case err != nil:
		return withCode(exitFailure, err)
	case frames == 0:
		fmt.Fprintf(stdout, "instructions: %d (cachegrind, the whole process tree)\n", n)
	default:
		fmt.Fprintf(stdout, "instructions: %d, %.0f per frame (cachegrind, the whole process tree)\n", n, float64(n)/float64(frames))
	}
	return nil
}
