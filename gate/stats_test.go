package gate

import (
	"math"
	"math/rand/v2"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestExactU(t *testing.T) {
	t.Parallel()
	// The arrangements of 3 x's and 3 y's by U: the Gaussian binomial
	// coefficient [6 choose 3]_q = 1,1,2,3,3,3,3,2,1,1 over 20.
	want := []float64{1, 1, 2, 3, 3, 3, 3, 2, 1, 1}
	got := exactU(3, 3)
	for u, w := range want {
		if !near(got[u]*20, w, 1e-9) {
			t.Errorf("P(U=%d) = %g/20, want %g/20", u, got[u]*20, w)
		}
	}
	// Unequal sizes sum to one and are symmetric.
	d := exactU(4, 7)
	sum := 0.0
	for u := range d {
		sum += d[u]
		if !near(d[u], d[len(d)-1-u], 1e-12) {
			t.Errorf("P(U=%d) != P(U=%d)", u, len(d)-1-u)
		}
	}
	if !near(sum, 1, 1e-12) {
		t.Errorf("sum %g", sum)
	}
}

func TestMannWhitney(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		x, y  []float64
		p     float64
		tol   float64
		exact bool
	}{
		// Fully separated 5 vs 5: two of the 252 arrangements are as extreme.
		{"separated", []float64{1, 2, 3, 4, 5}, []float64{6, 7, 8, 9, 10}, 2.0 / 252, 1e-12, true},
		{"identical ranks interleaved", []float64{1, 3, 5, 7}, []float64{2, 4, 6, 8}, 0.6857, 1e-3, true},
		// With ties: normal approximation, tie- and continuity-corrected.
		// By hand: U = 34.5, mean 18, variance 36/12·(13 - 78/132) =
		// 37.227, z = (16.5 - 0.5)/6.1014 = 2.6224, p = 0.008733.
		{"ties", []float64{1, 2, 2, 3, 3, 3}, []float64{3, 4, 4, 5, 5, 6}, 0.008733, 1e-5, false},
		{"all equal", []float64{2, 2, 2}, []float64{2, 2, 2}, 1, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := mannWhitney(sorted(tt.x), sorted(tt.y))
			if !near(r.p, tt.p, tt.tol) || r.exact != tt.exact {
				t.Errorf("p = %.6f exact %v, want %.6f exact %v", r.p, r.exact, tt.p, tt.exact)
			}
		})
	}
}

func TestMedianCIRank(t *testing.T) {
	t.Parallel()
	tests := []struct{ n, k int }{{5, 0}, {6, 1}, {10, 2}, {20, 6}}
	for _, tt := range tests {
		if k := medianCIRank(tt.n, 0.05); k != tt.k {
			t.Errorf("n=%d: k=%d, want %d", tt.n, k, tt.k)
		}
	}
	if n := MinIntervalRuns(0.05); n != 4 {
		t.Errorf("MinIntervalRuns(0.05) = %d, want 4", n)
	}
}

// TestCompareScaled: a candidate that is the baseline scaled by 0.8 has a
// ratio of exactly 0.8, and the interval holds it.
func TestCompareScaled(t *testing.T) {
	t.Parallel()
	base := []float64{300, 310, 290, 305, 295, 302, 298, 301, 299, 303}
	cand := make([]float64, len(base))
	for i, v := range base {
		cand[i] = 0.8 * v
	}
	c := Compare(base, cand, 0.05)
	if !near(c.Ratio, 0.8, 1e-12) || c.Lo > 0.8 || c.Hi < 0.8 || c.Hi >= 1 || !c.Significant() {
		t.Errorf("ratio %g [%g, %g] p %g", c.Ratio, c.Lo, c.Hi, c.P)
	}
	// Values with a zero fall back to differences over the baseline median.
	z := Compare([]float64{0, 1, 2, 3, 4}, []float64{2, 3, 4, 5, 6}, 0.05)
	if !near(z.Ratio, 2, 1e-12) {
		t.Errorf("shift ratio %g, want 2 (median 2, shift +2)", z.Ratio)
	}
	// Too few for an interval.
	f := Compare([]float64{1, 2, 3}, []float64{4, 5, 6}, 0.05)
	if !math.IsInf(f.Lo, -1) || !math.IsInf(f.Hi, 1) || len(f.Warnings) == 0 {
		t.Errorf("3+3: [%g, %g] %v", f.Lo, f.Hi, f.Warnings)
	}
}

// TestCompareCoverage: the 95% interval covers the true ratio about 95% of
// the time under log-normal noise (it is exact for continuous shifts; the
// discreteness of U makes it a little conservative).
func TestCompareCoverage(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 5))
	covered := 0
	const trials = 2000
	for i := 0; i < trials; i++ {
		b, c := make([]float64, 10), make([]float64, 12)
		for j := range b {
			b[j] = 100 * math.Exp(0.04*rng.NormFloat64())
		}
		for j := range c {
			c[j] = 93 * math.Exp(0.04*rng.NormFloat64())
		}
		cmp := Compare(b, c, 0.05)
		if cmp.Lo <= 0.93 && 0.93 <= cmp.Hi {
			covered++
		}
	}
	if rate := float64(covered) / trials; rate < 0.94 || rate > 0.98 {
		t.Errorf("coverage %.3f, want about 0.95", rate)
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	s := Summarize([]float64{10, 12, 11, 13, 9, 10, 11, 12, 11, 100}, 0.05)
	// Sorted: 9 10 10 11 11 11 12 12 13 100; at n = 10 the interval is
	// [x(2), x(9)].
	if s.Center != 11 || s.Lo != 10 || s.Hi != 13 {
		t.Errorf("median %g [%g, %g], want 11 [10, 13]", s.Center, s.Lo, s.Hi)
	}
	// The outlier does not inflate the robust CV: MAD 1 -> 1.4826/11.
	if !near(s.CV, 1.4826/11, 1e-9) {
		t.Errorf("CV %g", s.CV)
	}
}

func TestSettleRepeats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cv, tol float64
		want    int
	}{
		{0.05, 0.05, 9},  // ceil(2.094 * (1.96*0.05/0.05)^2) = ceil(8.04)
		{0.10, 0.05, 33}, // ceil(32.2)
		{0.01, 0.05, 4},  // an interval needs 4 a side
	}
	for _, tt := range tests {
		if n := SettleRepeats(tt.cv, tt.tol, 0.05, 3); n != tt.want {
			t.Errorf("SettleRepeats(%g, %g) = %d, want %d", tt.cv, tt.tol, n, tt.want)
		}
	}
}
