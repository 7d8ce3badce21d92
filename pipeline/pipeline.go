// Package pipeline is the system ftbench measures. Run decodes a video,
// finds and tracks the faces in it, crops every frame to a window that
// follows the primary face and encodes the result, in one pass in this
// process or, with processes or encode_workers above 1, in segments across
// worker processes (RunWorker); it returns the run's metrics.Metrics.
//
// The stages are packages of their own: media (FFmpeg), detect, track
// (tracking and reframing), quality (ground truth), plan (the memory
// planner and batch = "auto"). This package runs them: the pass and its
// stages, the segments and their workers, and the metrics they add up to.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/detect"
	"github.com/ftbench/ftbench/pipeline/media"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/pipeline/quality"
)

// Options describes one pipeline run.
type Options struct {
	Input       string
	Output      string // the reframed video; required
	Config      config.Config
	GroundTruth string // optional: ground-truth file for metrics.Metrics.Quality
	TracksPath  string // optional: per-frame detections, tracks and crops as JSON
	// Progress, when set, is called from the pipeline at most a few times a
	// second with the frames done, the frames expected (0 if unknown) and
	// the current frames/s.
	Progress func(done, total int, fps float64)
	// WorkerCommand runs one segment worker process (processes > 1): the
	// pipeline appends "--analyze-segment JOB.json". Default: this
	// executable's "run" command.
	WorkerCommand []string
}

// Run executes the whole pipeline: decode, detect, track, reframe, encode.
// With processes > 1 or encode_workers > 1 it runs in two phases (see
// runPhased); otherwise in one pass in this process. On error nothing is
// left at opt.Output or opt.TracksPath.
func Run(ctx context.Context, opt Options) (*metrics.Metrics, error) {
	start := time.Now()
	cfg := opt.Config
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if opt.Output == "" {
		return nil, errors.New("no output path given")
	}
	var gt *quality.GroundTruth
	if opt.GroundTruth != "" {
		var err error
		if gt, err = quality.LoadGroundTruth(opt.GroundTruth); err != nil {
			return nil, err
		}
	}
	_, cascadeData, err := detect.LoadCascade(cfg.Cascade)
	if err != nil {
		return nil, err
	}
	astiav.SetLogLevel(astiav.LogLevelFatal)
	if cfg.Processes > 1 || cfg.EncodeWorkers > 1 {
		return runPhased(ctx, opt, gt, cascadeData, start)
	}

	src, err := media.OpenSource(opt.Input, cfg.DecoderThreads, cfg.HWAccel)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	job := &passJob{mode: modeFull, cfg: cfg, src: src, cascade: cascadeData, span: wholeVideo(), gt: gt,
		output: opt.Output, tracksPath: opt.TracksPath, progress: opt.Progress, start: start}
	m, err := job.run(ctx)
	if err != nil {
		return nil, err
	}
	if src.Frames > 0 && int64(m.Frames) < src.Frames {
		job.discard()
		return nil, fmt.Errorf("%s: truncated or corrupt: decoded %d of the %d frames its container lists", opt.Input, m.Frames, src.Frames)
	}
	if err := job.commit(); err != nil {
		return nil, err
	}
	finish(m, start)
	if opt.Progress != nil {
		opt.Progress(m.Frames, m.Frames, m.FPS)
	}
	return m, nil
}

// finish fills the run-wide figures.
func finish(m *metrics.Metrics, start time.Time) {
	m.WallSeconds = time.Since(start).Seconds()
	m.FPS = float64(m.Frames) / m.WallSeconds
	m.PeakRSSBytes = max(m.PeakRSSBytes, PeakRSS())
}

// OneGoThread reports whether a run with cfg does all its Go work on one
// thread at a time: one pass in this process, with the detector in the
// decode stage (see streamingDetector). Its command may then run with
// GOMAXPROCS 1.
//
// Note: such a run's heavy lifting, decoding and x264, runs on FFmpeg's and
// x264's own threads, which GOMAXPROCS does not limit; the Go side is the
// detector plus a little tracking. A second P there only buys the
// scheduler's spinning and sysmon taking Ps back from goroutines blocked in
// FFmpeg calls: on the one-minute 1080p fixture on two cores, context
// switches drop from about 100k to 57k with one, and CPU time by about 3%.
func OneGoThread(cfg config.Config) bool {
	return cfg.Processes <= 1 && cfg.EncodeWorkers <= 1 && streamingDetector(cfg)
}

// streamQueue is the depth of the queue between stages 1 and 3 when there
// is no separate detect stage.
const streamQueue = 4

// streamingDetector reports whether the pipeline runs the detector in stage
// 1, frame by frame, rather than in batches in a detect stage of its own:
// with one CPU detector.
//
// Note: one CPU detector scans a batch's frames one after another anyway,
// and DetectNext fed them one by one gives exactly Detect's detections on
// the whole batch (the batch's first frame still gets the full scan, on the
// same global alignment). But no frame waits for its batch to fill: with
// batch 8 at detect_interval 2 the batched stage held 16 to 48 more
// decoded frames (3 MB each at 1080p) in flight, which cost page faults to
// allocate and had left the CPU caches by the time the encoder read them;
// and each frame makes one hop between goroutines fewer.
func streamingDetector(cfg config.Config) bool {
	return cfg.Streams == 1 && (cfg.Detector == "pico" || cfg.Detector == "pigo")
}

// PeakRSS returns this process's peak resident set size in bytes.
func PeakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss * 1024 // Linux reports kilobytes
}
