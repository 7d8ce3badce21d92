package gate

import (
	"strings"
	"testing"

	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/stats"
)

// TestJudgeDeterministic checks that one or two runs a side of a count
// decide against the allowance, using the runs' own spread as the doubt.
func TestJudgeDeterministic(t *testing.T) {
	t.Parallel()
	rule := Rule{Kind: Relative, Metric: "instructions_per_frame", Better: metric.Lower, MaxRegression: 0.02}
	tests := []struct {
		name       string
		base, cand []float64
		want       Verdict
	}{
		{name: "A/A, one run a side", base: []float64{22475747}, cand: []float64{22475604}, want: Pass},
		{name: "A/A, two runs a side", base: []float64{22475747, 22474300}, cand: []float64{22475604, 22476100}, want: Pass},
		{name: "5% slower", base: []float64{22475747}, cand: []float64{23858085}, want: Fail},
		{name: "at the allowance", base: []float64{100}, cand: []float64{102}, want: Inconclusive},
		{name: "spread swallows the change", base: []float64{100, 110}, cand: []float64{106}, want: Inconclusive},
		{name: "no candidate", base: []float64{100}, want: Inconclusive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := Check{Rule: rule}
			judgeDeterministic(&c, tt.base, tt.cand, DefaultOptions())
			if c.Verdict != tt.want {
				t.Errorf("verdict %s (%s), want %s", c.Verdict, c.Reason, tt.want)
			}
		})
	}
}

// TestPowerlessRankTestFallsBack checks that 3+3 runs, where the U test
// can never reach 0.05, are decided by Welch's t on the logs, and that the
// reason says so.
func TestPowerlessRankTestFallsBack(t *testing.T) {
	t.Parallel()
	rule := Rule{Kind: Relative, Metric: "fps", Better: metric.Higher, MaxRegression: 0.05}
	c := Check{Rule: rule}
	judgeRelative(&c, []float64{100, 101, 99}, []float64{50, 51, 52}, DefaultOptions())
	if c.Verdict != Fail || c.Comparison == nil || c.Comparison.Test != stats.WelchLogTest || !strings.Contains(c.Reason, "welch-log") {
		t.Fatalf("verdict %s, reason %q, comparison %+v; want a fail decided by welch-log", c.Verdict, c.Reason, c.Comparison)
	}
}
