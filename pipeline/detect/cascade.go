package detect

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unsafe"

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
	// cols and scores are scanStaged's scratch: one row's windows.
	cols   []int32
	scores []float32
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
	// Note: every window lies inside the rows x cols image, so when the
	// buffer holds that image the scan may skip the bounds checks.
	fast := rows > 0 && cols > 0 && stride >= cols && len(pix) >= (rows-1)*stride+cols
	for scale := minSize; scale <= maxSize; {
		if scale >= reg.MinSize && scale <= reg.MaxSize {
			step := int(math.Max(shift*float64(scale), 1))
			offset := scale/2 + 1
			offs := c.nodeOffsets(scale, stride)
			row0 := gridAtOrAfter(offset, step, max(offset, reg.R0))
			col0 := gridAtOrAfter(offset, step, max(offset, reg.C0))
			rowEnd := min(rows-offset, reg.R1-1)
			colEnd := min(cols-offset, reg.C1-1)
			if fast {
				dst = c.scanStaged(dst, pix, offs, stride, scale, row0, rowEnd, col0, colEnd, step)
				goto next
			}
			for row := row0; row <= rowEnd; row += step {
				base := row * stride
				for col := col0; col <= colEnd; col += step {
					if q := c.classify(base+col, offs, pix); q > 0 {
						dst = append(dst, pigo.Detection{Row: row, Col: col, Scale: scale, Q: q})
					}
				}
			}
		}
	next:
		scale = nextScale(scale, scaleFactor)
	}
	return dst
}

// nextScale returns the window size after scale on a scan's ladder, as
// pigo's RunCascade steps it.
func nextScale(scale int, scaleFactor float64) int {
	return int(float64(scale) + math.Max(2, float64(scale)*scaleFactor-float64(scale)))
}

// RunEdges appends the windows that Run leaves out because they reach past
// the image's edges: the same scale ladder and window grid, extended so
// that a window of size s may lie up to int(over*s) pixels outside the
// rows x cols image, restricted to reg; windows Run visits are skipped.
// pix holds the image with a border of pad pixels on every side (row r,
// column c of the image at (r+pad)*stride + c+pad); a window reads pixels
// up to int(over*maxSize) outside the image, so pad must be at least that
// (it panics otherwise). Rows and columns, in reg and in the detections,
// are the image's.
//
// Note: pigo scans only windows wholly inside the image, so a face cut by
// the frame's edge is found, if at all, by smaller windows inside its
// visible part, and its box shrinks (face_360p, faces cut by the bottom
// edge: the box 0.75-0.90 of the face's where faces in the open get
// 1.10). What the border holds outside the image is the caller's choice.
func (c *Cascade) RunEdges(dst []pigo.Detection, pix []byte, rows, cols, stride, pad, minSize, maxSize int, shift, scaleFactor, over float64, reg Region) []pigo.Detection {
	if pad < int(over*float64(maxSize)) || stride < cols+2*pad || len(pix) < (rows+2*pad)*stride {
		panic(fmt.Sprintf("detect: RunEdges: a %dx%d image with a %d-pixel border in %d bytes of stride %d cannot hold windows up to %d reaching %g past its edges", cols, rows, pad, len(pix), stride, maxSize, over))
	}
	for scale := minSize; scale <= maxSize; scale = nextScale(scale, scaleFactor) {
		if scale < reg.MinSize || scale > reg.MaxSize {
			continue
		}
		step := int(math.Max(shift*float64(scale), 1))
		offset := scale/2 + 1
		out := int(over * float64(scale))
		offs := c.nodeOffsets(scale, stride)
		row0 := gridAtOrAfter(offset, step, max(offset-out, reg.R0))
		col0 := gridAtOrAfter(offset, step, max(offset-out, reg.C0))
		rowEnd := min(rows-offset+out, reg.R1-1)
		colEnd := min(cols-offset+out, reg.C1-1)
		for row := row0; row <= rowEnd; row += step {
			inside := row >= offset && row <= rows-offset
			base := unsafe.Add(unsafe.Pointer(unsafe.SliceData(pix)), (row+pad)*stride+pad)
			for col := col0; col <= colEnd; col += step {
				if inside && col >= offset && col <= cols-offset {
					continue // a window Run visits
				}
				// Every pixel read lies within out <= pad of the image, so
				// inside pix (checked above): no bounds checks.
				if q := c.classifyFrom(0, 0, unsafe.Add(base, col), offs); q > 0 {
					dst = append(dst, pigo.Detection{Row: row, Col: col, Scale: scale, Q: q})
				}
			}
		}
	}
	return dst
}

// gridAtOrAfter returns the first grid position offset + k*step, k any
// integer, that is >= lo.
func gridAtOrAfter(offset, step, lo int) int {
	d := lo - offset
	k := d / step // rounds towards zero: up for d < 0
	if d > 0 && d%step != 0 {
		k++
	}
	return offset + k*step
}

// stagedTrees is how many leading trees scanStaged runs breadth-first.
const stagedTrees = 4

// scanStaged classifies the windows of one scale's grid, rows row0..rowEnd
// and columns col0..colEnd (inclusive) in steps of step, appending those
// with a positive score to dst in row-major order, as RunRegion's
// window-by-window loop would.
//
// Note: most windows fall at the first few trees, and which ones is
// unpredictable, so a per-window loop mispredicts a branch for most of
// them. Here the first stagedTrees trees run over a whole row of windows
// at a time, each keeping its survivors without a branch; only the few left
// go on window by window. Every window's score is still the same sum of the
// same leaves in the same order, so the result is bit-identical to
// classify's (and pigo's).
func (c *Cascade) scanStaged(dst []pigo.Detection, pix []byte, offs []int32, stride, scale, row0, rowEnd, col0, colEnd, step int) []pigo.Detection {
	if row0 > rowEnd || col0 > colEnd {
		return dst
	}
	n := (colEnd-col0)/step + 1
	if cap(c.cols) < n {
		c.cols = make([]int32, n)
		c.scores = make([]float32, n)
	}
	cols, scores := c.cols[:n], c.scores[:n]
	base := unsafe.Pointer(unsafe.SliceData(pix))
	leaves, depth := c.leaves, c.depth
	early := min(stagedTrees, c.trees)
	for row := row0; row <= rowEnd; row += step {
		rowPtr := unsafe.Add(base, row*stride)
		m := 0
		for col := col0; col <= colEnd; col += step {
			cols[m] = int32(col)
			scores[m] = 0
			m++
		}
		for i := 0; i < early && m > 0; i++ {
			tree := unsafe.Pointer(unsafe.SliceData(offs[2*leaves*i : 2*leaves*(i+1)]))
			preds := c.preds[leaves*i : leaves*(i+1)]
			thr := c.thr[i]
			k := 0
			for w := 0; w < m; w++ {
				col := cols[w]
				var idx int
				if depth == 6 {
					// leaf6, inlined by hand: this loop is the hot one.
					ctr := unsafe.Add(rowPtr, col)
					idx = treeNode(tree, ctr, treeNode(tree, ctr, treeNode(tree, ctr,
						treeNode(tree, ctr, treeNode(tree, ctr, treeNode(tree, ctr, 1))))))
				} else {
					idx = treeLeaf(tree, depth, unsafe.Add(rowPtr, col))
				}
				s := scores[w] + preds[idx-leaves]
				cols[k], scores[k] = col, s
				// Kept when s > thr, i.e. not rejected by s <= thr.
				k += b2i(!(s <= thr))
			}
			m = k
		}
		for w := 0; w < m; w++ {
			center := unsafe.Add(rowPtr, cols[w])
			if q := c.classifyFrom(early, scores[w], center, offs); q > 0 {
				dst = append(dst, pigo.Detection{Row: row, Col: int(cols[w]), Scale: scale, Q: q})
			}
		}
	}
	return dst
}

// treeLeaf walks one tree, whose node offsets start at tree (two int32 per
// node, node 0 unused), for the window centred at center and returns the
// leaf's node index (leaves .. 2*leaves-1).
//
// Note: the caller guarantees that every offset stays inside the image, so
// the loads go without bounds checks: a node's offset is at most half the
// window size from its centre, and a window's centre is at least
// scale/2 + 1 from the image's edges. For the common depth 6 (the face
// finder's) the scans use leaf6, unrolled.
func treeLeaf(tree unsafe.Pointer, depth int, center unsafe.Pointer) int {
	idx := 1
	for range depth {
		idx = treeNode(tree, center, idx)
	}
	return idx
}

// leaf6 is treeLeaf for depth 6, unrolled.
func leaf6(tree, center unsafe.Pointer) int {
	return treeNode(tree, center, treeNode(tree, center, treeNode(tree, center,
		treeNode(tree, center, treeNode(tree, center, treeNode(tree, center, 1))))))
}

// treeNode compares node idx's two pixels and returns the child to go to.
func treeNode(tree, center unsafe.Pointer, idx int) int {
	o := (*[2]int32)(unsafe.Add(tree, idx*8))
	a := int(*(*byte)(unsafe.Add(center, o[0])))
	b := int(*(*byte)(unsafe.Add(center, o[1])))
	// Branch-free: +1 when a <= b (the sign bit of b-a is 0).
	return 2*idx + 1 + (b-a)>>63
}

// classifyFrom is classify for a window whose first `from` trees gave
// score out and passed, without bounds checks on the pixels.
func (c *Cascade) classifyFrom(from int, out float32, center unsafe.Pointer, offs []int32) float32 {
	leaves, depth := c.leaves, c.depth
	trees := unsafe.Pointer(unsafe.SliceData(offs))
	preds, thr := c.preds[:c.trees*leaves], c.thr[:c.trees]
	for i := from; i < len(thr); i++ {
		var idx int
		if depth == 6 {
			idx = leaf6(unsafe.Add(trees, 8*leaves*i), center)
		} else {
			idx = treeLeaf(unsafe.Add(trees, 8*leaves*i), depth, center)
		}
		out += preds[leaves*i+idx-leaves]
		if out <= thr[i] {
			return -1
		}
	}
	return out - thr[len(thr)-1]
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
