package stats

import "math"

// Amdahl is Amdahl's law fitted to measured speedups: with a fraction P of
// the work parallel, n workers run 1/S(n) = (1-P) + P/n of the time one
// takes.
type Amdahl struct {
	// P is the least-squares parallel fraction; NaN when no point has
	// n != 1. It is not clamped: P < 0 says more workers slowed the work
	// down, P > 1 that they sped it up beyond the ideal S = n, which the
	// law cannot describe.
	P float64
	// RMS is the root mean square of the residuals in 1/S, in units of one
	// worker's time; NaN with P.
	RMS float64
	// Points counts the points fitted, the baseline (n = 1) included.
	Points int
}

// FitAmdahl fits Amdahl's law to speedups S[i] measured at n[i] workers
// (relative to a baseline at n = 1) by least squares on the time fraction
// 1/S = (1-P) + P/n.
//
// Note: with x = 1 - 1/n and y = 1 - 1/S the model is y = P·x, a line
// through the origin, so P = Σxy / Σx². Fitting 1/S rather than S weighs
// every point by the time it saves, which keeps one large n from ruling
// the fit; the baseline (x = y = 0) adds nothing but is counted in Points.
func FitAmdahl(n, speedup []float64) Amdahl {
	a := Amdahl{P: math.NaN(), RMS: math.NaN()}
	var sxy, sxx float64
	var xs, ys []float64
	for i := range min(len(n), len(speedup)) {
		if !(n[i] > 0) || !(speedup[i] > 0) || math.IsInf(n[i], 0) || math.IsInf(speedup[i], 0) {
			continue
		}
		x, y := 1-1/n[i], 1-1/speedup[i]
		xs, ys = append(xs, x), append(ys, y)
		sxy += x * y
		sxx += x * x
	}
	a.Points = len(xs)
	if sxx == 0 {
		return a
	}
	a.P = sxy / sxx
	var ss float64
	for i := range xs {
		d := ys[i] - a.P*xs[i]
		ss += d * d
	}
	a.RMS = math.Sqrt(ss / float64(len(xs)))
	return a
}

// Limit returns the speedup no number of workers exceeds under the fit,
// 1/(1-P): +Inf for P >= 1, NaN when P is NaN or below 0 (no limit: more
// workers only slow it down).
func (a Amdahl) Limit() float64 {
	switch {
	case math.IsNaN(a.P) || a.P < 0:
		return math.NaN()
	case a.P >= 1:
		return math.Inf(1)
	}
	return 1 / (1 - a.P)
}

// Speedup returns the fitted speedup at n workers, 1/((1-P) + P/n).
func (a Amdahl) Speedup(n float64) float64 { return 1 / ((1 - a.P) + a.P/n) }
