package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/metrics"
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
	// A run killed here before (SIGKILL, the OOM killer) could not remove
	// its segment folder; whatever the config of this one, tidy up.
	removeStaleSegments(filepath.Dir(opt.Output))
	var gt *GroundTruth
	if opt.GroundTruth != "" {
		var err error
		if gt, err = LoadGroundTruth(opt.GroundTruth); err != nil {
			return nil, err
		}
	}
	_, cascadeData, err := LoadCascade(cfg.Cascade)
	if err != nil {
		return nil, err
	}
	astiav.SetLogLevel(astiav.LogLevelFatal)
	if cfg.Processes > 1 || cfg.EncodeWorkers > 1 {
		return runPhased(ctx, opt, gt, cascadeData, start)
	}

	src, err := openSource(opt.Input, cfg.DecoderThreads, cfg.HWAccel)
	if err != nil {
		return nil, err
	}
	defer src.close()
	job := &passJob{mode: modeFull, cfg: cfg, src: src, cascade: cascadeData, span: wholeVideo(), gt: gt,
		output: opt.Output, tracksPath: opt.TracksPath, progress: opt.Progress, start: start}
	m, err := job.run(ctx)
	if err != nil {
		return nil, err
	}
	if src.frames > 0 && int64(m.Frames) < src.frames {
		job.discard()
		return nil, fmt.Errorf("%s: truncated or corrupt: decoded %d of the %d frames its container lists", opt.Input, m.Frames, src.frames)
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
	src        *source
	cascade    []byte
	span       span
	gt         *GroundTruth
	output     string         // modeFull, modeEncode
	tracksPath string         // modeFull: tracks.json
	crops      []Crop         // modeEncode: the crop of every frame, by global index
	records    *[]FrameRecord // modeAnalyze: receives every frame's record, pre-roll included
	progress   func(done, total int, fps float64)
	start      time.Time

	sk    *sink
	tw    *tracksWriter
	notes []string // what the pass had to change, for metrics.Metrics.Notes
	// batchPlan is how batch = "auto" was sized; nil for a fixed batch.
	batchPlan *metrics.BatchPlan
}

// detectFrames estimates the frames the pass will run the detector on, for
// batch = "auto"; 0 when unknown.
func (j *passJob) detectFrames() int {
	n := int64(j.span.frames)
	if n == 0 && j.span.end == math.MaxInt64 {
		n = j.src.frames
	}
	if n <= 0 {
		return 0
	}
	iv := int64(j.cfg.DetectInterval)
	return int((n + iv - 1) / iv)
}

// encoderTakes reports whether the named encoder takes frames of pf.
func encoderTakes(name string, pf astiav.PixelFormat) bool {
	c := astiav.FindEncoderByName(name)
	return c != nil && slices.Contains(c.PixelFormats(), pf)
}

// fallbackEncoder is the encoder used when the configured one cannot open.
const fallbackEncoder = "libx264"

// item is one decoded frame travelling through the stages, with the audio
// packets read before it.
type item struct {
	index   int // global frame index
	preroll bool
	frame   *astiav.Frame // nil for the final audio-only item
	pts     int64
	detect  bool
	luma    []byte
	dets    []Detection
	audio   []*astiav.Packet
}

// stageClock sums the busy time of each stage, and the time each stage
// waits on its input and output queues, across goroutines.
type stageClock struct {
	mu sync.Mutex
	d  map[string]time.Duration
}

func newStageClock() *stageClock { return &stageClock{d: map[string]time.Duration{}} }

func (c *stageClock) add(stage string, d time.Duration) {
	c.mu.Lock()
	c.d[stage] += d
	c.mu.Unlock()
}

func (c *stageClock) seconds(prefix string) map[string]float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]float64{}
	for k, v := range c.d {
		if len(k) > len(prefix) && k[:len(prefix)] == prefix {
			out[k[len(prefix):]] = v.Seconds()
		}
	}
	return out
}

// Keys of stageClock: busy time under "busy.", queue waits under "wait.".
// Note: constants, not concatenations, so that timing a frame allocates
// nothing.
const (
	busyDecode    = "busy." + metrics.StageDecode
	busyScale     = "busy." + metrics.StageScale
	busyDetect    = "busy." + metrics.StageDetect
	busyTrack     = "busy." + metrics.StageTrack
	busyReframe   = "busy." + metrics.StageReframe
	busyEncode    = "busy." + metrics.StageEncode
	busyMux       = "busy." + metrics.StageMux
	waitDecodeOut = "wait." + metrics.StageDecode + ".out"
	waitDetectIn  = "wait." + metrics.StageDetect + ".in"
	waitDetectOut = "wait." + metrics.StageDetect + ".out"
	waitEncodeIn  = "wait." + metrics.StageEncode + ".in"
	waitForwardIn = "wait.forward.in"
	waitBatchOut  = "wait.batch.out"
)

// since adds the time since t to key k and returns now.
func (c *stageClock) since(k string, t time.Time) time.Time {
	now := time.Now()
	c.add(k, now.Sub(t))
	return now
}

func (j *passJob) run(ctx context.Context) (*metrics.Metrics, error) {
	cfg, src := j.cfg, j.src
	if src.hwNote != "" {
		j.notes = append(j.notes, src.hwNote)
	}
	W, H := src.frameSize()
	if W < 2 || H < 2 {
		return nil, fmt.Errorf("%s: video is %dx%d; need at least 2x2", src.path, W, H)
	}
	if j.span.seek != astiav.NoPtsValue {
		if err := src.fc.SeekFrame(src.video.Index(), j.span.seek, astiav.NewSeekFlags(astiav.SeekFlagBackward)); err != nil {
			return nil, fmt.Errorf("%s: cannot seek to pts %d: %v", src.path, j.span.seek, err)
		}
	}

	var rot *rotator
	if src.rotation != 0 {
		var err error
		if rot, err = newRotator(src, src.rotation); err != nil {
			return nil, err
		}
		defer rot.free()
	}
	// Frames reach the encoder as 8-bit 4:2:0; anything else is converted
	// once after decoding.
	outFmt := src.pixFmt
	var conv *astiav.SoftwareScaleContext
	if !(outFmt == astiav.PixelFormatYuv420P || outFmt == astiav.PixelFormatYuvj420P ||
		outFmt == astiav.PixelFormatNv12 && (j.mode == modeAnalyze || encoderTakes(cfg.Encoder, outFmt))) {
		// Note: NV12 (NVDEC's frames) goes to x264 and NVENC as it is;
		// they take it, and a conversion would cost a pass over each frame.
		outFmt = astiav.PixelFormatYuv420P
		var err error
		conv, err = astiav.CreateSoftwareScaleContext(W, H, src.pixFmt, W, H, outFmt,
			astiav.NewSoftwareScaleContextFlags(astiav.SoftwareScaleContextFlagBilinear))
		if err != nil {
			return nil, fmt.Errorf("%s: cannot convert pixel format %s: %v", src.path, src.pixFmt, err)
		}
		defer conv.Free()
	}

	aw, ah, _ := config.ParseAspect(cfg.Aspect)
	cw, ch := CropSize(W, H, aw, ah)
	if j.mode != modeAnalyze {
		var err error
		j.sk, err = openSink(j.output, src, cfg, cw, ch, outFmt, j.mode == modeFull)
		if err != nil && cfg.Encoder != fallbackEncoder && strings.HasPrefix(err.Error(), "encoder ") {
			// Note: a hardware encoder the machine lacks (an H100 has no
			// NVENC) falls back to the CPU encoder, and the metrics say so.
			j.notes = append(j.notes, fmt.Sprintf("%v; fell back to %s", err, fallbackEncoder))
			cfg.Encoder = fallbackEncoder
			j.sk, err = openSink(j.output, src, cfg, cw, ch, outFmt, j.mode == modeFull)
		}
		if err != nil {
			return nil, err
		}
	}
	if j.mode == modeFull && j.tracksPath != "" {
		var err error
		if j.tw, err = newTracksWriter(j.tracksPath, src.path, W, H, src.fps); err != nil {
			j.discard()
			return nil, err
		}
	}
	m, err := j.stages(ctx, W, H, cw, ch, rot, conv, outFmt)
	if err != nil {
		j.discard()
		return nil, err
	}
	if m.Frames == 0 && j.mode != modeAnalyze {
		j.discard()
		return nil, fmt.Errorf("%s: no video frames could be decoded", src.path)
	}
	if cfg.Detector == "cuda" && j.mode != modeEncode && gpuUsage != nil {
		m.GPUMemory = gpuUsage()
	}
	return m, nil
}

// commit finishes the pass's outputs (flush, trailer, renames).
func (j *passJob) commit() error {
	video := ""
	if j.sk != nil {
		t := time.Now()
		if err := j.sk.commit(); err != nil {
			j.discard()
			return err
		}
		j.sk.encodeSeconds += time.Since(t).Seconds()
		j.sk.close()
		j.sk = nil
		video = j.output
	}
	if j.tw != nil {
		if err := j.tw.commit(); err != nil {
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
		j.sk.close()
		j.sk = nil
	}
	if j.tw != nil {
		j.tw.abort()
		j.tw = nil
	}
}

func (j *passJob) stages(ctx context.Context, W, H, cw, ch int, rot *rotator, conv *astiav.SoftwareScaleContext, outFmt astiav.PixelFormat) (*metrics.Metrics, error) {
	cfg, src, sp := j.cfg, j.src, j.span
	analyse := j.mode != modeEncode

	dw, dh := detectSize(cfg, W, H)
	scaler, err := newLumaScaler(W, H, dw, dh)
	if err != nil {
		return nil, err
	}
	defer scaler.free()
	lumaOf := func(b []byte) Luma {
		return Luma{Pix: b, W: dw, H: dh, Stride: scaler.dstStride, Scale: float64(W) / float64(dw)}
	}
	var lim *batchLimiter
	if analyse && cfg.Batch == config.BatchAuto {
		in, err := autoBatchInputs(cfg, j.cascade, W, H, dw, dh, scaler.dstStride, j.detectFrames())
		if err != nil {
			return nil, err
		}
		plan := sizeBatch(in)
		j.batchPlan = &plan
		cfg.Batch = config.BatchSize(plan.Chosen)
		lim = &batchLimiter{limit: plan.Chosen, plan: j.batchPlan}
	} else if cfg.Batch == config.BatchAuto {
		// An encode pass detects nothing; the batch only sizes its queue.
		cfg.Batch = config.BatchSize(min(16, cfg.BatchMax))
	}

	clock := newStageClock()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	// inline is the detector stage 1 runs itself, frame by frame, when
	// there is no separate detect stage (see streamingDetector).
	var inline *Pico
	if analyse && streamingDetector(cfg) {
		det, err := NewDetector(cfg, j.cascade)
		if err != nil {
			return nil, err
		}
		inline, _ = det.(*Pico)
	}
	separate := analyse && inline == nil

	// Note: a batch's frames wait in the detect stage while it runs, so
	// the queues hold a batch's worth each; more would only hold more
	// decoded frames in memory (a 1080p frame is 3 MB). Without a
	// separate detect stage no frame is held back, and a short queue
	// suffices.
	queue := int(cfg.Batch) * cfg.DetectInterval
	if !separate {
		queue = min(queue, streamQueue)
	}
	inFlight := (cfg.Streams+3)*queue + 8
	frames := newFramePool(inFlight)
	defer frames.free()
	lumas := newBufferPool(scaler.bufSize(), inFlight)

	decoded := make(chan *item, queue)
	detected := decoded
	if separate {
		detected = make(chan *item, queue)
	}
	var wg sync.WaitGroup
	send := func(ch chan<- *item, it *item, k string) bool {
		t := time.Now()
		defer clock.since(k, t)
		select {
		case ch <- it:
			return true
		case <-ctx.Done():
			return false
		}
	}

	// Stage 1: demux, decode, convert, scale the luma plane; detect when
	// there is no separate stage 2.
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(decoded)
		var pending []*astiav.Packet
		var lastPts int64 = math.MinInt64
		index := sp.first - sp.preroll
		mark := time.Now()
		errStop := errors.New("end of span")
		err := src.decodeAll(frames.get, frames.put, func(f *astiav.Frame) error {
			mark = clock.since(busyDecode, mark)
			defer func() { mark = time.Now() }()
			pts := bestEffortPts(f)
			if pts == astiav.NoPtsValue || pts <= lastPts {
				// Note: the encoder needs strictly increasing timestamps;
				// a missing or repeated one gets the next free tick.
				if lastPts == math.MinInt64 {
					pts = max(sp.start, 0)
				} else {
					pts = lastPts + 1
				}
			}
			if pts >= sp.end {
				frames.put(f)
				return errStop
			}
			preroll := pts < sp.start
			if preroll && (j.mode != modeAnalyze || index >= sp.first) {
				// Leading frames of an open GOP before the span, or pre-roll
				// an encode pass does not need.
				frames.put(f)
				return nil
			}
			lastPts = pts
			t := time.Now()
			if rot != nil {
				rf := frames.get()
				if err := rot.apply(f, rf); err != nil {
					return fmt.Errorf("%s: %v", src.path, err)
				}
				frames.put(f)
				f = rf
			}
			if conv != nil {
				cf := frames.get()
				cf.SetWidth(W)
				cf.SetHeight(H)
				cf.SetPixelFormat(outFmt)
				if err := cf.AllocBuffer(0); err != nil {
					return err
				}
				if err := conv.ScaleFrame(f, cf); err != nil {
					return fmt.Errorf("%s: converting pixel format: %v", src.path, err)
				}
				frames.put(f)
				f = cf
			}
			f.SetPts(pts)
			it := &item{index: index, preroll: preroll, frame: f, pts: pts, audio: pending}
			pending = nil
			index++
			it.detect = analyse && it.index%cfg.DetectInterval == 0
			// Note: only the detector needs the scaled luma; the tracker
			// follows faces on the frame's own luma plane (frameLuma).
			if it.detect {
				it.luma = lumas.get()
				if err := scaler.scale(f, it.luma); err != nil {
					return err
				}
			}
			t = clock.since(busyScale, t)
			if inline != nil && it.detect {
				first := (it.index/cfg.DetectInterval)%int(cfg.Batch) == 0
				it.dets = inline.DetectNext(lumaOf(it.luma), first, nil)
				clock.since(busyDetect, t)
			}
			if !send(decoded, it, waitDecodeOut) {
				return context.Cause(ctx)
			}
			return nil
		}, func(p *astiav.Packet) error {
			if j.sk == nil || j.sk.as == nil {
				p.Free()
				return nil
			}
			pending = append(pending, p)
			return nil
		})
		if errors.Is(err, errStop) {
			err = nil
		}
		if err == nil && len(pending) > 0 {
			send(decoded, &item{index: -1, audio: pending}, waitDecodeOut)
		}
		if err != nil {
			cancel(err)
		}
	}()

	// Stage 2: detect, in batches, on `streams` goroutines.
	if separate {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(detected)
			if err := detectStage(ctx, cfg, j.cascade, lim, lumaOf, decoded, detected, clock, send); err != nil {
				if errors.Is(err, ErrOutOfMemory) && lim == nil {
					err = fmt.Errorf("%w (batch = %d; batch = \"auto\" would halve it and go on)", err, cfg.Batch)
				}
				cancel(fmt.Errorf("%s: %w", src.path, err))
			}
		}()
	}

	// Stage 3 (this goroutine): track, reframe, encode, mux.
	m := &metrics.Metrics{
		Input: src.path, Output: j.output, Config: j.cfg, Notes: j.notes, Batch: j.batchPlan, DecodeHWAccel: src.hwaccel(),
		Width: W, Height: H, CropWidth: cw, CropHeight: ch, InputFPS: src.fps,
		Decoder: src.dec.String(),
	}
	if j.sk != nil {
		m.EncoderName, m.AudioCopied = j.sk.name, j.sk.as != nil
	}
	var tracker *Tracker
	var reframer *Reframer
	var quality *QualityCounter
	if analyse {
		tracker = NewTracker(TrackerConfigFrom(cfg))
		if j.gt != nil {
			quality = NewQualityCounter(j.gt, 0.3)
		}
	}
	if j.mode == modeFull {
		reframer = NewReframer(ReframeConfigFrom(cfg, src.fps), W, H)
	}
	ids := map[int]bool{}
	cropped := astiav.AllocFrame()
	defer cropped.Free()
	lastReport := time.Now()
	var runErr error
	mark := time.Now()
	for it := range detected {
		mark = clock.since(waitEncodeIn, mark)
		if runErr != nil {
			continue
		}
		for _, p := range it.audio {
			if err := j.sk.writeAudio(p); err != nil {
				runErr = err
			}
		}
		mark = clock.since(busyMux, mark)
		if it.frame == nil || runErr != nil {
			continue
		}
		var crop Crop
		if analyse {
			var luma *Luma
			if cfg.TrackFollow > 0 {
				if l := frameLuma(it.frame, W, H); l.Pix != nil {
					luma = &l
				}
			}
			tracks := tracker.UpdateFrame(it.dets, it.detect, luma)
			primary, ok := tracker.Primary()
			var pbox *Box
			var pid *int
			if ok {
				b, id := primary.Box, primary.ID
				pbox, pid = &b, &id
			}
			mark = clock.since(busyTrack, mark)
			if reframer != nil {
				crop = reframer.Next(pbox)
				mark = clock.since(busyReframe, mark)
			}
			if !it.preroll {
				if ok {
					m.FacesFrames++
				}
				for _, tr := range tracks {
					ids[tr.ID] = true
				}
				if it.detect {
					m.DetectFrames++
					m.Detections += len(it.dets)
				}
				if quality != nil {
					quality.Add(it.index, pbox, it.dets, it.detect)
				}
			}
			rec := FrameRecord{Frame: it.index, Pts: it.pts, Preroll: it.preroll, Detected: it.detect, Detections: it.dets, Tracks: tracks, Primary: pid, Crop: crop}
			if j.tw != nil {
				if err := j.tw.add(rec); err != nil {
					runErr = err
					continue
				}
			}
			if j.records != nil {
				*j.records = append(*j.records, rec)
			}
			mark = clock.since(busyReframe, mark)
		} else {
			if it.index < 0 || it.index >= len(j.crops) {
				runErr = fmt.Errorf("%s: frame %d has no crop (the analysis saw %d frames)", src.path, it.index, len(j.crops))
				continue
			}
			crop = j.crops[it.index]
		}
		if j.sk != nil {
			if err := cropRef(cropped, it.frame, crop); err != nil {
				runErr = err
				continue
			}
			cropped.SetPts(it.pts)
			err := j.sk.encode(cropped)
			cropped.Unref()
			mark = clock.since(busyEncode, mark)
			if err != nil {
				runErr = err
				continue
			}
		}
		frames.put(it.frame)
		if it.luma != nil {
			lumas.put(it.luma)
		}
		if !it.preroll {
			m.Frames++
		}
		if j.progress != nil && time.Since(lastReport) > 250*time.Millisecond {
			lastReport = time.Now()
			j.progress(m.Frames, int(src.frames), float64(m.Frames)/time.Since(j.start).Seconds())
		}
		mark = time.Now()
	}
	if runErr != nil {
		cancel(runErr)
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	m.Tracks = len(ids)
	if quality != nil {
		q := quality.Result()
		m.Quality = &q
	}
	m.Stages = clock.seconds("busy.")
	m.Waits = clock.seconds("wait.")
	if j.sk != nil {
		m.Stages[metrics.StageEncode] += j.sk.encodeSeconds
	}
	return m, nil
}

// detectSize is the size of the image the detector sees for W x H frames.
//
// Note: detect_width may exceed the source width: upscaling a small video
// gives the cascade's smallest windows more pixels to test.
func detectSize(cfg config.Config, W, H int) (int, int) {
	dw := cfg.DetectWidth
	if dw <= 0 {
		dw = W
	}
	return dw, max(int(math.Round(float64(H)*float64(dw)/float64(W))), 1)
}

// frameLuma returns the luma plane of f, a W x H frame of 8-bit planar
// YUV (what the decode stage passes on), as a Luma in source pixels. It
// aliases the frame's memory, valid while f holds its reference.
//
// Note: appearance following samples a 16 x 16 grid per candidate box, so
// it costs the same at any resolution; reading the frame itself spares
// scaling the luma of the frames the detector skips.
func frameLuma(f *astiav.Frame, W, H int) Luma {
	pix, stride := planeBytes(f, 0, H)
	return Luma{Pix: pix, W: W, H: H, Stride: stride, Scale: 1}
}

// detectStage groups decoded frames into batches and runs them on
// cfg.Streams detectors at once, passing every item on in order.
//
// Note: batches are aligned on the global detect-frame count (every
// batch*detect_interval frames), and each batch starts with a full-frame
// scan, so the detections do not depend on how many streams run, nor on
// where a segment worker starts.
func detectStage(ctx context.Context, cfg config.Config, cascade []byte, lim *batchLimiter, lumaOf func([]byte) Luma, in <-chan *item, out chan<- *item, clock *stageClock, send func(chan<- *item, *item, string) bool) error {
	type job struct {
		items []*item
		done  chan error
	}
	jobs := make(chan *job, cfg.Streams)
	order := make(chan *job, cfg.Streams)
	var wg sync.WaitGroup
	errs := make(chan error, cfg.Streams+1)
	for range cfg.Streams {
		det, err := NewDetector(cfg, cascade)
		if err != nil {
			return err
		}
		if lim != nil {
			det = shrinkingDetector{Detector: det, lim: lim}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var batch []Luma
			var outs [][]Detection
			for jb := range jobs {
				t := time.Now()
				batch = batch[:0]
				for _, it := range jb.items {
					if it.detect {
						batch = append(batch, lumaOf(it.luma))
					}
				}
				for len(outs) < len(batch) {
					outs = append(outs, nil)
				}
				err := det.Detect(batch, outs[:len(batch)])
				k := 0
				for _, it := range jb.items {
					if it.detect && err == nil {
						it.dets = append([]Detection(nil), outs[k]...)
						k++
					}
				}
				clock.add(busyDetect, time.Since(t))
				jb.done <- err
			}
		}()
	}
	// The forwarder passes finished batches on in their original order.
	// Note: a failed batch stops the dispatcher too; without that, a
	// detector error (a GPU out of memory) left it blocked on a full
	// order queue and the run hung.
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	fwd := make(chan struct{})
	go func() {
		defer close(fwd)
		for jb := range order {
			t := time.Now()
			select {
			case err := <-jb.done:
				clock.since(waitForwardIn, t)
				if err != nil {
					errs <- err
					stop()
					return
				}
			case <-ctx.Done():
				return
			}
			for _, it := range jb.items {
				if !send(out, it, waitDetectOut) {
					return
				}
			}
		}
	}()
	dispatch := func(items []*item) bool {
		jb := &job{items: items, done: make(chan error, 1)}
		t := time.Now()
		defer clock.since(waitBatchOut, t)
		select {
		case order <- jb:
		case <-ctx.Done():
			return false
		}
		select {
		case jobs <- jb:
			return true
		case <-ctx.Done():
			return false
		}
	}
	var held []*item
	batch := int(cfg.Batch)
	period := batch * cfg.DetectInterval
	mark := time.Now()
	ok := true
	for it := range in {
		mark = clock.since(waitDetectIn, mark)
		held = append(held, it)
		if it.frame != nil && it.detect && (it.index/cfg.DetectInterval+1)%batch == 0 || len(held) >= 4*period {
			if ok = dispatch(held); !ok {
				break
			}
			held = nil
		}
		mark = time.Now()
	}
	if ok && len(held) > 0 {
		dispatch(held)
	}
	close(jobs)
	close(order)
	wg.Wait()
	<-fwd
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
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

// framePool recycles AVFrame structs; the pixel buffers they reference are
// FFmpeg's own pooled buffers, returned by Unref.
type framePool struct {
	ch chan *astiav.Frame
}

func newFramePool(n int) *framePool { return &framePool{ch: make(chan *astiav.Frame, n)} }

func (p *framePool) get() *astiav.Frame {
	select {
	case f := <-p.ch:
		return f
	default:
		return astiav.AllocFrame()
	}
}

func (p *framePool) put(f *astiav.Frame) {
	f.Unref()
	select {
	case p.ch <- f:
	default:
		f.Free()
	}
}

func (p *framePool) free() {
	for {
		select {
		case f := <-p.ch:
			f.Free()
		default:
			return
		}
	}
}

// bufferPool recycles fixed-size byte buffers (the detector's luma planes).
type bufferPool struct {
	size int
	ch   chan []byte
}

func newBufferPool(size, n int) *bufferPool { return &bufferPool{size: size, ch: make(chan []byte, n)} }

func (p *bufferPool) get() []byte {
	select {
	case b := <-p.ch:
		return b
	default:
		return make([]byte, p.size)
	}
}

func (p *bufferPool) put(b []byte) {
	select {
	case p.ch <- b:
	default:
	}
}
