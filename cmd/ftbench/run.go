package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/ftbench/ftbench/internal/atomicfile"
	"github.com/ftbench/ftbench/pipeline"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/runner"
)

func init() {
	register("run", "run the face-tracking pipeline on one video", runCmd)
}

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
	instrument := fs.String("instrument", "", "run under an `instrument`: \"instructions\" counts the instructions of the whole run under valgrind's cachegrind (about 10x slower)")
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
	for _, p := range []string{*metricsPath, *tracks} {
		if p != "" && sameFile(p, input) {
			return fmt.Errorf("%s: refusing to overwrite the input", p)
		}
	}
	if sameFile(*out, input) {
		return fmt.Errorf("%s: refusing to overwrite the input", *out)
	}
	// Check the metrics folder before spending minutes on the run.
	if *metricsPath != "" {
		if err := checkWritableDir(*metricsPath); err != nil {
			return err
		}
	}

	if pipeline.OneGoThread(cfg) && os.Getenv("GOMAXPROCS") == "" {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opt := pipeline.Options{Input: input, Output: *out, Config: cfg, GroundTruth: *gt, TracksPath: *tracks}
	bar := newProgressBar(stderr, *quiet)
	if bar != nil {
		opt.Progress = bar.update
	}
	m, err := pipeline.Run(ctx, opt)
	bar.done()
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
	fmt.Fprintf(stdout, "%s: %d frames in %.2fs (%.1f frames/s), crop %dx%d, %d tracks -> %s\n",
		input, m.Frames, m.WallSeconds, m.FPS, m.CropWidth, m.CropHeight, m.Tracks, *out)
	if m.Quality != nil {
		fmt.Fprintf(stdout, "quality: hit_rate %.3f, recall %.3f, precision %.3f over %d ground-truth frames\n",
			m.Quality.HitRate, m.Quality.Recall, m.Quality.Precision, m.Quality.GTFrames)
	}
	return nil
}

// newFlagSet returns a command's flag set: errors and -h print usage and
// then the flags' defaults on stderr.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	return fs
}

// parseInterspersed parses flags that may come before or after positional
// arguments, as users type `ftbench run in.mp4 -o out.mp4`.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, withCode(exitUsage, errSilent)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// errHelp is returned when the user asked for a command's help.
var errHelp = withCode(exitOK, errSilent)

func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

func checkWritableDir(path string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("%s: output folder %s: %w", path, dir, errors.Unwrap(err))
	}
	if !st.IsDir() {
		return fmt.Errorf("%s: %s is not a folder", path, dir)
	}
	f, err := os.CreateTemp(dir, ".ftbench-probe*")
	if err != nil {
		return fmt.Errorf("%s: output folder %s is not writable", path, dir)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// progressBar draws frames done, frames/s and ETA on a terminal.
type progressBar struct {
	w     io.Writer
	start time.Time
	drawn bool
}

// newProgressBar returns nil when w is not a terminal or quiet is set.
func newProgressBar(w io.Writer, quiet bool) *progressBar {
	if quiet {
		return nil
	}
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return &progressBar{w: w, start: time.Now()}
}

func (p *progressBar) update(done, total int, fps float64) {
	const width = 30
	line := fmt.Sprintf("%6d frames  %6.1f frames/s", done, fps)
	if total > 0 {
		frac := min(float64(done)/float64(total), 1)
		n := int(frac * width)
		eta := "?"
		if fps > 0 {
			eta = (time.Duration(float64(total-done) / fps * float64(time.Second))).Round(time.Second).String()
		}
		line = fmt.Sprintf("[%s%s] %d/%d  %.1f frames/s  ETA %s", strings.Repeat("=", n), strings.Repeat(" ", width-n), done, total, fps, eta)
	}
	fmt.Fprintf(p.w, "\r\033[K%s", line)
	p.drawn = true
}

func (p *progressBar) done() {
	if p != nil && p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// runInstrumented runs this same command without --instrument under the
// instrument and prints the instructions of its whole process tree.
func runInstrumented(stdout, stderr io.Writer, instrument, metricsPath string, args []string) error {
	if err := runner.CheckInstrument(instrument); err != nil {
		return withCode(exitUsage, err)
	}
	exe, err := os.Executable()
	if err != nil {
		return withCode(exitFailure, err)
	}
	argv := []string{exe, "run"}
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--instrument" || a == "-instrument":
			i++
		case strings.HasPrefix(a, "--instrument=") || strings.HasPrefix(a, "-instrument="):
		default:
			argv = append(argv, a)
		}
	}
	if metricsPath == "" {
		dir, err := os.MkdirTemp("", "ftbench-run-")
		if err != nil {
			return withCode(exitFailure, err)
		}
		defer os.RemoveAll(dir)
		metricsPath = filepath.Join(dir, "metrics.json")
		argv = append(argv, "--metrics", metricsPath)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	n, err := runner.RunInstrumented(ctx, instrument, argv, stdout, stderr)
	if err != nil {
		return withCode(exitFailure, err)
	}
	var m metrics.Metrics
	if data, err := os.ReadFile(metricsPath); err != nil || json.Unmarshal(data, &m) != nil || m.Frames <= 0 {
		fmt.Fprintf(stdout, "instructions: %d (cachegrind, the whole process tree)\n", n)
		return nil
	}
	fmt.Fprintf(stdout, "instructions: %d, %.0f per frame (cachegrind, the whole process tree)\n", n, float64(n)/float64(m.Frames))
	return nil
}
