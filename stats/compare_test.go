package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestExactU(t *testing.T) {
	t.Parallel()
	// The arrangements of 3 x's and 3 y's by U: the Gaussian binomial
	// coefficient [6 choose 3]_q = 1 1 2 3 3 3 3 2 1 1, at doubled U.
	want := []float64{1, 0, 1, 0, 2, 0, 3, 0, 3, 0, 3, 0, 3, 0, 2, 0, 1, 0, 1}
	if got := exactUNoTies(3, 3); !slices.Equal(got, want) {
		t.Errorf("exactUNoTies(3, 3) = %v, want %v", got, want)
	}
	// Unequal sizes: symmetric, summing to C(11, 4).
	d := exactUNoTies(4, 7)
	sum := 0.0
	for u := range d {
		sum += d[u]
		if d[u] != d[len(d)-1-u] {
			t.Errorf("count(U2=%d) != count(U2=%d)", u, len(d)-1-u)
		}
	}
	if sum != 330 {
		t.Errorf("sum %g, want 330", sum)
	}
	// Ties: pooled midranks 1.5 1.5 3 4 (doubled 3 3 6 8); the pairs have
	// doubled rank sums 6 9 11 9 11 14, so doubled U (minus 2·3) 0 3 5 3 5 8.
	got := exactU([]int{3, 3, 6, 8}, 2)
	wantTies := []float64{1, 0, 0, 2, 0, 2, 0, 0, 1}
	if !slices.Equal(got, wantTies) {
		t.Errorf("exactU with ties = %v, want %v", got, wantTies)
	}
	// The other sample's distribution is the mirror image.
	if got := exactU([]int{3, 3, 6, 8}, 2); !slices.Equal(got, wantTies) {
		t.Errorf("exactU again = %v", got)
	}
	if got, want := exactU([]int{2, 4, 6, 8, 10}, 4), exactUNoTies(1, 4); !slices.Equal(got, want) {
		t.Errorf("exactU(no ties, 4 of 5) = %v, want %v", got, want)
	}
}

func TestMannWhitney(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		x, y      []float64
		alt       Alternative
		p         float64
		exact     bool
		powerless bool
	}{
		{name: "5 vs 5 separated", x: []float64{1, 2, 3, 4, 5}, y: []float64{6, 7, 8, 9, 10}, p: 2.0 / 252, exact: true},
		{name: "3 vs 3 separated, one-sided", x: []float64{1, 2, 3}, y: []float64{4, 5, 6}, alt: Greater, p: 0.05, exact: true},
		{name: "3 vs 3 separated, two-sided cannot reach 0.05", x: []float64{1, 2, 3}, y: []float64{4, 5, 6}, p: 0.1, exact: true, powerless: true},
		{name: "3 vs 3 the wrong way", x: []float64{4, 5, 6}, y: []float64{1, 2, 3}, alt: Greater, p: 1, exact: true},
		// Every split of 1 2 3 4 into two pairs: y = {3, 4} has the
		// largest of the 6 rank sums.
		{name: "2 vs 2", x: []float64{1, 2}, y: []float64{3, 4}, alt: Greater, p: 1.0 / 6, exact: true, powerless: true},
		// Pooled midranks 1.5 1.5 3 4; y = {1, 3} has 4.5, and 3 of the
		// 6 pairs have at most that.
		{name: "ties are exact", x: []float64{1, 4}, y: []float64{1, 3}, alt: Less, p: 0.5, exact: true, powerless: true},
		{name: "identical samples", x: []float64{7, 7, 7}, y: []float64{7, 7, 7}, p: 1, exact: true, powerless: true},
		{name: "an empty sample", x: nil, y: []float64{1, 2}, p: 1, powerless: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := Options{Alternative: tt.alt}
			u := MannWhitney(NewSample(tt.x), NewSample(tt.y), o)
			if !close(u.P, tt.p, 1e-12) || u.Exact != tt.exact {
				t.Errorf("P = %.17g exact %t, want %.17g exact %t", u.P, u.Exact, tt.p, tt.exact)
			}
			c := Compare(NewSample(tt.x), NewSample(tt.y), o)
			if c.P != u.P || c.Powerless() != tt.powerless {
				t.Errorf("Compare: P %g, Powerless() = %t (min p %g), want %g, %t", c.P, c.Powerless(), c.MinP, u.P, tt.powerless)
			}
		})
	}
}

// TestSignificantAtAlpha: an exact p-value equal to Alpha is significant.
func TestSignificantAtAlpha(t *testing.T) {
	t.Parallel()
	y := make([]float64, 39)
	for i := range y {
		y[i] = float64(i + 1)
	}
	tests := []struct {
		name string
		x, y []float64
		alt  Alternative
	}{
		{name: "3 vs 3 separated, one-sided: 1/20", x: []float64{1, 2, 3}, y: []float64{4, 5, 6}, alt: Greater},
		{name: "1 vs 39, two-sided: 2/40", x: []float64{100}, y: y},
	}
	for _, tt := range tests {
		c := Compare(NewSample(tt.x), NewSample(tt.y), Options{Alpha: 0.05, Alternative: tt.alt})
		if c.P != 0.05 || !c.Significant() || c.Powerless() {
			t.Errorf("%s: P %.17g significant %t powerless %t, want P = 0.05, significant", tt.name, c.P, c.Significant(), c.Powerless())
		}
	}
}

func TestMannWhitneyMirror(t *testing.T) {
	t.Parallel()
	// 30 vs 30 shifted: exact by default, the approximation when asked.
	var a, b []float64
	for i := range 30 {
		a = append(a, float64(i))
		b = append(b, float64(i)+10)
	}
	for _, limit := range []int{0, -1} {
		x, y := NewSample(a), NewSample(b)
		up := MannWhitney(x, y, Options{Alternative: Greater, ExactLimit: limit})
		down := MannWhitney(y, x, Options{Alternative: Less, ExactLimit: limit})
		two := MannWhitney(x, y, Options{ExactLimit: limit})
		if up.Exact != (limit == 0) || !(up.P > 0 && up.P < 0.05) {
			t.Errorf("limit %d: exact %t P %g", limit, up.Exact, up.P)
		}
		if up.P != down.P || two.P != 2*up.P {
			t.Errorf("limit %d: P(y > x) = %g, P(x < y) = %g, two-sided %g", limit, up.P, down.P, two.P)
		}
	}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	inf := math.Inf(1)
	base := []float64{300, 310, 290, 305, 295, 302, 298, 301, 299, 303}
	scaled := make([]float64, len(base))
	for i, v := range base {
		scaled[i] = 0.8 * v
	}
	tests := []struct {
		name        string
		x, y        []float64
		ratio       float64
		lo, hi      float64 // 0, 0: only check the interval holds the ratio
		logs        bool
		significant bool
		tooFew      bool
	}{
		{name: "scaled by 0.8", x: base, y: scaled, ratio: 0.8, logs: true, significant: true},
		// Zeros: the shift (+2, in [-1, 5] from the 3rd differences of
		// 25) over the baseline's median (2).
		{name: "with zeros", x: []float64{0, 1, 2, 3, 4}, y: []float64{2, 3, 4, 5, 6}, ratio: 2, lo: 0.5, hi: 3.5},
		{name: "3 vs 3", x: []float64{1, 2, 3}, y: []float64{4, 5, 6}, ratio: 2.5, lo: -inf, hi: inf, logs: true, tooFew: true},
		// Negative baseline: the shift +1.5 in [0, 3] over the median -5;
		// the interval turns around.
		{name: "negative baseline", x: []float64{-6, -5.5, -5, -4.5, -4}, y: []float64{-5, -4, -3.5, -3, -2}, ratio: 0.7, lo: 0.4, hi: 1},
		{name: "3 vs 3 with a zero", x: []float64{0, 1, 2}, y: []float64{4, 5, 6}, ratio: 5, lo: -inf, hi: inf, tooFew: true},
		{name: "median 0", x: []float64{-1, 0, 1}, y: []float64{1, 2, 3}, ratio: math.NaN(), lo: -inf, hi: inf, tooFew: true},
		{name: "an empty sample", x: nil, y: []float64{1}, ratio: math.NaN(), lo: -inf, hi: inf, tooFew: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := Compare(NewSample(tt.x), NewSample(tt.y), Options{})
			if !same(c.Ratio, tt.ratio) && !close(c.Ratio, tt.ratio, 1e-12) || c.Logs != tt.logs {
				t.Errorf("ratio %.17g logs %t, want %g logs %t", c.Ratio, c.Logs, tt.ratio, tt.logs)
			}
			if tt.lo == 0 && tt.hi == 0 {
				if !(c.Lo <= tt.ratio && tt.ratio <= c.Hi) || math.IsInf(c.Lo, 0) {
					t.Errorf("interval [%g, %g] misses %g", c.Lo, c.Hi, tt.ratio)
				}
			} else if !close(c.Lo, tt.lo, 1e-12) || !close(c.Hi, tt.hi, 1e-12) {
				t.Errorf("interval [%g, %g], want [%g, %g]", c.Lo, c.Hi, tt.lo, tt.hi)
			}
			if c.Significant() != tt.significant || hasTooFew(c.Warnings) != tt.tooFew {
				t.Errorf("significant %t (p %g), too few %t (%v); want %t, %t", c.Significant(), c.P, hasTooFew(c.Warnings), c.Warnings, tt.significant, tt.tooFew)
			}
		})
	}
}

// TestCompareDuality: without ties, the interval of the ratio excludes 1
// exactly when the two-sided test is significant, exact or not.
func TestCompareDuality(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		n, m := 2+rng.IntN(12), 2+rng.IntN(12)
		o := Options{Alpha: []float64{0.01, 0.05, 0.1, 0.2}[i%4]}
		if i%5 == 0 {
			n, m, o.ExactLimit = n+40, m+40, -1
		}
		x, y := make([]float64, n), make([]float64, m)
		shift := 0.3 * rng.NormFloat64()
		for j := range x {
			x[j] = math.Exp(rng.NormFloat64())
		}
		for j := range y {
			y[j] = math.Exp(rng.NormFloat64() + shift)
		}
		c := Compare(NewSample(x), NewSample(y), o)
		excludes := c.Lo > 1 || c.Hi < 1
		// The normal approximation's test and interval agree up to its
		// rounding of k; allow a p within 1% of alpha to differ.
		if excludes != c.Significant() && !(!c.Exact && math.Abs(c.P/c.Alpha-1) < 0.01) {
			t.Fatalf("%d+%d at alpha %g: p %.6g (exact %t) but interval [%g, %g]", n, m, o.Alpha, c.P, c.Exact, c.Lo, c.Hi)
		}
	}
}

// TestCompareCoverage: the 95% interval covers the true ratio about 95% of
// the time under log-normal noise (a little more: U is discrete).
func TestCompareCoverage(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 5))
	covered, sumConf := 0, 0.0
	const trials = 2000
	for range trials {
		b, c := make([]float64, 10), make([]float64, 12)
		for j := range b {
			b[j] = 100 * math.Exp(0.04*rng.NormFloat64())
		}
		for j := range c {
			c[j] = 93 * math.Exp(0.04*rng.NormFloat64())
		}
		cmp := Compare(NewSample(b), NewSample(c), Options{})
		if cmp.Lo <= 0.93 && 0.93 <= cmp.Hi {
			covered++
		}
		sumConf += cmp.Confidence
	}
	rate, conf := float64(covered)/trials, sumConf/trials
	if rate < 0.94 || rate > 0.98 || conf < 0.95 || conf > 0.96 {
		t.Errorf("coverage %.3f, stated %.4f; want about 0.95", rate, conf)
	}
}

// TestPowerFallback: with 3+3 runs the two-sided U test can never reach
// 0.05, and PowerFallback hands the comparison to Welch's t on the logs;
// with 1+1 neither has power and the U test's answer stays.
func TestPowerFallback(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		x, y     []float64
		fallback bool
		want     Test
		sig      bool
	}{
		{"3+3 without fallback", []float64{100, 101, 102}, []float64{50, 51, 52}, false, MannWhitneyTest, false},
		{"3+3 with fallback", []float64{100, 101, 102}, []float64{50, 51, 52}, true, WelchLogTest, true},
		{"1+1 with fallback", []float64{100}, []float64{50}, true, MannWhitneyTest, false},
		{"6+6 with fallback: the U test has power", []float64{100, 101, 102, 103, 104, 105}, []float64{50, 51, 52, 53, 54, 55}, true, MannWhitneyTest, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Compare(NewSample(tt.x), NewSample(tt.y), Options{PowerFallback: tt.fallback})
			if c.Test != tt.want || c.Significant() != tt.sig {
				t.Errorf("test %s, significant %t (p=%g); want %s, %t", c.Test, c.Significant(), c.P, tt.want, tt.sig)
			}
		})
	}
}
