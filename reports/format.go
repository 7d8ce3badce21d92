package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/record"
)

// unitOf returns a metric's unit, from the metric registry.
func unitOf(name string) metric.Unit {
	m, _ := metric.Lookup(name)
	return m.Unit
}

// fmtSpread renders a summary's spread as benchstat does: "±3%".
func fmtSpread(s Summary) string {
	p := 100 * s.Spread()
	if p < 10 {
		return "±" + strconv.FormatFloat(p, 'f', 1, 64) + "%"
	}
	return "±" + strconv.FormatFloat(p, 'f', 0, 64) + "%"
}

// fmtSummary renders "724 f/s ±2.1%".
func fmtSummary(s Summary, u metric.Unit) string {
	if s.N <= 1 {
		return metric.Format(s.Center, u)
	}
	return metric.Format(s.Center, u) + " " + fmtSpread(s)
}

// fmtInterval renders "median 724 f/s, 95% CI 710 f/s .. 740 f/s, 10 runs".
func fmtInterval(s Summary, u metric.Unit) string {
	switch s.N {
	case 0:
		return "no runs"
	case 1:
		return "1 run: " + metric.Format(s.Center, u)
	}
	return fmt.Sprintf("median %s, %s %s .. %s, %d runs", metric.Format(s.Center, u), fmtConfidence(s),
		metric.Format(s.Lo, u), metric.Format(s.Hi, u), s.N)
}

// fmtConfidence names the interval's level: the level asked for when the
// interval reaches it (it may cover more: order statistics come in steps),
// else the lower confidence it has.
func fmtConfidence(s Summary) string {
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
// ratio when significant, "~" when not.
func fmtVsRef(c *Comparison) string {
	if c == nil {
		return ""
	}
	ratio := strconv.FormatFloat(c.Ratio, 'f', 2, 64) + "×"
	if !c.Significant() {
		return "~ " + ratio + " (" + fmtP(c.P) + ")"
	}
	return ratio + " (" + fmtP(c.P) + ")"
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
			text += " (" + strings.Join(s.Warnings, "; ") + ")"
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
