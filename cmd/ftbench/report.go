package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/ftbench/ftbench/reports"
)

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
	r, err := reports.Generate(reports.Request{
		Results: pos, SpecPath: *specPath, HTML: *htmlPath, Markdown: *mdPath, Best: *bestPath,
		Alpha: *alpha, Assets: *assets, Inline: *inline, Stdout: stdout, Stderr: stderr, Warn: warnSkipped("report", stderr),
		Note: func(s string) { fmt.Fprintf(stderr, "ftbench report: note: %s\n", s) },
	})
	if err != nil {
		return withCode(exitUsage, err)
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(stderr, "ftbench report: warning: %s\n", w)
	}
	if r.Choice.Best == nil {
		return withCode(exitFailure, errSilent)
	}
	return nil
}
