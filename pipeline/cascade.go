package pipeline

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	pigo "github.com/esimov/pigo/core"
)

// Cascade is a PICO cascade (the file format of github.com/esimov/pigo)
// evaluated with precomputed per-scale pixel offsets.
//
// Note: pigo computes each tree node's two pixel positions as
// ((256*r + code*s) >> 8) for every window. Since 256*r is a multiple of 256
// that equals r + ((code*s) >> 8), so the offsets depend only on the scale
// and can be computed once per scale: the arithmetic, and so every
// detection, stays bit-identical to pigo's RunCascade (tested), while the
// inner loop loses its multiplications. This is also the CPU reference of
// what a GPU kernel computes per window.
type Cascade struct {
	depth  int       // tree depth
	leaves int       // 2^depth
	trees  int       // number of trees
	codes  []int8    // 4 bytes per node, leaves*4 per tree (node 0 unused)
	preds  []float32 // leaves per tree
	thr    []float32 // one per tree
	// offsets caches, per window size and row stride, the two pixel offsets
	// of every node relative to the window centre.
	offsets map[[2]int][]int32
}

// ParseCascade reads a PICO cascade file's bytes.
func ParseCascade(data []byte) (*Cascade, error) {
	if len(data) < 16 {
		return nil, errors.New("too short for a PICO cascade")
	}
	depth := int(binary.LittleEndian.Uint32(data[8:]))
	trees := int(binary.LittleEndian.Uint32(data[12:]))
	if depth < 1 || depth > 16 || trees < 1 || trees > 1<<16 {
		return nil, fmt.Errorf("implausible header: depth %d, %d trees", depth, trees)
	}
	leaves := 1 << depth
	per := 4*leaves - 4 + 4*leaves + 4
	if len(data) < 16+trees*per {
		return nil, fmt.Errorf("truncated: %d trees of depth %d need %d bytes, have %d", trees, depth, 16+trees*per, len(data))
	}
	c := &Cascade{depth: depth, leaves: leaves, trees: trees,
		codes: make([]int8, 0, trees*4*leaves), preds: make([]float32, 0, trees*leaves), thr: make([]float32, 0, trees),
		offsets: map[[2]int][]int32{}}
	pos := 16
	for t := 0; t < trees; t++ {
		c.codes = append(c.codes, 0, 0, 0, 0)
		for _, b := range data[pos : pos+4*leaves-4] {
			c.codes = append(c.codes, int8(b))
		}
		pos += 4*leaves - 4
		for i := 0; i < leaves; i++ {
			c.preds = append(c.preds, math.Float32frombits(binary.LittleEndian.Uint32(data[pos:])))
			pos += 4
		}
		c.thr = append(c.thr, math.Float32frombits(binary.LittleEndian.Uint32(data[pos:])))
		pos += 4
	}
	return c, nil
}

// nodeOffsets returns, for window size s and row stride, two int32 pixel
// offsets per node (4 bytes of codes -> 2 offsets), computed once.
func (c *Cascade) nodeOffsets(s, stride int) []int32 {
	key := [2]int{s, stride}
	if o, ok := c.offsets[key]; ok {
		return o
	}
	o := make([]int32, len(c.codes)/2)
	for k := 0; k+3 < len(c.codes); k += 4 {
		r1 := (int(c.codes[k]) * s) >> 8
		c1 := (int(c.codes[k+1]) * s) >> 8
		r2 := (int(c.codes[k+2]) * s) >> 8
		c2 := (int(c.codes[k+3]) * s) >> 8
		o[k/2] = int32(r1*stride + c1)
		o[k/2+1] = int32(r2*stride + c2)
	}
	if len(c.offsets) > 256 {
		clear(c.offsets)
	}
	c.offsets[key] = o
	return o
}

// classify returns the cascade's score for the window centred at pixel
// index center, or -1 when a stage rejects it; offs comes from nodeOffsets.
func (c *Cascade) classify(center int, offs []int32, pix []byte) float32 {
	var out float32
	leaves := c.leaves
	preds, thr := c.preds, c.thr
	depth := c.depth
	for i := 0; i < c.trees; i++ {
		tree := offs[2*leaves*i : 2*leaves*(i+1)]
		idx := 1
		for j := 0; j < depth; j++ {
			k := 2 * idx
			a := int(pix[center+int(tree[k])])
			b := int(pix[center+int(tree[k+1])])
			// Branch-free: +1 when a <= b (the sign bit of b-a is 0).
			idx = 2*idx + 1 + (b-a)>>63
		}
		out += preds[leaves*i+idx-leaves]
		if out <= thr[i] {
			return -1
		}
	}
	return out - thr[c.trees-1]
}

// Run scans the image at every scale from minSize to maxSize, like pigo's
// RunCascade with angle 0, appending raw window detections to dst.
func (c *Cascade) Run(dst []pigo.Detection, pix []byte, rows, cols, stride, minSize, maxSize int, shift, scaleFactor float64) []pigo.Detection {
	return c.RunRegion(dst, pix, rows, cols, stride, minSize, maxSize, shift, scaleFactor, Region{R1: rows, C1: cols, MaxSize: maxSize})
}

// Region restricts a scan to windows whose centres lie in rows [R0, R1) and
// columns [C0, C1) and whose sizes lie in [MinSize, MaxSize].
type Region struct {
	R0, R1, C0, C1   int
	MinSize, MaxSize int
}

// RunRegion is Run restricted to one region. It visits the same scale
// ladder and the same window grid as a full scan, so its detections are
// exactly the full scan's detections that fall in the region.
func (c *Cascade) RunRegion(dst []pigo.Detection, pix []byte, rows, cols, stride, minSize, maxSize int, shift, scaleFactor float64, reg Region) []pigo.Detection {
	for scale := minSize; scale <= maxSize; {
		if scale >= reg.MinSize && scale <= reg.MaxSize {
			step := int(math.Max(shift*float64(scale), 1))
			offset := scale/2 + 1
			offs := c.nodeOffsets(scale, stride)
			row0 := gridStart(offset, step, reg.R0)
			col0 := gridStart(offset, step, reg.C0)
			rowEnd := min(rows-offset, reg.R1-1)
			colEnd := min(cols-offset, reg.C1-1)
			for row := row0; row <= rowEnd; row += step {
				base := row * stride
				for col := col0; col <= colEnd; col += step {
					if q := c.classify(base+col, offs, pix); q > 0 {
						dst = append(dst, pigo.Detection{Row: row, Col: col, Scale: scale, Q: q})
					}
				}
			}
		}
		scale = int(float64(scale) + math.Max(2, float64(scale)*scaleFactor-float64(scale)))
	}
	return dst
}

// gridStart returns the first grid position offset + k*step (k >= 0) that
// is >= lo.
func gridStart(offset, step, lo int) int {
	if lo <= offset {
		return offset
	}
	return offset + (lo-offset+step-1)/step*step
}
