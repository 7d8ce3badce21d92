package tune

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/sweeps"
	"github.com/ftbench/ftbench/tune/strategy"
)

// TestStrategyNames: the strategies tune implements are the ones sweeps
// accepts in a spec, each under its own name.
func TestStrategyNames(t *testing.T) {
	t.Parallel()
	var names []string
	for name, st := range Strategies {
		names = append(names, name)
		if st.Name() != name {
			t.Errorf("Strategies[%q].Name() = %q", name, st.Name())
		}
	}
	slices.Sort(names)
	want := slices.Sorted(slices.Values(strategy.Names))
	if !slices.Equal(names, want) {
		t.Errorf("Strategies has %v, strategy.Names %v", names, want)
	}
}

// TestBench replays every strategy on the recorded grid: one row each,
// after the space and the grid's best.
func TestBench(t *testing.T) {
	t.Parallel()
	spec, err := sweeps.Load("testdata/grid.toml")
	if err != nil {
		t.Fatal(err)
	}
	results, _, err := record.ReadResults("testdata/grid.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var out, verbose bytes.Buffer
	if err := Bench(&out, spec, results, BenchOptions{Seeds: 2, Budget: 0.25, Source: "grid.jsonl", Verbose: &verbose}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4+len(strategy.Names) || !strings.HasPrefix(lines[0], "space: ") || !strings.HasPrefix(lines[1], "grid best: ") {
		t.Fatalf("output:\n%s", out.String())
	}
	for i, name := range strategy.Names {
		row := strings.Fields(lines[4+i])
		seeds := "2"
		if name == strategy.Grid || name == strategy.Coordinate {
			seeds = "1"
		}
		if row[0] != name || row[1] != seeds {
			t.Errorf("row %d: %q, want %s over %s seeds", i, lines[4+i], name, seeds)
		}
	}
	if !strings.Contains(verbose.String(), "  coordinate: ") {
		t.Errorf("verbose output lacks the evaluations: %q", verbose.String())
	}

	err = Bench(&out, spec, results, BenchOptions{Strategies: []string{"annealing"}})
	if err == nil || !strings.Contains(err.Error(), `unknown strategy "annealing"`) {
		t.Errorf("an unknown strategy: %v", err)
	}
}

func TestHistoryRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := History{Strategy: strategy.Coordinate, Seed: 3, Runs: 6, Configs: 3, GridRuns: 128, Best: "batch=8", Value: 450,
		Stopped: "budget spent", Steps: []Step{{Runs: 2, Best: 400, Point: "batch=4", Feasible: true}}}
	if err := WriteHistory(dir, h); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "search-coordinate.json")); err != nil {
		t.Fatal(err)
	}
	got, err := ReadHistories(dir)
	if err != nil || len(got) != 1 || got[0].Best != h.Best || !slices.Equal(got[0].Steps, h.Steps) {
		t.Fatalf("ReadHistories = %+v, %v", got, err)
	}
}
