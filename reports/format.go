package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/stats"
)

// unitOf returns a metric's unit, from the metric registry.
func unitOf(name string) metric.Unit {
	m, _ := metric.Lookup(name)
	return m.Unit
}

// fmtSpread renders a summary's spread as benchstat does: "±3%", "±∞"
// when the runs are too few for an interval (or the median is 0).
func fmtSpread(s stats.Summary) string {
	p := 100 * s.Spread()
	if math.IsInf(p, 0) {
		return "±∞"
	}
	if p < 10 {
		return "±" + strconv.FormatFloat(p, 'f', 1, 64) + "%"
	}
	return "±" + strconv.FormatFloat(p, 'f', 0, 64) + "%"
}

// fmtSummary renders "724 f/s ±2.1%".
func fmtSummary(s stats.Summary, u metric.Unit) string {
	if s.N <= 1 {
		return metric.Format(s.Center, u)
	}
	return metric.Format(s.Center, u) + " " + fmtSpread(s)
}

// fmtInterval renders "median 724 f/s, 95% CI 710 f/s .. 740 f/s, 10 runs",
// or "median 724 f/s, 95% CI ±∞, 3 runs" when the runs are too few for an
// interval.
func fmtInterval(s stats.Summary, u metric.Unit) string {
	switch {
	case s.N == 0:
		return "no runs"
	case s.N == 1:
		return "1 run: " + metric.Format(s.Center, u)
	case math.IsInf(s.Lo, 0) || math.IsInf(s.Hi, 0):
		return fmt.Sprintf("median %s, %s ±∞, %d runs", metric.Format(s.Center, u), fmtConfidence(s), s.N)
	}
	return fmt.Sprintf("median %s, %s %s .. %s, %d runs", metric.Format(s.Center, u), fmtConfidence(s),
		metric.Format(s.Lo, u), metric.Format(s.Hi, u), s.N)
}

// fmtConfidence names the interval's level: the level asked for when the
// interval reaches it (it may cover more: order statistics come in steps),
// else the lower confidence it has.
func fmtConfidence(s stats.Summary) string {
	c := s.Confidence
	if s.Level > 0 && c >= s.Level {
		c = s.Level
	}
	return strconv.FormatFloat(math.Floor(100*c), 'f', 0, 64) + "% CI"
}

// fmtCount renders a count, or another number with three digits.
func fmtCount(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return metric.Format(v, metric.Number)
}

// fmtP renders a p-value.
func fmtP(p float64) string {
	if p < 0.001 {
		return "p<0.001"
	}
	return "p=" + strconv.FormatFloat(p, 'f', 3, 64)
}

// fmtVsRef renders a comparison with the reference as benchstat does: the
// ratio of the medians when significant, "~" when not.
func fmtVsRef(c *stats.Comparison) string {
	if c == nil {
		return ""
	}
	ratio := strconv.FormatFloat(c.MedianRatio, 'f', 2, 64) + "×"
	if !c.Significant() {
		return "~ " + ratio + " (" + fmtTestP(c) + ")"
	}
	return ratio + " (" + fmtTestP(c) + ")"
}

// fmtTestP renders a comparison's p, naming the test when it is not the
// default rank test (stats.Options.PowerFallback chose Welch's t).
func fmtTestP(c *stats.Comparison) string {
	if c.Test != stats.MannWhitneyTest {
		return fmtP(c.P) + ", " + string(c.Test)
	}
	return fmtP(c.P)
}

// fmtAlpha renders a significance level.
func fmtAlpha(a float64) string { return strconv.FormatFloat(a, 'g', -1, 64) }

// fmtKPI renders one KPI cell of a trial: the summary, or why it is absent.
func fmtKPI(t *TrialStats, k *metric.Metric) string {
	if s, ok := t.Stat(k.Name); ok {
		return fmtSummary(s, k.Unit)
	}
	if why := t.Absent[k.Name]; why != "" {
		return why
	}
	return "no runs"
}

// kpiTitle is the long form of a KPI cell.
func kpiTitle(t *TrialStats, k *metric.Metric) string {
	if s, ok := t.Stat(k.Name); ok {
		text := k.Name + ": " + fmtInterval(s, k.Unit)
		if len(s.Warnings) > 0 {
			warnings := make([]string, len(s.Warnings))
			for i, w := range s.Warnings {
				warnings[i] = w.Error()
			}
			text += " (" + strings.Join(warnings, "; ") + ")"
		}
		return text
	}
	return k.Name + ": " + fmtKPI(t, k)
}

// fmtConfigValue renders a config value.
func fmtConfigValue(v any) string { return record.FormatValue(v) }

// oneLine makes user text safe for one line of a TOML comment or a log:
// control characters (newlines included) are escaped as Go does.
func oneLine(s string) string {
	q := strconv.QuoteToGraphic(s)
	q = q[1 : len(q)-1]
	return strings.ReplaceAll(q, `\"`, `"`)
}

// testName names a comparison's test in words.
func testName(t stats.Test) string {
	if t == stats.WelchLogTest {
		return "Welch's t on logs (the rank test has no power at these run counts)"
	}
	return "Mann-Whitney U"
}
