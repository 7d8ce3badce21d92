package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ftbench/ftbench/record"
)

// sig3 renders v with three significant digits in fixed notation.
func sig3(v float64) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	dec := 2 - int(math.Floor(math.Log10(math.Abs(v))))
	if dec < 0 {
		dec = 0
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}

// fmtValue renders a base-unit value in its unit.
func fmtValue(v float64, u Unit) string {
	switch u {
	case UnitSeconds:
		return sig3(v) + " s"
	case UnitFraction:
		return sig3(100*v) + "%"
	case UnitRate:
		return sig3(v) + " f/s"
	case UnitBytes:
		return fmtBytes(v)
	case UnitRatio:
		return strconv.FormatFloat(v, 'f', 3, 64)
	case UnitCores:
		return sig3(v) + " cores"
	}
	return sig3(v)
}

// fmtBytes renders a byte count in binary units.
func fmtBytes(v float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for math.Abs(v) >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return strconv.FormatFloat(v, 'f', 0, 64) + " B"
	}
	return sig3(v) + " " + units[i]
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
func fmtSummary(s Summary, u Unit) string {
	if s.N <= 1 {
		return fmtValue(s.Center, u)
	}
	return fmtValue(s.Center, u) + " " + fmtSpread(s)
}

// fmtInterval renders "median 724 f/s, 95% CI 710 f/s .. 740 f/s, 10 runs".
func fmtInterval(s Summary, u Unit) string {
	switch s.N {
	case 0:
		return "no runs"
	case 1:
		return "1 run: " + fmtValue(s.Center, u)
	}
	return fmt.Sprintf("median %s, %s %s .. %s, %d runs", fmtValue(s.Center, u), fmtConfidence(s),
		fmtValue(s.Lo, u), fmtValue(s.Hi, u), s.N)
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
	return sig3(v)
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
func fmtKPI(t *TrialStats, k KPI) string {
	if s, ok := t.Stat(k.Metric); ok {
		return fmtSummary(s, k.Unit)
	}
	if why := t.Absent[k.Metric]; why != "" {
		return why
	}
	return "no runs"
}

// kpiTitle is the long form of a KPI cell.
func kpiTitle(t *TrialStats, k KPI) string {
	if s, ok := t.Stat(k.Metric); ok {
		text := k.Metric + ": " + fmtInterval(s, k.Unit)
		if len(s.Warnings) > 0 {
			text += " (" + strings.Join(s.Warnings, "; ") + ")"
		}
		return text
	}
	return k.Metric + ": " + fmtKPI(t, k)
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
