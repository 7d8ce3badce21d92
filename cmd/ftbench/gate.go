package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ftbench/ftbench/gate"
	"github.com/ftbench/ftbench/record"
)

func init() {
	register("gate", "compare a sweep's results with a baseline's and fail on a regression", gateCmd)
}

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
	writers := map[string]func(io.Writer, *gate.Report) error{
		"text": gate.WriteText, "markdown": gate.WriteMarkdown, "junit": gate.WriteJUnit,
	}
	write, ok := writers[*format]
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

	candFile, err := gateResultsFile(*candPath)
	if err != nil {
		return withCode(exitUsage, err)
	}
	cand, err := gateRead(candFile, stderr)
	if err != nil {
		return withCode(exitUsage, err)
	}
	baseFile, note, err := gateBaselineFile(*basePath, cand, &cfg, normGiven)
	if err != nil {
		return withCode(exitUsage, err)
	}
	if note != "" {
		fmt.Fprintf(stderr, "ftbench gate: %s\n", note)
	}
	base, err := gateRead(baseFile, stderr)
	if err != nil {
		return withCode(exitUsage, err)
	}
	rep, err := gate.Evaluate(gate.Side{Name: baseFile, Results: base}, gate.Side{Name: candFile, Results: cand}, rules, cfg)
	if err != nil {
		return withCode(exitUsage, err)
	}
	if err := write(stdout, rep); err != nil {
		return withCode(exitUsage, err)
	}
	if *junitPath != "" {
		if err := gateWriteFile(*junitPath, false, rep, gate.WriteJUnit); err != nil {
			return withCode(exitUsage, err)
		}
	}
	if *mdPath != "" {
		if err := gateWriteFile(*mdPath, true, rep, gate.WriteMarkdown); err != nil {
			return withCode(exitUsage, err)
		}
	}
	pass, inconclusive, fail := rep.Counts()
	switch rep.Verdict {
	case gate.Fail:
		return withCode(exitFailure, fmt.Errorf("fail: %d failing checks or runs (%d inconclusive, %d passing)", fail, inconclusive, pass))
	case gate.Inconclusive:
		return withCode(exitInconclusive, fmt.Errorf("inconclusive: %d checks could not be decided (%d passing); the output says how many runs would settle them", inconclusive, pass))
	}
	return nil
}

// gateResultsFile resolves a results file or a sweep folder.
func gateResultsFile(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if st.IsDir() {
		return filepath.Join(path, record.ResultsFile), nil
	}
	return path, nil
}

// gateBaselineFile resolves --baseline: a results file, a sweep folder, or
// a folder of baselines, from which it picks the one recorded on the
// candidate's machine, or else (normalising, which it turns on unless
// --normalize was given) the newest. note says which it took when it had to
// choose.
func gateBaselineFile(path string, cand []*record.Result, cfg *gate.Config, normGiven bool) (file, note string, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", "", err
	}
	if !st.IsDir() {
		return path, "", nil
	}
	if _, err := os.Stat(filepath.Join(path, record.ResultsFile)); err == nil {
		return filepath.Join(path, record.ResultsFile), "", nil
	}
	list, err := gate.ListBaselines(path)
	if err != nil {
		return "", "", err
	}
	machines := map[string]gate.Machine{}
	for _, r := range cand {
		if r.Status == record.StatusOK {
			m := gate.MachineOf(r.Env)
			machines[m.Key()] = m
		}
	}
	var m gate.Machine // zero when the candidate ran on several machines
	if len(machines) == 1 {
		for _, mm := range machines {
			m = mm
		}
	}
	b, exact, ok := gate.PickBaseline(list, m)
	switch {
	case ok && exact && len(machines) == 1:
		return b.ResultsPath(), fmt.Sprintf("baseline %s, recorded on the candidate's machine (%s) on %s", b.Dir, m, b.Saved.Format("2006-01-02")), nil
	case !ok:
		return "", "", fmt.Errorf("%s: no baseline matches the candidate's machine (%s), and none has reference runs to normalise by", path, m)
	}
	if cfg.Normalize == gate.NormalizeNone {
		if normGiven {
			return "", "", fmt.Errorf("%s: no baseline was recorded on the candidate's machine (%s), and --normalize none forbids comparing with another machine's", path, m)
		}
		cfg.Normalize = gate.NormalizeReference
	}
	return b.ResultsPath(), fmt.Sprintf("no baseline in %s was recorded on the candidate's machine (%s); comparing with %s (%s), normalised by the reference workload", path, m, b.Dir, b.Machine), nil
}

// gateRead reads a results file, warning about malformed lines.
func gateRead(path string, stderr io.Writer) ([]*record.Result, error) {
	rs, warns, err := record.ReadResults(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: no such results file", path)
	}
	for _, w := range warns {
		fmt.Fprintf(stderr, "ftbench gate: warning: %v (skipped)\n", w)
	}
	return rs, err
}

// gateWriteFile writes one rendering of the report to a file, appending
// when asked (a CI job summary collects several steps' output).
func gateWriteFile(path string, appendTo bool, rep *gate.Report, write func(io.Writer, *gate.Report) error) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if appendTo {
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return err
	}
	if err := write(f, rep); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
