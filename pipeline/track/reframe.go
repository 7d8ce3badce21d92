package track

import (
	"math"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/geom"
)

// ReframeConfig holds the reframer's tunables; ReframeConfigFrom fills it
// from the aspect and reframe_* keys of a config.Config.
type ReframeConfig struct {
	AspectW, AspectH int     // crop aspect ratio W:H
	Smoothing        float64 // time constant of the crop centre's filter, seconds; 0 = follow exactly
	Deadzone         float64 // fraction of the crop width the face may move before the crop follows
	MaxSpeed         float64 // largest crop movement, crop widths per second; <= 0 = unlimited
	FPS              float64 // frame rate of the video; <= 0 is taken as defaultReframeFPS
}

// defaultReframeFPS is the frame rate assumed when the video does not say.
const defaultReframeFPS = 30

// ReframeConfigFrom returns the reframer settings of c for a video of the
// given frame rate. An aspect that config.ParseAspect rejects (config.Config.Validate
// reports it) falls back to 9:16.
func ReframeConfigFrom(c config.Config, fps float64) ReframeConfig {
	w, h, err := config.ParseAspect(c.Aspect)
	if err != nil {
		w, h = 9, 16
	}
	return ReframeConfig{
		AspectW:   w,
		AspectH:   h,
		Smoothing: c.ReframeSmoothing,
		Deadzone:  c.ReframeDeadzone,
		MaxSpeed:  c.ReframeMaxSpeed,
		FPS:       fps,
	}
}

// Reframer moves a fixed-size crop window along a smoothed path that follows
// the primary face. It is not safe for concurrent use.
//
// Each frame, the target centre jumps to the face centre when the face is
// more than Deadzone crop widths from the crop's centre on that axis; the
// crop centre then moves towards the target by an exponential filter with
// time constant Smoothing, at most MaxSpeed crop widths per second, and stays
// inside the frame. With no face the target stays where it was (centred
// until a face is first seen), so a lost face leaves the crop where the face
// was last seen.
type Reframer struct {
	frameW, frameH int
	w, h           int
	alpha          float64 // filter weight of the target per frame
	maxStep        float64 // largest centre movement per frame, pixels
	deadzone       float64 // pixels
	cx, cy         float64 // crop centre
	tx, ty         float64 // target centre
}

// NewReframer returns a reframer for frameW x frameH frames with the crop
// centred.
//
// Note: the deadzone and the speed limit are measured in crop widths on both
// axes, so a face moving diagonally is limited by the length of its step.
func NewReframer(cfg ReframeConfig, frameW, frameH int) *Reframer {
	fps := cfg.FPS
	if !(fps > 0) {
		fps = defaultReframeFPS
	}
	w, h := geom.CropSize(frameW, frameH, cfg.AspectW, cfg.AspectH)
	r := &Reframer{
		frameW:   frameW,
		frameH:   frameH,
		w:        w,
		h:        h,
		alpha:    1,
		maxStep:  math.Inf(1),
		deadzone: cfg.Deadzone * float64(w),
	}
	if cfg.Smoothing > 0 {
		r.alpha = 1 - math.Exp(-(1/fps)/cfg.Smoothing)
	}
	if cfg.MaxSpeed > 0 {
		r.maxStep = cfg.MaxSpeed * float64(w) / fps
	}
	r.cx, r.cy = float64(frameW)/2, float64(frameH)/2
	r.tx, r.ty = r.cx, r.cy
	return r
}

// Size returns the crop window's width and height.
func (r *Reframer) Size() (w, h int) { return r.w, r.h }

// Next returns the crop for the next frame given the primary face, nil when
// there is none.
func (r *Reframer) Next(primary *geom.Box) geom.Crop {
	if primary != nil {
		fx := clampCentre(primary.CenterX(), r.w, r.frameW)
		fy := clampCentre(primary.CenterY(), r.h, r.frameH)
		// Note: a face box with NaN coordinates fails both comparisons and
		// leaves the target alone.
		if math.Abs(fx-r.cx) > r.deadzone {
			r.tx = fx
		}
		if math.Abs(fy-r.cy) > r.deadzone {
			r.ty = fy
		}
	}
	dx, dy := r.tx-r.cx, r.ty-r.cy
	if d := math.Hypot(dx, dy); d <= 0.5 && d <= r.maxStep {
		// Note: the exponential filter never quite arrives; snapping the
		// last half pixel keeps a settled crop from creeping across an
		// even-pixel boundary frames later.
		r.cx, r.cy = r.tx, r.ty
	} else {
		dx, dy = r.alpha*dx, r.alpha*dy
		if d := math.Hypot(dx, dy); d > r.maxStep {
			dx, dy = dx*r.maxStep/d, dy*r.maxStep/d
		}
		r.cx += dx
		r.cy += dy
	}
	return geom.Crop{
		X: cropOrigin(r.cx, r.w, r.frameW),
		Y: cropOrigin(r.cy, r.h, r.frameH),
		W: r.w,
		H: r.h,
	}
}

// clampCentre limits a centre coordinate so that a window of size size
// around it stays inside [0, frame].
func clampCentre(c float64, size, frame int) float64 {
	lo, hi := float64(size)/2, float64(frame)-float64(size)/2
	if hi < lo {
		return float64(frame) / 2
	}
	return max(lo, min(hi, c))
}

// cropOrigin returns the even top-left coordinate of a window of size size
// centred at c, kept inside [0, frame].
func cropOrigin(c float64, size, frame int) int {
	o := int(math.Round((c-float64(size)/2)/2)) * 2
	return max(0, min((frame-size)&^1, o))
}
