package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/detect"
	"github.com/ftbench/ftbench/pipeline/geom"
	"github.com/ftbench/ftbench/pipeline/media"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/pipeline/quality"
	"github.com/ftbench/ftbench/pipeline/track"
)

// mode says which stages a pass runs.
type mode int

const (
	modeFull    mode = iota // decode, detect, track, reframe, encode
	modeAnalyze             // decode, detect, track; per-frame records, no video out
	modeEncode              // decode, crop along a given path, encode
)

// span is the part of the input a pass covers, by presentation timestamp.
type span struct {
	seek       int64 // keyframe pts to seek to first; astiav.NoPtsValue: none
	start, end int64 // frames with start <= pts < end are the pass's own
	// first is the global index of the first frame with pts >= start;
	// preroll the number of frames before it that an analysis pass tracks
	// to warm up (they are decoded from seek).
	first, preroll int
	// frames is how many frames the pass decodes, pre-roll included; 0
	// when unknown.
	frames int
}

func wholeVideo() span {
	return span{seek: astiav.NoPtsValue, start: math.MinInt64, end: math.MaxInt64}
}

// passJob is one pass of the pipeline over one span of one input.
type passJob struct {
	mode       mode
	cfg        config.Config
	src        *media.Source
	cascade    []byte
	span       span
	gt         *quality.GroundTruth
	output     string               // modeFull, modeEncode
	tracksPath string               // modeFull: tracks.json
	crops      []geom.Crop          // modeEncode: the crop of every frame, by global index
	records    *[]track.FrameRecord // modeAnalyze: receives every frame's record, pre-roll included
	progress   func(done, total int, fps float64)
	start      time.Time

	sk    *media.Sink
	tw    *track.Writer
	notes []string // what the pass had to change, for metrics.Metrics.Notes
	// batchPlan is how batch = "auto" was sized; nil for a fixed batch.
	batchPlan *metrics.BatchPlan
}

// detectFrames estimates the frames the pass will run the detector on, for
// batch = "auto"; 0 when unknown.
func (j *passJob) detectFrames() int {
	n := int64(j.span.frames)
	if n == 0 && j.span.end == math.MaxInt64 {
		n = j.src.Frames
	}
	if n <= 0 {
		return 0
	}
	iv := int64(j.cfg.DetectInterval)
	return int((n + iv - 1) / iv)
}

// fallbackEncoder is the encoder used when the configured one cannot open.
const fallbackEncoder = "libx264"

// run runs the pass: it opens its outputs and runs the stages over the
// span. The outputs stay uncommitted (see commit and discard).
func (j *passJob) run(ctx context.Context) (*metrics.Metrics, error) {
	src := j.src
	if src.HWNote != "" {
		j.notes = append(j.notes, src.HWNote)
	}
	W, H := src.FrameSize()
	if W < 2 || H < 2 {
		return nil, fmt.Errorf("%s: video is %dx%d; need at least 2x2", src.Path, W, H)
	}
	if j.span.seek != astiav.NoPtsValue {
		if err := src.SeekTo(j.span.seek); err != nil {
			return nil, err
		}
	}
	encoder := j.cfg.Encoder
	if j.mode == modeAnalyze {
		encoder = "" // the frames go to no encoder
	}
	conf, err := media.NewConformer(src, encoder)
	if err != nil {
		return nil, err
	}
	defer conf.Free()

	aw, ah, _ := config.ParseAspect(j.cfg.Aspect)
	cw, ch := geom.CropSize(W, H, aw, ah)
	if err := j.openOutputs(W, H, cw, ch, conf.Format); err != nil {
		return nil, err
	}
	m, err := j.stages(ctx, conf, cw, ch)
	if err != nil {
		j.discard()
		return nil, err
	}
	if m.Frames == 0 && j.mode != modeAnalyze {
		j.discard()
		return nil, fmt.Errorf("%s: no video frames could be decoded", src.Path)
	}
	if j.cfg.Detector == "cuda" && j.mode != modeEncode {
		m.GPUMemory = detect.GPUUsage()
	}
	return m, nil
}

// openOutputs opens the video the pass writes, cw x ch frames of format
// pf, and its tracks.json.
func (j *passJob) openOutputs(W, H, cw, ch int, pf astiav.PixelFormat) error {
	if j.mode != modeAnalyze {
		cfg := j.cfg
		var err error
		j.sk, err = media.OpenSink(j.output, j.src, cfg, cw, ch, pf, j.mode == modeFull)
		var unusable *media.EncoderError
		if err != nil && cfg.Encoder != fallbackEncoder && errors.As(err, &unusable) {
			// Note: a hardware encoder the machine lacks (an H100 has no
			// NVENC) falls back to the CPU encoder, and the metrics say so.
			j.notes = append(j.notes, fmt.Sprintf("%v; fell back to %s", err, fallbackEncoder))
			cfg.Encoder = fallbackEncoder
			j.sk, err = media.OpenSink(j.output, j.src, cfg, cw, ch, pf, j.mode == modeFull)
		}
		if err != nil {
			return err
		}
	}
	if j.mode == modeFull && j.tracksPath != "" {
		var err error
		if j.tw, err = track.NewWriter(j.tracksPath, j.src.Path, W, H, j.src.FPS); err != nil {
			j.discard()
			return err
		}
	}
	return nil
}

// commit finishes the pass's outputs (flush, trailer, renames).
func (j *passJob) commit() error {
	video := ""
	if j.sk != nil {
		t := time.Now()
		if err := j.sk.Commit(); err != nil {
			j.discard()
			return err
		}
		j.sk.EncodeSeconds += time.Since(t).Seconds()
		j.sk.Close()
		j.sk = nil
		video = j.output
	}
	if j.tw != nil {
		if err := j.tw.Commit(); err != nil {
			j.discard()
			if video != "" {
				// Note: the outputs come as a set, as in runPhased: tracks
				// that cannot be written (a full disk) take the video,
				// already renamed into place, with them.
				os.Remove(video)
			}
			return err
		}
		j.tw = nil
	}
	return nil
}

// discard removes whatever the pass has written.
func (j *passJob) discard() {
	if j.sk != nil {
		j.sk.Close()
		j.sk = nil
	}
	if j.tw != nil {
		j.tw.Abort()
		j.tw = nil
	}
}
