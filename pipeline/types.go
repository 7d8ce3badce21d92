package pipeline

import "math"

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
