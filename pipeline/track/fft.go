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
	itw []complex128 // their conjugates, for the inverse
}

// newFFTPlan returns the plan for length n, which must be a power of two.
func newFFTPlan(n int) *fftPlan {
	if n < 2 || n&(n-1) != 0 {
		panic("fft: length is not a power of two")
	}
	p := &fftPlan{n: n, rev: make([]int, n), tw: make([]complex128, n/2), itw: make([]complex128, n/2)}
	shift := 64 - bits.TrailingZeros(uint(n))
	for i := range n {
		p.rev[i] = int(bits.Reverse64(uint64(i)) >> shift)
	}
	for k := range n / 2 {
		s, c := math.Sincos(-2 * math.Pi * float64(k) / float64(n))
		p.tw[k] = complex(c, s)
		p.itw[k] = complex(c, -s)
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
	tw := p.tw
	if inv {
		tw = p.itw
	}
	// The first stage's twiddle is 1: no multiplication.
	for a := 0; a < n*stride; a += 2 * stride {
		u, v := x[a], x[a+stride]
		x[a], x[a+stride] = u+v, u-v
	}
	for size := 4; size <= n; size <<= 1 {
		half, step := size/2, n/size
		for start := 0; start < n; start += size {
			a, b := start*stride, (start+half)*stride
			u, v := x[a], x[b]
			x[a], x[b] = u+v, u-v // twiddle 1
			for k := 1; k < half; k++ {
				a, b := (start+k)*stride, (start+k+half)*stride
				t := tw[k*step] * x[b]
				x[b] = x[a] - t
				x[a] += t
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

// halfSpectrum is the number of columns, n/2+1, of a real n x n grid's
// transform that determine it: the others are the conjugates of these,
// mirrored (the transform of a real signal is Hermitian).
func (p *fftPlan) halfSpectrum() int { return p.n/2 + 1 }

// realForward2 writes the two-dimensional transform of the real n x n
// row-major grid in to out, its first halfSpectrum columns only (n rows of
// halfSpectrum), using scratch (length n).
//
// Note: two real rows go through one complex transform (the first as the
// real part, the second as the imaginary), and only the half of the
// columns that determines the rest is transformed: n/2 + n/2+1 transforms
// of length n instead of 2n.
func (p *fftPlan) realForward2(in []float64, out, scratch []complex128) {
	n, h := p.n, p.halfSpectrum()
	for j := 0; j < n; j += 2 {
		r0, r1 := in[j*n:(j+1)*n], in[(j+1)*n:(j+2)*n]
		for c := range n {
			scratch[c] = complex(r0[c], r1[c])
		}
		p.transform(scratch, 1, false)
		o0, o1 := out[j*h:(j+1)*h], out[(j+1)*h:(j+2)*h]
		for k := range h {
			z, m := scratch[k], scratch[(n-k)&(n-1)]
			// Row j's transform is (Z[k] + conj(Z[n-k])) / 2, row j+1's
			// (Z[k] - conj(Z[n-k])) / 2i.
			o0[k] = complex((real(z)+real(m))/2, (imag(z)-imag(m))/2)
			o1[k] = complex((imag(z)+imag(m))/2, (real(m)-real(z))/2)
		}
	}
	for k := range h {
		p.transform(out[k:], h, false)
	}
}

// realInverse2 writes to out the real n x n grid whose transform's first
// halfSpectrum columns are in (as realForward2 writes them), scaled by
// 1/n^2 as transform's inverse; it overwrites in and uses scratch (length
// n).
func (p *fftPlan) realInverse2(in []complex128, out []float64, scratch []complex128) {
	n, h := p.n, p.halfSpectrum()
	for k := range h {
		p.transform(in[k:], h, true)
	}
	// Each row now holds the transform of a real row: Hermitian, so its
	// missing columns are conjugates of the ones kept; two such rows go
	// through one complex inverse, as real and imaginary part.
	for j := 0; j < n; j += 2 {
		y0, y1 := in[j*h:(j+1)*h], in[(j+1)*h:(j+2)*h]
		for c := range h {
			a, b := y0[c], y1[c]
			scratch[c] = complex(real(a)-imag(b), imag(a)+real(b))
		}
		for c := h; c < n; c++ {
			a, b := y0[n-c], y1[n-c]
			// conj(a) + i conj(b)
			scratch[c] = complex(real(a)+imag(b), real(b)-imag(a))
		}
		p.transform(scratch, 1, true)
		o0, o1 := out[j*n:(j+1)*n], out[(j+1)*n:(j+2)*n]
		for c := range n {
			o0[c], o1[c] = real(scratch[c]), imag(scratch[c])
		}
	}
}
