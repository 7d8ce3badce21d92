package sweeprun

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/sweeps"
	"github.com/ftbench/ftbench/tune"
)

// coverage says, before a search starts, how much of the space its budget
// covers.
func coverage(spec *sweeps.Spec) string {
	s := spec.Search
	grid := spec.GridRuns()
	configs := len(spec.Trials())
	budget := spec.BudgetRunsFor()
	reps := searchRepeats(spec)
	msg := fmt.Sprintf("search %s over %d configs (a grid costs %d runs)", s.Strategy, configs, grid)
	if budget > 0 {
		msg += fmt.Sprintf(": budget %d runs (%.0f%% of the grid), so at most %d configs at %d runs each",
			budget, 100*float64(budget)/float64(grid), min(configs, budget/max(reps, 1)), reps)
	} else {
		msg += ": no run budget; the strategy stops by itself"
	}
	if s.BudgetTime > 0 {
		msg += fmt.Sprintf("; at most %s", s.BudgetTime)
	}
	return msg
}

func searchRepeats(spec *sweeps.Spec) int {
	if spec.Search.Repeats > 0 {
		return spec.Search.Repeats
	}
	return tune.DefaultRepeats(spec.Search.Strategy, spec.Repeats)
}

// search runs the spec's search strategy live: every run lands in
// results.jsonl as a grid run would, and runs already recorded are reused.
// It records how the search went in the folder (tune.History).
func (s *Sweep) search(ctx context.Context, ex Executor, w *record.Writer) error {
	spec, stdout, stderr := s.spec, s.opts.Stdout, s.opts.Stderr
	sr := spec.Search
	fmt.Fprintln(stderr, coverage(spec))
	live, err := tune.NewLive(spec, ex, w, s.prior)
	if err != nil {
		return err
	}
	start := time.Now()
	done := 0
	live.OnResult = func(res *record.Result) {
		done++
		fps := math.NaN()
		if res.Metrics != nil {
			fps = res.Metrics.FPS
		}
		fmt.Fprintf(stderr, "  run %d  %s  %s  %.1f frames/s  (%s)\n", done, res.Label, res.Status, fps, time.Since(start).Round(time.Second))
	}
	st, err := tune.Lookup(sr.Strategy)
	if err != nil {
		return err
	}
	space := tune.SpaceOf(spec)
	o := tune.DefaultOptions()
	o.Seed, o.Repeats, o.LatinHypercube, o.Start = uint64(sr.Seed), searchRepeats(spec), sr.LatinHypercube, tune.StartPoint(spec)
	if sr.StallSteps > 0 {
		o.StallSteps = sr.StallSteps
	}
	if sr.StallGain > 0 {
		o.StallGain = sr.StallGain
	}
	if sr.Eta > 0 {
		o.Eta = sr.Eta
	}
	res, err := st.Search(ctx, space, live, tune.GoalOf(spec), tune.Budget{Runs: spec.BudgetRunsFor(), Time: sr.BudgetTime}, o)
	if err != nil {
		if ctx.Err() != nil {
			return record.ErrInterrupted
		}
		return err
	}
	h := tune.History{Strategy: sr.Strategy, Seed: sr.Seed, Runs: res.Runs, Configs: res.Configs, GridRuns: spec.GridRuns(),
		Stopped: res.Stopped, Steps: res.History}
	if res.Best.Point != nil {
		h.Best, h.Value = space.Label(res.Best.Point), res.Best.Value
	}
	if err := tune.WriteHistory(s.opts.Dir, h); err != nil {
		return err
	}
	best := "no config met the constraints"
	if h.Best != "" {
		best = fmt.Sprintf("best %s = %.4g %s", h.Best, h.Value, spec.Objective.Metric)
	}
	fmt.Fprintf(stdout, "%s: search %s: %d configs, %d runs (%.0f%% of the grid's %d) in %s; %s; stopped: %s\n",
		spec.Name, sr.Strategy, res.Configs, res.Runs, 100*float64(res.Runs)/float64(h.GridRuns), h.GridRuns,
		time.Since(start).Round(time.Second), best, res.Stopped)
	return nil
}
