package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/ftbench/ftbench/reports"
)

var reportUsage = usageText("report")

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
