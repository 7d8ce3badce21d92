// Package geom holds the geometry the pipeline's stages share: face boxes
// and detections in source-frame pixels, the crop window and its size, and
// the best-first pairing that both the tracker and the quality counter use
// to match boxes.
package geom

import (
	"cmp"
	"math"
	"slices"
)

// Box is an axis-aligned rectangle in source-frame pixels; X, Y is the
// top-left corner.
type Box struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// CenterX returns the box's horizontal centre.
func (b Box) CenterX() float64 { return b.X + b.W/2 }

// CenterY returns the box's vertical centre.
func (b Box) CenterY() float64 { return b.Y + b.H/2 }

// Scaled returns the box scaled about its centre, kw in width and kh in
// height.
func (b Box) Scaled(kw, kh float64) Box {
	cx, cy := b.CenterX(), b.CenterY()
	w, h := b.W*kw, b.H*kh
	return Box{X: cx - w/2, Y: cy - h/2, W: w, H: h}
}

// Area returns the box's area, 0 for degenerate boxes.
func (b Box) Area() float64 {
	if b.W <= 0 || b.H <= 0 {
		return 0
	}
	return b.W * b.H
}

// Contains reports whether the point (x, y) lies inside the box.
func (b Box) Contains(x, y float64) bool {
	return x >= b.X && x <= b.X+b.W && y >= b.Y && y <= b.Y+b.H
}

// IoU returns the intersection over union of two boxes.
func (b Box) IoU(o Box) float64 {
	ix := math.Min(b.X+b.W, o.X+o.W) - math.Max(b.X, o.X)
	iy := math.Min(b.Y+b.H, o.Y+o.H) - math.Max(b.Y, o.Y)
	if ix <= 0 || iy <= 0 {
		return 0
	}
	inter := ix * iy
	union := b.Area() + o.Area() - inter
	if union <= 0 {
		return 0
	}
	return inter / union
}

// Detection is one face the detector found in one frame.
type Detection struct {
	Box
	Score float64 `json:"score"`
}

// Crop is the reframing window for one frame, in source-frame pixels. X and
// Y are even so that 4:2:0 chroma planes stay aligned.
type Crop struct {
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"w"`
	H int `json:"h"`
}

// CenterX returns the x coordinate of the crop window's centre.
func (c Crop) CenterX() float64 { return float64(c.X) + float64(c.W)/2 }

// CenterY returns the y coordinate of the crop window's centre.
func (c Crop) CenterY() float64 { return float64(c.Y) + float64(c.H)/2 }

// CropSize returns the largest window of aspect aspectW:aspectH that fits a
// frameW x frameH frame, with both sides rounded down to even numbers: the
// limiting side is rounded first and the other side derived from it, so the
// window never exceeds the frame and its aspect is at most the rounding off.
// 1920x1080 at 9:16 gives 606x1080, 1280x720 gives 404x720.
//
// Note: 4:2:0 encoders need even sizes. A side that would round to 0 is
// made 2 when the frame allows and otherwise left at the frame's size (1 px),
// which such encoders reject; CropSize itself never fails. A non-positive
// frame side gives 0, and a non-positive aspect gives the whole frame.
func CropSize(frameW, frameH, aspectW, aspectH int) (w, h int) {
	if frameW <= 0 || frameH <= 0 {
		return 0, 0
	}
	if aspectW <= 0 || aspectH <= 0 {
		aspectW, aspectH = frameW, frameH
	}
	even := func(v, limit int) int {
		v &^= 1
		if v < 2 {
			v = min(2, limit)
		}
		return v
	}
	if frameW*aspectH >= frameH*aspectW {
		// The frame is at least as wide as the aspect: full height.
		h = even(frameH, frameH)
		w = even(h*aspectW/aspectH, frameW)
	} else {
		w = even(frameW, frameW)
		h = even(w*aspectH/aspectW, frameH)
	}
	return w, h
}

// Pair is a candidate match between element A of one list and element B of
// another; a higher Score is a better match.
type Pair struct {
	A, B  int
	Score float64
}

// SortPairs orders pairs best first; ties fall back to list order so that
// matching is deterministic.
func SortPairs(pairs []Pair) {
	slices.SortFunc(pairs, func(p, q Pair) int {
		if c := cmp.Compare(q.Score, p.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(p.A, q.A); c != 0 {
			return c
		}
		return cmp.Compare(p.B, q.B)
	})
}
