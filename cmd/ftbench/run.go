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

const runUsage = `usage: ftbench run INPUT [-o OUT.mp4] [--config FILE.toml] [--tracks tracks.json]
                   [--metrics metrics.json] [--gt GROUNDTRUTH] [--cascade PATH]
       ftbench run --print-config

Decodes INPUT, finds and tracks faces, crops every frame to a window that
follows the primary face, and encodes the result to OUT (default:
INPUT's name with _reframed.mp4, in the current folder).

Examples:
  ftbench run talk.mp4 -o talk_9x16.mp4
  ftbench run girl.mp4 --gt groundtruth_rect.txt --metrics m.json
  ftbench run --print-config > my.toml && ftbench run talk.mp4 --config my.toml
  ftbench run talk.mp4 --instrument instructions

flags:
`

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
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
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
	for _, p := range []string{*metricsPath, *tracks, *out} {
		if p != "" && atomicfile.SameFile(p, input) {
			return fmt.Errorf("%s: refusing to overwrite the input", p)
		}
	}
	if *metricsPath != "" {
		if err := atomicfile.CheckWritable(*metricsPath); err != nil {
			return err
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
	m, err := pipeline.Run(ctx, opt)
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
