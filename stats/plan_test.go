package stats

import (
	"math"
	"testing"
)

func TestMinRuns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  int
		want int
	}{
		{"MinIntervalRuns at 0.05", MinIntervalRuns(Options{}), 4},
		{"MinIntervalRuns at 0.1", MinIntervalRuns(Options{Alpha: 0.1}), 3},
		{"MinIntervalRuns at 0.01", MinIntervalRuns(Options{Alpha: 0.01}), 5},
		{"MinSummaryRuns at 0.95", MinSummaryRuns(Options{}), 6},
		{"MinSummaryRuns at 0.9375", MinSummaryRuns(Options{Confidence: 0.9375}), 5},
		{"MinSummaryRuns at 0.99", MinSummaryRuns(Options{Confidence: 0.99}), 8},
		{"two-sided test reaches 0.05", minRunsToReach(Options{Alpha: 0.05}), 4},
		{"one-sided test reaches 0.05", minRunsToReach(Options{Alpha: 0.05, Alternative: Greater}), 3},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}

func TestSettleRepeats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cv, tol float64
		want    int
	}{
		{"cv 5%, tol 5%", 0.05, 0.05, 9},   // ceil(2.094 · 1.96²) = ceil(8.04)
		{"cv 10%, tol 5%", 0.10, 0.05, 33}, // ceil(32.2)
		{"quiet: the fewest for an interval", 0.01, 0.05, 4},
		{"no tolerance", 0.05, 0, 0},
		{"unknown noise", math.NaN(), 0.05, 0},
		{"hopeless", 10, 1e-9, math.MaxInt32},
	}
	for _, tt := range tests {
		if n := SettleRepeats(tt.cv, tt.tol, Options{}); n != tt.want {
			t.Errorf("%s: SettleRepeats(%g, %g) = %d, want %d", tt.name, tt.cv, tt.tol, n, tt.want)
		}
	}
	// SettleRepeats inverts HalfWidth: the runs it gives are enough, one
	// fewer is not.
	n := SettleRepeats(0.07, 0.03, Options{})
	if HalfWidth(0.07, n, n, Options{}) > 0.03 || HalfWidth(0.07, n-1, n-1, Options{}) <= 0.03 {
		t.Errorf("SettleRepeats(0.07, 0.03) = %d does not invert HalfWidth", n)
	}
}
