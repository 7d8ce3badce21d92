package stats

import "math"

// MinIntervalRuns returns the fewest values a side for which Compare and
// HodgesLehmann give a finite interval at 1 - o.Alpha, and a two-sided U
// test can reach o.Alpha (the same number): 4 at 0.05, where 3 a side
// give at best P = 2/20 = 0.1.
func MinIntervalRuns(o Options) int {
	o, _ = o.checked()
	n := 1
	for {
		if k, _ := shiftCIRank(n, n, o); k > 0 {
			return n
		}
		n++
	}
}

// HalfWidth returns the expected half-width, on the log scale, of
// Compare's interval of the ratio for n and m values with robust
// coefficient of variation cv:
//
//	z · cv · sqrt((π/3) · (1/n + 1/m)),  z = o.Z()
//
// The normal interval of a difference of means is z·σ·sqrt(1/n + 1/m); the
// Hodges-Lehmann estimator's efficiency under normal noise is 3/π, which
// widens it by sqrt(π/3). For small cv, σ of the logs is about cv.
func HalfWidth(cv float64, n, m int, o Options) float64 {
	return o.Z() * cv * math.Sqrt(math.Pi/3*(1/float64(n)+1/float64(m)))
}

// SettleRepeats returns the values a side that would shrink Compare's
// interval to a half-width of tol (a fraction) for samples with robust
// coefficient of variation cv: HalfWidth solved for n = m,
//
//	n = ceil( (2π/3) · (z · cv / tol)² ),
//
// at least MinIntervalRuns and at most math.MaxInt32. It is 0 when tol is
// not positive or cv is not finite.
func SettleRepeats(cv, tol float64, o Options) int {
	if !(tol > 0) || math.IsNaN(cv) || math.IsInf(cv, 0) {
		return 0
	}
	n := math.Ceil(2 * math.Pi / 3 * math.Pow(o.Z()*cv/tol, 2))
	return max(int(math.Min(n, math.MaxInt32)), MinIntervalRuns(o))
}
