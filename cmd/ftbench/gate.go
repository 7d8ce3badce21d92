package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/ftbench/ftbench/gate"
	"github.com/ftbench/ftbench/internal/atomicfile"
)

var gateUsage = usageText("gate")

func gateCmd(stdout, stderr io.Writer, args []string) error {
	fl := newFlagSet("gate", gateUsage, stderr)
	basePath := fl.String("baseline", "", "baseline `results`: a results.jsonl, a sweep folder, or a folder of baselines")
	candPath := fl.String("candidate", "", "candidate `results`: a results.jsonl or a sweep folder")
	rulesPath := fl.String("rules", "", "rules `file` (TOML); default: fps may not drop more than 5%")
	normalize := fl.String("normalize", "none", "`how` speeds are compared: none, reference (by the median reference run) or reference-round")
	match := fl.String("match", "id", "`how` trials pair: id (the same trial id) or label (the same input and label)")
	alpha := fl.Float64("alpha", gate.DefaultOptions().Alpha, "significance `level`; intervals are at 1-alpha")
	minRuns := fl.Int("min-runs", gate.DefaultOptions().MinSamples, "fewest counted `runs` a side for a verdict")
	format := fl.String("format", "text", "stdout `format`: text, markdown or junit")
	junitPath := fl.String("junit", "", "also write JUnit XML to `file`")
	mdPath := fl.String("markdown", "", "also append the Markdown summary to `file` (such as $GITHUB_STEP_SUMMARY)")
	pos, err := parseInterspersed(fl, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fl.Usage()
		return withCode(exitUsage, fmt.Errorf("unexpected arguments %s: name the files with --baseline and --candidate", strings.Join(pos, " ")))
	}
	if *basePath == "" || *candPath == "" {
		fl.Usage()
		return withCode(exitUsage, errors.New("want --baseline and --candidate"))
	}
	write, ok := gate.Formats[*format]
	if !ok {
		return withCode(exitUsage, fmt.Errorf("--format %q: want text, markdown or junit", *format))
	}
	norm, err := gate.ParseNormalize(*normalize)
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("--%v", err))
	}
	normGiven := false
	fl.Visit(func(f *flag.Flag) { normGiven = normGiven || f.Name == "normalize" })
	if *match != string(gate.MatchID) && *match != string(gate.MatchLabel) {
		return withCode(exitUsage, fmt.Errorf("--match %q: want id or label", *match))
	}
	cfg := gate.Config{Options: gate.Options{Alpha: *alpha, MinSamples: *minRuns}, Normalize: norm, Match: gate.Match(*match)}
	if err := cfg.Options.Validate(); err != nil {
		return withCode(exitUsage, err)
	}
	rules := gate.DefaultRules()
	if *rulesPath != "" {
		if rules, err = gate.LoadRules(*rulesPath); err != nil {
			return withCode(exitUsage, err)
		}
	}

	if err := atomicfile.Distinct(atomicfile.Output{Flag: "--junit", Path: *junitPath}, atomicfile.Output{Flag: "--markdown", Path: *mdPath}); err != nil {
		return withCode(exitUsage, err)
	}
	rep, err := gate.Judge(gate.Request{Baseline: *basePath, Candidate: *candPath, Rules: rules, Config: cfg, NormalizeAsked: normGiven,
		Warn: warnSkipped("gate", stderr), Note: func(s string) { fmt.Fprintf(stderr, "ftbench gate: %s\n", s) }})
	if err != nil {
		return withCode(exitUsage, err)
	}
	if err := write(stdout, rep); err != nil {
		return withCode(exitUsage, err)
	}
	if err := gate.WriteFile(*junitPath, false, rep, gate.WriteJUnit); err != nil {
		return withCode(exitUsage, err)
	}
	if err := gate.WriteFile(*mdPath, true, rep, gate.WriteMarkdown); err != nil {
		return withCode(exitUsage, err)
	}
	return withCode(rep.Verdict.ExitCode(), rep.Err())
}

// warnSkipped returns a function that warns, as command name, of a
// malformed record it skipped.
func warnSkipped(name string, stderr io.Writer) func(error) {
	return func(err error) { fmt.Fprintf(stderr, "ftbench %s: warning: %v (skipped)\n", name, err) }
}
