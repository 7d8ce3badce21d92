package pipeline

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/detect"
	"github.com/ftbench/ftbench/pipeline/geom"
	"github.com/ftbench/ftbench/pipeline/media"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/pipeline/plan"
)

// Note: a pass runs in three stages joined by queues. Stage 1 demuxes,
// decodes, conforms each frame (upright, 4:2:0) and scales the luma plane
// the detector sees; with one CPU detector it also detects (see
// streamingDetector). Stage 2, otherwise, detects in batches on `streams`
// detectors (detectStage). Stage 3 tracks, reframes, encodes and muxes, in
// frame order (outputStage).

// flow is what a pass's stages share while they run.
type flow struct {
	j       *passJob
	cfg     config.Config // the pass's config, batch = "auto" resolved
	conf    *media.Conformer
	analyse bool // the pass detects and tracks (it is no encode pass)
	scaler  *media.LumaScaler
	dw, dh  int             // the detector's image
	inline  *detect.Pico    // the detector stage 1 runs itself; nil for a separate stage
	lim     *detect.Limiter // batch = "auto"'s limit; nil for a fixed batch
	clock   *stageClock
	ctx     context.Context
	cancel  context.CancelCauseFunc
	frames  *media.FramePool
	lumas   *bufferPool
}

// item is one decoded frame travelling through the stages, with the audio
// packets read before it.
type item struct {
	index   int // global frame index
	preroll bool
	frame   *astiav.Frame // nil for the final audio-only item
	pts     int64
	detect  bool
	luma    []byte
	dets    []geom.Detection
	audio   []*astiav.Packet
}

// stages runs the pass's stages over the span and returns what they
// measured.
func (j *passJob) stages(ctx context.Context, conf *media.Conformer, cw, ch int) (*metrics.Metrics, error) {
	f, err := j.newFlow(conf)
	if err != nil {
		return nil, err
	}
	defer f.scaler.Free()
	f.ctx, f.cancel = context.WithCancelCause(ctx)
	defer f.cancel(nil)

	separate := f.analyse && f.inline == nil
	// Note: a batch's frames wait in the detect stage while it runs, so
	// the queues hold a batch's worth each; more would only hold more
	// decoded frames in memory (a 1080p frame is 3 MB). Without a
	// separate detect stage no frame is held back, and a short queue
	// suffices.
	queue := int(f.cfg.Batch) * f.cfg.DetectInterval
	if !separate {
		queue = min(queue, streamQueue)
	}
	inFlight := (f.cfg.Streams+3)*queue + 8
	f.frames = media.NewFramePool(inFlight)
	defer f.frames.Free()
	f.lumas = newBufferPool(f.scaler.BufSize(), inFlight)

	decoded := make(chan *item, queue)
	detected := decoded
	if separate {
		detected = make(chan *item, queue)
	}
	var wg sync.WaitGroup
	wg.Go(func() { f.decodeStage(decoded) })
	if separate {
		wg.Go(func() { f.detectStage(decoded, detected) })
	}
	out := f.newOutput(cw, ch)
	defer out.cropped.Free()
	if err := out.run(detected); err != nil {
		f.cancel(err)
	}
	wg.Wait()
	if err := context.Cause(f.ctx); err != nil {
		return nil, err
	}
	return out.result(), nil
}

// newFlow sets up what the stages share: the luma scaler, the batch size
// and stage 1's detector.
func (j *passJob) newFlow(conf *media.Conformer) (*flow, error) {
	f := &flow{j: j, cfg: j.cfg, conf: conf, analyse: j.mode != modeEncode, clock: newStageClock()}
	f.dw, f.dh = detect.ImageSize(f.cfg, conf.W, conf.H)
	var err error
	if f.scaler, err = media.NewLumaScaler(conf.W, conf.H, f.dw, f.dh, detect.LumaStride(f.dw)); err != nil {
		return nil, err
	}
	if err := f.sizeBatch(); err != nil {
		f.scaler.Free()
		return nil, err
	}
	if f.analyse && streamingDetector(f.cfg) {
		det, err := detect.NewDetector(f.cfg, j.cascade)
		if err != nil {
			f.scaler.Free()
			return nil, err
		}
		f.inline, _ = det.(*detect.Pico)
	}
	return f, nil
}

// sizeBatch resolves batch = "auto": sized to the machine for a pass that
// detects, a queue's worth for one that does not.
func (f *flow) sizeBatch() error {
	switch {
	case f.analyse && f.cfg.Batch == config.BatchAuto:
		pass, err := planPass(f.cfg, f.j.cascade, f.conf.W, f.conf.H, f.j.detectFrames())
		if err != nil {
			return err
		}
		in, err := machine().BatchInputs(f.cfg, pass)
		if err != nil {
			return err
		}
		bp := plan.SizeBatch(in)
		f.j.batchPlan = &bp
		f.cfg.Batch = config.BatchSize(bp.Chosen)
		f.lim = detect.NewLimiter(f.j.batchPlan)
	case f.cfg.Batch == config.BatchAuto:
		// An encode pass detects nothing; the batch only sizes its queue.
		f.cfg.Batch = config.BatchSize(min(16, f.cfg.BatchMax))
	}
	return nil
}

// machine is the machine the planners size runs to: this one, with the
// GPU this build can use.
func machine() plan.Machine {
	m := plan.Machine{Root: "/"}
	if detect.CUDABuild {
		m.GPU = detect.GPUMemory
	}
	return m
}

// planPass describes a pass over W x H frames, detecting on frames of
// them (0 = unknown), to the planners.
func planPass(cfg config.Config, cascade []byte, W, H, frames int) (plan.Pass, error) {
	dw, dh := detect.ImageSize(cfg, W, H)
	p := plan.Pass{Width: W, Height: H, ImageBytes: int64(detect.LumaStride(dw)) * int64(dh), Frames: frames}
	if cfg.Detector == "cuda" {
		var err error
		if p.GPUFrameBytes, err = detect.GPUFrameBytes(cfg, cascade, W, H); err != nil {
			return p, err
		}
	}
	return p, nil
}

// lumaOf wraps a detector buffer as the Luma the detector reads.
func (f *flow) lumaOf(b []byte) detect.Luma {
	return detect.Luma{Pix: b, W: f.dw, H: f.dh, Stride: f.scaler.Stride, Scale: float64(f.conf.W) / float64(f.dw)}
}

// send passes it on to the next stage, timing the wait under key k; it
// returns false when the pass is cancelled.
func (f *flow) send(ch chan<- *item, it *item, k string) bool {
	t := time.Now()
	defer f.clock.since(k, t)
	select {
	case ch <- it:
		return true
	case <-f.ctx.Done():
		return false
	}
}

// errEndOfSpan stops decoding at the first frame past the pass's span.
var errEndOfSpan = errors.New("end of span")

// decodeStage is stage 1: demux, decode, conform, scale the luma plane;
// detect when there is no separate stage 2.
func (f *flow) decodeStage(out chan<- *item) {
	defer close(out)
	d := &decoder{flow: f, out: out, lastPts: math.MinInt64, index: f.j.span.first - f.j.span.preroll, mark: time.Now()}
	err := f.j.src.Decode(f.frames.Get, f.frames.Put, d.frame, d.audio)
	if errors.Is(err, errEndOfSpan) {
		err = nil
	}
	if err == nil && len(d.pending) > 0 {
		f.send(out, &item{index: -1, audio: d.pending}, waitDecodeOut)
	}
	if err != nil {
		f.cancel(err)
	}
}

// decoder is stage 1's state between frames.
type decoder struct {
	*flow
	out     chan<- *item
	pending []*astiav.Packet // audio read since the last frame
	lastPts int64
	index   int // the next frame's global index
	mark    time.Time
}

// audio keeps an audio packet for the next frame's item, when the pass
// copies audio.
func (d *decoder) audio(p *astiav.Packet) error {
	if d.j.sk == nil || !d.j.sk.HasAudio() {
		p.Free()
		return nil
	}
	d.pending = append(d.pending, p)
	return nil
}

// frame turns one decoded frame of the span into an item and sends it on.
func (d *decoder) frame(fr *astiav.Frame) error {
	d.mark = d.clock.since(busyDecode, d.mark)
	defer func() { d.mark = time.Now() }()
	sp := d.j.span
	pts := d.pts(fr)
	if pts >= sp.end {
		d.frames.Put(fr)
		return errEndOfSpan
	}
	preroll := pts < sp.start
	if preroll && (d.j.mode != modeAnalyze || d.index >= sp.first) {
		// Leading frames of an open GOP before the span, or pre-roll an
		// encode pass does not need.
		d.frames.Put(fr)
		return nil
	}
	d.lastPts = pts
	t := time.Now()
	fr, err := d.conf.Apply(fr, d.frames)
	if err != nil {
		return err
	}
	fr.SetPts(pts)
	it := &item{index: d.index, preroll: preroll, frame: fr, pts: pts, audio: d.pending}
	d.pending = nil
	d.index++
	it.detect = d.analyse && it.index%d.cfg.DetectInterval == 0
	// Note: only the detector needs the scaled luma; the tracker follows
	// faces on the frame's own luma plane (frameLuma).
	if it.detect {
		it.luma = d.lumas.get()
		if err := d.scaler.Scale(fr, it.luma); err != nil {
			return err
		}
	}
	t = d.clock.since(busyScale, t)
	if d.inline != nil && it.detect {
		first := (it.index/d.cfg.DetectInterval)%int(d.cfg.Batch) == 0
		it.dets = d.inline.DetectNext(d.lumaOf(it.luma), first, nil)
		d.clock.since(busyDetect, t)
	}
	if !d.send(d.out, it, waitDecodeOut) {
		return context.Cause(d.ctx)
	}
	return nil
}

// pts returns the frame's timestamp, made strictly increasing.
//
// Note: the encoder needs strictly increasing timestamps; a missing or
// repeated one gets the next free tick.
func (d *decoder) pts(fr *astiav.Frame) int64 {
	pts := media.BestEffortPts(fr)
	if pts == astiav.NoPtsValue || pts <= d.lastPts {
		if d.lastPts == math.MinInt64 {
			return max(d.j.span.start, 0)
		}
		return d.lastPts + 1
	}
	return pts
}
