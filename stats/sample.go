package stats

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/montanaflynn/stats"
)

// ErrTooFew is wrapped by every warning that says a sample is too small for
// what was asked: an interval at the level, or a p-value that can reach
// Alpha. Callers that word it themselves find it with errors.Is.
var ErrTooFew = errors.New("too few values")

// Sample is a set of repeated measurements of one quantity.
type Sample struct {
	// Values are the finite measurements in ascending order.
	Values []float64
	// Warnings says what was left out (NaN and infinite values).
	Warnings []error
}

// NewSample returns the sample of values, which it does not modify: a
// sorted copy without the values that are not finite, each left out with a
// warning.
func NewSample(values []float64) *Sample {
	s := &Sample{Values: make([]float64, 0, len(values))}
	dropped := 0
	for _, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			dropped++
			continue
		}
		s.Values = append(s.Values, v)
	}
	if dropped > 0 {
		s.Warnings = append(s.Warnings, fmt.Errorf("%d of %d values are not finite numbers and were left out", dropped, len(values)))
	}
	slices.Sort(s.Values)
	return s
}

// Summary describes a sample: its median with a distribution-free
// confidence interval, and its spread.
type Summary struct {
	// N is the number of values summarized.
	N int
	// Center is the median; NaN for no values.
	Center float64
	// Lo and Hi are the order statistics x(k) and x(n+1-k) that bound the
	// median with probability at least Level, for the largest such k.
	// They are -Inf and +Inf when no k reaches Level (too few values).
	Lo, Hi float64
	// Level is the confidence asked for.
	Level float64
	// Confidence is the actual coverage of [Lo, Hi], at least Level:
	// order statistics come in steps. It is 1 for an infinite interval.
	Confidence float64
	// CV is the robust coefficient of variation, 1.4826 * MAD / |median|:
	// for normal noise the usual stddev/mean, but blind to a rare outlier.
	// It is 0 for values that are all equal, +Inf when the median is 0 and
	// the values are not, NaN for no values.
	CV float64
	// Warnings says what the numbers cannot be trusted for.
	Warnings []error
}

// Summarize returns the summary of values (in any order; not modified) at
// o.Confidence.
func Summarize(values []float64, o Options) Summary {
	return NewSample(values).Summary(o)
}

// Summary summarizes s at o.Confidence.
//
// Note: the number of values below the true median is Binomial(n, 1/2),
// so P(x(k) <= median <= x(n+1-k)) = 1 - 2 P(B <= k-1), whatever the
// distribution (continuous or not: with ties the coverage is only larger).
func (s *Sample) Summary(o Options) Summary {
	o, warnings := o.checked()
	x := s.Values
	sum := Summary{N: len(x), Center: math.NaN(), Lo: math.Inf(-1), Hi: math.Inf(1), Level: o.Confidence, Confidence: 1, CV: math.NaN()}
	sum.Warnings = append(append(sum.Warnings, s.Warnings...), warnings...)
	if len(x) == 0 {
		sum.Warnings = append(sum.Warnings, fmt.Errorf("no values: %w", ErrTooFew))
		return sum
	}
	sum.Center, _ = stats.Median(x)
	mad, _ := stats.MedianAbsoluteDeviationPopulation(x)
	switch {
	case mad == 0:
		sum.CV = 0
	case sum.Center == 0:
		sum.CV = math.Inf(1)
	default:
		sum.CV = 1.4826 * mad / math.Abs(sum.Center)
	}
	if k, cov := medianCIRank(len(x), o.Confidence); k > 0 {
		sum.Lo, sum.Hi, sum.Confidence = x[k-1], x[len(x)-k], cov
	} else {
		sum.Warnings = append(sum.Warnings, fmt.Errorf("need >= %d values for a %g%% interval of the median, have %d: %w",
			MinSummaryRuns(o), 100*o.Confidence, len(x), ErrTooFew))
	}
	return sum
}

// Spread returns the larger distance from the center to an end of the
// interval, relative to the center: benchstat's "± x%". It is +Inf for an
// infinite interval, or a center of 0 with an interval that is not just 0.
func (s Summary) Spread() float64 {
	d := math.Max(s.Hi-s.Center, s.Center-s.Lo)
	if s.Center == 0 && d == 0 {
		return 0
	}
	return d / math.Abs(s.Center)
}

// Median returns the median of values (in any order; not modified), NaN
// when there are none.
func Median(values []float64) float64 {
	m, err := stats.Median(values)
	if err != nil {
		return math.NaN()
	}
	return m
}

// MinSummaryRuns returns the fewest values whose Summary has a finite
// interval at o.Confidence: 6 at 0.95 (the range of 5 covers the median
// with probability 1 - 2/32 = 0.9375).
func MinSummaryRuns(o Options) int {
	o, _ = o.checked()
	n := 1
	for {
		if k, _ := medianCIRank(n, o.Confidence); k > 0 {
			return n
		}
		n++
	}
}

// medianCIRank returns the largest k with 1 - 2 P(B <= k-1) >= level for
// B ~ Binomial(n, 1/2), and that coverage; 0 and 1 when no k reaches it.
func medianCIRank(n int, level float64) (k int, coverage float64) {
	k, coverage = 0, 1
	for j, cdf := range binomHalfCDF(n, n/2-1) {
		c := 1 - 2*cdf // for k = j+1
		if c < level {
			break
		}
		k, coverage = j+1, c
	}
	return k, coverage
}

// binomHalfCDF returns P(B <= j) for j = 0..last and B ~ Binomial(n, 1/2).
//
// Note: up to n = 62 it sums the binomial coefficients as integers (their
// total, 2^n, fits an int64) and divides by 2^n once, so levels such as
// 1 - 2/32 come out exact; up to n = 1000 it sums them in float64, and
// beyond in logs.
func binomHalfCDF(n, last int) []float64 {
	cdf := make([]float64, 0, max(last+1, 0))
	var exact int64
	c, sum := 1.0, 0.0 // C(n, j) and the sum so far, in float64
	for j := 0; j <= last; j++ {
		var p float64
		switch {
		case n <= 62:
			exact += int64(stats.Ncr(n, j))
			p = math.Ldexp(float64(exact), -n)
		case n <= 1000:
			if j > 0 {
				c = c * float64(n-j+1) / float64(j)
			}
			sum += c
			p = math.Ldexp(sum, -n)
		default:
			sum += math.Exp(lchoose(n, j) - float64(n)*math.Ln2)
			p = sum
		}
		cdf = append(cdf, p)
	}
	return cdf
}

// lchoose returns log C(n, k).
func lchoose(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}
