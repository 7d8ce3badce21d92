package gate

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/ftbench/ftbench/record"
)

// ResultsFile returns the results file path stands for: path itself, or
// path/results.jsonl when path is a sweep's folder.
func ResultsFile(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if st.IsDir() {
		return filepath.Join(path, record.ResultsFile), nil
	}
	return path, nil
}

// BaselineChoice is the baseline ChooseBaseline took.
type BaselineChoice struct {
	// File is the baseline's results file.
	File string
	// Note says which baseline was taken and why, when there was a choice
	// to make; empty otherwise.
	Note string
	// Normalize is how the comparison must normalise: as asked, or
	// NormalizeReference for another machine's baseline when nothing was
	// asked.
	Normalize Normalize
}

// ChooseBaseline resolves --baseline path for the candidate's records: a
// results file, a sweep's folder, or a folder of baselines (SaveBaselines),
// from which it takes the one recorded on the candidate's machine, or else
// the newest with reference runs, compared under NormalizeReference unless
// the caller asked for a normalisation (asked) and it was NormalizeNone,
// which forbids comparing machines.
func ChooseBaseline(path string, cand []*record.Result, norm Normalize, asked bool) (BaselineChoice, error) {
	c := BaselineChoice{File: path, Normalize: norm}
	st, err := os.Stat(path)
	if err != nil {
		return BaselineChoice{}, err
	}
	if !st.IsDir() {
		return c, nil
	}
	if _, err := os.Stat(filepath.Join(path, record.ResultsFile)); err == nil {
		c.File = filepath.Join(path, record.ResultsFile)
		return c, nil
	}
	list, err := ListBaselines(path)
	if err != nil {
		return BaselineChoice{}, err
	}
	machines := map[string]Machine{}
	for _, r := range cand {
		if r.Status == record.StatusOK {
			m := MachineOf(r.Env)
			machines[m.Key()] = m
		}
	}
	var m Machine // zero when the candidate ran on several machines
	if len(machines) == 1 {
		for _, mm := range machines {
			m = mm
		}
	}
	b, exact, ok := PickBaseline(list, m)
	switch {
	case ok && exact && len(machines) == 1:
		c.File, c.Note = b.ResultsPath(), fmt.Sprintf("baseline %s, recorded on the candidate's machine (%s) on %s", b.Dir, m, b.Saved.Format("2006-01-02"))
		return c, nil
	case !ok:
		return BaselineChoice{}, fmt.Errorf("%s: no baseline matches the candidate's machine (%s), and none has reference runs to normalise by", path, m)
	}
	if norm == NormalizeNone {
		if asked {
			return BaselineChoice{}, fmt.Errorf("%s: no baseline was recorded on the candidate's machine (%s), and --normalize none forbids comparing with another machine's", path, m)
		}
		c.Normalize = NormalizeReference
	}
	c.File, c.Note = b.ResultsPath(), fmt.Sprintf("no baseline in %s was recorded on the candidate's machine (%s); comparing with %s (%s), normalised by the reference workload", path, m, b.Dir, b.Machine)
	return c, nil
}

// WriteBaselines lists baselines as a table, marking the one of machine
// here.
func WriteBaselines(w io.Writer, list []Baseline, here Machine) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "baseline\tmachine\tsweeps\truns\treference runs\tsaved\t")
	for _, b := range list {
		mark := ""
		if b.Machine.Key() == here.Key() {
			mark = "<- this machine"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\n", b.Dir, b.Machine, strings.Join(b.Sweeps, ","), b.Counted, b.References, b.Saved.Format("2006-01-02 15:04"), mark)
	}
	return tw.Flush()
}

// ReadResults reads the records of a results file or a sweep's folder,
// telling warn of each malformed one, which is skipped. It returns the
// file it read.
func ReadResults(path string, warn func(error)) (file string, results []*record.Result, err error) {
	if file, err = ResultsFile(path); err != nil {
		return "", nil, err
	}
	results, err = readFile(file, warn)
	return file, results, err
}

// readFile reads the records of a results file, telling warn of each
// malformed one.
func readFile(file string, warn func(error)) ([]*record.Result, error) {
	rs, warns, err := record.ReadResults(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: no such results file", file)
	}
	for _, w := range warns {
		if warn != nil {
			warn(w)
		}
	}
	return rs, err
}

// Request says what Judge compares, and how.
type Request struct {
	// Baseline is a results file, a sweep's folder or a folder of
	// baselines (ChooseBaseline); Candidate a results file or a sweep's
	// folder.
	Baseline, Candidate string
	Rules               *Rules
	Config              Config
	// NormalizeAsked says Config.Normalize was asked for, so that it is
	// kept even when the baseline is another machine's.
	NormalizeAsked bool
	// Warn is told of every malformed record, which is skipped; Note of
	// the baseline taken when there was a choice to make.
	Warn func(error)
	Note func(string)
}

// Judge reads the candidate's records, chooses the baseline for them,
// reads its records, and evaluates the rules (Evaluate).
func Judge(req Request) (*Report, error) {
	candFile, cand, err := ReadResults(req.Candidate, req.Warn)
	if err != nil {
		return nil, err
	}
	choice, err := ChooseBaseline(req.Baseline, cand, req.Config.Normalize, req.NormalizeAsked)
	if err != nil {
		return nil, err
	}
	if choice.Note != "" && req.Note != nil {
		req.Note(choice.Note)
	}
	cfg := req.Config
	cfg.Normalize = choice.Normalize
	base, err := readFile(choice.File, req.Warn)
	if err != nil {
		return nil, err
	}
	return Evaluate(Side{Name: choice.File, Results: base}, Side{Name: candFile, Results: cand}, req.Rules, cfg)
}
