package sweeps

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ftbench/ftbench/metric"
)

// Direction says whether an objective is to be maximised or minimised.
type Direction string

// The directions of an objective.
const (
	Maximize Direction = "maximize"
	Minimize Direction = "minimize"
)

// Objective is the metric a sweep optimises.
type Objective struct {
	Metric    string
	Direction Direction
}

// Better reports whether a is better than b under the objective.
func (o Objective) Better(a, b float64) bool {
	if o.Direction == Minimize {
		return a < b
	}
	return a > b
}

// Constraint is a condition a configuration must meet to be chosen, such
// as "vram_fraction <= 0.85".
type Constraint struct {
	Metric string
	Op     string // one of <=, <, >=, >, ==, !=
	Value  float64
	Text   string // as written
}

// Holds reports whether v meets the constraint.
func (c Constraint) Holds(v float64) bool {
	switch c.Op {
	case "<=":
		return v <= c.Value
	case "<":
		return v < c.Value
	case ">=":
		return v >= c.Value
	case ">":
		return v > c.Value
	case "==":
		return v == c.Value
	case "!=":
		return v != c.Value
	}
	return false
}

func (c Constraint) String() string { return c.Text }

// unknownMetric returns why name is not a metric, naming the metrics it is
// close to, or "" when it is one.
//
// Note: this is the one place that asks which metrics exist, so that a
// change in where metric names come from is a change here alone.
func unknownMetric(name string) string {
	if metric.Known(name) {
		return ""
	}
	hint := " (`ftbench sweep --metrics` lists them)"
	if near := closest(name, metric.Names()); len(near) > 0 {
		hint = "; did you mean " + strings.Join(near, ", ") + "?"
	}
	return fmt.Sprintf("unknown metric %q%s", name, hint)
}

var constraintOps = []string{"<=", ">=", "==", "!=", "<", ">"}

// ParseConstraint parses "METRIC OP NUMBER", checking the metric's name.
func ParseConstraint(text string) (Constraint, error) {
	for _, op := range constraintOps {
		i := strings.Index(text, op)
		if i < 0 {
			continue
		}
		c := Constraint{Metric: strings.TrimSpace(text[:i]), Op: op, Text: text}
		num := strings.TrimSpace(text[i+len(op):])
		v, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return c, fmt.Errorf("constraint %q: %q is not a number", text, num)
		}
		c.Value = v
		if msg := unknownMetric(c.Metric); msg != "" {
			return c, fmt.Errorf("constraint %q: %s", text, msg)
		}
		return c, nil
	}
	return Constraint{}, fmt.Errorf("constraint %q: want METRIC OP NUMBER with OP one of %s", text, strings.Join(constraintOps, " "))
}

// objective reads the [objective] table.
func (p *parser) objective(v any) Objective {
	o := defaultObjective
	t, ok := v.(map[string]any)
	if !ok {
		p.errf("objective", "want a table with metric and direction, got %s", describe(v))
		return o
	}
	for _, k := range sortedKeys(t) {
		if k != "metric" && k != "direction" {
			p.errf("objective."+k, "unknown field; an objective has metric and direction")
		}
	}
	if m, ok := t["metric"]; ok {
		o.Metric = p.str("objective.metric", m)
		if o.Metric != "" {
			if msg := unknownMetric(o.Metric); msg != "" {
				p.errf("objective.metric", "%s", msg)
			}
		}
		if _, ok := t["direction"]; !ok {
			p.errf("objective.direction", "missing: say whether %s is to be \"maximize\"d or \"minimize\"d", o.Metric)
		}
	}
	if d, ok := t["direction"]; ok {
		o.Direction = Direction(p.str("objective.direction", d))
		if o.Direction != Maximize && o.Direction != Minimize {
			p.errf("objective.direction", "%q is not \"maximize\" or \"minimize\"", o.Direction)
		}
	}
	return o
}

// constraints reads the constraints array.
func (p *parser) constraints(v any) []Constraint {
	arr, ok := v.([]any)
	if !ok {
		p.errf("constraints", "want an array of strings such as \"vram_fraction <= 0.85\", got %s", describe(v))
		return nil
	}
	var out []Constraint
	for _, e := range arr {
		txt, ok := e.(string)
		if !ok {
			p.errf("constraints", "want strings such as \"vram_fraction <= 0.85\", got %s", describe(e))
			continue
		}
		c, err := ParseConstraint(txt)
		if err != nil {
			p.errf("constraints", "%v", err)
			continue
		}
		out = append(out, c)
	}
	return out
}
