package tune

import (
	"context"
	"testing"

	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/sweeps"
)

// TestReplayRecordedGrid replays the strategies on a full grid recorded on
// this project's machine (64 configs x 3 runs, tune/testdata): coordinate
// search and successive halving must reach a config within 5% of the
// grid's best objective using at most 25% of the grid's runs, in at least
// 9 of 10 seeds; a config is judged by its median over all its recorded
// runs, as the grid judged it.
func TestReplayRecordedGrid(t *testing.T) {
	spec, err := sweeps.Load("testdata/grid.toml")
	if err != nil {
		t.Fatal(err)
	}
	results, warnings, err := record.ReadResults("testdata/grid.jsonl")
	if err != nil || len(warnings) > 0 {
		t.Fatalf("reading the grid: %v %v", err, warnings)
	}
	rec, err := NewRecorded(spec, results, "")
	if err != nil {
		t.Fatal(err)
	}
	recorded, size := rec.Coverage()
	if size < 60 || recorded != size || len(spec.Axes) < 3 {
		t.Fatalf("the grid has %d of %d configs recorded on %d axes; want a full grid of >= 60 configs on >= 3 axes", recorded, size, len(spec.Axes))
	}
	goal := GoalOf(spec)
	gridRuns := size * rec.RunsPerPoint()
	_, best := rec.GridBest(goal)
	budget := Budget{Runs: gridRuns / 4}
	for _, name := range []string{"coordinate", "halving", "random"} {
		t.Run(name, func(t *testing.T) {
			hits := 0
			for seed := range uint64(10) {
				ev, _ := NewRecorded(spec, results, "")
				o := DefaultOptions()
				o.Seed, o.MaxRepeats = seed+1, rec.RunsPerPoint()
				o.Repeats = DefaultRepeats(name, rec.RunsPerPoint())
				o.Start = StartPoint(spec)
				st, _ := Lookup(name)
				res, err := st.Search(context.Background(), ev.Space(), ev, goal, budget, o)
				if err != nil {
					t.Fatal(err)
				}
				if res.Runs > budget.Runs {
					t.Errorf("seed %d: %d runs, budget %d", seed, res.Runs, budget.Runs)
				}
				if res.Best.Point == nil {
					continue
				}
				if v, _ := rec.Truth(res.Best.Point); v >= best*0.95 {
					hits++
				}
			}
			if hits < 9 {
				t.Errorf("within 5%% of the grid's best (%.1f) in %d of 10 seeds, want >= 9", best, hits)
			}
		})
	}
}
