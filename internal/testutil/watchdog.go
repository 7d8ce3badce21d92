// Package testutil holds what the tests of several packages share.
package testutil

import "time"

// Watchdog panics, crashing the fuzz worker so the input is kept as a
// crasher, when the returned stop is not called within d.
//
// Note: go test -fuzz has no per-input time limit, so a parser that loops
// forever on some input would otherwise show up only as a stalled run.
func Watchdog(d time.Duration, what string) (stop func()) {
	t := time.AfterFunc(d, func() { panic(what + " took longer than " + d.String()) })
	return func() { t.Stop() }
}
