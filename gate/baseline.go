package gate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/ftbench/ftbench/internal/atomicfile"
	"github.com/ftbench/ftbench/record"
)

// Files of a stored baseline, in DIR/MACHINE-ID/.
const (
	BaselineResults = record.ResultsFile // the records
	BaselineInfo    = "machine.json"     // what they are: a BaselineMeta
)

// BaselineMeta describes a stored baseline: DIR/MACHINE-ID/machine.json.
type BaselineMeta struct {
	Machine  Machine   `json:"machine"`
	Saved    time.Time `json:"saved"`
	From     string    `json:"from"`   // the results file it was saved from
	Sweeps   []string  `json:"sweeps"` // the sweeps' names
	Records  int       `json:"records"`
	Counted  int       `json:"counted"` // counted trial runs that ended ok
	Revision string    `json:"vcs_revision,omitempty"`
	// References counts the reference workload's counted ok runs: a
	// baseline without them cannot judge another machine's runs.
	References int `json:"references"`
}

// Baseline is a baseline stored under a folder.
type Baseline struct {
	Dir string // DIR/MACHINE-ID
	BaselineMeta
}

// ResultsPath returns the baseline's records file.
func (b Baseline) ResultsPath() string { return filepath.Join(b.Dir, BaselineResults) }

// SaveBaselines stores results as baselines under dir, one per machine the
// records ran on (normally one), each in dir/MACHINE-ID/, replacing what
// was there for that machine. Records are kept whole but for their time
// series and stderr tails, which the gate does not read, so that a
// baseline stays small enough to commit.
func SaveBaselines(dir string, results []*record.Result, from string, now time.Time) ([]Baseline, error) {
	groups := map[string][]*record.Result{}
	machines := map[string]Machine{}
	for _, r := range results {
		m := MachineOf(r.Env)
		groups[m.Key()] = append(groups[m.Key()], r)
		machines[m.Key()] = m
	}
	if len(groups) == 0 {
		return nil, fmt.Errorf("%s holds no records", from)
	}
	var out []Baseline
	for _, k := range sortedKeys(groups) {
		m := machines[k]
		b := Baseline{Dir: filepath.Join(dir, m.ID()), BaselineMeta: BaselineMeta{Machine: m, Saved: now.UTC(), From: from}}
		sweeps := map[string]bool{}
		var lines []byte
		for _, r := range groups[k] {
			c := *r
			c.Series, c.StderrTail = nil, ""
			line, err := json.Marshal(&c)
			if err != nil {
				return nil, err
			}
			lines = append(append(lines, line...), '\n')
			b.Records++
			sweeps[r.Sweep] = true
			if !r.Warmup && r.Status == record.StatusOK {
				if record.IsReference(r) {
					b.References++
				} else {
					b.Counted++
				}
			}
			if r.Env != nil && r.Env.Revision != "" {
				b.Revision = r.Env.Revision
			}
		}
		b.Sweeps = sortedKeys(sweeps)
		if err := os.MkdirAll(b.Dir, 0o755); err != nil {
			return nil, err
		}
		if err := atomicfile.WriteFile(b.ResultsPath(), lines); err != nil {
			return nil, err
		}
		meta, err := json.MarshalIndent(b.BaselineMeta, "", "  ")
		if err != nil {
			return nil, err
		}
		if err := atomicfile.WriteFile(filepath.Join(b.Dir, BaselineInfo), append(meta, '\n')); err != nil {
			return nil, err
		}
		// Note: the files are meant to be committed; readable by all, as
		// the checkout would make them.
		for _, f := range []string{b.ResultsPath(), filepath.Join(b.Dir, BaselineInfo)} {
			if err := os.Chmod(f, 0o644); err != nil {
				return nil, err
			}
		}
		out = append(out, b)
	}
	return out, nil
}

// ListBaselines returns the baselines stored under dir, the most recently
// saved first.
func ListBaselines(dir string) ([]Baseline, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []Baseline
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		path := filepath.Join(dir, e.Name(), BaselineInfo)
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		b := Baseline{Dir: filepath.Join(dir, e.Name())}
		if err := json.Unmarshal(data, &b.BaselineMeta); err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no baseline (ftbench baseline save %s --from RESULTS.jsonl stores one)", dir, dir)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Saved.After(out[j].Saved) })
	return out, nil
}

// PickBaseline returns the baseline recorded on machine m, exact = true;
// failing that, the most recently saved one that has reference runs (to be
// compared with normalisation), exact = false. ok is false when neither
// exists.
func PickBaseline(list []Baseline, m Machine) (b Baseline, exact, ok bool) {
	for _, b := range list {
		if b.Machine.Key() == m.Key() {
			return b, true, true
		}
	}
	for _, b := range list {
		if b.References > 0 {
			return b, false, true
		}
	}
	return Baseline{}, false, false
}
