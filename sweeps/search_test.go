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

func TestMemoryLimit(t *testing.T) {
	t.Parallel()
	const head = "name = \"m\"\n[[input]]\nfixture = \"face_360p\"\n"
	for _, tc := range []struct {
		name    string
		line    string
		want    int64
		wantErr string
	}{
		{"none", "", 0, ""},
		{"GiB", `memory_limit = "4GiB"`, 4 << 30, ""},
		{"MiB with a space", `memory_limit = "512 MiB"`, 512 << 20, ""},
		{"bytes", `memory_limit = 1073741824`, 1 << 30, ""},
		{"zero is none", `memory_limit = 0`, 0, ""},
		{"too small", `memory_limit = "1MiB"`, 0, `field "memory_limit": 1048576 bytes is too little`},
		{"not a size", `memory_limit = "lots"`, 0, `field "memory_limit": "lots" is not a size`},
		{"wrong type", `memory_limit = true`, 0, `field "memory_limit": want a size`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := Parse([]byte(tc.line+"\n"+head), "m.toml", "")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.MemoryLimit != tc.want {
				t.Errorf("memory limit %d, want %d", s.MemoryLimit, tc.want)
			}
		})
	}
	if n, err := ParseSize("4GiB"); err != nil || n != 4<<30 {
		t.Errorf("ParseSize(4GiB) = %d, %v", n, err)
	}
	if _, err := ParseSize("4 parsecs"); err == nil {
		t.Error("ParseSize accepted 4 parsecs")
	}
}
