package tune

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"

	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/stats"
	"github.com/ftbench/ftbench/sweeps"
	"github.com/ftbench/ftbench/tune/strategy"
)

// BenchOptions say how Bench replays the strategies.
type BenchOptions struct {
	// Strategies to replay; nil means every one, in strategy.Names order.
	Strategies []string
	// Seeds is how many seeds each randomised strategy runs with; grid
	// and coordinate search are deterministic and run once.
	Seeds int
	// Budget is the run budget as a fraction of the grid's runs; Runs, when
	// > 0, overrides it with a number of runs.
	Budget float64
	Runs   int
	// Repeats is the counted runs per evaluation; 0 = DefaultRepeats with
	// every recorded run of a config.
	Repeats int
	// Input is the sweep input to search; "" = the spec's first.
	Input string
	// Source names the results, for messages.
	Source string
	// Verbose, when set, is told every evaluation of each strategy's first
	// seed.
	Verbose io.Writer
}

// withinBest is the distance from the grid's best within which a
// strategy's choice counts as a hit.
const withinBest = 0.05

// Bench replays each strategy against a finished sweep's records and
// writes, per strategy over its seeds, the runs spent, the configs tried,
// the best config found (its value over every recorded run) against the
// grid's best, and in how many seeds the choice was within 5% of it.
func Bench(w io.Writer, spec *sweeps.Spec, results []*record.Result, o BenchOptions) error {
	names := o.Strategies
	if names == nil {
		names = strategy.Names
	}
	for _, name := range names {
		if _, err := Lookup(name); err != nil {
			return err
		}
	}
	rec, err := NewRecorded(spec, results, o.Input)
	if err != nil {
		return err
	}
	goal := GoalOf(spec)
	space := rec.Space()
	recorded, size := rec.Coverage()
	perPoint := rec.RunsPerPoint()
	gridRuns := size * perPoint
	bestP, bestV := rec.GridBest(goal)
	if bestP == nil {
		return fmt.Errorf("%s: no recorded config meets the constraints", o.Source)
	}
	b := Budget{Runs: o.Runs}
	if b.Runs == 0 {
		b.Runs = int(o.Budget * float64(gridRuns))
	}
	fmt.Fprintf(w, "space: %d configs (%d recorded), %d runs each: a grid costs %d runs; budget %d runs\n",
		size, recorded, perPoint, gridRuns, b.Runs)
	fmt.Fprintf(w, "grid best: %s = %.4g %s\n\n", space.Label(bestP), bestV, spec.Objective.Metric)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "strategy\tseeds\truns (median)\tconfigs (median)\tbest found (median)\tvs grid best\twithin 5%\tmost chosen")
	start := StartPoint(spec)
	for _, name := range names {
		st, _ := Lookup(name)
		var spent, configs, found []float64
		within := 0
		chosen := map[string]int{}
		n := o.Seeds
		if name == strategy.Grid || name == strategy.Coordinate {
			n = 1 // deterministic: no seed changes them
		}
		for seed := range n {
			rec, _ := NewRecorded(spec, results, o.Input)
			so := DefaultOptions()
			so.Seed, so.Start, so.MaxRepeats = uint64(seed+1), start, perPoint
			so.Repeats = o.Repeats
			if so.Repeats == 0 {
				so.Repeats = DefaultRepeats(name, perPoint)
			}
			bb := b
			if name == strategy.Grid {
				bb = Budget{}
			}
			res, err := st.Search(context.Background(), space, rec, goal, bb, so)
			if err != nil {
				return err
			}
			if o.Verbose != nil && seed == 0 {
				for _, st := range res.History {
					fmt.Fprintf(o.Verbose, "  %s: %3d runs  best %.4g  %s%s\n", name, st.Runs, st.Best, st.Point, map[bool]string{false: "  (infeasible)"}[st.Feasible])
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
			if !goal.Better(bestV, v) || withinFraction(v, bestV, withinBest) {
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

// withinFraction reports whether v is within fraction f of best.
func withinFraction(v, best, f float64) bool {
	if best == 0 {
		return v == 0
	}
	d := (v - best) / best
	return d >= -f && d <= f
}

// LoadRecorded reads a finished sweep for Bench: its spec, from specPath
// or else spec.toml beside the results, then its results file, telling
// warn of each malformed record, which is skipped.
func LoadRecorded(resultsPath, specPath string, warn func(error)) (*sweeps.Spec, []*record.Result, error) {
	if specPath == "" {
		specPath = filepath.Join(filepath.Dir(resultsPath), record.SpecFile)
	}
	spec, err := sweeps.Load(specPath)
	if err != nil {
		return nil, nil, err
	}
	results, warnings, err := record.ReadResults(resultsPath)
	if err != nil {
		return nil, nil, err
	}
	for _, w := range warnings {
		if warn != nil {
			warn(w)
		}
	}
	return spec, results, nil
}
