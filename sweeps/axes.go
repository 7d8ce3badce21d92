package sweeps

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/record"
)

// Axis is one swept config field and its values, in the order tried.
type Axis struct {
	Field  string
	Values []any // as the config holds them: int, float64, string or bool
	Line   int
}

// base applies [base] over the pipeline's defaults.
func (p *parser) base(v any) (config.Config, []string, map[string]any) {
	def := config.DefaultConfig()
	t, ok := v.(map[string]any)
	if !ok {
		p.errf("base", "want a table of pipeline config fields, got %s", describe(v))
		return def, nil, nil
	}
	good := map[string]any{}
	for _, k := range sortedKeys(t) {
		f, ok := config.LookupField(k)
		if !ok {
			p.errf("base."+k, "the pipeline has no such config field%s", fieldHint(k))
			continue
		}
		if msg := kindMismatch(f, t[k]); msg != "" {
			p.errf("base."+k, "%s", msg)
			continue
		}
		if _, err := def.With(map[string]any{k: t[k]}); err != nil && fieldOf(err) == k {
			p.errf("base."+k, "%s", msgOf(err))
			continue
		}
		good[k] = t[k]
	}
	cfg, err := def.With(good)
	if err != nil {
		p.errf("base."+fieldOf(err), "%s", msgOf(err))
		return def, nil, nil
	}
	return cfg, sortedKeys(good), good
}

// axisOrder returns the axes' names in the order the file gives them.
func axisOrder(md toml.MetaData) []string {
	var out []string
	for _, k := range md.Keys() {
		if len(k) == 2 && k[0] == "axes" {
			out = append(out, k[1])
		}
	}
	return out
}

// axes validates [axes]: every key a config field, every axis non-empty,
// every value of the field's type and range.
func (p *parser) axes(v any, order []string, base config.Config, baseSet map[string]any) []Axis {
	if v == nil {
		return nil
	}
	t, ok := v.(map[string]any)
	if !ok {
		p.errf("axes", "want a table of pipeline config fields, got %s", describe(v))
		return nil
	}
	var out []Axis
	for _, k := range order {
		at := "axes." + k
		f, ok := config.LookupField(k)
		if !ok {
			p.errf(at, "the pipeline has no such config field%s", fieldHint(k))
			continue
		}
		if _, ok := baseSet[k]; ok {
			p.errf(at, "also set in [base]; a field is either fixed or swept")
			continue
		}
		vals, ok := p.axisValues(at, f, t[k])
		if !ok {
			continue
		}
		if ax, ok := p.axis(at, f, vals, base); ok {
			out = append(out, ax)
		}
	}
	return out
}

// maxAxisErrors is the most errors one axis reports; a generated axis with
// a bad value in every place is one problem, not thousands of lines.
const maxAxisErrors = 10

// axis checks each of an axis's values against its field's kind and range
// (over base) and against the values before it, and returns the axis with
// the values as the config holds them.
func (p *parser) axis(at string, f config.Field, vals []any, base config.Config) (Axis, bool) {
	k := f.Key
	ax := Axis{Field: k, Line: p.lines.line(at)}
	seen := map[string]bool{}
	good := true
	start := len(p.errs)
	for i, val := range vals {
		if len(p.errs)-start == maxAxisErrors {
			p.errf(at, "%d more values not checked", len(vals)-i)
			break
		}
		if msg := kindMismatch(f, val); msg != "" {
			p.errf(at, "%s", msg)
			good = false
			continue
		}
		cfg, err := base.With(map[string]any{k: val})
		if err != nil && fieldOf(err) == k {
			p.errf(at, "value %s: %s", record.FormatValue(val), msgOf(err))
			good = false
			continue
		}
		cv := cfg.Map()[k]
		if seen[record.FormatValue(cv)] {
			p.errf(at, "value %s appears twice", record.FormatValue(cv))
			good = false
			continue
		}
		seen[record.FormatValue(cv)] = true
		ax.Values = append(ax.Values, cv)
	}
	return ax, good
}

// axisValues turns an axis's TOML value into its list of values: an array,
// or an integer range {from, to, step} or {from, to, pow2 = true}.
func (p *parser) axisValues(at string, f config.Field, v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		if len(x) == 0 {
			p.errf(at, "empty axis: give at least one value")
			return nil, false
		}
		if len(x) > maxTrials {
			p.errf(at, "the axis has %d values; at most %d", len(x), maxTrials)
			return nil, false
		}
		return x, true
	case map[string]any:
		return p.rangeValues(at, f, x)
	default:
		p.errf(at, "want an array of values or a range {from, to, step} or {from, to, pow2 = true}, got %s", describe(v))
		return nil, false
	}
}

// intRange is an axis's range as the spec writes it.
type intRange struct {
	from, to, step int64
	pow2           bool
}

// rangeValues reads a range table and lists its values.
func (p *parser) rangeValues(at string, f config.Field, t map[string]any) ([]any, bool) {
	n := len(p.errs)
	for _, k := range sortedKeys(t) {
		if k != "from" && k != "to" && k != "step" && k != "pow2" {
			p.errf(at+"."+k, "unknown field; a range has from, to, and step or pow2")
		}
	}
	if f.Kind != reflect.Int && f.Kind != reflect.Int64 {
		p.errf(at, "a range needs an integer field; %s is a %s, so list its values", f.Key, f.Kind)
		return nil, false
	}
	r := p.intRange(at, t)
	if len(p.errs) > n {
		return nil, false
	}
	return p.rangeList(at, r)
}

// intRange reads a range table's from, to, step and pow2.
func (p *parser) intRange(at string, t map[string]any) intRange {
	get := func(k string, def int64, required bool) int64 {
		v, ok := t[k]
		if !ok {
			if required {
				p.errf(at, "range is missing %s", k)
			}
			return def
		}
		x, ok := v.(int64)
		if !ok {
			p.errf(at+"."+k, "want an integer, got %s", describe(v))
		}
		return x
	}
	var r intRange
	r.from, r.to = get("from", 0, true), get("to", 0, true)
	r.step = get("step", 1, false)
	if v, ok := t["pow2"]; ok {
		r.pow2 = p.boolean(at+".pow2", v)
		if _, ok := t["step"]; ok && r.pow2 {
			p.errf(at, "give step or pow2, not both")
		}
	}
	return r
}

// rangeList lists a range's values, refusing an empty range and one of
// more than maxTrials values.
func (p *parser) rangeList(at string, r intRange) ([]any, bool) {
	from, to, step := r.from, r.to, r.step
	var vals []any
	switch {
	case step < 1:
		p.errf(at+".step", "%d is not a positive step", step)
		return nil, false
	case !r.pow2 && to >= from && uint64(to-from)/uint64(step) >= maxTrials:
		// Note: to-from and from+i*step are computed so that they cannot
		// overflow: uint64(to-from) is exact for any to >= from, and
		// from+i*step never passes to. A range near the int64 limits
		// once made this loop wrap around and run forever (found by
		// FuzzParse).
		p.errf(at, "range %d..%d step %d has more than %d values", from, to, step, maxTrials)
		return nil, false
	case r.pow2:
		for x := int64(1); x <= to && x > 0; x *= 2 {
			if x >= from {
				vals = append(vals, x)
			}
		}
	case to >= from:
		for i := int64(0); i <= int64(uint64(to-from)/uint64(step)); i++ {
			vals = append(vals, from+i*step)
		}
	}
	if len(vals) == 0 {
		what := fmt.Sprintf("%d..%d", from, to)
		if r.pow2 {
			what += " holds no power of two"
		} else {
			what += " is empty (from > to)"
		}
		p.errf(at, "empty axis: the range %s", what)
		return nil, false
	}
	return vals, true
}

// fieldHint suggests config fields near a misspelt one.
func fieldHint(key string) string {
	var keys []string
	for _, f := range config.Fields() {
		keys = append(keys, f.Key)
	}
	if near := closest(key, keys); len(near) > 0 {
		return "; did you mean " + strings.Join(near, ", ") + "?"
	}
	return " (`ftbench run --print-config` lists them)"
}

// kindMismatch checks a TOML value against a config field's kind before
// Config.With converts it, so messages speak of what the file says.
func kindMismatch(f config.Field, v any) string {
	switch f.Kind {
	case reflect.Int, reflect.Int64:
		switch x := v.(type) {
		case int64:
			return ""
		case float64:
			if x == float64(int64(x)) {
				return ""
			}
		case string:
			if f.Auto && x == "auto" {
				return ""
			}
		}
		if f.Auto {
			return `want an integer or "auto", got ` + describe(v)
		}
		return "want an integer, got " + describe(v)
	case reflect.Float64:
		switch v.(type) {
		case int64, float64:
			return ""
		}
		return "want a number, got " + describe(v)
	case reflect.String:
		if _, ok := v.(string); ok {
			return ""
		}
		return "want a string, got " + describe(v)
	case reflect.Bool:
		if _, ok := v.(bool); ok {
			return ""
		}
		return "want true or false, got " + describe(v)
	}
	return ""
}

// fieldOf returns the config field a config error names, or "".
func fieldOf(err error) string {
	var fe *config.FieldError
	if errors.As(err, &fe) {
		return fe.Key
	}
	return ""
}

// msgOf returns a config error's message without its field.
func msgOf(err error) string {
	var fe *config.FieldError
	if errors.As(err, &fe) {
		return fe.Msg
	}
	return err.Error()
}
