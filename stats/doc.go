// Package stats summarizes samples of benchmark measurements: the runs of
// one trial, by their median with a distribution-free confidence interval.
// It never prints.
//
// # The interval rule for small samples: infinite
//
// Lo and Hi always bound the median with at least the confidence asked
// for. When the sample is too small for any pair of order statistics to
// reach it (fewer than 6 runs for a 95% interval), Lo is -Inf and Hi is
// +Inf, with a warning that says how many runs would do. The sample's range
// is not offered instead: five runs' range covers the median only 94% of
// the time, and a caller reading Lo and Hi would show it as a 95% interval.
// The actual coverage of a finite interval, which order statistics give in
// steps, is in Confidence. This is benchmath's rule.
package stats
