package stats

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// TTest is the outcome of Welch's t-test of a sample y against a sample x
// on the logs of their values.
type TTest struct {
	// Shift is the difference of the means of the logs, y's minus x's:
	// exp(Shift) is the ratio of the geometric means. NaN when a sample
	// is empty or holds a value that is not positive.
	Shift float64
	// Lo and Hi bound Shift at confidence 1 - Alpha (two-sided whatever
	// o.Alternative): Welch's t interval. They are -Inf and +Inf with
	// fewer than 2 values a side.
	Lo, Hi float64
	// T is Shift over its standard error; ±Inf when neither sample
	// varies and the means differ, NaN when it is not defined.
	T float64
	// DF is the Welch-Satterthwaite degrees of freedom; NaN when not
	// defined.
	DF float64
	// P is the p-value of o.Alternative; 1 when the test does not apply.
	P float64
	// Warnings says what P cannot be trusted for.
	Warnings []error
}

// ErrNotPositive is wrapped by the warning of a test on logs given a value
// that is not positive.
var ErrNotPositive = errors.New("a value is not positive")

// WelchLog tests whether y differs from x (o.Alternative) by Welch's
// t-test on the logs of the values, as SciPy's
// ttest_ind(log(y), log(x), equal_var=False) computes it; the package doc
// says when to prefer it to the U test.
func WelchLog(x, y *Sample, o Options) TTest {
	o, warnings := o.checked()
	t := welchLog(x, y, o)
	t.Warnings = slices.Concat(x.Warnings, y.Warnings, warnings, t.Warnings)
	return t
}

// welchLog is WelchLog with checked options.
func welchLog(x, y *Sample, o Options) TTest {
	t := TTest{Shift: math.NaN(), Lo: math.Inf(-1), Hi: math.Inf(1), T: math.NaN(), DF: math.NaN(), P: 1}
	n, m := len(x.Values), len(y.Values)
	if n == 0 || m == 0 {
		t.Warnings = append(t.Warnings, fmt.Errorf("a sample has no values: %w", ErrTooFew))
		return t
	}
	if x.Values[0] <= 0 || y.Values[0] <= 0 {
		t.Warnings = append(t.Warnings, fmt.Errorf("no logs: %w", ErrNotPositive))
		return t
	}
	lx, ly := logs(x).Values, logs(y).Values
	mx, vx := meanVar(lx)
	my, vy := meanVar(ly)
	t.Shift = my - mx
	if n < 2 || m < 2 {
		t.Warnings = append(t.Warnings, fmt.Errorf("%d+%d values: a t-test needs >= 2 a side: %w", n, m, ErrTooFew))
		return t
	}
	sx, sy := vx/float64(n), vy/float64(m)
	se := math.Sqrt(sx + sy)
	if se == 0 {
		// Neither sample varies: the difference is all there is.
		t.Lo, t.Hi = t.Shift, t.Shift
		t.Warnings = append(t.Warnings, errors.New("neither sample varies, so the t-test's p-value is 0 or 1"))
		if t.Shift == 0 {
			return t
		}
		t.T = math.Copysign(math.Inf(1), t.Shift)
		upper, lower := 0.0, 1.0
		if t.Shift < 0 {
			upper, lower = 1, 0
		}
		t.P = pValue(o.Alternative, upper, lower)
		return t
	}
	t.DF = (sx + sy) * (sx + sy) / (sx*sx/float64(n-1) + sy*sy/float64(m-1))
	t.T = t.Shift / se
	t.P = pValue(o.Alternative, studentSf(t.T, t.DF), studentSf(-t.T, t.DF))
	q := studentQuantile(1-o.Alpha/2, t.DF) * se
	t.Lo, t.Hi = t.Shift-q, t.Shift+q
	return t
}

// meanVar returns the mean and the unbiased variance of v (at least one
// value; the variance is NaN for one).
func meanVar(v []float64) (mean, variance float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		variance += (x - mean) * (x - mean)
	}
	return mean, variance / float64(len(v)-1)
}

// studentSf returns P(T >= t) for T with Student's t distribution with df
// degrees of freedom.
//
// Note: P(|T| >= |t|) = I_{df/(df+t²)}(df/2, 1/2), the regularized
// incomplete beta function.
func studentSf(t, df float64) float64 {
	if math.IsInf(t, 0) {
		if t > 0 {
			return 0
		}
		return 1
	}
	tail := regIncBeta(df/2, 0.5, df/(df+t*t)) / 2
	if t < 0 {
		return 1 - tail
	}
	return tail
}

// studentQuantile returns the t with P(T <= t) = p, for p in [1/2, 1).
func studentQuantile(p, df float64) float64 {
	target := 1 - p
	lo, hi := 0.0, 1.0
	for studentSf(hi, df) > target {
		lo, hi = hi, 2*hi
	}
	// Bisection to the float64 resolution: the tail is monotone.
	for range 200 {
		mid := (lo + hi) / 2
		if mid == lo || mid == hi {
			break
		}
		if studentSf(mid, df) > target {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// regIncBeta returns the regularized incomplete beta function I_x(a, b).
//
// Note: the continued fraction of Numerical Recipes (betacf, modified
// Lentz), which converges fast for x < (a+1)/(a+b+2); beyond, the symmetry
// I_x(a, b) = 1 - I_{1-x}(b, a).
func regIncBeta(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	case x > (a+1)/(a+b+2):
		return 1 - regIncBeta(b, a, 1-x)
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(lab-la-lb+a*math.Log(x)+b*math.Log1p(-x)) / a
	const tiny = 1e-300
	f, c, d := 1.0, 1.0, 0.0
	for i := 0; i <= 1000; i++ {
		var num float64
		switch k := float64(i / 2); {
		case i == 0:
			num = 1
		case i%2 == 0:
			num = k * (b - k) * x / ((a + 2*k - 1) * (a + 2*k))
		default:
			num = -(a + k) * (a + b + k) * x / ((a + 2*k) * (a + 2*k + 1))
		}
		d = 1 + num*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		d = 1 / d
		c = 1 + num/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		cd := c * d
		f *= cd
		if math.Abs(cd-1) < 1e-16 {
			break
		}
	}
	return front * (f - 1)
}
