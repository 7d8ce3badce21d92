package reports

import (
	"fmt"
	"math"
	"sort"

	"github.com/montanaflynn/stats"
)

// Summary is the center and spread of one quantity over a trial's counted
// runs: the median and a distribution-free confidence interval of it.
//
// Note: like benchstat's benchmath, the interval assumes only that the runs
// are independent draws from one distribution (no normality): it is the
// pair of order statistics x(k), x(n+1-k) whose coverage of the true median,
// from the binomial distribution, is at least the level asked. With fewer
// than 6 runs no such pair reaches 95%; the summary then uses the full range
// and says in Warnings how much confidence it really has.
type Summary struct {
	N          int
	Center     float64 // the median
	Lo, Hi     float64 // the confidence interval of the median
	Level      float64 // the confidence level asked for
	Confidence float64 // the interval's actual coverage (at least Level when there are enough runs), 0 for a single run
	Warnings   []string
}

// Spread returns the larger distance from the center to an end of the
// interval, relative to the center: benchstat's "± x%". It is 0 when the
// center is 0.
func (s Summary) Spread() float64 {
	if s.Center == 0 {
		return 0
	}
	return math.Max(s.Hi-s.Center, s.Center-s.Lo) / math.Abs(s.Center)
}

// Summarize returns the median of xs and its confidence interval at the
// given level (0.95 when level is outside (0, 1)).
func Summarize(xs []float64, level float64) Summary {
	if !(level > 0 && level < 1) {
		level = DefaultConfidence
	}
	s := Summary{N: len(xs), Level: level}
	if len(xs) == 0 {
		s.Warnings = append(s.Warnings, "no runs")
		return s
	}
	sorted := append([]float64(nil), xs...)
	sort.Float64s(sorted)
	s.Center, _ = stats.Median(sorted)
	n := len(sorted)
	if n == 1 {
		s.Lo, s.Hi = sorted[0], sorted[0]
		s.Warnings = append(s.Warnings, "one run: no interval")
		return s
	}
	// The widest pair, (min, max), covers with 1 - 2 P(B <= 0); narrow it
	// while the coverage stays at the level.
	k := 1
	cov := medianCoverage(n, 1)
	for k+1 <= n/2 && medianCoverage(n, k+1) >= level {
		k++
		cov = medianCoverage(n, k)
	}
	s.Lo, s.Hi, s.Confidence = sorted[k-1], sorted[n-k], cov
	if cov < level {
		s.Warnings = append(s.Warnings, fmt.Sprintf("%d runs: the range is only a %.0f%% interval; %d runs give %.0f%%",
			n, 100*cov, minRunsFor(level), 100*level))
	}
	return s
}

// medianCoverage is the probability that [x(k), x(n+1-k)] holds the median
// of the distribution n runs were drawn from: 1 - 2 P(Binomial(n, 1/2) < k).
func medianCoverage(n, k int) float64 {
	var tail float64
	for i := 0; i < k; i++ {
		tail += binomialHalf(n, i)
	}
	return math.Max(0, 1-2*tail)
}

// binomialHalf is P(Binomial(n, 1/2) = i).
func binomialHalf(n, i int) float64 {
	lg := func(x int) float64 { v, _ := math.Lgamma(float64(x + 1)); return v }
	return math.Exp(lg(n) - lg(i) - lg(n-i) - float64(n)*math.Ln2)
}

// minRunsFor is the fewest runs whose full range reaches the level.
func minRunsFor(level float64) int {
	n := 2
	for medianCoverage(n, 1) < level && n < 64 {
		n++
	}
	return n
}

// Alternative is the hypothesis a Comparison tests against "no difference".
type Alternative int

// The alternatives of a test.
const (
	TwoSided Alternative = iota // a and b differ
	Greater                     // a tends to be larger than b
	Less                        // a tends to be smaller than b
)

// Comparison is the outcome of comparing two samples with the Mann-Whitney
// U test.
type Comparison struct {
	P     float64 // the p-value; 1 when either sample is empty
	Alpha float64 // the significance level the comparison is judged at
	// MinP is the smallest p-value the test can give for samples of these
	// sizes: when it is above Alpha no difference can ever be shown.
	MinP float64
	// Ratio is the median of a over the median of b (0 when b's is 0).
	Ratio    float64
	Exact    bool // the p-value comes from the exact distribution, not the normal approximation
	Warnings []string
}

// Significant reports whether the samples differ at the comparison's alpha.
func (c Comparison) Significant() bool { return c.P <= c.Alpha }

// Powerless reports whether the samples are too small for the test to ever
// reach alpha.
func (c Comparison) Powerless() bool { return c.MinP > c.Alpha }

// maxExact bounds the number of rank splits enumerated for an exact
// p-value (C(20,10) = 184756); larger samples use the normal approximation.
const maxExact = 200000

// MannWhitney compares a with b by the Mann-Whitney U (Wilcoxon rank-sum)
// test at level alpha. For small samples the p-value is exact: every split
// of the pooled midranks is enumerated, so ties are handled exactly too;
// beyond maxExact splits it uses the normal approximation with tie and
// continuity corrections.
func MannWhitney(a, b []float64, alt Alternative, alpha float64) Comparison {
	c := Comparison{P: 1, MinP: 1, Alpha: alpha}
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		c.Warnings = append(c.Warnings, "nothing to compare: a sample is empty")
		return c
	}
	ma, _ := stats.Median(a)
	mb, _ := stats.Median(b)
	if mb != 0 {
		c.Ratio = ma / mb
	}
	pooled := append(append([]float64(nil), a...), b...)
	ranks, _ := stats.Rank(pooled)
	var ra float64
	for _, r := range ranks[:n] {
		ra += r
	}
	u := ra - float64(n*(n+1))/2 // U of a: pairs (x in a, y in b) with x > y, ties half
	total := stats.Ncr(n+m, n)
	if total > 0 && total <= maxExact {
		c.Exact = true
		ge, le := exactTails(ranks, n, ra)
		c.P = pick(alt, float64(ge)/float64(total), float64(le)/float64(total))
		c.MinP = pick(alt, 1/float64(total), 1/float64(total))
	} else {
		c.P = pick(alt, normalTail(u, n, m, ranks, +1), normalTail(u, n, m, ranks, -1))
		c.MinP = 0
	}
	if c.Powerless() {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%d and %d runs cannot show a difference at alpha %g (smallest possible p %.3g)", n, m, alpha, c.MinP))
	}
	return c
}

// pick turns the two one-sided tail probabilities into the p-value of the
// alternative.
func pick(alt Alternative, upper, lower float64) float64 {
	switch alt {
	case Greater:
		return math.Min(1, upper)
	case Less:
		return math.Min(1, lower)
	}
	return math.Min(1, 2*math.Min(upper, lower))
}

// exactTails counts the splits of ranks into n and the rest whose first
// part's rank sum is >= ra and <= ra.
func exactTails(ranks []float64, n int, ra float64) (ge, le int) {
	const eps = 1e-9
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	N := len(ranks)
	for {
		var s float64
		for _, i := range idx {
			s += ranks[i]
		}
		if s >= ra-eps {
			ge++
		}
		if s <= ra+eps {
			le++
		}
		// Next combination in lexicographic order.
		i := n - 1
		for i >= 0 && idx[i] == N-n+i {
			i--
		}
		if i < 0 {
			return ge, le
		}
		idx[i]++
		for j := i + 1; j < n; j++ {
			idx[j] = idx[j-1] + 1
		}
	}
}

// normalTail is the normal approximation of P(U >= u) (dir +1) or
// P(U <= u) (dir -1), with tie and continuity corrections.
func normalTail(u float64, n, m int, ranks []float64, dir float64) float64 {
	N := float64(n + m)
	mean := float64(n*m) / 2
	counts := map[float64]int{}
	for _, r := range ranks {
		counts[r]++
	}
	var ties float64
	for _, t := range counts {
		ties += float64(t*t*t - t)
	}
	variance := float64(n*m) / 12 * ((N + 1) - ties/(N*(N-1)))
	if variance <= 0 {
		return 1
	}
	z := (dir*(u-mean) - 0.5) / math.Sqrt(variance)
	return stats.NormSf(z, 0, 1)
}
