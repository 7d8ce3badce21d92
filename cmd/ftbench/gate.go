package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/ftbench/ftbench/gate"
)

const gateUsage = `usage: ftbench gate --baseline BASE --candidate NEW [--rules gate.toml]
                    [--normalize none|reference|reference-round] [--match id|label]
                    [--alpha 0.05] [--min-runs 3] [--format text|markdown|junit]
                    [--junit FILE] [--markdown FILE]

Compares the trials NEW shares with BASE, metric by metric, over every
counted run (warm-ups left out), and says for each rule: pass, fail, or
inconclusive. NEW is a results file or a sweep's folder; BASE is either, or
a folder of baselines (ftbench baseline save), from which the one recorded
on NEW's machine is taken, or failing that, with --normalize reference, the
newest.

A relative rule ("fps may not drop more than 5%") fails only when the whole
confidence interval for the ratio of medians (Hodges-Lehmann, at 1-alpha)
lies beyond the allowance and the Mann-Whitney U test gives p < alpha; it is
inconclusive with fewer than --min-runs runs a side, when the estimate is
beyond the allowance but the interval reaches inside it, or when the
interval reaches past twice the allowance; the output then gives the
coefficient of variation and the runs a side that would settle it. An
absolute threshold ("fps >= 300") fails when the candidate's median breaks
it beyond doubt. A counted run of NEW that failed fails the gate.

Without --rules: fps may not drop more than 5%. A rules file:

  thresholds = ["quality.hit_rate >= 0.9", "peak_rss_bytes <= 2e9"]
  [max_regression]                 # how much worse than BASE, "5%" or 0.05
  fps = "5%"
  peak_rss_bytes = "10%"
  [better]                         # for metrics with no natural direction
  cpu_util_mean = "lower"
  [trial."batch=64"]               # per trial, by id or label; "off" drops a rule
  max_regression = { fps = "10%" }

A metric name the records do not have is an error (exit 2), never a pass.

Raw speeds from different machines (CPU model, cores, GPUs) are refused.
--normalize reference divides frames/s (and multiplies seconds) by the
median frames/s of the reference workload (the ffmpeg CLI doing the same
decode, crop and encode, which every sweep records unless calibrate = false)
in the same file, so a baseline from one machine can judge a run on another;
reference-round uses the reference run of the same round instead.

Exit status: 0 pass, 1 a regression or a failed run, 3 inconclusive,
2 a usage or tool error.

Examples:
  ftbench gate --baseline out/main --candidate out/pr
  ftbench gate --baseline testdata/baseline --candidate out/gate --normalize reference --rules scripts/gate-rules.toml
  ftbench gate --baseline base.jsonl --candidate new.jsonl --junit gate.xml --markdown "$GITHUB_STEP_SUMMARY"

flags:
`

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
