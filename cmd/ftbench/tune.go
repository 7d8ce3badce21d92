package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/ftbench/ftbench/tune"
)

var tuneUsage = usageText("tune")

func tuneCmd(stdout, stderr io.Writer, args []string) error {
	if len(args) == 0 || args[0] != "replay" {
		fmt.Fprint(stderr, tuneUsage)
		return withCode(exitUsage, errors.New("want a subcommand: replay"))
	}
	fs := newFlagSet("tune replay", tuneUsage, stderr)
	specPath := fs.String("spec", "", "the sweep's spec `file` (default: spec.toml beside the results)")
	strategy := fs.String("strategy", "all", "`strategy` to replay, or all")
	seeds := fs.Int("seeds", 10, "seeds to run each strategy with")
	budget := fs.Float64("budget", 0.25, "budget as a `fraction` of the grid's runs")
	runs := fs.Int("runs", 0, "budget in `runs` (overrides --budget)")
	repeats := fs.Int("repeats", 0, "counted runs per evaluation (0 = coordinate uses every recorded run, random and halving start at 1)")
	input := fs.String("input", "", "the sweep input to search (default: the spec's first)")
	verbose := fs.Bool("v", false, "print every evaluation of the first seed")
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return withCode(exitUsage, errors.New("want one RESULTS.jsonl"))
	}
	spec, results, err := tune.LoadRecorded(pos[0], *specPath, func(err error) { fmt.Fprintf(stderr, "warning: %v\n", err) })
	if err != nil {
		return err
	}
	o := tune.BenchOptions{Seeds: *seeds, Budget: *budget, Runs: *runs, Repeats: *repeats, Input: *input, Source: pos[0]}
	if *strategy != "all" {
		o.Strategies = []string{*strategy} // Bench refuses an unknown one (exit 2)
	}
	if *verbose {
		o.Verbose = stderr
	}
	return tune.Bench(stdout, spec, results, o)
}
