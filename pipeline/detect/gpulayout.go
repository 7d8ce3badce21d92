package detect

import (
	"math"

	pigo "github.com/esimov/pigo/core"
)

//go:generate nvcc -ptx -arch=compute_70 -fmad=false -O3 -o cuda/pico.ptx cuda/pico.cu

// gpuScale mirrors struct Scale of cuda/pico.cu: one window size of a scan,
// its grid of window centres and where its node offsets start. All fields
// are 64-bit so the layout matches the kernel's on any host.
type gpuScale struct {
	Size, Step, Offset, NRows, NCols, First, Offs int64
}

// gpuLayout is everything the kernel needs to scan frames of one size: the
// scales in scan order, every scale's node offsets back to back, and the
// number of windows per frame.
type gpuLayout struct {
	rows, cols, stride int
	scales             []gpuScale
	offs               []int32
	windows            int64
}

// newGPULayout lays out a full scan, visiting the same scale ladder and
// window grid as Cascade.Run.
func newGPULayout(c *Cascade, rows, cols, stride, minSize, maxSize int, shift, scaleFactor float64) *gpuLayout {
	l := &gpuLayout{rows: rows, cols: cols, stride: stride}
	for scale := minSize; scale <= maxSize; {
		step := int(math.Max(shift*float64(scale), 1))
		offset := scale/2 + 1
		nr, nc := 0, 0
		if rows-offset >= offset {
			nr = (rows-offset-offset)/step + 1
		}
		if cols-offset >= offset {
			nc = (cols-offset-offset)/step + 1
		}
		if nr > 0 && nc > 0 {
			l.scales = append(l.scales, gpuScale{Size: int64(scale), Step: int64(step), Offset: int64(offset),
				NRows: int64(nr), NCols: int64(nc), First: l.windows, Offs: int64(len(l.offs))})
			l.offs = append(l.offs, c.nodeOffsets(scale, stride)...)
			l.windows += int64(nr * nc)
		}
		scale = nextScale(scale, scaleFactor)
	}
	return l
}

// kernelScore is the CPU reference of what one thread of pico_scan computes
// for window w: the same index arithmetic and the same float32 sums, so
// tests can check the kernel's logic on machines without a GPU.
func (l *gpuLayout) kernelScore(c *Cascade, pix []byte, w int64) float32 {
	s := 0
	for s+1 < len(l.scales) && l.scales[s+1].First <= w {
		s++
	}
	sc := l.scales[s]
	k := w - sc.First
	row := sc.Offset + (k/sc.NCols)*sc.Step
	col := sc.Offset + (k%sc.NCols)*sc.Step
	center := row*int64(l.stride) + col
	o := l.offs[sc.Offs:]
	leaves := int64(1) << c.depth
	var acc float32
	for t := int64(0); t < int64(c.trees); t++ {
		tree := o[2*leaves*t:]
		idx := int64(1)
		for j := 0; j < c.depth; j++ {
			a := pix[center+int64(tree[2*idx])]
			b := pix[center+int64(tree[2*idx+1])]
			idx = 2 * idx
			if a <= b {
				idx++
			}
		}
		acc += c.preds[leaves*t+idx-leaves]
		if acc <= c.thr[t] {
			return -1
		}
	}
	return acc - c.thr[c.trees-1]
}

// collect turns one frame's kernel scores into raw detections, in window
// order, which is Cascade.Run's order.
func (l *gpuLayout) collect(dst []pigo.Detection, scores []float32) []pigo.Detection {
	for si, sc := range l.scales {
		end := l.windows
		if si+1 < len(l.scales) {
			end = l.scales[si+1].First
		}
		for w := sc.First; w < end; w++ {
			if q := scores[w]; q > 0 {
				k := w - sc.First
				dst = append(dst, pigo.Detection{Row: int(sc.Offset + (k/sc.NCols)*sc.Step), Col: int(sc.Offset + (k%sc.NCols)*sc.Step), Scale: int(sc.Size), Q: q})
			}
		}
	}
	return dst
}
