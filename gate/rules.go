package gate

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/ftbench/ftbench/internal/tomlguard"
	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/sweeps"
)

// RuleKind tells relative rules from absolute thresholds.
type RuleKind int

// The kinds of rule.
const (
	// Relative: the candidate may not be worse than the baseline by more
	// than MaxRegression.
	Relative RuleKind = iota
	// Threshold: the candidate's median must meet Op Value.
	Threshold
)

// Rule is one condition the gate checks on a trial.
type Rule struct {
	Kind   RuleKind
	Metric string
	Better metric.Better // which way the metric improves (Relative)

	MaxRegression float64 // Relative: the allowed worsening, a fraction (0.05 = 5%)

	Op    string // Threshold: <=, <, >=, >, ==, !=
	Value float64

	// Source says where the rule comes from, for messages: "default",
	// "gate.toml:4", "gate.toml:12 (trial X)".
	Source string
}

// Limit returns the ratio candidate/baseline at the edge of what a
// Relative rule allows: 0.95 for "fps may drop 5%", 1.05 for
// "wall_seconds may grow 5%".
func (r Rule) Limit() float64 {
	if r.Better == metric.Lower {
		return 1 + r.MaxRegression
	}
	return 1 - r.MaxRegression
}

// Holds reports whether v meets a Threshold rule.
func (r Rule) Holds(v float64) bool {
	return sweeps.Constraint{Metric: r.Metric, Op: r.Op, Value: r.Value}.Holds(v)
}

// String renders the rule the way tables show it: "fps -5%" (may drop
// 5%), "wall_seconds +10%", "fps >= 300".
func (r Rule) String() string {
	if r.Kind == Threshold {
		return fmt.Sprintf("%s %s %s", r.Metric, r.Op, strconv.FormatFloat(r.Value, 'g', -1, 64))
	}
	sign := "-"
	if r.Better == metric.Lower {
		sign = "+"
	}
	return fmt.Sprintf("%s %s%s%%", r.Metric, sign, strconv.FormatFloat(r.MaxRegression*100, 'g', 4, 64))
}

// Rules are the rules of a gate: the ones every trial gets, and per-trial
// replacements.
type Rules struct {
	File   string
	Global []Rule
	// Trials maps a trial id or label to its overrides.
	Trials map[string]*Override
	// Keys are Trials' keys in file order.
	Keys []string
}

// Override is a trial's replacement rules. A relative rule replaces the
// global relative rule on the same metric, and Off drops one; a thresholds
// list, when the override has one (even empty), replaces the global list.
type Override struct {
	Relative      []Rule
	Off           []string // metrics whose relative rule is turned off
	HasThresholds bool
	Thresholds    []Rule
	Source        string // where the override is, "gate.toml:20"
}

// DefaultRules are the rules when no rules file is given: frames/s may not
// drop by more than 5%.
func DefaultRules() *Rules {
	return &Rules{File: "default", Global: []Rule{{
		Kind: Relative, Metric: "fps", Better: metric.Higher, MaxRegression: 0.05, Source: "default rules",
	}}}
}

// For returns the rules of the trial with the given id and label: the
// global ones, changed by the overrides that name the trial, in file order.
func (rs *Rules) For(id, label string) []Rule {
	var rel, thr []Rule
	for _, r := range rs.Global {
		if r.Kind == Relative {
			rel = append(rel, r)
		} else {
			thr = append(thr, r)
		}
	}
	for _, k := range rs.Keys {
		if k != id && k != label {
			continue
		}
		o := rs.Trials[k]
		for _, r := range o.Relative {
			i := slices.IndexFunc(rel, func(g Rule) bool { return g.Metric == r.Metric })
			if i >= 0 {
				rel[i] = r
			} else {
				rel = append(rel, r)
			}
		}
		for _, m := range o.Off {
			rel = slices.DeleteFunc(rel, func(g Rule) bool { return g.Metric == m })
		}
		if o.HasThresholds {
			thr = append([]Rule(nil), o.Thresholds...)
		}
	}
	return append(rel, thr...)
}

// RuleError is a problem in a rules file, located at a line.
type RuleError struct {
	File string
	Line int // 0 when unknown
	Msg  string
}

func (e *RuleError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// RuleErrors is every problem found in a rules file.
type RuleErrors []*RuleError

func (l RuleErrors) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// LoadRules reads and validates a rules file.
func LoadRules(path string) (*Rules, error) {
	data, err := tomlguard.ReadFile(path, "gate rules")
	if err != nil {
		return nil, err
	}
	return ParseRules(data, path)
}

// ParseRules validates a rules file as a whole and returns its rules, or
// RuleErrors naming every problem's line. A metric name the records do not
// have is an error, never a rule that silently passes.
//
// The format:
//
//	# Absolute thresholds on the candidate's median (before any [table]).
//	thresholds = ["quality.hit_rate >= 0.9", "peak_rss_bytes <= 2e9"]
//
//	# How much worse than the baseline a metric may get: "5%" or 0.05.
//	[max_regression]
//	fps = "5%"
//	peak_rss_bytes = "10%"
//
//	# Which way is better, for metrics that have no natural direction.
//	[better]
//	cpu_util_mean = "lower"
//
//	# Per-trial overrides, by trial id or label. "off" drops a relative rule.
//	[trial."processes=2,batch=16,decoder_threads=0"]
//	max_regression = { fps = "10%" }
//	thresholds = ["fps >= 250"]
func ParseRules(data []byte, file string) (*Rules, error) {
	p := &ruleParser{file: file, text: string(data)}
	if err := tomlguard.Check(data); err != nil {
		return nil, RuleErrors{{File: file, Line: err.Line, Msg: err.Msg}}
	}
	raw := map[string]any{}
	if _, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&raw); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, RuleErrors{{File: file, Line: pe.Position.Line, Msg: pe.Message}}
		}
		return nil, RuleErrors{{File: file, Msg: err.Error()}}
	}
	rs := &Rules{File: file, Trials: map[string]*Override{}}
	for _, k := range sortedKeys(raw) {
		switch k {
		case "max_regression", "thresholds", "better", "trial":
		default:
			p.errf(p.line("", k), "unknown field %q; a rules file has max_regression, thresholds, better and trial", k)
		}
	}
	better := p.better(raw["better"])
	rel, _ := p.relative(raw["max_regression"], "max_regression", "", better, false)
	rs.Global = append(rs.Global, rel...)
	rs.Global = append(rs.Global, p.thresholds(raw["thresholds"], "")...)
	if v, ok := raw["trial"]; ok {
		t, ok := v.(map[string]any)
		if !ok {
			p.errf(p.line("", "trial"), "want [trial.\"ID or label\"] tables")
		}
		for _, key := range p.orderedTrialKeys(t) {
			p.trial(rs, key, t[key], better)
		}
	}
	if len(rs.Global) == 0 && len(rs.Trials) == 0 && len(p.errs) == 0 {
		p.errf(0, "no rules: give [max_regression] or thresholds (an empty rules file would pass anything)")
	}
	if len(p.errs) > 0 {
		sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].Line < p.errs[j].Line })
		return nil, p.errs
	}
	return rs, nil
}

type ruleParser struct {
	file string
	text string
	errs RuleErrors
}

func (p *ruleParser) errf(line int, format string, args ...any) {
	p.errs = append(p.errs, &RuleError{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// line returns the line where key is set, after the line of the table
// header that contains section (any line when section is empty); 0 when
// not found.
//
// Note: BurntSushi/toml gives no positions, and a rules file is small and
// flat, so a textual search for the key is enough to point at the line.
func (p *ruleParser) line(section, key string) int {
	lines := strings.Split(p.text, "\n")
	start := 0
	if section != "" {
		for i, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), "[") && strings.Contains(l, section) {
				start = i
				break
			}
		}
	}
	for i := start; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		for _, k := range []string{key, strconv.Quote(key)} {
			if rest, ok := strings.CutPrefix(l, k); ok {
				rest = strings.TrimSpace(rest)
				if strings.HasPrefix(rest, "=") || strings.HasPrefix(rest, "]") || strings.HasPrefix(rest, ".") {
					return i + 1
				}
			}
		}
		if strings.Contains(l, strconv.Quote(key)) || strings.Contains(l, key+" =") {
			return i + 1
		}
	}
	return 0
}

func (p *ruleParser) better(v any) map[string]metric.Better {
	out := map[string]metric.Better{}
	if v == nil {
		return out
	}
	t, ok := v.(map[string]any)
	if !ok {
		p.errf(p.line("", "better"), "want a [better] table of metric = \"higher\" or \"lower\"")
		return out
	}
	for _, m := range sortedKeys(t) {
		line := p.line("better", m)
		if !p.metric(line, m) {
			continue
		}
		switch t[m] {
		case "higher":
			out[m] = metric.Higher
		case "lower":
			out[m] = metric.Lower
		default:
			p.errf(line, "better.%s: want \"higher\" or \"lower\", got %v", m, t[m])
		}
	}
	return out
}

// metric checks a metric name, reporting an unknown one with the names it
// is close to.
func (p *ruleParser) metric(line int, name string) bool {
	if metric.Known(name) {
		return true
	}
	p.errf(line, "unknown metric %q%s", name, suggestMetric(name))
	return false
}

// relative parses a max_regression table. Inside a trial override
// (trial != ""), "off" turns a rule off.
func (p *ruleParser) relative(v any, field, trial string, better map[string]metric.Better, override bool) (rules []Rule, off []string) {
	if v == nil {
		return nil, nil
	}
	section := field
	if trial != "" {
		section = trial
	}
	t, ok := v.(map[string]any)
	if !ok {
		p.errf(p.line(section, field), "%s: want a table of metric = \"5%%\"", field)
		return nil, nil
	}
	for _, m := range sortedKeys(t) {
		line := p.line(section, m)
		if m == "thresholds" || m == "better" || m == "trial" {
			p.errf(line, "%s.%s: TOML puts a key after [%s] inside that table; move %s above the first [table]", field, m, field, m)
			continue
		}
		if !p.metric(line, m) {
			continue
		}
		if s, ok := t[m].(string); ok && s == "off" {
			if !override {
				p.errf(line, "%s.%s: \"off\" only makes sense in a [trial.\"...\"] override", field, m)
			}
			off = append(off, m)
			continue
		}
		frac, err := parseFraction(t[m])
		if err != nil {
			p.errf(line, "%s.%s: %v", field, m, err)
			continue
		}
		info, _ := metric.Lookup(m)
		b := info.Better
		if o, ok := better[m]; ok {
			b = o
		}
		if b == metric.Neither {
			p.errf(line, "%s.%s: %s has no better direction; say which in [better] (%s = \"higher\" or \"lower\"), or use an absolute threshold", field, m, m, m)
			continue
		}
		src := fmt.Sprintf("%s:%d", p.file, line)
		if trial != "" {
			src += fmt.Sprintf(" (trial %s)", trial)
		}
		rules = append(rules, Rule{Kind: Relative, Metric: m, Better: b, MaxRegression: frac, Source: src})
	}
	return rules, off
}

// parseFraction reads "5%" or 0.05.
func parseFraction(v any) (float64, error) {
	var f float64
	switch x := v.(type) {
	case string:
		num, ok := strings.CutSuffix(strings.TrimSpace(x), "%")
		n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if !ok || err != nil {
			return 0, fmt.Errorf("%q is not a percentage such as \"5%%\"", x)
		}
		f = n / 100
	case float64:
		f = x
		if f >= 1 {
			return 0, fmt.Errorf("%g: write a percentage as \"%g%%\", or a fraction below 1 such as 0.05", x, x)
		}
	case int64:
		if x == 0 {
			return 0, nil
		}
		return 0, fmt.Errorf("%d: write a percentage as \"%d%%\", or a fraction below 1 such as 0.05", x, x)
	default:
		return 0, fmt.Errorf("want a percentage such as \"5%%\", got %v", v)
	}
	if f < 0 || f >= 1 || math.IsNaN(f) {
		return 0, fmt.Errorf("%g%% is not an allowance from 0%% to below 100%%", f*100)
	}
	return f, nil
}

func (p *ruleParser) thresholds(v any, trial string) []Rule {
	if v == nil {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		p.errf(p.line(trial, "thresholds"), "thresholds: want an array of strings such as \"fps >= 300\"")
		return nil
	}
	var out []Rule
	for _, e := range arr {
		s, ok := e.(string)
		if !ok {
			p.errf(p.line(trial, "thresholds"), "thresholds: want strings such as \"fps >= 300\", got %v", e)
			continue
		}
		line := p.line("", s)
		c, err := sweeps.ParseConstraint(s)
		if err != nil {
			p.errf(line, "%v", err)
			continue
		}
		src := fmt.Sprintf("%s:%d", p.file, line)
		if trial != "" {
			src += fmt.Sprintf(" (trial %s)", trial)
		}
		out = append(out, Rule{Kind: Threshold, Metric: c.Metric, Op: c.Op, Value: c.Value, Source: src})
	}
	return out
}

func (p *ruleParser) trial(rs *Rules, key string, v any, better map[string]metric.Better) {
	line := p.line("", key)
	t, ok := v.(map[string]any)
	if !ok || strings.TrimSpace(key) == "" {
		p.errf(line, "trial %q: want a [trial.\"ID or label\"] table", key)
		return
	}
	o := &Override{Source: fmt.Sprintf("%s:%d", p.file, line)}
	for _, k := range sortedKeys(t) {
		switch k {
		case "max_regression":
			o.Relative, o.Off = p.relative(t[k], "max_regression", key, better, true)
		case "thresholds":
			o.HasThresholds = true
			o.Thresholds = p.thresholds(t[k], key)
		default:
			p.errf(p.line(key, k), "trial %q: unknown field %q; an override has max_regression and thresholds", key, k)
		}
	}
	rs.Trials[key] = o
	rs.Keys = append(rs.Keys, key)
}

// orderedTrialKeys returns the trial tables' keys in file order.
func (p *ruleParser) orderedTrialKeys(t map[string]any) []string {
	keys := sortedKeys(t)
	sort.SliceStable(keys, func(i, j int) bool { return p.line("", keys[i]) < p.line("", keys[j]) })
	return keys
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// suggestMetric names the metrics a misspelt name is close to.
func suggestMetric(name string) string {
	// Note: sweeps.ParseConstraint already words this hint for the
	// sweeps' constraints; asking it keeps the two messages the same.
	_, err := sweeps.ParseConstraint(name + " >= 0")
	if err != nil {
		if _, hint, ok := strings.Cut(err.Error(), fmt.Sprintf("unknown metric %q", name)); ok {
			return hint
		}
	}
	return " (`ftbench sweep --metrics` lists them)"
}
