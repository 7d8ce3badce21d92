package stats

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestWelchLog(t *testing.T) {
	t.Parallel()
	inf := math.Inf(1)
	tests := []struct {
		name   string
		x, y   []float64
		alt    Alternative
		p      float64
		t      float64
		lo, hi float64
		warn   error
	}{
		{name: "one value a side", x: []float64{1}, y: []float64{2, 3}, p: 1, t: math.NaN(), lo: -inf, hi: inf, warn: ErrTooFew},
		{name: "an empty sample", x: nil, y: []float64{2, 3}, p: 1, t: math.NaN(), lo: -inf, hi: inf, warn: ErrTooFew},
		{name: "a zero", x: []float64{0, 1}, y: []float64{2, 3}, p: 1, t: math.NaN(), lo: -inf, hi: inf, warn: ErrNotPositive},
		{name: "no spread, no difference", x: []float64{2, 2}, y: []float64{2, 2, 2}, p: 1, t: math.NaN(), lo: 0, hi: 0},
		{name: "no spread, doubled", x: []float64{2, 2}, y: []float64{4, 4, 4}, p: 0, t: inf, lo: math.Ln2, hi: math.Ln2},
		{name: "no spread, doubled, the other way", x: []float64{2, 2}, y: []float64{4, 4, 4}, alt: Less, p: 1, t: inf, lo: math.Ln2, hi: math.Ln2},
		{name: "no spread, halved, less", x: []float64{4, 4}, y: []float64{2, 2}, alt: Less, p: 0, t: -inf, lo: -math.Ln2, hi: -math.Ln2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := WelchLog(NewSample(tt.x), NewSample(tt.y), Options{Alternative: tt.alt})
			if got.P != tt.p || !same(got.T, tt.t) || !close(got.Lo, tt.lo, 1e-15) || !close(got.Hi, tt.hi, 1e-15) {
				t.Errorf("P %g T %g [%g, %g], want %g %g [%g, %g]", got.P, got.T, got.Lo, got.Hi, tt.p, tt.t, tt.lo, tt.hi)
			}
			if tt.warn != nil && !hasWarning(got.Warnings, tt.warn) {
				t.Errorf("warnings %v, want one wrapping %v", got.Warnings, tt.warn)
			}
		})
	}
}

func hasWarning(warnings []error, target error) bool {
	for _, w := range warnings {
		if errors.Is(w, target) {
			return true
		}
	}
	return false
}

// TestCompareTest: Comparison.Test says which test decided; 3 vs 3, where
// the two-sided U test has no power, the t-test on logs can decide.
func TestCompareTest(t *testing.T) {
	t.Parallel()
	x, y := NewSample([]float64{100, 101, 102}), NewSample([]float64{90, 91, 90.5})
	u := Compare(x, y, Options{})
	if u.Test != MannWhitneyTest || !u.Powerless() || u.Significant() {
		t.Errorf("U test: %s P %g powerless %t", u.Test, u.P, u.Powerless())
	}
	w := Compare(x, y, Options{Test: WelchLogTest})
	if w.Test != WelchLogTest || w.Powerless() || !w.Significant() || !w.Logs || !(w.Lo < w.Ratio && w.Ratio < w.Hi && w.Hi < 1) {
		t.Errorf("t-test: %s P %g powerless %t ratio %g [%g, %g]", w.Test, w.P, w.Powerless(), w.Ratio, w.Lo, w.Hi)
	}
	if !close(u.MedianRatio, 90.5/101, 1e-15) || w.MedianRatio != u.MedianRatio {
		t.Errorf("median ratio %g and %g, want %g", u.MedianRatio, w.MedianRatio, 90.5/101)
	}
	// Values that are not positive have no logs: the U test decides.
	z := Compare(NewSample([]float64{0, 1, 2}), y, Options{Test: WelchLogTest})
	if z.Test != MannWhitneyTest || !hasWarning(z.Warnings, ErrNotPositive) {
		t.Errorf("with a zero: %s %v, want the U test and a warning", z.Test, z.Warnings)
	}
	if err := (Options{Test: "t"}).Validate(); err == nil {
		t.Error(`Validate(Test: "t"): no error`)
	}
	if m := Compare(NewSample([]float64{-1, 0, 1}), y, Options{}).MedianRatio; !math.IsNaN(m) {
		t.Errorf("median ratio over a median of 0: %g, want NaN", m)
	}
}

// TestWelchLogDuality: the t interval of the ratio excludes 1 exactly
// when the two-sided t-test is significant.
func TestWelchLogDuality(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 2000 {
		n, m := 2+rng.IntN(15), 2+rng.IntN(15)
		o := Options{Alpha: []float64{0.01, 0.05, 0.1}[i%3], Test: WelchLogTest}
		x, y := make([]float64, n), make([]float64, m)
		shift := 0.1 * rng.NormFloat64()
		for j := range x {
			x[j] = math.Exp(0.05 * rng.NormFloat64())
		}
		for j := range y {
			y[j] = math.Exp(0.08*rng.NormFloat64() + shift)
		}
		c := Compare(NewSample(x), NewSample(y), o)
		if excludes := c.Lo > 1 || c.Hi < 1; excludes != c.Significant() && math.Abs(c.P/c.Alpha-1) > 1e-9 {
			t.Fatalf("%d+%d at alpha %g: p %.9g but interval [%g, %g]", n, m, o.Alpha, c.P, c.Lo, c.Hi)
		}
	}
}

func TestStudentT(t *testing.T) {
	t.Parallel()
	// Closed forms: df 1 is Cauchy, df 2 has P(T > t) = 1/2 - t/(2 sqrt(t²+2)).
	for _, v := range []float64{0, 0.3, 1, 2.5, 10, 300} {
		if got, want := studentSf(v, 1), 0.5-math.Atan(v)/math.Pi; !close(got, want, 1e-13) {
			t.Errorf("df 1: P(T > %g) = %.17g, want %.17g", v, got, want)
		}
		if got, want := studentSf(v, 2), 0.5-v/(2*math.Sqrt(v*v+2)); !close(got, want, 1e-13) {
			t.Errorf("df 2: P(T > %g) = %.17g, want %.17g", v, got, want)
		}
		if got := studentSf(-v, 7.3) + studentSf(v, 7.3); !close(got, 1, 1e-14) {
			t.Errorf("df 7.3: tails at ±%g sum to %.17g", v, got)
		}
	}
	if q := studentQuantile(0.975, 1e6); !close(q, 1.959963984540054, 1e-5) {
		t.Errorf("t(0.975, 1e6) = %.17g, want about 1.96", q)
	}
	if q := studentQuantile(0.975, 4); !close(q, 2.7764451051977987, 1e-12) {
		t.Errorf("t(0.975, 4) = %.17g, want 2.7764451051977987", q)
	}
}
