package metric

import (
	"math"
	"testing"
)

// TestFormat pins the renderings the reports and the gate's goldens hold.
func TestFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		v       float64
		u       Unit
		format  string // Format: the reports
		precise string // FormatPrecise: the gate
	}{
		{"zero", 0, Number, "0", "0"},
		{"count", 120, Number, "120", "120.0"},
		{"large count", 123456, Number, "123456", "1.235e+05"},
		{"small number", 0.00012345, Number, "0.000123", "0.0001234"},
		{"NaN", math.NaN(), Number, "NaN", "-"},
		{"infinity", math.Inf(1), Seconds, "+Inf s", "∞"},
		{"seconds", 12.3456, Seconds, "12.3 s", "12.35s"},
		{"milliseconds", 0.0123456, Seconds, "0.0123 s", "12.35ms"},
		{"microseconds", 0.0000123456, Seconds, "0.0000123 s", "12.35µs"},
		{"zero seconds", 0, Seconds, "0 s", "0s"},
		{"bytes", 512, Bytes, "512 B", "512.0 B"},
		{"KiB", 1536, Bytes, "1.50 KiB", "1.500 KiB"},
		{"GiB", 1.5 * (1 << 30), Bytes, "1.50 GiB", "1.500 GiB"},
		{"TiB", 2 * (1 << 40), Bytes, "2.00 TiB", "2048 GiB"},
		{"negative MiB", -3 * (1 << 20), Bytes, "-3.00 MiB", "-3.000 MiB"},
		{"frames/s", 301.23, FramesPerSecond, "301 f/s", "301.2 frames/s"},
		{"fraction", 0.93123, Fraction, "93.1%", "0.9312"},
		{"ratio", 0.9, Ratio, "0.900", "0.9"},
		{"cores", 3.5, Cores, "3.50 cores", "3.500 cores"},
		{"MHz", 2407, MHz, "2407 MHz", "2407 MHz"},
		{"°C", 71, Celsius, "71.0 °C", "71.00 °C"},
		{"W", 180.6, Watts, "181 W", "180.6 W"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Format(tt.v, tt.u); got != tt.format {
				t.Errorf("Format(%v, %v) = %q, want %q", tt.v, tt.u, got, tt.format)
			}
			if got := FormatPrecise(tt.v, tt.u); got != tt.precise {
				t.Errorf("FormatPrecise(%v, %v) = %q, want %q", tt.v, tt.u, got, tt.precise)
			}
		})
	}
}
