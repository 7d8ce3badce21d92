package reports

import (
	"math"
	"testing"
)

func TestSummarize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		xs             []float64
		center, lo, hi float64
		confidence     float64 // want at least this
		warn           bool
	}{
		{name: "one run", xs: []float64{5}, center: 5, lo: 5, hi: 5, confidence: 0, warn: true},
		{name: "three runs use the range", xs: []float64{3, 1, 2}, center: 2, lo: 1, hi: 3, confidence: 0.75, warn: true},
		{name: "six runs reach 95%", xs: []float64{6, 5, 4, 3, 2, 1}, center: 3.5, lo: 1, hi: 6, confidence: 0.96875},
		{name: "ten runs narrow the interval", xs: []float64{10, 1, 9, 2, 8, 3, 7, 4, 6, 5}, center: 5.5, lo: 2, hi: 9, confidence: 0.978},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Summarize(tt.xs, 0.95)
			if s.Center != tt.center || s.Lo != tt.lo || s.Hi != tt.hi {
				t.Errorf("Summarize(%v) = %g [%g, %g], want %g [%g, %g]", tt.xs, s.Center, s.Lo, s.Hi, tt.center, tt.lo, tt.hi)
			}
			if s.Confidence < tt.confidence-1e-3 {
				t.Errorf("confidence %g, want >= %g", s.Confidence, tt.confidence)
			}
			if (len(s.Warnings) > 0) != tt.warn {
				t.Errorf("warnings %q, want some: %t", s.Warnings, tt.warn)
			}
		})
	}
}

func TestMannWhitney(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		a, b      []float64
		alt       Alternative
		p         float64
		powerless bool
	}{
		{name: "3 vs 3 separated, one-sided", a: []float64{4, 5, 6}, b: []float64{1, 2, 3}, alt: Greater, p: 0.05},
		{name: "3 vs 3 separated, two-sided cannot reach 0.05", a: []float64{4, 5, 6}, b: []float64{1, 2, 3}, alt: TwoSided, p: 0.1, powerless: true},
		{name: "3 vs 3 wrong direction", a: []float64{1, 2, 3}, b: []float64{4, 5, 6}, alt: Greater, p: 1},
		{name: "5 vs 5 separated", a: []float64{1, 2, 3, 4, 5}, b: []float64{6, 7, 8, 9, 10}, alt: TwoSided, p: 2.0 / 252},
		// Every split of [1 2 3 4] into two pairs: rank sums of a are
		// 3 4 5 5 6 7; a = {3, 4} has 7, so P(>= 7) = 1/6.
		{name: "2 vs 2", a: []float64{3, 4}, b: []float64{1, 2}, alt: Greater, p: 1.0 / 6, powerless: true},
		// Ties: pooled midranks 1.5 1.5 3 4; a = {1, 3} has 4.5; sums of
		// pairs: 3, 4.5, 5.5, 4.5, 5.5, 7; P(<= 4.5) = 3/6.
		{name: "ties are exact", a: []float64{1, 3}, b: []float64{1, 4}, alt: Less, p: 0.5, powerless: true},
		{name: "identical samples", a: []float64{7, 7, 7}, b: []float64{7, 7, 7}, alt: TwoSided, p: 1, powerless: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := MannWhitney(tt.a, tt.b, tt.alt, 0.05)
			if math.Abs(c.P-tt.p) > 1e-9 {
				t.Errorf("p = %g, want %g", c.P, tt.p)
			}
			if c.Powerless() != tt.powerless {
				t.Errorf("Powerless() = %t (min p %g), want %t", c.Powerless(), c.MinP, tt.powerless)
			}
		})
	}
}

func TestMannWhitneyNormalApproximation(t *testing.T) {
	t.Parallel()
	var a, b []float64
	for i := 0; i < 30; i++ {
		a = append(a, float64(i)+10)
		b = append(b, float64(i))
	}
	c := MannWhitney(a, b, Greater, 0.05)
	if c.Exact || !(c.P > 0 && c.P < 0.05) {
		t.Errorf("30 vs 30 shifted: exact=%t p=%g, want the approximation and p < 0.05", c.Exact, c.P)
	}
	rev := MannWhitney(b, a, Less, 0.05)
	if math.Abs(rev.P-c.P) > 1e-12 {
		t.Errorf("P(a > b) = %g but P(b < a) = %g", c.P, rev.P)
	}
	two := MannWhitney(a, b, TwoSided, 0.05)
	if math.Abs(two.P-2*c.P) > 1e-12 {
		t.Errorf("two-sided p %g, want twice the one-sided %g", two.P, c.P)
	}
}
