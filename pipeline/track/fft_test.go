package track

// The complex transforms below are the tests' reference for the real-input
// ones the filter uses (realForward2, realInverse2): the pipeline itself
// never transforms a complex grid.

// transform replaces x (length n, every stride-th element from x[0]) by its
// discrete Fourier transform, or by its inverse, scaled by 1/n, when inv.
func (p *fftPlan) transform(x []complex128, stride int, inv bool) {
	n := p.n
	buf := make([]complex128, n)
	for i, j := range p.rev {
		buf[j] = x[i*stride]
	}
	p.butterflies(buf, inv)
	s := complex(1, 0)
	if inv {
		s = complex(1/float64(n), 0)
	}
	for i, v := range buf {
		x[i*stride] = v * s
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
