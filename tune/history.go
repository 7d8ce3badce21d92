package tune

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/ftbench/ftbench/internal/atomicfile"
)

// History is how one live search went, as a sweep records it in
// DIR/search-STRATEGY.json: the report's best-so-far chart reads it.
type History struct {
	Strategy string  `json:"strategy"`
	Seed     int64   `json:"seed"`
	Runs     int     `json:"runs"`
	Configs  int     `json:"configs"`
	GridRuns int     `json:"grid_runs"`
	Best     string  `json:"best,omitempty"` // the best config's label; empty when none was feasible
	Value    float64 `json:"value,omitempty"`
	Stopped  string  `json:"stopped"`
	Steps    []Step  `json:"history"`
}

// HistoryFile returns the name of a strategy's history file in a sweep's
// output folder.
func HistoryFile(strategy string) string { return "search-" + strategy + ".json" }

// WriteHistory writes h into dir, atomically.
func WriteHistory(dir string, h History) error {
	data, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, HistoryFile(h.Strategy)), append(data, '\n'))
}

// ReadHistories reads every search history in dir, in file name order.
func ReadHistories(dir string) ([]History, error) {
	paths, err := filepath.Glob(filepath.Join(dir, HistoryFile("*")))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var out []History
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var h History
		if err := json.Unmarshal(data, &h); err != nil {
			return nil, fmt.Errorf("%s: %v", p, err)
		}
		out = append(out, h)
	}
	return out, nil
}
