package stats

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func TestNewSample(t *testing.T) {
	t.Parallel()
	in := []float64{3, math.NaN(), 1, math.Inf(1), 2}
	s := NewSample(in)
	if !slices.Equal(s.Values, []float64{1, 2, 3}) || len(s.Warnings) != 1 {
		t.Errorf("NewSample = %v %v, want [1 2 3] and one warning", s.Values, s.Warnings)
	}
	if in[0] != 3 || in[2] != 1 {
		t.Errorf("NewSample modified its input: %v", in)
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	inf := math.Inf(1)
	tests := []struct {
		name           string
		xs             []float64
		level          float64
		center, lo, hi float64
		confidence     float64
		cv             float64
		tooFew         bool
	}{
		{name: "no values", xs: nil, center: math.NaN(), lo: -inf, hi: inf, confidence: 1, cv: math.NaN(), tooFew: true},
		{name: "one value", xs: []float64{5}, center: 5, lo: -inf, hi: inf, confidence: 1, cv: 0, tooFew: true},
		{name: "three values are too few at 95%", xs: []float64{3, 1, 2}, center: 2, lo: -inf, hi: inf, confidence: 1, cv: 1.4826 / 2, tooFew: true},
		{name: "five values are too few at 95%", xs: []float64{3, 1, 2, 5, 4}, center: 3, lo: -inf, hi: inf, confidence: 1, cv: 1.4826 / 3, tooFew: true},
		{name: "five values reach 93.75%", xs: []float64{3, 1, 2, 5, 4}, level: 0.9375, center: 3, lo: 1, hi: 5, confidence: 0.9375, cv: 1.4826 / 3},
		{name: "six values reach 95% with the range", xs: []float64{6, 5, 4, 3, 2, 1}, center: 3.5, lo: 1, hi: 6, confidence: 0.96875, cv: 1.4826 * 1.5 / 3.5},
		{name: "ten values narrow it", xs: []float64{10, 1, 9, 2, 8, 3, 7, 4, 6, 5}, center: 5.5, lo: 2, hi: 9, confidence: 1 - 2*11.0/1024, cv: 1.4826 * 2.5 / 5.5},
		// Sorted: 9 10 10 11 11 11 12 12 13 100; the outlier leaves the
		// MAD at 1.
		{name: "an outlier", xs: []float64{10, 12, 11, 13, 9, 10, 11, 12, 11, 100}, center: 11, lo: 10, hi: 13, confidence: 1 - 2*11.0/1024, cv: 1.4826 / 11},
		{name: "all equal", xs: []float64{4, 4, 4, 4, 4, 4}, center: 4, lo: 4, hi: 4, confidence: 0.96875, cv: 0},
		{name: "median 0", xs: []float64{-1, 0, 0, 0, 1, 2}, center: 0, lo: -1, hi: 2, confidence: 0.96875, cv: inf},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Summarize(tt.xs, Options{Confidence: tt.level})
			if !same(s.Center, tt.center) || s.Lo != tt.lo || s.Hi != tt.hi {
				t.Errorf("median %g [%g, %g], want %g [%g, %g]", s.Center, s.Lo, s.Hi, tt.center, tt.lo, tt.hi)
			}
			if s.N != len(tt.xs) || s.Confidence != tt.confidence || !same(s.CV, tt.cv) && !close(s.CV, tt.cv, 1e-12) {
				t.Errorf("n %d confidence %.17g CV %g, want %d %.17g %g", s.N, s.Confidence, s.CV, len(tt.xs), tt.confidence, tt.cv)
			}
			if got := hasTooFew(s.Warnings); got != tt.tooFew {
				t.Errorf("warnings %v: too few %t, want %t", s.Warnings, got, tt.tooFew)
			}
		})
	}
}

func same(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

func hasTooFew(warnings []error) bool {
	for _, w := range warnings {
		if errors.Is(w, ErrTooFew) {
			return true
		}
	}
	return false
}

func TestSpread(t *testing.T) {
	t.Parallel()
	inf := math.Inf(1)
	tests := []struct {
		name string
		s    Summary
		want float64
	}{
		{name: "the larger side", s: Summary{Center: 100, Lo: 95, Hi: 102}, want: 0.05},
		{name: "negative center", s: Summary{Center: -100, Lo: -102, Hi: -99}, want: 0.02},
		{name: "infinite interval", s: Summary{Center: 100, Lo: -inf, Hi: inf}, want: inf},
		{name: "all zero", s: Summary{Center: 0, Lo: 0, Hi: 0}, want: 0},
		{name: "zero center", s: Summary{Center: 0, Lo: -1, Hi: 1}, want: inf},
	}
	for _, tt := range tests {
		if got := tt.s.Spread(); !close(got, tt.want, 1e-12) {
			t.Errorf("%s: Spread() = %g, want %g", tt.name, got, tt.want)
		}
	}
}

func TestMedian(t *testing.T) {
	t.Parallel()
	if m := Median([]float64{3, 1, 2, 10}); m != 2.5 {
		t.Errorf("Median = %g, want 2.5", m)
	}
	if m := Median(nil); !math.IsNaN(m) {
		t.Errorf("Median(nil) = %g, want NaN", m)
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	if err := (Options{}).Validate(); err != nil {
		t.Errorf("the defaults: %v", err)
	}
	for _, o := range []Options{{Alpha: 1.5}, {Confidence: -1}, {Alternative: 7}} {
		if err := o.Validate(); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	if z := (Options{}).Z(); !close(z, 1.959963984540054, 1e-12) {
		t.Errorf("Z() = %.17g, want 1.96", z)
	}
	// Out of range: the default, with a warning.
	s := Summarize([]float64{1, 2, 3, 4, 5, 6}, Options{Confidence: 95})
	if s.Level != 0.95 || len(s.Warnings) != 1 {
		t.Errorf("confidence 95: level %g warnings %v, want 0.95 and one warning", s.Level, s.Warnings)
	}
}

// close reports whether got is within rel of want, relative to want's size
// (or absolutely, for |want| < 1).
func close(got, want, rel float64) bool {
	if got == want {
		return true
	}
	return math.Abs(got-want) <= rel*math.Max(1, math.Abs(want))
}
