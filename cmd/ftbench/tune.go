package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"

	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/stats"
	"github.com/ftbench/ftbench/sweeps"
	"github.com/ftbench/ftbench/tune"
)

func init() {
	register("tune", "compare search strategies on recorded results (tune replay)", tuneCmd)
}

const tuneUsage = `usage: ftbench tune replay RESULTS.jsonl [--spec SPEC.toml] [--strategy S|all]
                          [--seeds N] [--budget FRACTION | --runs N] [--repeats R]

Runs search strategies against a finished sweep's records instead of the
pipeline: each evaluation reads the runs the sweep made, so strategies are
compared on a real, noisy grid in milliseconds. For each strategy it prints,
over N seeds, the runs spent, the configs tried, the best config found (its
value over every recorded run) against the grid's best, and in how many
seeds the choice was within 5% of it.

Strategies: grid, random (Latin hypercube), coordinate (hill-climbing from
the spec's base config), halving (successive halving over repeats).

Examples:
  ftbench tune replay out/sweep/results.jsonl
  ftbench tune replay tune/testdata/grid.jsonl --spec tune/testdata/grid.toml --budget 0.25

flags:
`

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
	if *specPath == "" {
		*specPath = filepath.Join(filepath.Dir(pos[0]), "spec.toml")
	}
	spec, err := sweeps.Load(*specPath)
	if err != nil {
		return err
	}
	results, warnings, err := record.ReadResults(pos[0])
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "warning: %v\n", w)
	}
	names := []string{"grid", "random", "coordinate", "halving"}
	if *strategy != "all" {
		if _, err := tune.Lookup(*strategy); err != nil {
			return withCode(exitUsage, err)
		}
		names = []string{*strategy}
	}
	rec, err := tune.NewRecorded(spec, results, *input)
	if err != nil {
		return err
	}
	goal := tune.GoalOf(spec)
	space := rec.Space()
	recorded, size := rec.Coverage()
	perPoint := rec.RunsPerPoint()
	gridRuns := size * perPoint
	bestP, bestV := rec.GridBest(goal)
	if bestP == nil {
		return fmt.Errorf("%s: no recorded config meets the constraints", pos[0])
	}
	b := tune.Budget{Runs: *runs}
	if b.Runs == 0 {
		b.Runs = int(*budget * float64(gridRuns))
	}
	fmt.Fprintf(stdout, "space: %d configs (%d recorded), %d runs each: a grid costs %d runs; budget %d runs\n",
		size, recorded, perPoint, gridRuns, b.Runs)
	fmt.Fprintf(stdout, "grid best: %s = %.4g %s\n\n", space.Label(bestP), bestV, spec.Objective.Metric)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "strategy\tseeds\truns (median)\tconfigs (median)\tbest found (median)\tvs grid best\twithin 5%\tmost chosen")
	start := tune.StartPoint(spec)
	for _, name := range names {
		st, _ := tune.Lookup(name)
		var spent, configs, found []float64
		within := 0
		chosen := map[string]int{}
		n := *seeds
		if name == "grid" || name == "coordinate" {
			n = 1 // deterministic: no seed changes them
		}
		for seed := range n {
			rec, _ := tune.NewRecorded(spec, results, *input)
			o := tune.DefaultOptions()
			o.Seed, o.Start, o.MaxRepeats = uint64(seed+1), start, perPoint
			o.Repeats = *repeats
			if o.Repeats == 0 {
				o.Repeats = tune.DefaultRepeats(name, perPoint)
			}
			bb := b
			if name == "grid" {
				bb = tune.Budget{}
			}
			res, err := st.Search(context.Background(), space, rec, goal, bb, o)
			if err != nil {
				return err
			}
			if *verbose && seed == 0 {
				for _, st := range res.History {
					fmt.Fprintf(stderr, "  %s: %3d runs  best %.4g  %s%s\n", name, st.Runs, st.Best, st.Point, map[bool]string{false: "  (infeasible)"}[st.Feasible])
				}
			}
			spent = append(spent, float64(res.Runs))
			configs = append(configs, float64(res.Configs))
			if res.Best.Point == nil {
				continue
			}
			v, _ := rec.Truth(res.Best.Point)
			found = append(found, v)
			chosen[space.Label(res.Best.Point)]++
			if !goal.Better(bestV, v) || withinFraction(v, bestV, 0.05) {
				within++
			}
		}
		most := ""
		for k, c := range chosen {
			if most == "" || c > chosen[most] || (c == chosen[most] && k < most) {
				most = k
			}
		}
		fv := stats.Median(found)
		fmt.Fprintf(tw, "%s\t%d\t%.0f (%.0f%%)\t%.0f\t%.4g\t%+.1f%%\t%d/%d\t%s\n", name, n, stats.Median(spent),
			100*stats.Median(spent)/float64(gridRuns), stats.Median(configs), fv, 100*(fv/bestV-1), within, n, most)
	}
	return tw.Flush()
}

func withinFraction(v, best, f float64) bool {
	if best == 0 {
		return v == 0
	}
	d := (v - best) / best
	return d >= -f && d <= f
}
