package gate

import (
	"fmt"
	"math"
	"slices"

	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/stats"
)

// Verdict is the outcome of a check, and of a whole gate (its worst check).
// Verdicts are ordered by severity.
type Verdict int

// The verdicts.
const (
	Pass         Verdict = iota
	Inconclusive         // too few runs, or too much noise, to tell
	Fail                 // a regression beyond the allowance, a broken threshold, or a failed run
)

func (v Verdict) String() string {
	switch v {
	case Pass:
		return "pass"
	case Inconclusive:
		return "inconclusive"
	}
	return "fail"
}

// maxSettle caps the repeats a report suggests; beyond it the answer is
// "more than that".
const maxSettle = 1000

// Check is the outcome of one rule on one trial.
type Check struct {
	Trial Trial
	Rule  Rule
	// Normalized says the values are divided (Rate) or multiplied (Time)
	// by the reference workload's frames/s.
	Normalized bool
	// Base and Cand summarize each side's counted runs; Base is empty for
	// a threshold.
	Base, Cand stats.Summary
	// Comparison is set for a relative rule with enough runs.
	Comparison *stats.Comparison
	Verdict    Verdict
	// Reason says why, in one line.
	Reason string
	// Settle is, for an inconclusive check, the counted runs a side that
	// would settle it (see stats.SettleRepeats); 0 otherwise. maxSettle+1
	// means more than maxSettle.
	Settle int
}

// judgeRelative checks a relative rule on the two sides' values.
//
// A regression needs both: the whole interval for the ratio of medians
// lies beyond the allowance, and the Mann-Whitney test is significant.
// Inconclusive is: too few runs (fewer than opts.MinSamples, or too few
// for an interval at all); or the estimate lies beyond the allowance but
// the interval reaches back inside it (a suspected regression the runs
// cannot prove); or the noise is too wide for the runs to tell no change
// from twice the allowance: the interval's expected half-width from the
// pooled coefficient of variation,
//
//	z · CV · sqrt((π/3) · (1/n + 1/m)),
//
// exceeds the distance from no change to twice the allowance (the
// allowance plus opts.Resolution, when that is larger). That is
// stats.HalfWidth, the formula stats.SettleRepeats inverts, so the runs it
// then suggests are always more than were given. Anything else passes: an
// interval wholly inside the allowance, or one that straddles it around an
// estimate inside it, from runs precise enough to have shown a real
// regression.
//
// Note: simulated with 10 runs a side (TestSimulatedRates), a stricter
// rule, inconclusive whenever the interval straddles both the allowance
// and no change, calls 43% of identical builds inconclusive at a CV of 5%
// (the 95% interval is about ±4.5% wide there): crying wolf. Judging the
// noise by the realized interval instead of by the CV calls 2.7% of them
// inconclusive at CVs of 2-5%, against about 1% here, because one outlier
// stretches an interval but not the MAD.
func judgeRelative(c *Check, base, cand []float64, opts Options) {
	r := c.Rule
	so := opts.statsOptions()
	x, y := stats.NewSample(base), stats.NewSample(cand)
	c.Base, c.Cand = x.Summary(so), y.Summary(so)
	tol := math.Max(r.MaxRegression, opts.Resolution)
	cv := pooledCV(c.Base, c.Cand)
	settle := func(w float64) int {
		n := stats.SettleRepeats(cv, w, so)
		if n > 0 {
			n = max(n, opts.MinSamples)
		}
		if n > maxSettle || n <= 0 {
			return maxSettle + 1
		}
		return n
	}
	limit := r.Limit()
	// reach is the ratio one allowance (or Resolution) beyond the limit,
	// and noise the log distance from no change to it.
	reach := limit - tol
	if r.Better == metric.Lower {
		reach = limit + tol
	}
	noise := math.Abs(math.Log(reach))
	if len(base) < opts.MinSamples || len(cand) < opts.MinSamples {
		c.Verdict = Inconclusive
		c.Reason = fmt.Sprintf("%d+%d runs: need at least %d a side", len(base), len(cand), opts.MinSamples)
		c.Settle = settle(noise)
		return
	}
	// Note: with 3+3 runs the smallest two-sided p of the U test is 0.1,
	// so it can never reach 0.05; Welch's t on the logs can, and the
	// reason names it.
	so.PowerFallback = true
	cmp := stats.Compare(x, y, so)
	c.Comparison = &cmp
	switch {
	case math.IsNaN(cmp.Ratio):
		c.Verdict = Inconclusive
		c.Reason = "no ratio: " + joinErrors(cmp.Warnings)
		return
	case math.IsInf(cmp.Lo, 0) || math.IsInf(cmp.Hi, 0):
		c.Verdict = Inconclusive
		c.Reason = fmt.Sprintf("%d+%d runs are too few for a %g%% interval", len(base), len(cand), 100*(1-opts.Alpha))
		c.Settle = settle(noise)
		return
	}
	// worse reports whether ratio x is on the bad side of y.
	worse := func(x, y float64) bool {
		if r.Better == metric.Lower {
			return x > y
		}
		return x < y
	}
	// near and far are the interval's ends nearest to and furthest from
	// the bad side.
	near, far := cmp.Hi, cmp.Lo
	if r.Better == metric.Lower {
		near, far = cmp.Lo, cmp.Hi
	}
	change := fmt.Sprintf("%s [%s, %s]", pct(cmp.Ratio-1), pct(cmp.Lo-1), pct(cmp.Hi-1))
	halfWidth := stats.HalfWidth(cv, len(base), len(cand), so)
	switch {
	case worse(near, limit) && cmp.Significant():
		c.Verdict = Fail
		c.Reason = fmt.Sprintf("regression: %s is beyond the %s allowed (p=%.3f%s)", change, pct(limit-1), cmp.P, byTest(cmp))
	case worse(cmp.Ratio, limit):
		c.Verdict = Inconclusive
		c.Reason = fmt.Sprintf("%s looks beyond the %s allowed, but the interval reaches inside it", pct(cmp.Ratio-1), pct(limit-1))
		c.Settle = settle(math.Abs(math.Log(cmp.Ratio / limit)))
	case !worse(far, limit):
		c.Verdict = Pass
		c.Reason = fmt.Sprintf("%s, within the %s allowed", change, pct(limit-1))
	case halfWidth > noise:
		c.Verdict = Inconclusive
		c.Reason = fmt.Sprintf("too noisy: at this CV, %d+%d runs leave about ±%.0f%% of doubt, too much to tell no change from %s", len(base), len(cand), 100*math.Expm1(halfWidth), pct(reach-1))
		c.Settle = settle(noise)
	default:
		c.Verdict = Pass
		c.Reason = fmt.Sprintf("%s: not shown to be beyond the %s allowed", change, pct(limit-1))
	}
}

// byTest names the test that decided when it is not the default.
func byTest(c stats.Comparison) string {
	if c.Test == stats.WelchLogTest {
		return ", " + string(c.Test) + ": the rank test has no power at these run counts"
	}
	return ""
}

// judgeDeterministic checks a relative rule on a metric noise cannot move
// (metric.Deterministic): the ratio of the medians against the allowance,
// with the runs' own spread (each side's range over its median, at least
// 0.01%) as the doubt. One run a side decides; a ratio within the spread
// of the limit is inconclusive, which fails the gate (see Evaluate).
func judgeDeterministic(c *Check, base, cand []float64, opts Options) {
	r := c.Rule
	so := opts.statsOptions()
	c.Base, c.Cand = stats.Summarize(base, so), stats.Summarize(cand, so)
	if len(base) == 0 || len(cand) == 0 || c.Base.Center <= 0 {
		c.Verdict, c.Reason = Inconclusive, fmt.Sprintf("%d+%d runs: need one a side with a positive value", len(base), len(cand))
		return
	}
	spread := math.Max(math.Max(relRange(base), relRange(cand)), 1e-4)
	ratio := c.Cand.Center / c.Base.Center
	limit := r.Limit()
	over := ratio - limit // > 0: worse, for a lower-better metric
	if r.Better != metric.Lower {
		over = limit - ratio
	}
	change := fmt.Sprintf("%s (runs spread %.3f%%, deterministic)", pct(ratio-1), 100*spread)
	switch {
	case over > spread:
		c.Verdict = Fail
		c.Reason = fmt.Sprintf("regression: %s is beyond the %s allowed", change, pct(limit-1))
	case over < -spread:
		c.Verdict = Pass
		c.Reason = fmt.Sprintf("%s, within the %s allowed", change, pct(limit-1))
	default:
		c.Verdict = Inconclusive
		c.Reason = fmt.Sprintf("%s is within the runs' spread of the %s allowed", change, pct(limit-1))
	}
}

// relRange returns a sample's range over its median.
func relRange(v []float64) float64 {
	lo, hi := slices.Min(v), slices.Max(v)
	return (hi - lo) / stats.Median(v)
}

// pooledCV returns the two sides' robust coefficients of variation pooled
// (root mean square), a side with no values (or no CV) counting as 0.
func pooledCV(a, b stats.Summary) float64 {
	sq := func(s stats.Summary) float64 {
		if math.IsNaN(s.CV) {
			return 0
		}
		return s.CV * s.CV
	}
	return math.Sqrt((sq(a) + sq(b)) / 2)
}

// judgeThreshold checks an absolute threshold on the candidate's values:
// the median must meet it. A failure needs the median's whole interval
// (all values, with too few for an interval) on the wrong side and at
// least opts.MinSamples runs; a median on the wrong side short of that is
// inconclusive.
func judgeThreshold(c *Check, cand []float64, opts Options) {
	r := c.Rule
	c.Cand = stats.Summarize(cand, opts.statsOptions())
	if len(cand) == 0 {
		c.Verdict = Inconclusive
		c.Reason = "no candidate run has " + r.Metric
		return
	}
	violating := 0
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range cand {
		if !r.Holds(v) {
			violating++
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if !math.IsInf(c.Cand.Lo, 0) {
		lo, hi = c.Cand.Lo, c.Cand.Hi
	}
	switch {
	case violating == 0:
		c.Verdict = Pass
		c.Reason = fmt.Sprintf("all %d runs meet %s", len(cand), r)
	case r.Holds(c.Cand.Center):
		c.Verdict = Pass
		c.Reason = fmt.Sprintf("the median meets %s (%d of %d runs do not)", r, violating, len(cand))
	case !r.Holds(lo) && !r.Holds(hi) && len(cand) >= opts.MinSamples:
		c.Verdict = Fail
		c.Reason = fmt.Sprintf("the median %s breaks %s (%d of %d runs do)", fmtValue(c.Cand.Center, c.Rule.Metric), r, violating, len(cand))
	default:
		c.Verdict = Inconclusive
		c.Reason = fmt.Sprintf("the median %s breaks %s, but too few runs, or too much spread, to be sure (%d of %d runs break it)",
			fmtValue(c.Cand.Center, c.Rule.Metric), r, violating, len(cand))
		if len(cand) < opts.MinSamples {
			c.Settle = opts.MinSamples
		}
	}
}

// pct renders a fraction as a signed percentage: "-5.0%", "+12.3%".
func pct(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "+∞"
	case math.IsInf(f, -1) || f <= -1:
		return "-∞"
	}
	return fmt.Sprintf("%+.1f%%", f*100)
}

func joinErrors(errs []error) string {
	s := ""
	for i, e := range errs {
		if i > 0 {
			s += "; "
		}
		s += e.Error()
	}
	return s
}
