package pipeline

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/asticode/go-astiav"
)

// Options describes one pipeline run.
type Options struct {
	Input       string
	Output      string // the reframed video; required
	Config      Config
	GroundTruth string // optional: ground-truth file for Metrics.Quality
	TracksPath  string // optional: per-frame detections, tracks and crops as JSON
	// Progress, when set, is called from the pipeline at most a few times a
	// second with the frames done, the frames expected (0 if unknown) and
	// the current frames/s.
	Progress func(done, total int, fps float64)
}

// item is one decoded frame travelling through the stages, with the audio
// packets read before it.
type item struct {
	index  int
	frame  *astiav.Frame // nil for the final audio-only item
	pts    int64
	detect bool
	luma   []byte
	dets   []Detection
	audio  []*astiav.Packet
}

// stageClock sums the busy time of each stage across goroutines.
type stageClock struct {
	mu sync.Mutex
	d  map[string]time.Duration
}

func (c *stageClock) add(stage string, d time.Duration) {
	c.mu.Lock()
	c.d[stage] += d
	c.mu.Unlock()
}

func (c *stageClock) seconds() map[string]float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]float64, len(c.d))
	for k, v := range c.d {
		out[k] = v.Seconds()
	}
	return out
}

// Run executes the whole pipeline: decode, detect, track, reframe, encode.
// On error nothing is left at opt.Output or opt.TracksPath.
func Run(ctx context.Context, opt Options) (*Metrics, error) {
	start := time.Now()
	cfg := opt.Config
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if opt.Output == "" {
		return nil, errors.New("no output path given")
	}
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

	src, err := openSource(opt.Input, cfg.DecoderThreads)
	if err != nil {
		return nil, err
	}
	defer src.close()
	W, H := src.dec.Width(), src.dec.Height()
	if W < 2 || H < 2 {
		return nil, fmt.Errorf("%s: video is %dx%d; need at least 2x2", opt.Input, W, H)
	}

	// Frames reach the encoder as 8-bit 4:2:0; anything else is converted
	// once after decoding.
	outFmt := src.dec.PixelFormat()
	var conv *astiav.SoftwareScaleContext
	if outFmt != astiav.PixelFormatYuv420P && outFmt != astiav.PixelFormatYuvj420P {
		outFmt = astiav.PixelFormatYuv420P
		conv, err = astiav.CreateSoftwareScaleContext(W, H, src.dec.PixelFormat(), W, H, outFmt,
			astiav.NewSoftwareScaleContextFlags(astiav.SoftwareScaleContextFlagBilinear))
		if err != nil {
			return nil, fmt.Errorf("%s: cannot convert pixel format %s: %v", opt.Input, src.dec.PixelFormat(), err)
		}
		defer conv.Free()
	}

	aw, ah, _ := ParseAspect(cfg.Aspect)
	cw, ch := CropSize(W, H, aw, ah)
	reframer := NewReframer(ReframeConfigFrom(cfg, src.fps), W, H)
	tracker := NewTracker(TrackerConfigFrom(cfg))
	var quality *QualityCounter
	if gt != nil {
		quality = NewQualityCounter(gt, 0.3)
	}

	// Note: detect_width may exceed the source width: upscaling a small
	// video gives the cascade's smallest windows more pixels to test.
	dw := cfg.DetectWidth
	if dw <= 0 {
		dw = W
	}
	dh := max(int(math.Round(float64(H)*float64(dw)/float64(W))), 1)
	scaler, err := newLumaScaler(W, H, dw, dh)
	if err != nil {
		return nil, err
	}
	defer scaler.free()
	detector, err := NewDetector(cfg, cascadeData)
	if err != nil {
		return nil, err
	}

	sk, err := openSink(opt.Output, src, cfg, cw, ch, outFmt)
	if err != nil {
		return nil, err
	}
	defer sk.close()

	var tw *tracksWriter
	if opt.TracksPath != "" {
		if tw, err = newTracksWriter(opt.TracksPath, opt.Input, W, H, src.fps); err != nil {
			return nil, err
		}
		defer tw.abort()
	}

	clock := &stageClock{d: map[string]time.Duration{}}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	queue := 2 * cfg.Batch * cfg.DetectInterval
	frames := newFramePool(2*queue + 8)
	defer frames.free()
	lumas := sync.Pool{New: func() any { b := make([]byte, scaler.bufSize()); return &b }}

	decoded := make(chan *item, queue)
	detected := make(chan *item, queue)
	var wg sync.WaitGroup
	var decodedFrames int

	// Stage 1: demux, decode, convert, downscale luma.
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(decoded)
		var pending []*astiav.Packet
		var lastPts int64 = math.MinInt64
		mark := time.Now()
		send := func(it *item) bool {
			select {
			case decoded <- it:
				return true
			case <-ctx.Done():
				return false
			}
		}
		err := src.decodeAll(frames.get, frames.put, func(f *astiav.Frame) error {
			clock.add(StageDecode, time.Since(mark))
			defer func() { mark = time.Now() }()
			t := time.Now()
			if conv != nil {
				cf := frames.get()
				cf.SetWidth(W)
				cf.SetHeight(H)
				cf.SetPixelFormat(outFmt)
				if err := cf.AllocBuffer(0); err != nil {
					return err
				}
				if err := conv.ScaleFrame(f, cf); err != nil {
					return fmt.Errorf("%s: converting pixel format: %v", opt.Input, err)
				}
				cf.SetPts(f.Pts())
				pts := bestEffortPts(f)
				frames.put(f)
				f = cf
				f.SetPts(pts)
			} else {
				f.SetPts(bestEffortPts(f))
			}
			pts := f.Pts()
			if pts == astiav.NoPtsValue || pts <= lastPts {
				// Note: the encoder needs strictly increasing timestamps;
				// a missing or repeated one gets the next free tick.
				if lastPts == math.MinInt64 {
					pts = 0
				} else {
					pts = lastPts + 1
				}
				f.SetPts(pts)
			}
			lastPts = pts
			it := &item{index: decodedFrames, frame: f, pts: pts, audio: pending}
			pending = nil
			it.detect = decodedFrames%cfg.DetectInterval == 0
			if it.detect || cfg.TrackFollow > 0 {
				bp := lumas.Get().(*[]byte)
				it.luma = *bp
				if err := scaler.scale(f, it.luma); err != nil {
					return err
				}
			}
			decodedFrames++
			clock.add(StageScale, time.Since(t))
			if !send(it) {
				return context.Cause(ctx)
			}
			return nil
		}, func(p *astiav.Packet) error {
			clock.add(StageDecode, time.Since(mark))
			pending = append(pending, p)
			mark = time.Now()
			return nil
		})
		if err == nil && len(pending) > 0 {
			send(&item{index: -1, audio: pending})
		}
		if err != nil {
			cancel(err)
		}
	}()

	// Stage 2: detect in batches.
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(detected)
		var held []*item
		var batch []Luma
		var batchItems []*item
		out := make([][]Detection, cfg.Batch)
		flush := func() bool {
			if len(batch) > 0 {
				t := time.Now()
				if err := detector.Detect(batch, out[:len(batch)]); err != nil {
					cancel(err)
					return false
				}
				for i, it := range batchItems {
					it.dets = append([]Detection(nil), out[i]...)
				}
				clock.add(StageDetect, time.Since(t))
			}
			for _, it := range held {
				select {
				case detected <- it:
				case <-ctx.Done():
					return false
				}
			}
			held, batch, batchItems = held[:0], batch[:0], batchItems[:0]
			return true
		}
		for it := range decoded {
			held = append(held, it)
			if it.detect {
				batch = append(batch, Luma{Pix: it.luma, W: dw, H: dh, Stride: scaler.dstStride, Scale: float64(W) / float64(dw)})
				batchItems = append(batchItems, it)
			}
			if len(batch) == cfg.Batch {
				if !flush() {
					return
				}
			}
		}
		flush()
	}()

	// Stage 3 (this goroutine): track, reframe, encode, mux.
	m := &Metrics{
		Input: opt.Input, Output: opt.Output, Config: cfg,
		Width: W, Height: H, CropWidth: cw, CropHeight: ch, InputFPS: src.fps,
		Decoder: src.dec.String(), EncoderName: sk.name, AudioCopied: sk.as != nil,
	}
	ids := map[int]bool{}
	cropped := astiav.AllocFrame()
	defer cropped.Free()
	lastReport := time.Now()
	var runErr error
	for it := range detected {
		if runErr != nil {
			continue
		}
		for _, p := range it.audio {
			t := time.Now()
			if err := sk.writeAudio(p); err != nil {
				runErr = err
			}
			clock.add(StageMux, time.Since(t))
		}
		if it.frame == nil || runErr != nil {
			continue
		}
		t := time.Now()
		var luma *Luma
		if it.luma != nil {
			luma = &Luma{Pix: it.luma, W: dw, H: dh, Stride: scaler.dstStride, Scale: float64(W) / float64(dw)}
		}
		tracks := tracker.UpdateFrame(it.dets, it.detect, luma)
		primary, ok := tracker.Primary()
		var pbox *Box
		if ok {
			b := primary.Box
			pbox = &b
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
		t2 := time.Now()
		clock.add(StageTrack, t2.Sub(t))
		crop := reframer.Next(pbox)
		if tw != nil {
			var pid *int
			if ok {
				id := primary.ID
				pid = &id
			}
			if err := tw.add(it, tracks, pid, crop); err != nil {
				runErr = err
				continue
			}
		}
		t3 := time.Now()
		clock.add(StageReframe, t3.Sub(t2))
		if err := cropRef(cropped, it.frame, crop); err != nil {
			runErr = err
			continue
		}
		cropped.SetPts(it.pts)
		err := sk.encode(cropped)
		cropped.Unref()
		clock.add(StageEncode, time.Since(t3))
		frames.put(it.frame)
		if it.luma != nil {
			b := it.luma
			lumas.Put(&b)
		}
		if err != nil {
			runErr = err
			continue
		}
		m.Frames++
		if opt.Progress != nil && time.Since(lastReport) > 250*time.Millisecond {
			lastReport = time.Now()
			opt.Progress(m.Frames, int(src.frames), float64(m.Frames)/time.Since(start).Seconds())
		}
	}
	if runErr != nil {
		cancel(runErr)
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	if m.Frames == 0 {
		return nil, fmt.Errorf("%s: no video frames could be decoded", opt.Input)
	}
	if src.frames > 0 && int64(m.Frames) < src.frames {
		return nil, fmt.Errorf("%s: truncated or corrupt: decoded %d of the %d frames its container lists", opt.Input, m.Frames, src.frames)
	}
	t := time.Now()
	if err := sk.commit(); err != nil {
		return nil, err
	}
	clock.add(StageEncode, time.Since(t))
	if tw != nil {
		if err := tw.commit(); err != nil {
			os.Remove(opt.Output)
			return nil, err
		}
	}
	m.Tracks = len(ids)
	if quality != nil {
		q := quality.Result()
		m.Quality = &q
	}
	m.Stages = clock.seconds()
	m.WallSeconds = time.Since(start).Seconds()
	m.FPS = float64(m.Frames) / m.WallSeconds
	m.PeakRSSBytes = PeakRSS()
	if opt.Progress != nil {
		opt.Progress(m.Frames, m.Frames, m.FPS)
	}
	return m, nil
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

// tracksWriter streams tracks.json to a temporary file, renamed on commit.
type tracksWriter struct {
	path string
	f    *os.File
	w    *bufio.Writer
	n    int
}

// FrameRecord is one frame of tracks.json.
type FrameRecord struct {
	Frame      int         `json:"frame"`
	Pts        int64       `json:"pts"`
	Detected   bool        `json:"detected"`
	Detections []Detection `json:"detections"`
	Tracks     []Track     `json:"tracks"`
	Primary    *int        `json:"primary"`
	Crop       Crop        `json:"crop"`
}

func newTracksWriter(path, input string, w, h int, fps float64) (*tracksWriter, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("%s: cannot write tracks: %w", path, unwrapPathError(err))
	}
	t := &tracksWriter{path: path, f: f, w: bufio.NewWriterSize(f, 1<<16)}
	head, _ := json.Marshal(map[string]any{"input": input, "width": w, "height": h, "fps": fps})
	t.w.Write(head[:len(head)-1])
	t.w.WriteString(`,"frames":[` + "\n")
	return t, nil
}

func (t *tracksWriter) add(it *item, tracks []Track, primary *int, crop Crop) error {
	rec := FrameRecord{Frame: it.index, Pts: it.pts, Detected: it.detect, Detections: it.dets, Tracks: tracks, Primary: primary, Crop: crop}
	if rec.Detections == nil {
		rec.Detections = []Detection{}
	}
	if rec.Tracks == nil {
		rec.Tracks = []Track{}
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if t.n > 0 {
		t.w.WriteString(",\n")
	}
	t.n++
	if _, err := t.w.Write(b); err != nil {
		return fmt.Errorf("%s: cannot write tracks: %w", t.path, err)
	}
	return nil
}

func (t *tracksWriter) commit() error {
	t.w.WriteString("\n]}\n")
	err := t.w.Flush()
	if err == nil {
		err = t.f.Sync()
	}
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(t.f.Name(), t.path)
	}
	if err != nil {
		os.Remove(t.f.Name())
		t.f = nil
		return fmt.Errorf("%s: cannot write tracks: %w", t.path, unwrapPathError(err))
	}
	t.f = nil
	return nil
}

func (t *tracksWriter) abort() {
	if t.f != nil {
		t.f.Close()
		os.Remove(t.f.Name())
		t.f = nil
	}
}
