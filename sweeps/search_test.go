package sweeps

import (
	"strings"
	"testing"
	"time"
)

func TestSearchTable(t *testing.T) {
	t.Parallel()
	const head = "name = \"s\"\nrepeats = 2\n[[input]]\nfixture = \"face_360p\"\n[axes]\nbatch = [4, 8, 16]\ndetect_interval = [1, 2]\n"
	for _, tc := range []struct {
		name    string
		search  string
		want    *Search
		budget  int
		wantErr string
	}{
		{name: "none is the grid", search: "", want: nil},
		{name: "coordinate with a fraction", search: "[search]\nstrategy = \"coordinate\"\nbudget_fraction = 0.25\nseed = 7\n",
			want: &Search{Strategy: "coordinate", BudgetFraction: 0.25, Seed: 7}, budget: 3},
		{name: "halving with runs and time", search: "[search]\nstrategy = \"halving\"\nbudget_runs = 10\nbudget_time = \"5m\"\neta = 2\n",
			want: &Search{Strategy: "halving", BudgetRuns: 10, BudgetTime: 5 * time.Minute, Eta: 2, Seed: 1}, budget: 10},
		{name: "random latin hypercube", search: "[search]\nstrategy = \"random\"\nlatin_hypercube = true\nrepeats = 1\n",
			want: &Search{Strategy: "random", LatinHypercube: true, Repeats: 1, Seed: 1}},
		{name: "unknown strategy", search: "[search]\nstrategy = \"annealing\"\n", wantErr: `field "search.strategy": "annealing" is not`},
		{name: "unknown field", search: "[search]\nstrategy = \"random\"\nbudget = 3\n", wantErr: `field "search.budget": unknown field`},
		{name: "fraction above one", search: "[search]\nstrategy = \"random\"\nbudget_fraction = 1.5\n", wantErr: `field "search.budget_fraction": 1.5 is not`},
		{name: "bad duration", search: "[search]\nstrategy = \"random\"\nbudget_time = \"soon\"\n", wantErr: `field "search.budget_time"`},
		{name: "eta one", search: "[search]\nstrategy = \"halving\"\neta = 1\n", wantErr: `field "search.eta": 1 is not`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := Parse([]byte(head+tc.search), "s.toml", "")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (s.Search == nil) != (tc.want == nil) || (s.Search != nil && *s.Search != *tc.want) {
				t.Fatalf("search %+v, want %+v", s.Search, tc.want)
			}
			if s.GridRuns() != 12 {
				t.Errorf("grid runs %d, want 12", s.GridRuns())
			}
			if got := s.BudgetRunsFor(); got != tc.budget {
				t.Errorf("budget %d runs, want %d", got, tc.budget)
			}
		})
	}
}
