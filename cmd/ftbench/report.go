package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/reports"
	"github.com/ftbench/ftbench/sweeps"
)

func init() {
	register("report", "write the HTML report, summary.md and best.toml of a sweep's results", reportCmd)
}

const reportUsage = `usage: ftbench report RESULTS.jsonl|DIR... [-o report.html] [--md summary.md] [--best best.toml]
                      [--spec spec.toml|none] [--assets DIR] [--inline]

Reads the result records of one or more sweeps (or shards of one) and
writes an HTML report (the KPI table, charts, the environment and the
spec), a Markdown summary for CI job summaries, and best.toml: the config
that meets the spec's constraints and, among those statistically as good as
the best one, uses the least (processes, streams, threads, VRAM, batch).
A DIR stands for DIR/results.jsonl. Files go beside the first results file
unless named; "-" writes one to stdout, "none" skips it.

The spec (objective, constraints, reference trial) is spec.toml beside the
first results file unless --spec names another; --spec none uses the
defaults (maximize fps, no constraints).

The report loads ECharts from the public CDN unless --assets names a local
copy (the folder npm installs it into, or its dist folder); --inline embeds
that copy, or the one scripts/fetch-echarts.sh installed, so the report
opens with no network and no other file.

Malformed records are skipped with a warning naming their file and line.
Exit status 1 when no config is feasible (best.toml is then not written).

Examples:
  ftbench report out/default
  ftbench report runs/1b/results.jsonl --md - >> "$GITHUB_STEP_SUMMARY"
  ftbench report shard0/results.jsonl shard1/results.jsonl --spec sweeps/phase1b.toml -o 1b.html
  ftbench report out/default --inline --assets ~/.cache/ftbench/echarts

flags:
`

func reportCmd(stdout, stderr io.Writer, args []string) error {
	fl := newFlagSet("report", reportUsage, stderr)
	htmlPath := fl.String("o", "", "HTML report `path` (default report.html beside the first results file)")
	mdPath := fl.String("md", "", "Markdown summary `path` (default summary.md beside the first results file)")
	bestPath := fl.String("best", "", "best config `path` (default best.toml beside the first results file)")
	specPath := fl.String("spec", "", "sweep spec `file` (default spec.toml beside the first results file); none for the defaults")
	assets := fl.String("assets", "", "`folder` holding a local ECharts (echarts.min.js, dist/ or node_modules/echarts/dist/)")
	inline := fl.Bool("inline", false, "embed ECharts in the report (from --assets, $"+reports.EnvEChartsDir+" or the user cache)")
	alpha := fl.Float64("alpha", reports.DefaultAlpha, "significance level of the comparisons")
	pos, err := parseInterspersed(fl, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fl.Usage()
		return withCode(exitUsage, errors.New("want at least one RESULTS.jsonl file or sweep folder"))
	}
	if !(*alpha > 0 && *alpha < 1) {
		return withCode(exitUsage, fmt.Errorf("--alpha %g: want a level in (0, 1)", *alpha))
	}
	files := make([]string, len(pos))
	for i, p := range pos {
		files[i] = p
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			files[i] = filepath.Join(p, record.ResultsFile)
		}
	}
	dir := filepath.Dir(files[0])
	def := func(flagValue *string, name string) string {
		switch *flagValue {
		case "":
			return filepath.Join(dir, name)
		case "none":
			return ""
		}
		return *flagValue
	}
	paths := reports.Paths{HTML: def(htmlPath, reports.HTMLFile), Markdown: def(mdPath, reports.MarkdownFile), Best: def(bestPath, reports.BestFile)}

	results, err := reportRead(files, stderr)
	if err != nil {
		return withCode(exitUsage, err)
	}
	spec, err := reportSpec(*specPath, dir, stderr)
	if err != nil {
		return withCode(exitUsage, err)
	}
	opts := reports.Options{Alpha: *alpha, Files: files}
	// Search histories beside the results feed the report's search chart.
	for _, f := range files {
		h, err := reports.ReadSearches(filepath.Dir(f))
		if err != nil {
			return withCode(exitUsage, err)
		}
		opts.Searches = append(opts.Searches, h...)
	}
	if *assets != "" || *inline {
		js, err := reports.FindECharts(*assets)
		if err != nil {
			return withCode(exitUsage, err)
		}
		htmlDir := dir
		if paths.HTML != "" && paths.HTML != "-" {
			htmlDir = filepath.Dir(paths.HTML)
		}
		if opts.Script, err = reports.LocalScript(js, htmlDir, *inline); err != nil {
			return withCode(exitUsage, err)
		}
	}

	// The calibration runs (reference:ffmpeg) are the gate's, not a trial.
	results = slices.DeleteFunc(results, record.IsReference)
	r := reports.Analyze(results, spec, opts)
	// "-" writes to stdout, after the files.
	var toStdout []func(io.Writer, *reports.Report) error
	for _, p := range []struct {
		path   *string
		render func(io.Writer, *reports.Report) error
	}{{&paths.HTML, reports.WriteHTML}, {&paths.Markdown, reports.WriteMarkdown}, {&paths.Best, writeBest}} {
		if *p.path == "-" {
			toStdout = append(toStdout, p.render)
			*p.path = ""
		}
	}
	if err := reports.Write(r, paths); err != nil {
		return withCode(exitUsage, err)
	}
	for _, render := range toStdout {
		if err := render(stdout, r); err != nil && !errors.Is(err, reports.ErrNoFeasible) {
			return withCode(exitUsage, err)
		}
	}
	out := stdout
	if len(toStdout) > 0 {
		out = stderr // keep stdout for the file written there
	}
	reports.WriteOutcome(out, r, paths)
	for _, w := range r.Warnings {
		fmt.Fprintf(stderr, "ftbench report: warning: %s\n", w)
	}
	if r.Choice.Best == nil {
		return withCode(exitFailure, errSilent)
	}
	return nil
}

// writeBest writes best.toml to w.
func writeBest(w io.Writer, r *reports.Report) error {
	data, err := reports.BestTOML(r)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// reportRead reads every results file, warning about malformed lines.
func reportRead(files []string, stderr io.Writer) ([]*record.Result, error) {
	var all []*record.Result
	for _, f := range files {
		rs, warns, err := record.ReadResults(f)
		for _, w := range warns {
			fmt.Fprintf(stderr, "ftbench report: warning: %v (skipped)\n", w)
		}
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("%s: no such results file", f)
			}
			return nil, err
		}
		all = append(all, rs...)
	}
	return all, nil
}

// reportSpec loads the spec: the one named, or spec.toml in dir when
// there is one.
func reportSpec(path, dir string, stderr io.Writer) (*sweeps.Spec, error) {
	switch path {
	case "none":
		return nil, nil
	case "":
		path = filepath.Join(dir, record.SpecFile)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(stderr, "ftbench report: note: no %s; using the default objective (maximize fps) and no constraints (--spec names a spec)\n", path)
			return nil, nil
		}
	}
	spec, err := sweeps.Load(path)
	if err != nil {
		var b bytes.Buffer
		fmt.Fprintf(&b, "%v", err)
		if strings.Contains(b.String(), "input") {
			b.WriteString("\n(the report needs the spec's objective and constraints; --spec none reports without them)")
		}
		return nil, errors.New(b.String())
	}
	return spec, nil
}
