package metric

import (
	"fmt"
	"math"
	"strconv"
)

// Format renders a base-unit value in its unit with three significant
// digits, as the reports show it: "12.3 s", "93.0%", "724 f/s",
// "1.50 GiB", "0.912" (a ratio), "3.50 cores", "2407 MHz".
func Format(v float64, u Unit) string {
	switch u {
	case Seconds:
		return sig3(v) + " s"
	case Fraction:
		return sig3(100*v) + "%"
	case FramesPerSecond:
		return sig3(v) + " f/s"
	case Bytes:
		return bytes3(v)
	case Ratio:
		return strconv.FormatFloat(v, 'f', 3, 64)
	case Cores, MHz, Celsius, Watts:
		return sig3(v) + " " + u.String()
	}
	return sig3(v)
}

// FormatPrecise renders a base-unit value in its unit with four
// significant digits, as the gate's verdict table shows it: "12.35ms",
// "301.2 frames/s", "1.502 GiB", and fractions and ratios as they are
// ("0.9312"). NaN is "-", an infinity "∞".
func FormatPrecise(v float64, u Unit) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case math.IsInf(v, 0):
		return "∞"
	}
	switch u {
	case Bytes:
		abs := math.Abs(v)
		for _, b := range []struct {
			n    string
			size float64
		}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
			if abs >= b.size {
				return sig4(v/b.size) + " " + b.n
			}
		}
		return sig4(v) + " B"
	case Seconds:
		abs := math.Abs(v)
		switch {
		case abs == 0:
			return "0s"
		case abs < 1e-3:
			return sig4(v*1e6) + "µs"
		case abs < 1:
			return sig4(v*1e3) + "ms"
		}
		return sig4(v) + "s"
	case Number, Fraction, Ratio:
		return sig4(v)
	}
	return sig4(v) + " " + u.String()
}

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

// sig4 renders v with four significant digits, without an exponent for
// everyday magnitudes.
func sig4(v float64) string {
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

// bytes3 renders a byte count in binary units with three significant
// digits.
func bytes3(v float64) string {
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
