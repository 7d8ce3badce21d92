package gate

import (
	"fmt"

	"github.com/ftbench/ftbench/stats"
)

// Options are the gate's statistical tunables. The zero value of a field
// means its default; DefaultOptions spells them out.
type Options struct {
	// Alpha is the significance level of the Mann-Whitney U test; the
	// confidence intervals are at level 1 - Alpha. Default 0.05.
	Alpha float64
	// MinSamples is the fewest counted runs a side below which a
	// comparison is inconclusive whatever the numbers say. Default 3.
	MinSamples int
	// Resolution is the smallest relative change worth resolving, used in
	// place of a rule's allowance when the allowance is smaller (a rule
	// that allows no change at all). Default 0.02.
	Resolution float64
}

// DefaultOptions returns the defaults.
func DefaultOptions() Options {
	return Options{Alpha: 0.05, MinSamples: 3, Resolution: 0.02}
}

// withDefaults fills the zero fields.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.Alpha == 0 {
		o.Alpha = d.Alpha
	}
	if o.MinSamples == 0 {
		o.MinSamples = d.MinSamples
	}
	if o.Resolution == 0 {
		o.Resolution = d.Resolution
	}
	return o
}

// Validate reports an out-of-range option.
func (o Options) Validate() error {
	o = o.withDefaults()
	switch {
	case !(o.Alpha > 0 && o.Alpha < 0.5):
		return fmt.Errorf("alpha %g: want a level between 0 and 0.5, such as 0.05", o.Alpha)
	case o.MinSamples < 2:
		return fmt.Errorf("min samples %d: want at least 2", o.MinSamples)
	case !(o.Resolution > 0 && o.Resolution < 1):
		return fmt.Errorf("resolution %g: want a fraction between 0 and 1, such as 0.02", o.Resolution)
	}
	return nil
}

// statsOptions returns what the gate asks of the stats package: two-sided
// tests at Alpha, and every interval, of a median too, at 1 - Alpha.
func (o Options) statsOptions() stats.Options {
	o = o.withDefaults()
	return stats.Options{Alpha: o.Alpha, Confidence: 1 - o.Alpha}
}
