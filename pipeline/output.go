package pipeline

import (
	"fmt"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/ftbench/ftbench/pipeline/detect"
	"github.com/ftbench/ftbench/pipeline/geom"
	"github.com/ftbench/ftbench/pipeline/media"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/pipeline/quality"
	"github.com/ftbench/ftbench/pipeline/track"
)

// outputStage is stage 3: it tracks, reframes, encodes and muxes the items
// in frame order, and counts what the metrics report.
type outputStage struct {
	*flow
	m        *metrics.Metrics
	tracker  *track.Tracker   // nil in an encode pass
	reframer *track.Reframer  // modeFull only
	quality  *quality.Counter // with ground truth only
	ids      map[int]bool     // track ids seen on the span's own frames
	cropped  *astiav.Frame    // the crop of the frame being encoded
	mark     time.Time        // when the stage's current step began
}

// newOutput sets up stage 3 for crops of cw x ch.
func (f *flow) newOutput(cw, ch int) *outputStage {
	j, src := f.j, f.j.src
	o := &outputStage{flow: f, ids: map[int]bool{}, cropped: astiav.AllocFrame()}
	o.m = &metrics.Metrics{
		Input: src.Path, Output: j.output, Config: j.cfg, Notes: j.notes, Batch: j.batchPlan, DecodeHWAccel: src.HWAccel(),
		Width: f.conf.W, Height: f.conf.H, CropWidth: cw, CropHeight: ch, InputFPS: src.FPS,
		Decoder: src.Decoder(),
	}
	if j.sk != nil {
		o.m.EncoderName, o.m.AudioCopied = j.sk.Name, j.sk.HasAudio()
	}
	if f.analyse {
		tc := track.TrackerConfigFrom(j.cfg)
		tc.FrameW, tc.FrameH = float64(f.conf.W), float64(f.conf.H)
		o.tracker = track.NewTracker(tc)
		if j.gt != nil {
			o.quality = quality.NewCounter(j.gt, 0.3)
			o.quality.SetFrameSize(f.conf.W, f.conf.H)
		}
	}
	if j.mode == modeFull {
		o.reframer = track.NewReframer(track.ReframeConfigFrom(j.cfg, src.FPS), f.conf.W, f.conf.H)
	}
	return o
}

// run takes every item from in. After the first error it only drains in,
// and returns that error.
func (o *outputStage) run(in <-chan *item) error {
	lastReport := time.Now()
	var runErr error
	o.mark = time.Now()
	for it := range in {
		o.mark = o.clock.since(waitEncodeIn, o.mark)
		if runErr != nil {
			continue
		}
		for _, p := range it.audio {
			if err := o.j.sk.WriteAudio(p); err != nil {
				runErr = err
			}
		}
		o.mark = o.clock.since(busyMux, o.mark)
		if it.frame == nil || runErr != nil {
			continue
		}
		if runErr = o.frame(it); runErr != nil {
			continue
		}
		if o.j.progress != nil && time.Since(lastReport) > 250*time.Millisecond {
			lastReport = time.Now()
			o.j.progress(o.m.Frames, int(o.j.src.Frames), float64(o.m.Frames)/time.Since(o.j.start).Seconds())
		}
		o.mark = time.Now()
	}
	return runErr
}

// frame finds the crop of one frame, encodes it and gives the frame's
// buffers back.
func (o *outputStage) frame(it *item) error {
	var crop geom.Crop
	if o.analyse {
		var err error
		if crop, err = o.follow(it); err != nil {
			return err
		}
	} else {
		if it.index < 0 || it.index >= len(o.j.crops) {
			return fmt.Errorf("%s: frame %d has no crop (the analysis saw %d frames)", o.j.src.Path, it.index, len(o.j.crops))
		}
		crop = o.j.crops[it.index]
	}
	if o.j.sk != nil {
		if err := media.CropRef(o.cropped, it.frame, crop); err != nil {
			return err
		}
		o.cropped.SetPts(it.pts)
		err := o.j.sk.Encode(o.cropped)
		o.cropped.Unref()
		o.mark = o.clock.since(busyEncode, o.mark)
		if err != nil {
			return err
		}
	}
	o.frames.Put(it.frame)
	if it.luma != nil {
		o.lumas.put(it.luma)
	}
	if !it.preroll {
		o.m.Frames++
	}
	return nil
}

// follow tracks the frame's faces, moves the crop after the primary one
// and records the frame (tracks.json, a segment's records).
func (o *outputStage) follow(it *item) (geom.Crop, error) {
	var luma *detect.Luma
	if o.cfg.TrackFollow > 0 {
		if l := frameLuma(it.frame, o.conf.W, o.conf.H); l.Pix != nil {
			luma = &l
		}
	}
	tracks := o.tracker.UpdateFrame(it.dets, it.detect, luma)
	primary, ok := o.tracker.Primary()
	var pbox *geom.Box
	var pid *int
	if ok {
		b, id := primary.Box, primary.ID
		pbox, pid = &b, &id
	}
	o.mark = o.clock.since(busyTrack, o.mark)
	var crop geom.Crop
	if o.reframer != nil {
		crop = o.reframer.Next(pbox)
		o.mark = o.clock.since(busyReframe, o.mark)
	}
	if !it.preroll {
		o.count(it, tracks, pbox)
	}
	rec := track.FrameRecord{Frame: it.index, Pts: it.pts, Preroll: it.preroll, Detected: it.detect, Detections: it.dets, Tracks: tracks, Primary: pid, Crop: crop}
	if o.j.tw != nil {
		if err := o.j.tw.Add(rec); err != nil {
			return crop, err
		}
	}
	if o.j.records != nil {
		*o.j.records = append(*o.j.records, rec)
	}
	o.mark = o.clock.since(busyReframe, o.mark)
	return crop, nil
}

// count adds one of the span's own frames to the metrics; pbox is its
// primary face, nil when there is none.
func (o *outputStage) count(it *item, tracks []track.Track, pbox *geom.Box) {
	if pbox != nil {
		o.m.FacesFrames++
	}
	for _, tr := range tracks {
		o.ids[tr.ID] = true
	}
	if it.detect {
		o.m.DetectFrames++
		o.m.Detections += len(it.dets)
	}
	if o.quality != nil {
		o.quality.Add(it.index, pbox, it.dets, it.detect)
		o.quality.AddTracks(it.index, tracks)
	}
}

// result completes the metrics once every stage has finished.
func (o *outputStage) result() *metrics.Metrics {
	m := o.m
	m.Tracks = len(o.ids)
	if o.quality != nil {
		q := o.quality.Result()
		m.Quality = &q
	}
	m.Stages = o.clock.seconds("busy.")
	m.Waits = o.clock.seconds("wait.")
	if o.j.sk != nil {
		m.Stages[metrics.StageEncode] += o.j.sk.EncodeSeconds
	}
	return m
}

// frameLuma returns the luma plane of f, a W x H frame of 8-bit planar
// YUV (what the decode stage passes on), as a Luma in source pixels. It
// aliases the frame's memory, valid while f holds its reference.
//
// Note: appearance following samples a 16 x 16 grid per candidate box, so
// it costs the same at any resolution; reading the frame itself spares
// scaling the luma of the frames the detector skips.
func frameLuma(f *astiav.Frame, W, H int) detect.Luma {
	pix, stride := media.PlaneBytes(f, 0, H)
	return detect.Luma{Pix: pix, W: W, H: H, Stride: stride, Scale: 1}
}
