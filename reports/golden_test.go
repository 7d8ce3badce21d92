package reports

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftbench/ftbench/internal/testutil"
	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/sweeps"
)

func analyzeScenario(t *testing.T, name string) *Report {
	t.Helper()
	spec, results := loadScenario(t, name)
	return Analyze(results, spec, Options{Files: []string{filepath.ToSlash(filepath.Join("testdata", name, "results.jsonl"))}})
}

// TestGoldenSummary checks summary.md of every recorded sweep: a GPU
// sweep with a tie at the top and a failed run, a one-axis CPU sweep,
// and a sweep in which no config is feasible.
func TestGoldenSummary(t *testing.T) {
	t.Parallel()
	for _, name := range scenarios {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := analyzeScenario(t, name)
			var buf bytes.Buffer
			if err := WriteMarkdown(&buf, r); err != nil {
				t.Fatal(err)
			}
			testutil.Golden(t, filepath.Join("testdata", name, "summary.golden.md"), buf.Bytes())
		})
	}
}

// TestGoldenChoice checks the choice of best config on the recorded
// sweeps: the order of the candidates with their statistics, and
// best.toml's header. The config part of best.toml is checked by parsing
// it, not by a golden file, so a new pipeline knob does not churn goldens.
func TestGoldenChoice(t *testing.T) {
	t.Parallel()
	for _, name := range scenarios {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := analyzeScenario(t, name)
			var b strings.Builder
			c := r.Choice
			label := func(cand *Candidate) string {
				if cand == nil {
					return "none"
				}
				return cand.Label
			}
			fmt.Fprintf(&b, "best: %s\ntop: %s\nrunner-up: %s\npowerless: %t\n\ncandidates, in order of preference:\n",
				label(c.Best), label(c.Top), label(c.RunnerUp), c.Powerless)
			for _, cand := range c.Candidates {
				vs := "-"
				if cand.VsTop != nil {
					vs = fmtP(cand.VsTop.P)
				}
				fmt.Fprintf(&b, "  %-24s feasible=%-5t tied=%-5t %s  vs top %s  cost %s\n", cand.Label, cand.Feasible, cand.Tied,
					fmtInterval(cand.Objective, metric.FramesPerSecond), vs, fmtCost(cand, c.Cost))
				if !cand.Feasible {
					fmt.Fprintf(&b, "    why not: %s\n", infeasibleWhy(cand, false))
				}
			}
			b.WriteString("\nbest.toml:\n")
			data, err := BestTOML(r)
			switch {
			case c.Best == nil:
				if !errors.Is(err, ErrNoFeasible) {
					t.Fatalf("BestTOML with no feasible config: err = %v, want ErrNoFeasible", err)
				}
				fmt.Fprintf(&b, "  not written: %v\n", err)
			case err != nil:
				t.Fatal(err)
			default:
				header, _, _ := strings.Cut(string(data), "\n\n")
				b.WriteString(header + "\n")
				cfg, err := config.ParseConfig(data, "best.toml")
				if err != nil {
					t.Fatalf("best.toml does not parse: %v\n%s", err, data)
				}
				if cfg != c.Best.Config {
					t.Errorf("best.toml parses to %+v, want %+v", cfg, c.Best.Config)
				}
			}
			testutil.Golden(t, filepath.Join("testdata", name, "choice.golden.txt"), []byte(b.String()))
		})
	}
}

// TestWriteAll: the files land in the folder, best.toml only when a config
// is feasible, and a report on no records still renders.
func TestWriteAll(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		scenario string // "" for no records
		best     bool
	}{
		{"a feasible config", "cpu", true},
		{"none feasible", "nofeasible", false},
		{"no records", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var (
				spec    *sweeps.Spec
				results []*record.Result
			)
			if tt.scenario != "" {
				spec, results = loadScenario(t, tt.scenario)
			}
			dir := t.TempDir()
			r, err := WriteAll(dir, results, spec, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{HTMLFile, MarkdownFile} {
				if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, BestFile)); (err == nil) != tt.best {
				t.Errorf("best.toml written: %t, want %t", err == nil, tt.best)
			}
			if (r.Choice.Best != nil) != tt.best {
				t.Errorf("a config chosen: %t, want %t", r.Choice.Best != nil, tt.best)
			}
			var out bytes.Buffer
			WriteOutcome(&out, r, DirPaths(dir))
			if want := map[bool]string{true: "Best config", false: "No feasible config"}[tt.best]; !strings.Contains(out.String(), want) {
				t.Errorf("outcome lacks %q:\n%s", want, out.String())
			}
			if got := strings.Contains(out.String(), "KPIs against the plan: "); got != tt.best {
				t.Errorf("outcome has the KPI line: %t, want %t (a config chosen):\n%s", got, tt.best, out.String())
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if strings.Contains(e.Name(), ".tmp") {
					t.Errorf("temporary file %s left behind", e.Name())
				}
			}
		})
	}
}
