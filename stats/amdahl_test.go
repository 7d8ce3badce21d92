package stats

import (
	"math"
	"testing"
)

func TestFitAmdahl(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		n, speedup []float64
		wantP      float64
		wantRMS    float64
		wantPoints int
		wantLimit  float64
	}{
		// p = 0.8: S(2) = 1/(0.2+0.4) = 5/3, S(4) = 1/(0.2+0.2) = 2.5.
		{name: "exact", n: []float64{1, 2, 4}, speedup: []float64{1, 5.0 / 3, 2.5}, wantP: 0.8, wantRMS: 0, wantPoints: 3, wantLimit: 5},
		// x = (0, 1/2, 3/4), y = 1 - 1/S = (0, 3/8, 3/5): Σxy = 3/16 + 9/20
		// = 51/80, Σx² = 1/4 + 9/16 = 13/16, p = 51/65. Residuals y - p·x:
		// 0, 3/8 - 51/130 = -9/520, 3/5 - 153/260 = 3/260; RMS =
		// sqrt((81 + 36)/520² / 3) = sqrt(39)/520.
		{name: "least squares", n: []float64{1, 2, 4}, speedup: []float64{1, 1.6, 2.5}, wantP: 51.0 / 65, wantRMS: math.Sqrt(39) / 520, wantPoints: 3, wantLimit: 65.0 / 14},
		// Two workers take 1.25 times as long: y = -1/4 at x = 1/2, p = -1/2.
		{name: "slower", n: []float64{1, 2}, speedup: []float64{1, 0.8}, wantP: -0.5, wantRMS: 0, wantPoints: 2, wantLimit: math.NaN()},
		// Superlinear: S(2) = 4, y = 3/4 at x = 1/2, p = 3/2.
		{name: "superlinear", n: []float64{1, 2}, speedup: []float64{1, 4}, wantP: 1.5, wantRMS: 0, wantPoints: 2, wantLimit: math.Inf(1)},
		{name: "baseline only", n: []float64{1}, speedup: []float64{1}, wantP: math.NaN(), wantRMS: math.NaN(), wantPoints: 1, wantLimit: math.NaN()},
		{name: "bad values skipped", n: []float64{1, 2, 0, 4}, speedup: []float64{1, 5.0 / 3, 3, math.Inf(1)}, wantP: 0.8, wantRMS: 0, wantPoints: 2, wantLimit: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := FitAmdahl(tt.n, tt.speedup)
			if !near(a.P, tt.wantP) || !near(a.RMS, tt.wantRMS) || a.Points != tt.wantPoints || !near(a.Limit(), tt.wantLimit) {
				t.Errorf("FitAmdahl = P %v RMS %v points %d limit %v, want %v %v %d %v", a.P, a.RMS, a.Points, a.Limit(), tt.wantP, tt.wantRMS, tt.wantPoints, tt.wantLimit)
			}
			if !math.IsNaN(tt.wantP) {
				for i, n := range tt.n {
					if tt.wantRMS == 0 && n > 0 && !math.IsInf(tt.speedup[i], 0) && tt.speedup[i] != 3 && !near(a.Speedup(n), tt.speedup[i]) {
						t.Errorf("Speedup(%v) = %v, want %v (an exact fit)", n, a.Speedup(n), tt.speedup[i])
					}
				}
			}
		})
	}
}

func near(got, want float64) bool {
	if math.IsNaN(want) || math.IsInf(want, 0) {
		return math.IsNaN(got) && math.IsNaN(want) || got == want
	}
	return math.Abs(got-want) <= 1e-12*math.Max(1, math.Abs(want))
}
