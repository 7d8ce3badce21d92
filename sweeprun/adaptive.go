package sweeprun

import (
	"context"
	"fmt"
	"math"

	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/stats"
)

// Undecided is a trial whose objective's median interval was still wider
// than the plan's CI when it reached MaxRepeats counted rounds.
type Undecided struct {
	Trial  *record.Trial
	Runs   int     // its counted values
	Spread float64 // the interval's relative half-width (stats.Summary.Spread)
}

// AddRounds repeats until decided: past the plan's Repeats counted rounds,
// it runs one more interleaved round of the trials whose objective (value,
// over their counted ok runs) has a median interval (stats.Summarize)
// wider than plan.CI relative to the median, and again, until every
// trial is within it or has plan.MaxRepeats rounds. The reference
// workload runs in every added round of an input with a trial in it, so
// rounds stay paired. results are the runs recorded so far (earlier
// invocations included); runs done already are not run again, so a
// resumed sweep decides the same way. A trial with no value (every run
// failed) gets no more rounds. It returns the trials that stopped at
// MaxRepeats still undecided.
func AddRounds(ctx context.Context, ex Executor, plan record.Plan, w *record.Writer, results []*record.Result,
	value func(*record.Result) (float64, bool), sum *Summary, progress func(Status)) ([]Undecided, error) {
	if !plan.Adaptive() {
		return nil, nil
	}
	done := DoneRuns(results)
	o := stats.DefaultOptions()
	first, last := plan.Warmups+plan.Repeats, plan.Warmups+plan.MaxRepeats
	for round := first; round <= last; round++ {
		spread := spreads(plan, results, value, round, o)
		var wide []Undecided
		inputs := map[string]bool{}
		for i := range plan.Trials {
			t := &plan.Trials[i]
			if sp, ok := spread[t.ID]; ok && !(sp.Spread() <= plan.CI) {
				wide = append(wide, Undecided{Trial: t, Runs: sp.N, Spread: sp.Spread()})
				inputs[t.Input.Name] = true
			}
		}
		if round == last || len(wide) == 0 {
			return wide, nil
		}
		keep := func(t *record.Trial) bool {
			if record.IsReferenceTrial(t) {
				return inputs[t.Input.Name]
			}
			_, ok := spread[t.ID]
			return ok && !(spread[t.ID].Spread() <= plan.CI)
		}
		var todo []record.Run
		for _, run := range plan.Round(round, keep) {
			if !done[run.Key()] {
				todo = append(todo, run)
			}
		}
		sum.Runs += len(todo)
		got, err := runList(ctx, ex, todo, plan.Timeout, w, sum, progress)
		results = append(results, got...)
		if err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// spreads summarizes, per trial (not the reference workload), the
// objective over its counted ok runs before round; trials with no value
// are left out.
func spreads(plan record.Plan, results []*record.Result, value func(*record.Result) (float64, bool), round int, o stats.Options) map[string]stats.Summary {
	vals := map[string][]float64{}
	for _, r := range results {
		if r.Warmup || r.Round >= round || r.Status != record.StatusOK || record.IsReference(r) {
			continue
		}
		if v, ok := value(r); ok && !math.IsNaN(v) {
			vals[r.TrialID] = append(vals[r.TrialID], v)
		}
	}
	out := map[string]stats.Summary{}
	for _, t := range plan.Trials {
		if xs := vals[t.ID]; len(xs) > 0 {
			out[t.ID] = stats.Summarize(xs, o)
		}
	}
	return out
}

// String says where the trial stopped: "batch=4 (face_360p): 30 runs,
// median ±3.1%".
func (u Undecided) String() string {
	return fmt.Sprintf("%s (%s): %d runs, median ±%s", u.Trial.Label, u.Trial.Input.Name, u.Runs, pct(u.Spread))
}

func pct(f float64) string {
	if math.IsInf(f, 0) {
		return "∞ (too few runs for an interval)"
	}
	return fmt.Sprintf("%.1f%%", 100*f)
}
