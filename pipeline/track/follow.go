package track

import (
	"math"

	"github.com/ftbench/ftbench/pipeline/detect"
	"github.com/ftbench/ftbench/pipeline/geom"
)

// templateSize is the side, in samples, of the grid a track's appearance is
// sampled on, whatever the face's size.
const templateSize = 16

// followRadius is how far, in template samples (a sixteenth of the box),
// the follower searches around a track's predicted position.
const followRadius = 4

// template is a track's appearance: the luma under its box sampled on a
// templateSize x templateSize grid, zero-mean and unit-norm so that a dot
// product with another such patch is their normalised cross-correlation.
type template [templateSize * templateSize]float32

// samplePatch fills p with the luma under box b (source pixels) and
// normalises it; it returns false when the box lies mostly outside the image
// or the patch is flat.
func samplePatch(p *template, l *detect.Luma, b geom.Box) bool {
	if l == nil || b.W <= 0 || b.H <= 0 {
		return false
	}
	sx, sy := b.W/float64(templateSize)/l.Scale, b.H/float64(templateSize)/l.Scale
	x0, y0 := b.X/l.Scale+sx/2, b.Y/l.Scale+sy/2
	var sum float64
	outside := 0
	for j := 0; j < templateSize; j++ {
		y := int(y0 + float64(j)*sy)
		if y < 0 || y >= l.H {
			outside += templateSize
		}
		y = min(max(y, 0), l.H-1)
		row := l.Pix[y*l.Stride:]
		for i := 0; i < templateSize; i++ {
			x := int(x0 + float64(i)*sx)
			if x < 0 || x >= l.W {
				outside++
			}
			v := float32(row[min(max(x, 0), l.W-1)])
			p[j*templateSize+i] = v
			sum += float64(v)
		}
	}
	if outside > len(p)/4 {
		return false
	}
	mean := float32(sum / float64(len(p)))
	var norm float64
	for i := range p {
		p[i] -= mean
		norm += float64(p[i]) * float64(p[i])
	}
	if norm < 1e-3*float64(len(p)) {
		return false
	}
	inv := float32(1 / math.Sqrt(norm))
	for i := range p {
		p[i] *= inv
	}
	return true
}

func (p *template) dot(q *template) float32 {
	var s float32
	for i := range p {
		s += p[i] * q[i]
	}
	return s
}

// follow searches around box b for the patch most like tpl and returns the
// box moved there and the match's normalised cross-correlation.
//
// Note: this is what carries a face through the frames where the cascade,
// which only knows frontal faces, loses it (a head turning, a hand passing):
// the box keeps following the head's appearance instead of coasting on a
// velocity that no longer holds.
func follow(tpl *template, l *detect.Luma, b geom.Box) (geom.Box, float32) {
	var cand template
	best, bestBox := float32(-2), b
	stepX, stepY := b.W/templateSize, b.H/templateSize
	for dy := -followRadius; dy <= followRadius; dy++ {
		for dx := -followRadius; dx <= followRadius; dx++ {
			c := b
			c.X += float64(dx) * stepX
			c.Y += float64(dy) * stepY
			if !samplePatch(&cand, l, c) {
				continue
			}
			// Prefer the smallest move among equal matches.
			if s := tpl.dot(&cand); s > best {
				best, bestBox = s, c
			}
		}
	}
	return bestBox, best
}
