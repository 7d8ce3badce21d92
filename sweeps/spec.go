// Package sweeps parses and validates sweep specs (TOML) and expands them
// into the flat, deterministic list of trials that runner runs.
package sweeps

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/ftbench/ftbench/fixtures/catalog"
	"github.com/ftbench/ftbench/internal/atomicfile"
	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/record"
)

// Defaults of a spec's optional settings.
const (
	DefaultRepeats = 3
	DefaultWarmups = 0
	DefaultTimeout = 10 * time.Minute
)

// maxTrials bounds an expansion, so that a typo in a range (to = 100000)
// is an error rather than a sweep that never ends.
const maxTrials = 10000

// DefaultFile is the name under which the embedded default spec reports
// its errors and is copied into output folders.
const DefaultFile = "default.toml"

//go:embed default.toml
var defaultSpec []byte

// Default returns the embedded default sweep: a short sweep on a generated
// fixture, the README's main job.
func Default() (*Spec, error) { return Parse(defaultSpec, DefaultFile, "") }

// DefaultText returns the embedded default spec's text.
func DefaultText() []byte { return bytes.Clone(defaultSpec) }

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

// Axis is one swept config field and its values, in the order tried.
type Axis struct {
	Field  string
	Values []any // as the config holds them: int, float64, string or bool
	Line   int
}

// Spec is a parsed and validated sweep.
type Spec struct {
	File        string // as given, for messages
	Name        string
	Description string
	Inputs      []record.Input
	Base        config.Config // the defaults with [base] applied
	BaseKeys    []string      // the keys [base] sets, sorted
	Axes        []Axis
	Repeats     int
	Warmups     int
	Timeout     time.Duration
	Objective   Objective
	Constraints []Constraint
	// Reference names the trial (by label) that reports compare the
	// others with; empty when the spec names none.
	Reference string
	// Calibrate runs the reference workload (the ffmpeg CLI doing the same
	// decode, crop and encode; see record.WithReference) once per round
	// per input, interleaved with the trials, so the gate can compare
	// frames/s across machines. On unless the spec says calibrate = false.
	Calibrate bool
	// Text is the spec as read, copied into the output folder.
	Text []byte
	// Search is the [search] table; nil = the whole grid.
	Search *Search
	// MemoryLimit caps each run's address space in bytes (0 = none).
	MemoryLimit int64

	combos []combo
}

// combo is one point of the axes' product.
type combo struct {
	axes   []record.Setting
	config config.Config
}

// Error is a problem in a spec, located at a line and a field.
type Error struct {
	File  string
	Line  int    // 0 when unknown
	Field string // dotted key path: "axes.batch", "input.0.video"; empty for the whole file
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %q", e.Field)
	}
	b.WriteString(": " + config.OneLine(e.Msg))
	return b.String()
}

// ErrorList is every problem found in a spec, in line order.
type ErrorList []*Error

func (l ErrorList) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Unwrap lets errors.As find the individual errors.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// Load reads and validates a spec file. Relative input paths are relative
// to the spec's folder.
func Load(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("%s: cannot read sweep spec: %w", path, err)
	}
	return Parse(data, path, filepath.Dir(path))
}

// topLevel lists the keys a spec may have, with what each wants.
var topLevel = map[string]string{
	"name":         "a string",
	"description":  "a string",
	"repeats":      "a positive integer",
	"warmups":      "a non-negative integer",
	"timeout":      `a duration such as "90s"`,
	"memory_limit": `a size such as "4GiB": each run's address space`,
	"reference":    "a trial label",
	"calibrate":    "true or false",
	"constraints":  `an array of strings such as "vram_fraction <= 0.85"`,
	"objective":    "a table with metric and direction",
	"input":        "an array of tables ([[input]])",
	"base":         "a table of pipeline config fields",
	"axes":         "a table of pipeline config fields",
	"search":       "a table with strategy and budget",
}

// Parse validates a spec's text as a whole and returns the spec, or an
// ErrorList naming every problem's line and field. file names the spec in
// messages; dir is where relative input paths start ("" for the current
// folder).
func Parse(data []byte, file, dir string) (*Spec, error) {
	p := &parser{file: file, dir: dir, lines: scanKeyLines(string(data))}
	raw := map[string]any{}
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&raw)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, ErrorList{{File: file, Line: pe.Position.Line, Msg: pe.Message}}
		}
		return nil, ErrorList{{File: file, Msg: err.Error()}}
	}
	s := &Spec{
		File:      file,
		Name:      strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)),
		Repeats:   DefaultRepeats,
		Warmups:   DefaultWarmups,
		Timeout:   DefaultTimeout,
		Objective: Objective{Metric: "fps", Direction: Maximize},
		Base:      config.DefaultConfig(),
		Calibrate: true,
		Text:      bytes.Clone(data),
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := topLevel[k]; !ok {
			p.errf(k, "unknown field; a spec has %s", strings.Join(sortedKeys(topLevel), ", "))
		}
	}
	if v, ok := raw["name"]; ok {
		s.Name = p.str("name", v)
		if strings.TrimSpace(s.Name) == "" {
			p.errf("name", "must not be empty")
		}
	}
	if v, ok := raw["description"]; ok {
		s.Description = p.str("description", v)
	}
	if v, ok := raw["repeats"]; ok {
		if n, ok := p.integer("repeats", v); ok {
			if n < 1 {
				p.errf("repeats", "%d is not a positive integer", n)
			}
			s.Repeats = int(n)
		}
	}
	if v, ok := raw["warmups"]; ok {
		if n, ok := p.integer("warmups", v); ok {
			if n < 0 {
				p.errf("warmups", "%d is negative", n)
			}
			s.Warmups = int(n)
		}
	}
	if v, ok := raw["memory_limit"]; ok {
		s.MemoryLimit = p.size("memory_limit", v)
	}
	if v, ok := raw["timeout"]; ok {
		if d, ok := p.duration("timeout", v, `a positive duration such as "90s" or "10m"`); ok {
			s.Timeout = d
		}
	}
	if v, ok := raw["calibrate"]; ok {
		s.Calibrate = p.boolean("calibrate", v)
	}
	if v, ok := raw["objective"]; ok {
		s.Objective = p.objective(v)
	}
	if v, ok := raw["constraints"]; ok {
		s.Constraints = p.constraints(v)
	}
	s.Inputs = p.inputs(raw["input"])
	var base map[string]any
	if v, ok := raw["base"]; ok {
		s.Base, s.BaseKeys, base = p.base(v)
	}
	s.Axes = p.axes(raw["axes"], axisOrder(md), s.Base, base)
	if len(p.errs) == 0 {
		s.combos = p.expand(s.Base, s.Axes, len(s.Inputs))
	}
	if v, ok := raw["reference"]; ok {
		s.Reference = p.str("reference", v)
		if len(p.errs) == 0 && !s.hasLabel(s.Reference) {
			p.errf("reference", "no trial is labelled %q; labels look like %q", s.Reference, s.combos[0].label())
		}
	}
	if v, ok := raw["search"]; ok {
		s.Search = p.search(v)
		if s.Search != nil && s.Search.Strategy != "grid" && len(s.Axes) == 0 {
			p.errf("search.strategy", "a %s search needs [axes] to search", s.Search.Strategy)
		}
	}
	if len(p.errs) == 0 {
		p.uniqueIDs(s)
	}
	if len(p.errs) > 0 {
		sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].Line < p.errs[j].Line })
		return nil, p.errs
	}
	return s, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
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

type parser struct {
	file  string
	dir   string
	lines keyLines
	errs  ErrorList
}

func (p *parser) errf(field, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: p.lines.line(field), Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) str(field string, v any) string {
	s, ok := v.(string)
	if !ok {
		p.errf(field, "want a string, got %s", describe(v))
	}
	return s
}

func (p *parser) boolean(field string, v any) bool {
	b, ok := v.(bool)
	if !ok {
		p.errf(field, "want true or false, got %s", describe(v))
	}
	return b
}

// duration reads a positive Go duration ("90s"); want says what is wanted
// when it is not one.
func (p *parser) duration(field string, v any, want string) (time.Duration, bool) {
	txt := p.str(field, v)
	d, err := time.ParseDuration(txt)
	if err != nil || d <= 0 {
		p.errf(field, "%q is not %s", txt, want)
		return 0, false
	}
	return d, true
}

func (p *parser) integer(field string, v any) (int64, bool) {
	n, ok := v.(int64)
	if !ok {
		p.errf(field, "want an integer, got %s", describe(v))
	}
	return n, ok
}

// describe names a TOML value's type and value for messages.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", x)
	case int64:
		return fmt.Sprintf("the integer %d", x)
	case float64:
		return fmt.Sprintf("the float %g", x)
	case bool:
		return fmt.Sprintf("the boolean %t", x)
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	case []map[string]any:
		return "an array of tables"
	default:
		return fmt.Sprintf("%T", v)
	}
}

func (p *parser) objective(v any) Objective {
	o := Objective{Metric: "fps", Direction: Maximize}
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
		if o.Metric != "" && !metric.Known(o.Metric) {
			p.errf("objective.metric", "unknown metric %q%s", o.Metric, suggest(o.Metric))
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

// suggest returns a hint naming the metrics a misspelt name is close to.
func suggest(name string) string {
	if near := closest(name, metric.Names()); len(near) > 0 {
		return "; did you mean " + strings.Join(near, ", ") + "?"
	}
	return " (`ftbench sweep --metrics` lists them)"
}

// closest returns the names within a small edit distance of s.
func closest(s string, names []string) []string {
	var out []string
	limit := max(2, len(s)/4)
	for _, n := range names {
		if editDistance(s, n) <= limit {
			out = append(out, n)
		}
	}
	if len(out) > 5 {
		return nil
	}
	return out
}

// editDistance is the Levenshtein distance between a and b, counting an
// adjacent transposition as one edit (the common typo).
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
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
		if !metric.Known(c.Metric) {
			return c, fmt.Errorf("constraint %q: unknown metric %q%s", text, c.Metric, suggest(c.Metric))
		}
		return c, nil
	}
	return Constraint{}, fmt.Errorf("constraint %q: want METRIC OP NUMBER with OP one of %s", text, strings.Join(constraintOps, " "))
}

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

func (p *parser) inputs(v any) []record.Input {
	if v == nil {
		p.errs = append(p.errs, &Error{File: p.file, Field: "input", Msg: "missing: a sweep needs at least one [[input]] with a video (or a fixture)"})
		return nil
	}
	tables, ok := v.([]map[string]any)
	if !ok {
		p.errf("input", "want [[input]] tables, got %s", describe(v))
		return nil
	}
	var out []record.Input
	names := map[string]string{}
	for i, t := range tables {
		at := "input." + strconv.Itoa(i)
		in, ok := p.input(at, t)
		if !ok {
			continue
		}
		if prev, dup := names[in.Name]; dup {
			p.errf(at, "input %q is already %s", in.Name, prev)
			continue
		}
		names[in.Name] = at
		out = append(out, in)
	}
	return out
}

func (p *parser) input(at string, t map[string]any) (record.Input, bool) {
	var in record.Input
	for _, k := range sortedKeys(t) {
		if k != "video" && k != "gt" && k != "fixture" {
			p.errf(at+"."+k, "unknown field; an input has video and gt, or fixture")
		}
	}
	video, hasVideo := t["video"]
	fixture, hasFixture := t["fixture"]
	gt, hasGT := t["gt"]
	n := len(p.errs)
	switch {
	case hasVideo && hasFixture:
		p.errf(at, "give video or fixture, not both")
	case hasFixture:
		in.Fixture = p.str(at+".fixture", fixture)
		in.Name = in.Fixture
		if _, ok := catalog.Lookup(in.Fixture); !ok && len(p.errs) == n {
			p.errf(at+".fixture", "unknown fixture %q; valid names: %s", in.Fixture, strings.Join(catalog.Names(), ", "))
		}
		if hasGT {
			p.errf(at+".gt", "a fixture brings its own ground truth")
		}
	case hasVideo:
		in.Video = p.path(at+".video", video)
		in.Name = filepath.Base(in.Video)
		if in.Video != "" {
			if st, err := os.Stat(in.Video); err != nil {
				p.errf(at+".video", "cannot read video %s: %v", in.Video, atomicfile.UnwrapPath(err))
			} else if st.IsDir() {
				p.errf(at+".video", "%s is a folder, not a video", in.Video)
			} else {
				in.Size = st.Size()
			}
		}
		if hasGT {
			in.GroundTruth = p.path(at+".gt", gt)
			if in.GroundTruth != "" {
				if _, err := os.Stat(in.GroundTruth); err != nil {
					p.errf(at+".gt", "cannot read ground truth %s: %v", in.GroundTruth, atomicfile.UnwrapPath(err))
				}
			}
		}
	default:
		p.errf(at, "missing video (a file) or fixture (a generated clip: %s)", strings.Join(catalog.Names(), ", "))
	}
	return in, len(p.errs) == n
}

func (p *parser) path(field string, v any) string {
	s := p.str(field, v)
	if s == "" {
		p.errf(field, "must not be empty")
		return ""
	}
	if !filepath.IsAbs(s) && p.dir != "" {
		s = filepath.Join(p.dir, s)
	}
	return s
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

func fieldOf(err error) string {
	var fe *config.FieldError
	if errors.As(err, &fe) {
		return fe.Key
	}
	return ""
}

func msgOf(err error) string {
	var fe *config.FieldError
	if errors.As(err, &fe) {
		return fe.Msg
	}
	return err.Error()
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
		ax := Axis{Field: k, Line: p.lines.line(at)}
		seen := map[string]bool{}
		good := true
		for _, val := range vals {
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
		if good {
			out = append(out, ax)
		}
	}
	return out
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
		return x, true
	case map[string]any:
		return p.rangeValues(at, f, x)
	default:
		p.errf(at, "want an array of values or a range {from, to, step} or {from, to, pow2 = true}, got %s", describe(v))
		return nil, false
	}
}

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
	from, to := get("from", 0, true), get("to", 0, true)
	step := get("step", 1, false)
	pow2 := false
	if v, ok := t["pow2"]; ok {
		pow2 = p.boolean(at+".pow2", v)
		if _, ok := t["step"]; ok && pow2 {
			p.errf(at, "give step or pow2, not both")
		}
	}
	if len(p.errs) > n {
		return nil, false
	}
	var vals []any
	switch {
	case step < 1:
		p.errf(at+".step", "%d is not a positive step", step)
		return nil, false
	case !pow2 && to >= from && uint64(to-from)/uint64(step) >= maxTrials:
		// Note: to-from and from+i*step are computed so that they cannot
		// overflow: uint64(to-from) is exact for any to >= from, and
		// from+i*step never passes to. A range near the int64 limits
		// once made this loop wrap around and run forever (found by
		// FuzzParse).
		p.errf(at, "range %d..%d step %d has more than %d values", from, to, step, maxTrials)
		return nil, false
	case pow2:
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
		if pow2 {
			what += " holds no power of two"
		} else {
			what += " is empty (from > to)"
		}
		p.errf(at, "empty axis: the range %s", what)
		return nil, false
	}
	return vals, true
}

// expand builds every point of the axes' product (the first axis varies
// slowest) and validates each whole config, since a value can be valid
// alone and invalid beside another (max_face below min_face).
func (p *parser) expand(base config.Config, axes []Axis, inputs int) []combo {
	total := 1
	for _, a := range axes {
		total *= len(a.Values)
		if total*max(inputs, 1) > maxTrials {
			p.errs = append(p.errs, &Error{File: p.file, Line: a.Line, Field: "axes." + a.Field,
				Msg: fmt.Sprintf("the axes expand into more than %d trials", maxTrials)})
			return nil
		}
	}
	var out []combo
	idx := make([]int, len(axes))
	reported := map[string]bool{}
	for {
		c := combo{axes: make([]record.Setting, len(axes))}
		vals := make(map[string]any, len(axes))
		for i, a := range axes {
			c.axes[i] = record.Setting{Key: a.Field, Value: a.Values[idx[i]]}
			vals[a.Field] = a.Values[idx[i]]
		}
		cfg, err := base.With(vals)
		if err != nil {
			key := fieldOf(err)
			field := "base." + key
			if _, swept := vals[key]; swept {
				field = "axes." + key
			}
			msg := fmt.Sprintf("trial %s: %s", c.label(), msgOf(err))
			if !reported[field] && len(reported) < 10 {
				reported[field] = true
				p.errf(field, "%s", msg)
			}
		} else {
			c.config = cfg
			out = append(out, c)
		}
		// Advance the odometer, last axis fastest.
		i := len(axes) - 1
		for ; i >= 0; i-- {
			idx[i]++
			if idx[i] < len(axes[i].Values) {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			return out
		}
	}
}

func (c combo) label() string { return record.Label(c.axes) }

func (s *Spec) hasLabel(label string) bool {
	for _, c := range s.combos {
		if c.label() == label {
			return true
		}
	}
	return false
}

// uniqueIDs rejects specs whose axes reach the same config twice.
func (p *parser) uniqueIDs(s *Spec) {
	seen := map[string]string{}
	for _, t := range s.Trials() {
		if prev, ok := seen[t.ID]; ok {
			p.errf("axes", "trials %s and %s run the same config", prev, t.Label)
			return
		}
		seen[t.ID] = t.Label
	}
}

// Trials expands the spec into its flat list of trials: for each input in
// order, every point of the axes' product. The order and the ids are the
// same on every machine.
func (s *Spec) Trials() []record.Trial {
	out := make([]record.Trial, 0, len(s.Inputs)*len(s.combos))
	for _, in := range s.Inputs {
		for _, c := range s.combos {
			out = append(out, record.Trial{
				ID:     record.TrialID(c.config, in),
				Label:  c.label(),
				Index:  len(out),
				Axes:   c.axes,
				Config: c.config,
				Input:  in,
			})
		}
	}
	return out
}

// Plan returns the spec's runs as a runner plan.
func (s *Spec) Plan() record.Plan {
	return record.Plan{Name: s.Name, Trials: s.Trials(), Warmups: s.Warmups, Repeats: s.Repeats, Timeout: s.Timeout}
}

// minMemoryLimit is the smallest memory limit a spec may set: below it
// ftbench cannot even load.
const minMemoryLimit = 256 << 20

// size parses a byte size: an integer of bytes, or a number with a B, KiB,
// MiB or GiB suffix.
func (p *parser) size(field string, v any) int64 {
	var n float64
	switch x := v.(type) {
	case int64:
		n = float64(x)
	case string:
		t := strings.TrimSpace(x)
		mult := 1.0
		for _, u := range []struct {
			suffix string
			m      float64
		}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}} {
			if strings.HasSuffix(t, u.suffix) {
				t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.m
				break
			}
		}
		f, err := strconv.ParseFloat(t, 64)
		if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
			p.errf(field, "%q is not a size such as \"4GiB\"", x)
			return 0
		}
		n = f * mult
	default:
		p.errf(field, "want a size such as \"4GiB\", got %s", describe(v))
		return 0
	}
	if n != 0 && n < minMemoryLimit {
		p.errf(field, "%.0f bytes is too little for ftbench to run; give at least 256MiB (4GiB for 1080p)", n)
		return 0
	}
	if n > math.MaxInt64/2 {
		p.errf(field, "%.0f bytes is too large", n)
		return 0
	}
	return int64(n)
}

// ParseSize parses a byte size as a spec's memory_limit does ("4GiB",
// "512MiB", a plain number of bytes; "0" = no limit).
func ParseSize(text string) (int64, error) {
	p := &parser{file: "--memory-limit"}
	n := p.size("memory_limit", text)
	if len(p.errs) > 0 {
		return 0, errors.New(p.errs[0].Msg)
	}
	return n, nil
}
