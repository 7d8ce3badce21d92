package reports

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ftbench/ftbench/record"
)

// TestParetoAxesSayWhatTheyPlot: on the recorded sweep (processes 1 and
// 2), the processes chart puts each trial at the processes its config set,
// not at the sampled process tree (3 for processes = 2), and the derived
// CPU-cores axis says it is derived.
func TestParetoAxesSayWhatTheyPlot(t *testing.T) {
	t.Parallel()
	results, _, err := record.ReadResults(filepath.Join("testdata", "recorded", record.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	r := Analyze(slices.DeleteFunc(results, record.IsReference), nil, Options{})
	found := 0
	for _, p := range r.Pareto {
		switch p.Resource {
		case "processes":
			found++
			if !strings.Contains(p.Axis, "the config's value") || len(p.Points) != len(r.Trials) {
				t.Errorf("processes chart: axis %q, %d points", p.Axis, len(p.Points))
			}
			for _, pt := range p.Points {
				if want := float64(pt.Trial.Config.Processes); pt.X != want {
					t.Errorf("%s at processes = %g, want %g", pt.Trial.Label, pt.X, want)
				}
			}
		case "cpu_cores":
			found++
			if !strings.Contains(p.Axis, "derived") {
				t.Errorf("CPU cores axis %q does not say it is derived", p.Axis)
			}
		}
	}
	if found != 2 {
		t.Errorf("%d of the processes and CPU cores charts", found)
	}
}
