// Package metric is the registry of ftbench's metrics: every quantity a
// result record carries, or that is derived from one, declared once with
// its name, unit, direction, scale, KPI label, GPU flag, description and
// how to read it from a record.Result. Sweep specs, the gate, the reports,
// the Go benchmark lines and the searches read metrics only through it,
// and Format renders a value in its unit the same way everywhere.
//
// A new metric is one entry in registry.go (plus the code that measures
// it); TestRegistryCoversRecord fails when the record grows a numeric field
// no entry reads.
package metric

import (
	"slices"
	"sort"

	"github.com/ftbench/ftbench/record"
)

// Unit is the class of a metric's values, which decides how they are
// formatted. Values are always in base units (seconds, bytes, fractions);
// units apply only when formatting.
type Unit int

// The units of metrics.
const (
	Number          Unit = iota // a plain number: a count, pixels, a sample count
	Seconds                     // seconds
	Bytes                       // bytes, shown in binary units
	FramesPerSecond             // a rate: frames per second
	Fraction                    // a share of a whole (utilisation), shown as a percentage
	Ratio                       // a score in [0, 1] (hit rate), shown as is
	Cores                       // CPU cores
	MHz                         // megahertz
	Celsius                     // degrees Celsius
	Watts                       // watts
)

// String returns the unit's name: "seconds", "bytes", "frames/s", ...
func (u Unit) String() string {
	switch u {
	case Seconds:
		return "seconds"
	case Bytes:
		return "bytes"
	case FramesPerSecond:
		return "frames/s"
	case Fraction:
		return "fraction"
	case Ratio:
		return "ratio"
	case Cores:
		return "cores"
	case MHz:
		return "MHz"
	case Celsius:
		return "°C"
	case Watts:
		return "W"
	}
	return "number"
}

// Better says which way a metric improves.
type Better int

// The directions of a metric.
const (
	// Neither: a count or a setting (frames, width, samples). Such a metric
	// takes absolute thresholds; a relative gate rule on it must say which
	// way is better.
	Neither Better = iota
	Higher
	Lower
)

// String returns "higher", "lower" or "neither".
func (b Better) String() string {
	switch b {
	case Higher:
		return "higher"
	case Lower:
		return "lower"
	}
	return "neither"
}

// Scale says how a metric follows the machine's speed, which decides what
// normalising by the reference workload does to it.
type Scale int

// The scales of a metric.
const (
	Fixed Scale = iota // machine speed leaves it alone: memory, quality, counts
	Rate               // frames per second: divided by the reference's frames/s
	Time               // seconds: multiplied by the reference's frames/s
)

// Metric is everything ftbench knows about one metric.
type Metric struct {
	// Name is how sweep specs, gate rules and reports name it: "fps",
	// "stages.detect", "quality.hit_rate", "cpu_util_mean".
	Name   string
	Unit   Unit
	Better Better
	Scale  Scale
	// GPU marks a metric measured on the GPU: a run on a machine without
	// one lacks it (absent, not zero).
	GPU bool
	// GroundTruth marks a metric measured against the input's ground
	// truth: a run on an input without it lacks it.
	GroundTruth bool
	// Instrument names the instrument a run must be under to have the
	// metric ("instructions": record.InstrumentInstructions); empty when
	// plain runs have it.
	Instrument string
	// Deterministic marks a count that noise cannot move (instructions
	// under cachegrind): the gate compares its runs against their measured
	// spread, so one or two runs a side decide, and an inconclusive
	// verdict on it is a failure rather than a shrug.
	Deterministic bool
	// KPI is the metric's key in the plan's KPI table ("time", "fps"),
	// empty for a metric that is not a KPI.
	KPI string
	// Label is a short name for people, where a table or chart names the
	// metric in words ("total processing time", "VRAM used"); empty when
	// none does.
	Label string
	// Gobench is the metric's unit in Go benchmark lines ("peak-rss-B"),
	// empty when those lines do not carry it.
	Gobench string
	// Absent says why a run lacks the metric when neither GPU nor
	// GroundTruth explains it ("CPU count unknown"); empty: "not measured".
	Absent      string
	Description string

	value func(*record.Result) (float64, bool)
}

// Value returns the metric of a run; ok is false when the run lacks it (a
// failed run has no pipeline metrics, a run without a GPU no GPU metrics,
// a run without ground truth no quality).
func (m *Metric) Value(r *record.Result) (v float64, ok bool) {
	if m.value == nil || m.GPU && r.Resources.GPU != "" {
		return 0, false // not a metric, or no GPU: absent, not zero
	}
	if r.Instrument != "" && m.Clocked() {
		return 0, false // the instrument's time, not the pipeline's
	}
	return m.value(r)
}

// Clocked reports whether the metric follows the clock (times, rates,
// utilisations): an instrumented run lacks it, since under the instrument
// it measures the instrument, so such runs never mix with plain ones.
func (m *Metric) Clocked() bool {
	return m.Scale != Fixed || m.Unit == Fraction || m.Unit == Cores
}

// WhyAbsent says, in a few words, why a run lacks the metric: "no GPU",
// "timed under the instructions instrument", "no ground truth", "CPU count unknown", or "not measured".
func (m *Metric) WhyAbsent(r *record.Result) string {
	switch {
	case m.GPU && r.Resources.GPU != "":
		return "no GPU"
	case r.Instrument != "" && m.Clocked():
		return "timed under the " + r.Instrument + " instrument"
	case m.GroundTruth && (r.Metrics == nil || r.Metrics.Quality == nil):
		return "no ground truth"
	case m.Absent != "":
		return m.Absent
	case m.GroundTruth:
		return "no ground truth"
	}
	return "not measured"
}

// byName indexes the registry.
var byName = func() map[string]*Metric {
	out := make(map[string]*Metric, len(registry))
	for i := range registry {
		m := &registry[i]
		if _, dup := out[m.Name]; dup {
			panic("metric: " + m.Name + " is declared twice")
		}
		out[m.Name] = m
	}
	return out
}()

// Lookup returns the named metric. For a name no record has, ok is false
// and m is a metric of that name with no unit, direction or scale, which
// no run has.
func Lookup(name string) (m *Metric, ok bool) {
	if m, ok = byName[name]; ok {
		return m, true
	}
	return &Metric{Name: name}, false
}

// Known reports whether name is a metric.
func Known(name string) bool {
	_, ok := byName[name]
	return ok
}

// Value returns the named metric of a run; ok is false when the run lacks
// it or the name is no metric.
func Value(r *record.Result, name string) (v float64, ok bool) {
	m, _ := Lookup(name)
	return m.Value(r)
}

// Names returns every metric's name, sorted. `ftbench sweep --metrics`
// lists them.
func Names() []string {
	out := make([]string, 0, len(registry))
	for i := range registry {
		out = append(out, registry[i].Name)
	}
	sort.Strings(out)
	return out
}

// All returns every metric, in the registry's order.
func All() []*Metric {
	out := make([]*Metric, 0, len(registry))
	for i := range registry {
		out = append(out, &registry[i])
	}
	return out
}

// KPIs returns the plan's KPI table: the metrics with a KPI key, in the
// table's order.
func KPIs() []*Metric {
	return slices.DeleteFunc(All(), func(m *Metric) bool { return m.KPI == "" })
}
