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
	// tw and itw hold each stage's twiddles, contiguous: for the stage of
	// butterfly span size, exp(-2 pi i k / size) (itw: its conjugate) at
	// [size/2+k], k < size/2.
	tw, itw []complex128
}

// newFFTPlan returns the plan for length n, which must be a power of two
// of at least 4.
func newFFTPlan(n int) *fftPlan {
	if n < 4 || n&(n-1) != 0 {
		panic("fft: length is not a power of two of at least 4")
	}
	p := &fftPlan{n: n, rev: make([]int, n), tw: make([]complex128, n), itw: make([]complex128, n)}
	shift := 64 - bits.TrailingZeros(uint(n))
	for i := range n {
		p.rev[i] = int(bits.Reverse64(uint64(i)) >> shift)
	}
	for size := 2; size <= n; size <<= 1 {
		for k := range size / 2 {
			s, c := math.Sincos(-2 * math.Pi * float64(k) / float64(size))
			p.tw[size/2+k] = complex(c, s)
			p.itw[size/2+k] = complex(c, -s)
		}
	}
	return p
}

// butterflies transforms x, n contiguous values in bit-reversed order, in
// place (the inverse, unscaled, when inv); the result is in natural order.
//
// Note: the callers gather their rows and columns into a contiguous buffer
// in bit-reversed order, so the permutation costs nothing and the
// butterflies index one slice; the first two stages, whose twiddles are 1
// and -i, are one radix-4 step without multiplications.
func (p *fftPlan) butterflies(x []complex128, inv bool) {
	n := p.n
	x = x[:n]
	tw := p.tw
	if inv {
		tw = p.itw
	}
	for a := 0; a+3 < n; a += 4 {
		q := x[a : a+4 : a+4]
		s01, d01 := q[0]+q[1], q[0]-q[1]
		s23, d23 := q[2]+q[3], q[2]-q[3]
		// d23 times -i (forward) or i (inverse).
		r := complex(imag(d23), -real(d23))
		if inv {
			r = -r
		}
		q[0], q[2] = s01+s23, s01-s23
		q[1], q[3] = d01+r, d01-r
	}
	for size := 8; size <= n; size <<= 1 {
		half := size / 2
		w := tw[half:size]
		for start := 0; start < n; start += size {
			a := x[start : start+half]
			b := x[start+half : start+size]
			b, w := b[:len(a)], w[:len(a)]
			for k := range a {
				t := w[k] * b[k]
				b[k] = a[k] - t
				a[k] += t
			}
		}
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
	rev := p.rev[:n]
	scratch = scratch[:n]
	for j := 0; j < n; j += 2 {
		r0, r1 := in[j*n:(j+1)*n], in[(j+1)*n:(j+2)*n]
		for c, rc := range rev {
			scratch[rc] = complex(r0[c], r1[c])
		}
		p.butterflies(scratch, false)
		o0, o1 := out[j*h:(j+1)*h], out[(j+1)*h:(j+2)*h]
		for k := range h {
			z, m := scratch[k], scratch[(n-k)&(n-1)]
			// Row j's transform is (Z[k] + conj(Z[n-k])) / 2, row j+1's
			// (Z[k] - conj(Z[n-k])) / 2i.
			o0[k] = complex((real(z)+real(m))/2, (imag(z)-imag(m))/2)
			o1[k] = complex((imag(z)+imag(m))/2, (real(m)-real(z))/2)
		}
	}
	p.columns(out, scratch, false)
}

// columns transforms each of the halfSpectrum columns of the n-row grid x
// in place (the inverse, unscaled, when inv), through scratch.
func (p *fftPlan) columns(x, scratch []complex128, inv bool) {
	h := p.halfSpectrum()
	rev := p.rev[:p.n]
	for k := range h {
		for u, ru := range rev {
			scratch[ru] = x[u*h+k]
		}
		p.butterflies(scratch, inv)
		for u, v := range scratch {
			x[u*h+k] = v
		}
	}
}

// realInverse2 writes to out the real n x n grid whose transform's first
// halfSpectrum columns are in (as realForward2 writes them), scaled by
// 1/n^2 as transform's inverse; it overwrites in and uses scratch (length
// n).
func (p *fftPlan) realInverse2(in []complex128, out []float64, scratch []complex128) {
	n, h := p.n, p.halfSpectrum()
	rev := p.rev[:n]
	scratch = scratch[:n]
	p.columns(in, scratch, true)
	// Each row now holds the transform of a real row: Hermitian, so its
	// missing columns are conjugates of the ones kept; two such rows go
	// through one complex inverse, as real and imaginary part.
	scale := 1 / float64(n*n)
	for j := 0; j < n; j += 2 {
		y0, y1 := in[j*h:(j+1)*h], in[(j+1)*h:(j+2)*h]
		for c := range h {
			a, b := y0[c], y1[c]
			scratch[rev[c]] = complex(real(a)-imag(b), imag(a)+real(b))
		}
		for c := h; c < n; c++ {
			a, b := y0[n-c], y1[n-c]
			// conj(a) + i conj(b)
			scratch[rev[c]] = complex(real(a)+imag(b), real(b)-imag(a))
		}
		p.butterflies(scratch, true)
		o0, o1 := out[j*n:(j+1)*n], out[(j+1)*n:(j+2)*n]
		for c, v := range scratch {
			o0[c], o1[c] = real(v)*scale, imag(v)*scale
		}
	}
}
