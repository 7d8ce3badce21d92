package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/sweeps"
	"github.com/ftbench/ftbench/tune"
)

// Request says what Generate reads and where it writes: `ftbench report`
// fills it from its flags, and a sweep for its own folder.
type Request struct {
	// Files are the results files, read in order. The first one's folder
	// holds the spec unless SpecPath names one.
	Files []string
	// Spec is the sweep's spec. When nil, SpecPath says where it is: a
	// spec file, "" for spec.toml beside Files[0] when there is one (the
	// defaults otherwise), or "none" for the defaults.
	Spec     *sweeps.Spec
	SpecPath string
	// Paths says where the files go; a "-" path writes that file to
	// Stdout, after the others.
	Paths Paths
	// Alpha is the significance level of the comparisons (0 = the default).
	Alpha float64
	// Assets names a folder holding a local ECharts, which the page loads
	// by a relative path, or with Inline embeds; Inline alone embeds the
	// installed copy (FindECharts). Neither: the page loads the public copy.
	Assets string
	Inline bool
	// Installed embeds the installed copy of ECharts when there is one and
	// otherwise loads the public copy, never failing over it; Assets and
	// Inline are then ignored.
	Installed bool
	// Stdout receives the files written to "-" and the outcome; Stderr the
	// outcome when a file went to stdout.
	Stdout, Stderr io.Writer
	// Warn is told of every malformed record, which is skipped.
	Warn func(error)
	// Note, when set, is told when no spec was found beside the results.
	Note func(string)
}

// Generate reads the records of req.Files and the spec, analyses them
// (leaving out the reference workload's runs) and writes the report's
// files, then tells req.Stdout the outcome (WriteOutcome). It returns the
// report; when no config is feasible, Choice.Best is nil and best.toml
// is not written.
func Generate(req Request) (*Report, error) {
	results, err := readAll(req.Files, req.Warn)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(req.Files[0])
	spec := req.Spec
	if spec == nil {
		if spec, err = findSpec(req.SpecPath, dir, req.Note); err != nil {
			return nil, err
		}
	}
	opts := Options{Alpha: req.Alpha, Files: req.Files}
	for _, f := range req.Files {
		h, err := tune.ReadHistories(filepath.Dir(f))
		if err != nil {
			return nil, err
		}
		opts.Searches = append(opts.Searches, h...)
	}
	if opts.Script, err = req.script(dir); err != nil {
		return nil, err
	}
	// Note: the reference workload's records calibrate the gate; they are
	// not a config the report should rank or choose.
	results = slices.DeleteFunc(results, record.IsReference)
	r := Analyze(results, spec, opts)

	paths := req.Paths
	var toStdout []func(io.Writer, *Report) error
	for _, p := range []struct {
		path   *string
		render func(io.Writer, *Report) error
	}{{&paths.HTML, WriteHTML}, {&paths.Markdown, WriteMarkdown}, {&paths.Best, writeBest}} {
		if *p.path == "-" {
			toStdout = append(toStdout, p.render)
			*p.path = ""
		}
	}
	if err := Write(r, paths); err != nil {
		return r, err
	}
	for _, render := range toStdout {
		if err := render(req.Stdout, r); err != nil && !errors.Is(err, ErrNoFeasible) {
			return r, err
		}
	}
	out := req.Stdout
	if len(toStdout) > 0 {
		out = req.Stderr // keep stdout for the file written there
	}
	WriteOutcome(out, r, paths)
	return r, nil
}

// script returns where the page gets ECharts from.
func (req Request) script(dir string) (Script, error) {
	if req.Installed {
		if js, err := FindECharts(""); err == nil {
			if s, err := LocalScript(js, dir, true); err == nil {
				return s, nil
			}
		}
		return Script{}, nil
	}
	if req.Assets == "" && !req.Inline {
		return Script{}, nil
	}
	js, err := FindECharts(req.Assets)
	if err != nil {
		return Script{}, err
	}
	htmlDir := dir
	if req.Paths.HTML != "" && req.Paths.HTML != "-" {
		htmlDir = filepath.Dir(req.Paths.HTML)
	}
	return LocalScript(js, htmlDir, req.Inline)
}

// writeBest writes best.toml to w.
func writeBest(w io.Writer, r *Report) error {
	data, err := BestTOML(r)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// readAll reads every results file, telling warn of malformed lines.
func readAll(files []string, warn func(error)) ([]*record.Result, error) {
	var all []*record.Result
	for _, f := range files {
		rs, warns, err := record.ReadResults(f)
		for _, w := range warns {
			if warn != nil {
				warn(w)
			}
		}
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("%s: no such results file", f)
			}
			return nil, err
		}
		all = append(all, rs...)
	}
	return all, nil
}

// findSpec loads the spec: the one named, or spec.toml in dir when there
// is one; "none" and a missing spec.toml give nil (the defaults).
func findSpec(path, dir string, note func(string)) (*sweeps.Spec, error) {
	switch path {
	case "none":
		return nil, nil
	case "":
		path = filepath.Join(dir, record.SpecFile)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			if note != nil {
				note(fmt.Sprintf("no %s; using the default objective (maximize fps) and no constraints (--spec names a spec)", path))
			}
			return nil, nil
		}
	}
	spec, err := sweeps.Load(path)
	if err != nil {
		var b bytes.Buffer
		fmt.Fprintf(&b, "%v", err)
		if strings.Contains(b.String(), "input") {
			b.WriteString("\n(the report needs the spec's objective and constraints; --spec none reports without them)")
		}
		return nil, errors.New(b.String())
	}
	return spec, nil
}
