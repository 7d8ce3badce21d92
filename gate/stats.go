package gate

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/montanaflynn/stats"
)

// Options are the gate's statistical tunables. The zero value of a field
// means its default; DefaultOptions spells them out.
type Options struct {
	// Alpha is the significance level of the Mann-Whitney U test; the
	// confidence intervals are at level 1 - Alpha. Default 0.05.
	Alpha float64
	// MinSamples is the fewest counted runs a side below which a
	// comparison is inconclusive whatever the numbers say. Default 3.
	MinSamples int
	// Resolution is the smallest relative change worth resolving, used in
	// place of a rule's allowance when the allowance is smaller (a rule
	// that allows no change at all). Default 0.02.
	Resolution float64
}

// DefaultOptions returns the defaults.
func DefaultOptions() Options {
	return Options{Alpha: 0.05, MinSamples: 3, Resolution: 0.02}
}

// withDefaults fills the zero fields.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.Alpha == 0 {
		o.Alpha = d.Alpha
	}
	if o.MinSamples == 0 {
		o.MinSamples = d.MinSamples
	}
	if o.Resolution == 0 {
		o.Resolution = d.Resolution
	}
	return o
}

// Validate reports an out-of-range option.
func (o Options) Validate() error {
	o = o.withDefaults()
	switch {
	case !(o.Alpha > 0 && o.Alpha < 0.5):
		return fmt.Errorf("alpha %g: want a level between 0 and 0.5, such as 0.05", o.Alpha)
	case o.MinSamples < 2:
		return fmt.Errorf("min samples %d: want at least 2", o.MinSamples)
	case !(o.Resolution > 0 && o.Resolution < 1):
		return fmt.Errorf("resolution %g: want a fraction between 0 and 1, such as 0.02", o.Resolution)
	}
	return nil
}

// Summary describes one side's sample of a metric: its median with a
// distribution-free confidence interval, and its spread.
type Summary struct {
	N      int
	Center float64 // the median
	// Lo and Hi bound the median at confidence 1 - alpha, from order
	// statistics (no assumption about the distribution). With too few
	// values for that confidence they are -Inf and +Inf.
	Lo, Hi float64
	// CV is the robust coefficient of variation, 1.4826 * MAD / |median|:
	// the usual stddev/mean for normal noise, but blind to a rare outlier.
	CV       float64
	Warnings []error
}

// Summarize summarizes values (in any order; not modified).
func Summarize(values []float64, alpha float64) Summary {
	s := Summary{N: len(values), Lo: math.Inf(-1), Hi: math.Inf(1)}
	if len(values) == 0 {
		s.Center = math.NaN()
		s.Warnings = append(s.Warnings, errors.New("no values"))
		return s
	}
	x := sorted(values)
	s.Center, _ = stats.Median(x)
	if mad, err := stats.MedianAbsoluteDeviationPopulation(x); err == nil && s.Center != 0 {
		s.CV = 1.4826 * mad / math.Abs(s.Center)
	}
	if k := medianCIRank(len(x), alpha); k > 0 {
		s.Lo, s.Hi = x[k-1], x[len(x)-k]
	} else {
		s.Warnings = append(s.Warnings, fmt.Errorf("need >= %d values for a confidence interval at level %g", minMedianCI(alpha), 1-alpha))
	}
	return s
}

// medianCIRank returns the 1-based rank k such that [x(k), x(n+1-k)] covers
// the median with probability >= 1 - alpha, the largest such k; 0 when no
// k does (too few values).
//
// Note: the number of values below the median is Binomial(n, 1/2), so
// P(x(k) <= median <= x(n+1-k)) = 1 - 2 P(B <= k-1).
func medianCIRank(n int, alpha float64) int {
	k := 0
	cum := 0.0
	for i := 0; i < n; i++ {
		cum += binomHalf(n, i)
		if cum > alpha/2 {
			break
		}
		k = i + 1
	}
	return k
}

func minMedianCI(alpha float64) int {
	for n := 1; n < 64; n++ {
		if medianCIRank(n, alpha) > 0 {
			return n
		}
	}
	return 64
}

// binomHalf is P(B = i) for B ~ Binomial(n, 1/2).
func binomHalf(n, i int) float64 {
	lg := lgamma(float64(n+1)) - lgamma(float64(i+1)) - lgamma(float64(n-i+1))
	return math.Exp(lg - float64(n)*math.Ln2)
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

func sorted(values []float64) []float64 {
	x := append([]float64(nil), values...)
	sort.Float64s(x)
	return x
}

// Comparison is the difference between a baseline sample and a candidate
// sample of one metric.
type Comparison struct {
	// Ratio estimates candidate / baseline (1 = no change): the
	// Hodges-Lehmann estimate of the shift between the two samples' logs,
	// exponentiated. Lo and Hi bound it at confidence 1 - Alpha; they are
	// infinite when the samples are too small for that confidence.
	Ratio, Lo, Hi float64
	// P is the two-sided p-value of the Mann-Whitney U test that the two
	// samples come from the same distribution.
	P     float64
	Alpha float64
	// Exact says P and the interval come from the exact distribution of U
	// (no ties, small samples) rather than the normal approximation.
	Exact    bool
	Warnings []error
}

// Significant reports whether P < Alpha.
func (c Comparison) Significant() bool { return c.P < c.Alpha }

// Compare compares candidate with baseline.
//
// Assumptions, stated because they are what make the numbers mean
// something: the runs of each side are independent and identically
// distributed (interleaved rounds make this closer to true), and the two
// distributions differ by a scale factor (a slowdown makes every run
// slower by the same factor, give or take noise). Under that model the
// ratio of the medians is the exponentiated shift between the logs, which
// the Hodges-Lehmann estimator and its Mann-Whitney interval estimate with
// no assumption about the noise's shape, ignoring a rare outlier. The
// interval is consistent with the test: it excludes 1 exactly when the
// exact two-sided test rejects at Alpha. When a sample holds zeros or
// negatives the shift is taken on the values themselves and divided by
// the baseline's median.
func Compare(baseline, candidate []float64, alpha float64) Comparison {
	c := Comparison{Ratio: math.NaN(), Lo: math.Inf(-1), Hi: math.Inf(1), P: 1, Alpha: alpha}
	n, m := len(baseline), len(candidate)
	if n == 0 || m == 0 {
		c.Warnings = append(c.Warnings, errors.New("a side has no values"))
		return c
	}
	x, y := sorted(baseline), sorted(candidate)
	logs := x[0] > 0 && y[0] > 0
	tx, ty := x, y
	if logs {
		tx, ty = logOf(x), logOf(y)
	}
	mw := mannWhitney(tx, ty)
	c.P, c.Exact = mw.p, mw.exact
	// All pairwise differences candidate - baseline, sorted.
	d := make([]float64, 0, n*m)
	for _, b := range tx {
		for _, a := range ty {
			d = append(d, a-b)
		}
	}
	sort.Float64s(d)
	shift, _ := stats.Median(d)
	lo, hi := math.Inf(-1), math.Inf(1)
	if k := shiftCIRank(n, m, alpha, mw); k > 0 {
		lo, hi = d[k-1], d[n*m-k]
	} else {
		c.Warnings = append(c.Warnings, fmt.Errorf("%d+%d values are too few for a confidence interval at level %g", n, m, 1-alpha))
	}
	finite := !math.IsInf(lo, 0)
	if logs {
		c.Ratio = math.Exp(shift)
		if finite {
			c.Lo, c.Hi = math.Exp(lo), math.Exp(hi)
		}
		return c
	}
	base, _ := stats.Median(x)
	if base == 0 {
		c.Warnings = append(c.Warnings, errors.New("the baseline's median is 0, so no ratio is defined"))
		return c
	}
	c.Ratio = 1 + shift/base
	if finite {
		c.Lo, c.Hi = 1+lo/base, 1+hi/base
		if base < 0 {
			c.Lo, c.Hi = c.Hi, c.Lo
		}
	}
	return c
}

func logOf(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = math.Log(v)
	}
	return out
}

// shiftCIRank returns the 1-based rank k such that the k-th smallest and
// k-th largest pairwise differences bound the shift at confidence
// 1 - alpha (Moses' interval): the largest k with P(U <= k-1) <= alpha/2.
// 0 when no k qualifies.
func shiftCIRank(n, m int, alpha float64, mw mwResult) int {
	if mw.exact {
		k := 0
		for u := 0; u <= n*m/2; u++ {
			if mw.cdf(u) > alpha/2 {
				break
			}
			k = u + 1
		}
		return k
	}
	z := normalQuantile(1 - alpha/2)
	k := int(math.Floor(float64(n*m)/2 - z*mw.sd + 0.5)) // continuity-corrected
	if k < 1 {
		return 0
	}
	return k
}

// mwResult is a Mann-Whitney U test's outcome.
type mwResult struct {
	u     float64 // U of the second sample: pairs (x, y) with y > x, ties counting half
	p     float64 // two-sided
	exact bool
	sd    float64   // the normal approximation's standard deviation of U (tie-corrected)
	dist  []float64 // exact: P(U = u) for u = 0..n*m
}

func (r mwResult) cdf(u int) float64 {
	s := 0.0
	for i := 0; i <= u && i < len(r.dist); i++ {
		s += r.dist[i]
	}
	return s
}

// maxExact bounds the sample sizes whose exact U distribution is computed
// (the table has (m+1)(n*m+1) entries per step).
const maxExact = 50

// mannWhitney runs the two-sided Mann-Whitney U test on sorted x and y.
// Without ties and with both samples at most maxExact it uses the exact
// distribution of U; otherwise the normal approximation with the tie
// correction and a continuity correction.
func mannWhitney(x, y []float64) mwResult {
	n, m := len(x), len(y)
	// Midranks of the pooled sample.
	type obs struct {
		v     float64
		fromY bool
	}
	all := make([]obs, 0, n+m)
	for _, v := range x {
		all = append(all, obs{v, false})
	}
	for _, v := range y {
		all = append(all, obs{v, true})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].v < all[j].v })
	var rankY, tieTerm float64
	ties := false
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		t := float64(j - i)
		if t > 1 {
			ties = true
			tieTerm += t*t*t - t
		}
		mid := float64(i+j+1) / 2 // ranks i+1..j
		for k := i; k < j; k++ {
			if all[k].fromY {
				rankY += mid
			}
		}
		i = j
	}
	r := mwResult{u: rankY - float64(m*(m+1))/2}
	N := float64(n + m)
	nm := float64(n * m)
	r.sd = math.Sqrt(nm / 12 * ((N + 1) - tieTerm/(N*(N-1))))
	if !ties && n <= maxExact && m <= maxExact {
		r.exact = true
		r.dist = exactU(n, m)
		u := int(math.Round(r.u))
		lo := min(u, n*m-u)
		r.p = math.Min(1, 2*r.cdf(lo))
		return r
	}
	if r.sd == 0 {
		r.p = 1 // every value equal
		return r
	}
	z := (math.Abs(r.u-nm/2) - 0.5) / r.sd
	r.p = math.Min(1, 2*(1-normalCDF(math.Max(z, 0))))
	return r
}

// exactU returns P(U = u), u = 0..n*m, for samples of n and m values with
// no ties under the null hypothesis.
//
// Note: c[j][u] counts the arrangements in order of i x's and j y's with
// U = u, built one x at a time: the largest value is either an x (no y
// beats it: N(i-1, j, u)) or a y (it beats all i x's: N(i, j-1, u-i)).
// Only additions of positive counts, so no cancellation.
func exactU(n, m int) []float64 {
	size := n*m + 1
	prev := make([][]float64, m+1)
	cur := make([][]float64, m+1)
	for j := range prev {
		prev[j] = make([]float64, size)
		cur[j] = make([]float64, size)
	}
	// i = 0: one arrangement of j y's, U = 0.
	for j := 0; j <= m; j++ {
		prev[j][0] = 1
	}
	for i := 1; i <= n; i++ {
		for j := 0; j <= m; j++ {
			row := cur[j]
			for u := range row {
				row[u] = prev[j][u] // last is an x
			}
			if j > 0 {
				for u := i; u < size; u++ { // last is a y: beats the i x's
					row[u] += cur[j-1][u-i]
				}
			}
		}
		prev, cur = cur, prev
	}
	dist := prev[m]
	total := 0.0
	for _, c := range dist {
		total += c
	}
	out := make([]float64, size)
	for u, c := range dist {
		out[u] = c / total
	}
	return out
}

func normalCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// normalQuantile is the inverse of normalCDF.
func normalQuantile(p float64) float64 { return -math.Sqrt2 * math.Erfcinv(2*p) }

// SettleRepeats returns the counted runs a side that would make a
// comparison's interval narrow enough to settle a rule with tolerance tol
// (a fraction), for samples with coefficient of variation cv:
//
//	n = ceil( (2π/3) · (z · cv / tol)² ),  z = the normal quantile at 1 - alpha/2
//
// The interval's half-width on the log scale is about z·σ·sqrt(2/n)
// scaled by sqrt(π/3), the Hodges-Lehmann estimator's inefficiency under
// normal noise (its efficiency is 3/π); setting that to tol and solving
// for n gives the formula. It is at least minSamples.
func SettleRepeats(cv, tol, alpha float64, minSamples int) int {
	if tol <= 0 || math.IsNaN(cv) || math.IsInf(cv, 0) {
		return 0
	}
	z := normalQuantile(1 - alpha/2)
	n := int(math.Ceil(2 * math.Pi / 3 * math.Pow(z*cv/tol, 2)))
	return max(n, minSamples, MinIntervalRuns(alpha))
}

// MinIntervalRuns returns the fewest runs a side for which a comparison
// has a confidence interval at 1 - alpha at all: 4 at alpha 0.05 (with 3
// a side the most extreme arrangement has probability 1/20, too likely
// for a 95% interval to exclude).
func MinIntervalRuns(alpha float64) int {
	for n := 2; n < 64; n++ {
		x, y := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i], y[i] = float64(2*i), float64(2*i+1)
		}
		if shiftCIRank(n, n, alpha, mannWhitney(x, y)) > 0 {
			return n
		}
	}
	return 64
}
