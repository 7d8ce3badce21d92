// Package sweeps parses and validates sweep specs (TOML) and expands them
// into the flat, deterministic list of trials that runner runs.
package sweeps

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/ftbench/ftbench/internal/tomlguard"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/tune/strategy"
)

// Spec is a parsed and validated sweep.
type Spec struct {
	File        string // as given, for messages
	Name        string
	Description string
	Inputs      []record.Input
	Base        config.Config // the defaults with [base] applied
	BaseKeys    []string      // the keys [base] sets, sorted
	Axes        []Axis
	// Together lists groups of axes (indices into Axes) that vary as one
	// (the together key); nil when every axis varies on its own.
	Together [][]int
	// CLI lists the reference workload's variants the sweep runs beside
	// the plain ffmpeg CLI (the references key; record.ParseCLIVariant).
	CLI []record.CLIVariant
	// Repeats is the counted rounds every trial runs (a table's min).
	Repeats int
	// RepeatsMax is the most counted rounds a trial may run when the spec
	// repeats until decided (repeats = { min, max, ci }); equal to Repeats
	// for a plain integer.
	RepeatsMax int
	// RepeatsCI is the relative half-width of the objective's median
	// interval a trial must reach before it stops adding rounds; 0 for a
	// plain integer (a fixed number of rounds).
	RepeatsCI float64
	// Warnings are what validation found questionable but not wrong,
	// each naming the spec's file and line; ftbench sweep prints them.
	Warnings    []string
	Warmups     int
	Timeout     time.Duration
	Objective   Objective
	Constraints []Constraint
	// Reference names the trial (by label) that reports compare the
	// others with; empty when the spec names none.
	Reference string
	// Gold names the trial (by label) whose tracks are the pseudo ground
	// truth of the quality.gold_* metrics on its input, or GoldAuto for the
	// most thorough config; empty when the spec has none. See GoldTrials.
	Gold string
	// Calibrate runs the reference workload (the ffmpeg CLI doing the same
	// decode, crop and encode; see record.WithReference) once per round
	// per input, interleaved with the trials, so the gate can compare
	// frames/s across machines. On unless the spec says calibrate = false.
	Calibrate bool
	// Instrument runs every trial under an instrument
	// (record.InstrumentInstructions: cachegrind's instruction counts);
	// empty for plain runs. An instrumented sweep runs no reference
	// workload: its wall-clock figures measure the instrument.
	Instrument string
	// Text is the spec as read, copied into the output folder.
	Text []byte
	// Search is the [search] table; nil = the whole grid.
	Search *Search
	// MemoryLimit caps each run's address space in bytes (0 = none).
	MemoryLimit int64
	// MinRunSeconds is how long every counted run lasts at the least: a
	// shorter one goes through its input again (ftbench run --min-seconds).
	// 0 turns it off; an instrumented sweep has 0 (instruction counts need
	// no length, and a timed loop would make them vary).
	MinRunSeconds float64
	// KPIs are the plan's KPI targets the report's scorecard judges the
	// chosen config by: DefaultKPIs with the spec's [kpi] table applied.
	KPIs []KPITarget

	combos []combo
	// lines locates the spec's keys, for errors found after parsing.
	lines keyLines
}

// FolderName returns the spec's name as a safe folder name: a single path
// element of letters, digits, '.', '_' and '-' that does not start with a
// dot, so that name = "../../x" cannot put the sweep folder outside out/.
// It is "sweep" when nothing is left.
func (s *Spec) FolderName() string { return FolderName(s.Name) }

// FolderName maps a name to a safe folder name (see Spec.FolderName).
func FolderName(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	out := strings.TrimLeft(string(b), ".")
	if out == "" {
		return "sweep"
	}
	return out
}

// Load reads and validates a spec file. Relative input paths are relative
// to the spec's folder.
func Load(path string) (*Spec, error) {
	data, err := tomlguard.ReadFile(path, "sweep spec")
	if err != nil {
		return nil, err
	}
	return Parse(data, path, filepath.Dir(path))
}

// LoadRecorded reads the spec a sweep folder keeps beside its records, for
// readers of those records (reports, tune replay, merge): the folder may
// have been moved or copied to another machine, so an input that is not
// there is no error. Trials still match records by label and input name.
func LoadRecorded(path string) (*Spec, error) {
	data, err := tomlguard.ReadFile(path, "sweep spec")
	if err != nil {
		return nil, err
	}
	return parse(data, path, filepath.Dir(path), true)
}

// topLevel lists the keys a spec may have, with what each wants.
var topLevel = map[string]string{
	"name":            "a string",
	"description":     "a string",
	"repeats":         "a positive integer, or a table { min = 5, max = 30, ci = 0.02 }",
	"warmups":         "a non-negative integer",
	"timeout":         `a duration such as "90s"`,
	"memory_limit":    `a size such as "4GiB": each run's address space`,
	"min_run_seconds": "a number of seconds each counted run lasts at the least (0: off)",
	"reference":       "a trial label",
	"gold":            `a trial label, or "auto" for the most thorough config`,
	"references":      `an array of ffmpeg CLI variants such as "hwaccel=cuda", "split=16"`,
	"together":        `an array of arrays of axis names such as [["processes", "encode_workers"]]`,
	"calibrate":       "true or false",
	"constraints":     `an array of strings such as "vram_fraction <= 0.85"`,
	"objective":       "a table with metric and direction",
	"input":           "an array of tables ([[input]])",
	"base":            "a table of pipeline config fields",
	"axes":            "a table of pipeline config fields",
	"search":          "a table with strategy and budget",
	"instrument":      `"instructions" (count instructions under valgrind's cachegrind)`,
	"kpi":             "a table of the plan's KPI targets",
}

// Parse validates a spec's text as a whole and returns the spec, or an
// ErrorList naming every problem's line and field. file names the spec in
// messages; dir is where relative input paths start ("" for the current
// folder).
func Parse(data []byte, file, dir string) (*Spec, error) {
	return parse(data, file, dir, false)
}

// parse is Parse; recorded says missing inputs are no error (LoadRecorded).
func parse(data []byte, file, dir string, recorded bool) (*Spec, error) {
	if err := tomlguard.Check(data); err != nil {
		return nil, ErrorList{{File: file, Line: err.Line, Msg: err.Msg}}
	}
	raw := map[string]any{}
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&raw)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, ErrorList{{File: file, Line: pe.Position.Line, Msg: pe.Message}}
		}
		return nil, ErrorList{{File: file, Msg: err.Error()}}
	}
	p := &parser{file: file, dir: dir, lines: scanKeyLines(string(data)), recorded: recorded}
	s := newSpec(file, data)
	s.lines = p.lines
	p.unknownKeys(raw)
	p.settings(s, raw)
	if v, ok := raw["objective"]; ok {
		s.Objective = p.objective(v)
	}
	if v, ok := raw["constraints"]; ok {
		s.Constraints = p.constraints(v)
	}
	if v, ok := raw["kpi"]; ok {
		s.KPIs = p.kpis(v)
	}
	p.trials(s, raw, md)
	p.reference(s, raw)
	p.gold(s, raw)
	if v, ok := raw["search"]; ok {
		s.Search = p.search(v)
		if s.Search != nil && s.Search.Strategy != strategy.Grid && len(s.Axes) == 0 {
			p.errf("search.strategy", "a %s search needs [axes] to search", s.Search.Strategy)
		}
		if s.Search != nil && s.Search.Strategy != strategy.Grid && len(s.Together) > 0 {
			p.errf("together", "a %s search moves one axis at a time; together works with the whole grid only", s.Search.Strategy)
		}
	}
	if len(p.errs) == 0 {
		p.unmeasurableGoals(s)
	}
	if len(p.errs) == 0 {
		p.uniqueIDs(s)
		p.runCount(s)
	}
	if len(p.errs) == 0 {
		p.repeatsPower(s)
	}
	if len(p.errs) > 0 {
		return nil, p.sorted()
	}
	return s, nil
}

// unknownKeys reports the top-level keys a spec may not have.
func (p *parser) unknownKeys(raw map[string]any) {
	for _, k := range sortedKeys(raw) {
		if _, ok := topLevel[k]; !ok {
			p.errf(k, "unknown field; a spec has %s", strings.Join(sortedKeys(topLevel), ", "))
		}
	}
}

// settings reads the top-level scalars: name, description, repeats,
// warmups, memory_limit, timeout and calibrate.
func (p *parser) settings(s *Spec, raw map[string]any) {
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
		p.repeats(s, v)
	}
	if v, ok := raw["warmups"]; ok {
		if n, ok := p.integer("warmups", v); ok {
			if n < 0 || n > MaxRepeats {
				p.errf("warmups", "%d is not in 0..%d", n, MaxRepeats)
				n = 0
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
	if v, ok := raw["min_run_seconds"]; ok {
		p.minRunSeconds(s, v)
	}
	if v, ok := raw["instrument"]; ok {
		s.Instrument = p.str("instrument", v)
		if s.Instrument != record.InstrumentInstructions {
			p.errf("instrument", "%q is no instrument; the only one is %q", s.Instrument, record.InstrumentInstructions)
		}
		if _, set := raw["calibrate"]; set && s.Calibrate {
			p.errf("calibrate", "an instrumented sweep counts instructions, and the reference workload calibrates wall-clock speed, which it does not measure: drop calibrate")
		}
		s.Calibrate = false
		s.MinRunSeconds = 0
	}
}

// MaxMinRunSeconds is the most min_run_seconds may ask for.
const MaxMinRunSeconds = 600

// minRunSeconds reads min_run_seconds, which must leave room within the
// timeout.
func (p *parser) minRunSeconds(s *Spec, v any) {
	x, ok := p.number("min_run_seconds", v)
	switch {
	case !ok:
	case x < 0 || x > MaxMinRunSeconds:
		p.errf("min_run_seconds", "%g is not in 0..%d seconds", x, MaxMinRunSeconds)
	case x > 0 && x >= s.Timeout.Seconds():
		p.errf("min_run_seconds", "%g s does not fit in the timeout (%s): every run would time out", x, s.Timeout)
	default:
		s.MinRunSeconds = x
	}
}

// trials reads [[input]], [base] and [axes] and, when all are valid,
// expands them into the spec's combos.
func (p *parser) trials(s *Spec, raw map[string]any, md toml.MetaData) {
	s.Inputs = p.inputs(raw["input"])
	var base map[string]any
	if v, ok := raw["base"]; ok {
		s.Base, s.BaseKeys, base = p.base(v)
	}
	s.Axes = p.axes(raw["axes"], axisOrder(md), s.Base, base)
	if v, ok := raw["together"]; ok && len(p.errs) == 0 {
		s.Together = p.together(v, s.Axes)
	}
	if v, ok := raw["references"]; ok {
		s.CLI = p.cliVariants(v)
	}
	if len(p.errs) == 0 {
		s.combos = p.expand(s.Base, s.Axes, s.Together, len(s.Inputs))
	}
}

// reference reads the reference key, which must name one of the trials
// (checked only when everything before it is valid).
func (p *parser) reference(s *Spec, raw map[string]any) {
	v, ok := raw["reference"]
	if !ok {
		return
	}
	s.Reference = p.str("reference", v)
	if len(p.errs) == 0 && !s.hasLabel(s.Reference) {
		p.errf("reference", "no trial is labelled %q; labels look like %q", s.Reference, s.combos[0].label())
	}
}
