package gate

import (
	"fmt"
	"math"
	"strconv"
)

// fmtValue renders a metric's value in its unit, for people.
func fmtValue(v float64, metric string) string {
	m, _ := LookupMetric(metric)
	return fmtUnit(v, m.Unit)
}

func fmtUnit(v float64, unit string) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case math.IsInf(v, 0):
		return "∞"
	}
	switch unit {
	case "B":
		abs := math.Abs(v)
		for _, u := range []struct {
			n    string
			size float64
		}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
			if abs >= u.size {
				return sig(v/u.size) + " " + u.n
			}
		}
		return sig(v) + " B"
	case "s":
		abs := math.Abs(v)
		switch {
		case abs == 0:
			return "0s"
		case abs < 1e-3:
			return sig(v*1e6) + "µs"
		case abs < 1:
			return sig(v*1e3) + "ms"
		}
		return sig(v) + "s"
	case "":
		return sig(v)
	}
	return sig(v) + " " + unit
}

// sig renders v with four significant digits, without an exponent for
// everyday magnitudes.
func sig(v float64) string {
	abs := math.Abs(v)
	switch {
	case v == 0:
		return "0"
	case abs >= 1e4 || abs < 1e-3:
		return strconv.FormatFloat(v, 'g', 4, 64)
	case abs >= 1000:
		return fmt.Sprintf("%.0f", v)
	case abs >= 100:
		return fmt.Sprintf("%.1f", v)
	case abs >= 10:
		return fmt.Sprintf("%.2f", v)
	case abs >= 1:
		return fmt.Sprintf("%.3f", v)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}
