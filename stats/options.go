package stats

import (
	"fmt"

	"github.com/montanaflynn/stats"
)

// Alternative is the hypothesis a comparison tests against "no difference".
type Alternative int

// The alternatives, for a comparison of a sample x (the baseline) with a
// sample y (the candidate).
const (
	// TwoSided is the alternative that y and x differ.
	TwoSided Alternative = iota
	// Greater is the alternative that y tends to be larger than x.
	Greater
	// Less is the alternative that y tends to be smaller than x.
	Less
)

// Test names the test a Comparison's P comes from.
type Test string

// The tests.
const (
	// MannWhitneyTest is the Mann-Whitney U test, with the Hodges-Lehmann
	// ratio and its Moses interval: the default.
	MannWhitneyTest Test = "mann-whitney"
	// WelchLogTest is Welch's t-test on the logs of the values, with the
	// ratio of the geometric means and its t interval: it has power with
	// as few as 2 values a side, where the U test has none, at the price
	// of assuming the logs are about normal.
	WelchLogTest Test = "welch-log"
)

// Options are the statistical tunables. The zero value of a field means its
// default; DefaultOptions spells them out.
type Options struct {
	// Confidence is the level of a Summary's interval of the median.
	// Default 0.95.
	Confidence float64
	// Alpha is the significance level of a Comparison; its shift interval
	// is at level 1 - Alpha. Default 0.05.
	Alpha float64
	// Alternative is the hypothesis the U test takes against no
	// difference. Default TwoSided.
	Alternative Alternative
	// ExactLimit is the largest pooled sample (n + m runs) whose U test
	// and shift interval come from the exact distribution; larger ones use
	// the normal approximation. Default 100; a negative value means always
	// the approximation.
	ExactLimit int
	// Test is the test Compare uses. Default MannWhitneyTest.
	Test Test
	// PowerFallback makes Compare use WelchLogTest where the U test can
	// never reach Alpha at these sample sizes (Comparison.Powerless: 3+3
	// runs give at best p = 0.1) and Welch's t on the logs can; the
	// Comparison's Test says which decided. Default off.
	PowerFallback bool
}

// DefaultOptions returns the defaults.
func DefaultOptions() Options {
	return Options{Confidence: 0.95, Alpha: 0.05, Alternative: TwoSided, ExactLimit: 100, Test: MannWhitneyTest}
}

// Validate reports an out-of-range option.
func (o Options) Validate() error {
	o = o.withDefaults()
	switch {
	case !(o.Confidence > 0 && o.Confidence < 1):
		return fmt.Errorf("confidence %g: want a level between 0 and 1, such as 0.95", o.Confidence)
	case !(o.Alpha > 0 && o.Alpha < 1):
		return fmt.Errorf("alpha %g: want a level between 0 and 1, such as 0.05", o.Alpha)
	case o.Alternative < TwoSided || o.Alternative > Less:
		return fmt.Errorf("alternative %d: want TwoSided, Greater or Less", o.Alternative)
	case o.Test != MannWhitneyTest && o.Test != WelchLogTest:
		return fmt.Errorf("test %q: want %q or %q", o.Test, MannWhitneyTest, WelchLogTest)
	}
	return nil
}

// Z returns the two-sided critical value of the normal distribution at
// Alpha, the z with P(|Z| > z) = Alpha (1.96 at 0.05).
func (o Options) Z() float64 {
	o, _ = o.checked()
	return stats.NormPpf(1-o.Alpha/2, 0, 1)
}

// withDefaults fills the zero fields.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.Confidence == 0 {
		o.Confidence = d.Confidence
	}
	if o.Alpha == 0 {
		o.Alpha = d.Alpha
	}
	if o.ExactLimit == 0 {
		o.ExactLimit = d.ExactLimit
	}
	if o.Test == "" {
		o.Test = d.Test
	}
	return o
}

// checked returns o with its defaults and, when a field is out of range, a
// warning and the default in its place: a statistic is still computed, at a
// level the caller can see in the result.
func (o Options) checked() (Options, []error) {
	o = o.withDefaults()
	d := DefaultOptions()
	var warnings []error
	if !(o.Confidence > 0 && o.Confidence < 1) {
		warnings = append(warnings, fmt.Errorf("confidence %g is not between 0 and 1; using %g", o.Confidence, d.Confidence))
		o.Confidence = d.Confidence
	}
	if !(o.Alpha > 0 && o.Alpha < 1) {
		warnings = append(warnings, fmt.Errorf("alpha %g is not between 0 and 1; using %g", o.Alpha, d.Alpha))
		o.Alpha = d.Alpha
	}
	if o.Alternative < TwoSided || o.Alternative > Less {
		warnings = append(warnings, fmt.Errorf("alternative %d is none of TwoSided, Greater, Less; using TwoSided", o.Alternative))
		o.Alternative = TwoSided
	}
	if o.Test != MannWhitneyTest && o.Test != WelchLogTest {
		warnings = append(warnings, fmt.Errorf("test %q is neither %q nor %q; using %q", o.Test, MannWhitneyTest, WelchLogTest, MannWhitneyTest))
		o.Test = MannWhitneyTest
	}
	return o, warnings
}
