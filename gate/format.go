package gate

import "github.com/ftbench/ftbench/metric"

// fmtValue renders a metric's value in its unit, for people.
func fmtValue(v float64, name string) string {
	m, _ := metric.Lookup(name)
	return metric.FormatPrecise(v, m.Unit)
}
