package sweeps

import (
	_ "embed"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/ftbench/ftbench/metric"
)

// KPITarget is one row of the plan's KPI table: where the KPI stands
// today and the goal a config must reach, for the report's scorecard.
// Values are in the metric's base units (seconds, fractions, frames/s).
type KPITarget struct {
	// Key is the KPI's key in the metric registry ("time", "gpu", "cpu",
	// "vram", "fps").
	Key string
	// Metric is the registry's metric for Key ("wall_seconds", "fps").
	Metric string
	// Today is the plan's value today.
	Today float64
	// Op and Goal say what meets the goal: the measured value Op Goal
	// ("<= 4", ">= 0.9").
	Op   string
	Goal float64
}

// Met reports whether a measured value meets the goal.
func (k KPITarget) Met(v float64) bool {
	return Constraint{Op: k.Op, Value: k.Goal}.Holds(v)
}

//go:embed plan/kpi.toml
var planKPIs []byte

// DefaultKPIs returns the plan's KPI table, as plan/kpi.toml declares it:
// a one-minute video in 59 s today, 3-4 s as the goal; GPU 20% -> 90%+;
// CPU 3% -> 80%+; VRAM 15% -> 85%+; 30 -> 400+ frames/s. A spec's [kpi]
// table changes any of them.
//
// Note: the time KPI is the total processing time of one minute of the
// input's video, so the report scales each run's wall time to that.
func DefaultKPIs() []KPITarget {
	out := make([]KPITarget, 0, len(kpiKeys))
	for _, m := range metric.KPIs() {
		if slices.Contains(kpiKeys, m.KPI) {
			out = append(out, KPITarget{Key: m.KPI, Metric: m.Name})
		}
	}
	raw := map[string]any{}
	if _, err := toml.Decode(string(planKPIs), &raw); err != nil {
		panic("sweeps: plan/kpi.toml: " + err.Error())
	}
	p := &parser{file: "plan/kpi.toml", lines: scanKeyLines(string(planKPIs))}
	out = p.applyKPIs(out, raw["kpi"])
	if len(p.errs) > 0 {
		panic("sweeps: " + p.errs.Error())
	}
	return out
}

// kpiKeys are the plan's KPIs, in the order of its table.
var kpiKeys = []string{"time", "gpu", "cpu", "vram", "fps"}

// kpiOps are the comparisons a KPI goal may use.
var kpiOps = []string{"<=", ">=", "<", ">"}

// kpis reads the [kpi] table over the defaults: each key a KPI of the
// registry, each value a table { today = NUMBER, goal = "OP NUMBER" }.
func (p *parser) kpis(v any) []KPITarget {
	return p.applyKPIs(DefaultKPIs(), v)
}

// applyKPIs applies a [kpi] table to the targets ks.
func (p *parser) applyKPIs(ks []KPITarget, v any) []KPITarget {
	out := slices.Clone(ks)
	t, ok := v.(map[string]any)
	if !ok {
		p.errf("kpi", "want a table of KPIs such as fps = { today = 30, goal = \">= 400\" }, got %s", describe(v))
		return out
	}
	var keys []string
	for _, k := range out {
		keys = append(keys, k.Key)
	}
	for _, key := range sortedKeys(t) {
		at := "kpi." + key
		i := indexKPI(out, key)
		if i < 0 {
			hint := ""
			if near := closest(key, keys); len(near) > 0 {
				hint = "; did you mean " + strings.Join(near, ", ") + "?"
			}
			p.errf(at, "unknown KPI; the plan's KPIs are %s%s", strings.Join(keys, ", "), hint)
			continue
		}
		row, ok := t[key].(map[string]any)
		if !ok {
			p.errf(at, "want a table { today = NUMBER, goal = \"OP NUMBER\" }, got %s", describe(t[key]))
			continue
		}
		for _, f := range sortedKeys(row) {
			switch f {
			case "today":
				if n, ok := p.number(at+".today", row[f]); ok {
					out[i].Today = n
				}
			case "goal":
				if op, n, ok := p.kpiGoal(at+".goal", row[f]); ok {
					out[i].Op, out[i].Goal = op, n
				}
			default:
				p.errf(at+"."+f, "unknown field; a KPI has today and goal")
			}
		}
	}
	return out
}

func indexKPI(ks []KPITarget, key string) int {
	for i, k := range ks {
		if k.Key == key {
			return i
		}
	}
	return -1
}

// number reads an integer or a float.
func (p *parser) number(field string, v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	p.errf(field, "want a number, got %s", describe(v))
	return 0, false
}

// kpiGoal reads a goal such as ">= 400".
func (p *parser) kpiGoal(field string, v any) (string, float64, bool) {
	txt, ok := v.(string)
	if !ok {
		p.errf(field, "want a string such as \">= 400\", got %s", describe(v))
		return "", 0, false
	}
	s := strings.TrimSpace(txt)
	for _, op := range kpiOps {
		if rest, ok := strings.CutPrefix(s, op); ok {
			n, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				p.errf(field, "%q: %q is not a number", txt, strings.TrimSpace(rest))
				return "", 0, false
			}
			return op, n, true
		}
	}
	p.errf(field, "%q is not OP NUMBER with OP one of %s", txt, strings.Join(kpiOps, " "))
	return "", 0, false
}
