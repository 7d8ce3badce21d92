package sweeps

import (
	"fmt"

	"github.com/ftbench/ftbench/stats"
	"github.com/ftbench/ftbench/tune/strategy"
)

// maxPlannedRuns bounds the runs a spec may plan at its most (trials x
// (warm-ups + max repeats)), so that a typo in max (3000 for 30) is an
// error rather than a sweep of weeks.
const maxPlannedRuns = 100000

// repeats reads repeats: a positive integer (that many rounds), or a
// table { min, max, ci } (repeat until decided).
func (p *parser) repeats(s *Spec, v any) {
	switch x := v.(type) {
	case map[string]any:
		p.repeatsTable(s, x)
	default:
		n, ok := p.integer("repeats", v)
		if !ok {
			return
		}
		if n < 1 {
			p.errf("repeats", "%d is not a positive integer", n)
			return
		}
		s.Repeats, s.RepeatsMax, s.RepeatsCI = int(n), int(n), 0
	}
}

// repeatsTable reads repeats = { min = 5, max = 30, ci = 0.02 }.
func (p *parser) repeatsTable(s *Spec, t map[string]any) {
	want := map[string]string{"min": "", "max": "", "ci": ""}
	for _, k := range sortedKeys(t) {
		if _, ok := want[k]; !ok {
			p.errf("repeats."+k, "unknown field; repeats = { min = 5, max = 30, ci = 0.02 } has min, max and ci")
		}
	}
	for _, k := range []string{"min", "max", "ci"} {
		if _, ok := t[k]; !ok {
			p.errf("repeats", "the table lacks %s; write repeats = { min = 5, max = 30, ci = 0.02 }", k)
		}
	}
	lo, okLo := p.integer("repeats.min", t["min"])
	hi, okHi := p.integer("repeats.max", t["max"])
	var ci float64
	okCI := true
	switch c := t["ci"].(type) {
	case float64:
		ci = c
	case nil:
		okCI = false
	default:
		p.errf("repeats.ci", "want a fraction such as 0.02 (a relative half-width), got %s", describe(c))
		okCI = false
	}
	switch {
	case okLo && lo < 1:
		p.errf("repeats.min", "%d is not a positive integer", lo)
	case okLo && okHi && hi < lo:
		p.errf("repeats.max", "max = %d is below min = %d", hi, lo)
	case okHi && hi > maxPlannedRuns:
		p.errf("repeats.max", "%d rounds is too many; at most %d", hi, maxPlannedRuns)
	case okCI && !(ci > 0 && ci < 1):
		p.errf("repeats.ci", "%g is not a fraction between 0 and 1 (0.02 asks for a median within ±2%%)", ci)
	case okLo && okHi && okCI:
		s.Repeats, s.RepeatsMax, s.RepeatsCI = int(lo), int(hi), ci
	}
}

// repeatsRuns checks that the spec's most runs stay within maxPlannedRuns.
func (p *parser) repeatsRuns(s *Spec) {
	runs := len(s.combos) * (s.Warmups + s.RepeatsMax)
	if runs > maxPlannedRuns {
		p.errf("repeats", "%d trials x (%d warm-ups + %d repeats) plan %d runs, more than %d; lower max or the axes",
			len(s.combos), s.Warmups, s.RepeatsMax, runs, maxPlannedRuns)
	}
}

// repeatsPower warns when the least rounds cannot reach the significance
// level of the rank test the gate and reports compare trials with: with
// 3 runs a side its smallest two-sided p is 0.1, so nothing can differ at
// 0.05.
func (p *parser) repeatsPower(s *Spec) {
	if s.Instrument != "" || s.Search != nil && s.Search.Strategy != strategy.Grid {
		// Instruments are compared against their measured spread, and a
		// search sets its own repeats per evaluation.
		return
	}
	o := stats.DefaultOptions()
	need := stats.MinIntervalRuns(o)
	if s.Repeats >= need {
		return
	}
	where := p.file
	if n := p.lines.line("repeats"); n > 0 {
		where = fmt.Sprintf("%s:%d", p.file, n)
	}
	s.Warnings = append(s.Warnings, fmt.Sprintf("%s: repeats = %d cannot reach alpha = %g with the rank test (its smallest p for %d+%d runs is %.3f); %d repeats would, and where it cannot the comparison falls back to Welch's t on logs",
		where, s.Repeats, o.Alpha, s.Repeats, s.Repeats, stats.MinP(s.Repeats, s.Repeats, o), need))
}
