package stats

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/montanaflynn/stats"
)

// UTest is the outcome of a Mann-Whitney U test of a sample y against a
// sample x.
type UTest struct {
	// U counts the pairs (x, y) with y > x, ties counting half; n·m/2 is
	// no difference.
	U float64
	// P is the p-value of o.Alternative; 1 when a sample is empty.
	P float64
	// MinP is the smallest p-value the test can give for samples of these
	// sizes (without ties): when it is above Alpha, no data could ever
	// show a difference.
	MinP float64
	// Exact says P comes from the exact permutation distribution, not the
	// normal approximation.
	Exact bool
	// Warnings says what P cannot be trusted for.
	Warnings []error
}

// MannWhitney tests whether y differs from x (o.Alternative) by the
// Mann-Whitney U (Wilcoxon rank-sum) test; the package doc says how.
func MannWhitney(x, y *Sample, o Options) UTest {
	o, warnings := o.checked()
	t := mannWhitney(x, y, o)
	t.Warnings = slices.Concat(x.Warnings, y.Warnings, warnings, t.Warnings)
	return t
}

// mannWhitney is MannWhitney with checked options.
func mannWhitney(x, y *Sample, o Options) UTest {
	t := UTest{P: 1, MinP: 1}
	n, m := len(x.Values), len(y.Values)
	if n == 0 || m == 0 {
		t.Warnings = append(t.Warnings, fmt.Errorf("a sample has no values: %w", ErrTooFew))
		return t
	}
	N := n + m
	t.MinP = minP(n, m, o.Alternative)
	pooled := slices.Concat(x.Values, y.Values)
	ranks, _ := stats.Rank(pooled)
	ranks2 := make([]int, N)
	ties := map[int]int{}
	var sumY float64
	for i, r := range ranks {
		ranks2[i] = int(2 * r) // midranks are multiples of 1/2
		ties[ranks2[i]]++
		if i >= n {
			sumY += r
		}
	}
	t.U = sumY - float64(m*(m+1))/2
	if N <= o.ExactLimit {
		t.Exact = true
		var count []float64
		if len(ties) == N {
			count = exactUNoTies(n, m)
		} else {
			count = exactU(ranks2, m)
		}
		u2 := int(math.Round(2 * t.U))
		var le, ge, total float64
		for i, c := range count {
			if i <= u2 {
				le += c
			}
			if i >= u2 {
				ge += c
			}
			total += c
		}
		// Note: one division of exact counts, so 1/20 is the float64
		// 0.05; doubling for two sides commutes with the rounding.
		t.P = pValue(o.Alternative, ge/total, le/total)
		return t
	}
	var tieTerm float64
	for _, c := range ties {
		tieTerm += float64(c*c*c - c)
	}
	mean := float64(n*m) / 2
	sd := math.Sqrt(float64(n*m) / 12 * (float64(N+1) - tieTerm/float64(N*(N-1))))
	if sd == 0 {
		return t // every value equal: P = 1
	}
	upper := stats.NormSf((t.U-mean-0.5)/sd, 0, 1)
	lower := stats.NormSf((mean-t.U-0.5)/sd, 0, 1)
	t.P = pValue(o.Alternative, upper, lower)
	return t
}

// pValue turns the one-sided tail probabilities P(U >= u) and P(U <= u)
// into the p-value of the alternative.
func pValue(alt Alternative, upper, lower float64) float64 {
	switch alt {
	case Greater:
		return math.Min(1, upper)
	case Less:
		return math.Min(1, lower)
	}
	return math.Min(1, 2*math.Min(upper, lower))
}

// minP returns the smallest p-value of the U test for n and m values: one
// arrangement in C(n+m, n) is the most extreme, two for a two-sided test.
func minP(n, m int, alt Alternative) float64 {
	c := choose(n+m, n)
	if alt == TwoSided {
		return math.Min(1, 2/c)
	}
	return 1 / c
}

// Shift is the Hodges-Lehmann estimate of how far y lies from x, with its
// distribution-free (Moses) confidence interval.
type Shift struct {
	// Estimate is the median of the n·m differences y - x; NaN when a
	// sample is empty.
	Estimate float64
	// Lo and Hi are the k-th smallest and k-th largest differences, for
	// the largest k whose coverage is at least 1 - Alpha, two-sided
	// whatever o.Alternative. They are -Inf and +Inf when no k reaches it.
	Lo, Hi float64
	// Confidence is the actual coverage of [Lo, Hi] for continuous data;
	// 1 for an infinite interval.
	Confidence float64
	// Warnings says what the interval cannot be trusted for.
	Warnings []error
}

// HodgesLehmann estimates the shift from x to y on the values as they are
// (Compare takes it on their logs for a ratio).
//
// Note: the interval is the set of shifts d for which the two-sided U test
// of x against y - d does not reject at Alpha: d lies below the k-th
// smallest difference exactly when U(y - d) >= n·m - k + 1, whose
// probability is P(U <= k - 1). So for data without ties it excludes 0
// exactly when MannWhitney's two-sided P <= Alpha.
func HodgesLehmann(x, y *Sample, o Options) Shift {
	o, warnings := o.checked()
	s := hodgesLehmann(x, y, o)
	s.Warnings = slices.Concat(x.Warnings, y.Warnings, warnings, s.Warnings)
	return s
}

// hodgesLehmann is HodgesLehmann with checked options.
func hodgesLehmann(x, y *Sample, o Options) Shift {
	s := Shift{Estimate: math.NaN(), Lo: math.Inf(-1), Hi: math.Inf(1), Confidence: 1}
	n, m := len(x.Values), len(y.Values)
	if n == 0 || m == 0 {
		s.Warnings = append(s.Warnings, fmt.Errorf("a sample has no values: %w", ErrTooFew))
		return s
	}
	d := make([]float64, 0, n*m)
	for _, b := range x.Values {
		for _, a := range y.Values {
			d = append(d, a-b)
		}
	}
	slices.Sort(d)
	s.Estimate, _ = stats.Median(d)
	if k, cov := shiftCIRank(n, m, o); k > 0 {
		s.Lo, s.Hi, s.Confidence = d[k-1], d[n*m-k], cov
	} else {
		s.Warnings = append(s.Warnings, fmt.Errorf("%d+%d values are too few for a %g%% interval of the difference (need >= %d a side): %w",
			n, m, 100*(1-o.Alpha), MinIntervalRuns(o), ErrTooFew))
	}
	return s
}

// shiftCIRank returns the largest k with 2 P(U <= k-1) <= Alpha under no
// difference and no ties, and the coverage 1 - 2 P(U <= k-1); 0 and 1 when
// no k qualifies.
func shiftCIRank(n, m int, o Options) (k int, coverage float64) {
	nm := n * m
	if n+m <= o.ExactLimit {
		count := exactUNoTies(n, m) // doubled U: even indexes
		total := choose(n+m, n)
		k, coverage = 0, 1
		cum := 0.0
		for u := 0; 2*u <= nm; u++ {
			cum += count[2*u] // cum = #(U <= u) = #(U <= k-1) for k = u+1
			if 2*cum/total > o.Alpha {
				break
			}
			k, coverage = u+1, 1-2*cum/total
		}
		return k, coverage
	}
	sd := math.Sqrt(float64(nm) * float64(n+m+1) / 12)
	// P(U <= k-1) ≈ Φ((k - 1/2 - n·m/2) / sd) <= Alpha/2, continuity-corrected.
	k = int(math.Floor(float64(nm)/2 - o.Z()*sd + 0.5))
	if k < 1 {
		return 0, 1
	}
	return k, 1 - 2*stats.NormCdf((float64(k)-0.5-float64(nm)/2)/sd, 0, 1)
}

// Comparison is the difference between a baseline sample x and a
// candidate sample y.
type Comparison struct {
	// N1 and N2 are the sizes of x and y.
	N1, N2 int
	// Test is the test P comes from: o.Test, or MannWhitneyTest when the
	// values do not allow WelchLogTest (a warning says so).
	Test Test
	// P is the p-value of o.Alternative; 1 when a sample is empty.
	P float64
	// MinP is the smallest p-value samples of these sizes can give: 0
	// for the t-test, which can give any, with 2 or more values a side.
	MinP float64
	// Alpha is the significance level the comparison is judged at.
	Alpha float64
	// Alternative is the hypothesis P is for.
	Alternative Alternative
	// Exact says P comes from the exact distribution of U.
	Exact bool
	// Ratio estimates y / x (1 = no change); NaN when it is not defined.
	// Lo and Hi bound it at confidence 1 - Alpha (two-sided); they are
	// -Inf and +Inf when the samples are too small for that. For the U
	// test they are the Hodges-Lehmann shift and its Moses interval (see
	// Logs); for the t-test the ratio of the geometric means and its
	// Welch t interval.
	Ratio, Lo, Hi float64
	// Confidence is the actual coverage of [Lo, Hi].
	Confidence float64
	// Logs says Ratio is the exponentiated Hodges-Lehmann shift between
	// the logs of the values (all positive); otherwise it is 1 + the shift
	// between the values over x's median. Always true for the t-test.
	Logs bool
	// MedianRatio is the median of y over the median of x, what a table
	// of medians shows beside them; NaN when a sample is empty or x's
	// median is 0. It has no interval and assumes nothing about how the
	// distributions differ; under a scale change Ratio estimates the same
	// number with less noise.
	MedianRatio float64
	// Warnings says what the numbers cannot be trusted for.
	Warnings []error
}

// Significant reports whether P <= Alpha; the package doc says why not
// P < Alpha.
func (c Comparison) Significant() bool { return c.P <= c.Alpha }

// Powerless reports whether samples of these sizes are too small for the
// test ever to reach Alpha.
func (c Comparison) Powerless() bool { return c.MinP > c.Alpha }

// Compare compares the candidate y with the baseline x: the test of
// o.Alternative that o.Test names, and the ratio y / x with its interval
// at 1 - Alpha.
//
// For the U test, under the model that the two distributions differ by a
// scale factor (a slowdown makes every run slower by about the same
// factor), the ratio of the medians is the exponentiated shift between the
// logs, which the Hodges-Lehmann estimator and its Moses interval estimate
// with no assumption about the noise's shape, and blind to a rare outlier.
// When a sample holds zeros or negatives the shift is taken on the values
// themselves and divided by x's median. For the t-test the ratio is that
// of the geometric means, and the values must be positive; otherwise
// Compare uses the U test, with a warning. With o.PowerFallback a
// powerless U test gives way to the t-test (see Options.PowerFallback).
func Compare(x, y *Sample, o Options) Comparison {
	c := compare(x, y, o)
	if o.PowerFallback && c.Test == MannWhitneyTest && c.Powerless() {
		wo := o
		wo.Test, wo.PowerFallback = WelchLogTest, false
		if w := compare(x, y, wo); w.Test == WelchLogTest && !w.Powerless() {
			return w
		}
	}
	return c
}

// compare is Compare without the fallback.
func compare(x, y *Sample, o Options) Comparison {
	o, warnings := o.checked()
	c := Comparison{N1: len(x.Values), N2: len(y.Values), Test: MannWhitneyTest, Alpha: o.Alpha, Alternative: o.Alternative,
		Ratio: math.NaN(), Lo: math.Inf(-1), Hi: math.Inf(1), Confidence: 1, MedianRatio: math.NaN()}
	c.Warnings = slices.Concat(x.Warnings, y.Warnings, warnings)
	if c.N1 > 0 && c.N2 > 0 {
		if base := Median(x.Values); base != 0 {
			c.MedianRatio = Median(y.Values) / base
		}
	}
	if o.Test == WelchLogTest {
		if c.N1 > 0 && c.N2 > 0 && x.Values[0] > 0 && y.Values[0] > 0 {
			return compareWelch(c, x, y, o)
		}
		c.Warnings = append(c.Warnings, fmt.Errorf("%s needs positive values on both sides; using %s: %w", WelchLogTest, MannWhitneyTest, ErrNotPositive))
	}
	t := mannWhitney(x, y, o)
	c.P, c.MinP, c.Exact = t.P, t.MinP, t.Exact
	c.Warnings = append(c.Warnings, t.Warnings...)
	if c.N1 == 0 || c.N2 == 0 {
		return c
	}
	if c.Powerless() {
		c.Warnings = append(c.Warnings, fmt.Errorf("%d+%d values cannot reach alpha %g (smallest possible p %.3g; need >= %d a side): %w",
			c.N1, c.N2, c.Alpha, c.MinP, minRunsToReach(o), ErrTooFew))
	}
	c.Logs = x.Values[0] > 0 && y.Values[0] > 0
	if c.Logs {
		s := hodgesLehmann(logs(x), logs(y), o)
		c.Warnings = append(c.Warnings, s.Warnings...)
		c.Ratio = math.Exp(s.Estimate)
		if !math.IsInf(s.Lo, 0) {
			c.Lo, c.Hi, c.Confidence = math.Exp(s.Lo), math.Exp(s.Hi), s.Confidence
		}
		return c
	}
	s := hodgesLehmann(x, y, o)
	c.Warnings = append(c.Warnings, s.Warnings...)
	base := Median(x.Values)
	if base == 0 {
		c.Warnings = append(c.Warnings, errors.New("the baseline's median is 0, so no ratio is defined"))
		return c
	}
	c.Ratio = 1 + s.Estimate/base
	if !math.IsInf(s.Lo, 0) {
		c.Lo, c.Hi, c.Confidence = 1+s.Lo/base, 1+s.Hi/base, s.Confidence
		if base < 0 {
			c.Lo, c.Hi = c.Hi, c.Lo
		}
	}
	return c
}

// compareWelch fills c from Welch's t-test on the logs of x and y (all
// positive, neither empty).
func compareWelch(c Comparison, x, y *Sample, o Options) Comparison {
	t := welchLog(x, y, o)
	c.Test, c.Logs = WelchLogTest, true
	c.P, c.MinP = t.P, 0
	if c.N1 < 2 || c.N2 < 2 {
		c.MinP = 1
	}
	c.Warnings = append(c.Warnings, t.Warnings...)
	c.Ratio = math.Exp(t.Shift)
	if !math.IsInf(t.Lo, 0) {
		c.Lo, c.Hi, c.Confidence = math.Exp(t.Lo), math.Exp(t.Hi), 1-o.Alpha
	}
	return c
}

// logs returns the sample of the logs of s's values (all positive).
func logs(s *Sample) *Sample {
	out := &Sample{Values: make([]float64, len(s.Values))}
	for i, v := range s.Values {
		out.Values[i] = math.Log(v)
	}
	return out
}

// minRunsToReach returns the fewest values a side whose smallest p-value
// reaches o.Alpha for o.Alternative: 4 two-sided and 3 one-sided at 0.05.
func minRunsToReach(o Options) int {
	n := 1
	for minP(n, n, o.Alternative) > o.Alpha {
		n++
	}
	return n
}

// MinP returns the smallest p-value the U test can give for n and m
// values under o.Alternative: with 3 runs a side, 0.1 two-sided.
func MinP(n, m int, o Options) float64 {
	o, _ = o.checked()
	return minP(n, m, o.Alternative)
}
