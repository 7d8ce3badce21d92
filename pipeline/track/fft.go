package track

import (
	"math"
	"math/bits"
)

// fftPlan is a radix-2 fast Fourier transform of one power-of-two length:
// its bit-reversal permutation and twiddle factors, computed once.
//
// Note: hand-written rather than imported: go.mod has no numeric library,
// and the correlation filter only ever transforms a 32 x 32 window, which
// an iterative radix-2 transform of forty lines does as well as gonum's
// general mixed-radix one would, without a dependency for the pipeline.
type fftPlan struct {
	n   int
	rev []int
	tw  []complex128 // exp(-2 pi i k / n), k < n/2
}

// newFFTPlan returns the plan for length n, which must be a power of two.
func newFFTPlan(n int) *fftPlan {
	if n < 2 || n&(n-1) != 0 {
		panic("fft: length is not a power of two")
	}
	p := &fftPlan{n: n, rev: make([]int, n), tw: make([]complex128, n/2)}
	shift := 64 - bits.TrailingZeros(uint(n))
	for i := range n {
		p.rev[i] = int(bits.Reverse64(uint64(i)) >> shift)
	}
	for k := range n / 2 {
		s, c := math.Sincos(-2 * math.Pi * float64(k) / float64(n))
		p.tw[k] = complex(c, s)
	}
	return p
}

// transform replaces x (length n, every stride-th element from x[0]) by its
// discrete Fourier transform, or by its inverse, scaled by 1/n, when inv.
func (p *fftPlan) transform(x []complex128, stride int, inv bool) {
	n := p.n
	for i := range n {
		if j := p.rev[i]; j > i {
			x[i*stride], x[j*stride] = x[j*stride], x[i*stride]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		half, step := size/2, n/size
		for start := 0; start < n; start += size {
			for k := range half {
				w := p.tw[k*step]
				if inv {
					w = complex(real(w), -imag(w))
				}
				a, b := start+k, start+k+half
				t := w * x[b*stride]
				x[b*stride] = x[a*stride] - t
				x[a*stride] += t
			}
		}
	}
	if inv {
		s := complex(1/float64(n), 0)
		for i := range n {
			x[i*stride] *= s
		}
	}
}

// transform2 replaces the n x n row-major grid x by its two-dimensional
// transform (inverse, scaled by 1/n^2, when inv).
func (p *fftPlan) transform2(x []complex128, inv bool) {
	n := p.n
	for r := range n {
		p.transform(x[r*n:], 1, inv)
	}
	for c := range n {
		p.transform(x[c:], n, inv)
	}
}
