package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ftbench/ftbench/internal/atomicfile"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/sweeps"
	"github.com/ftbench/ftbench/tune"
)

// Request says what Generate reads and where it writes: `ftbench report`
// fills it from its flags, and a sweep for its own folder.
type Request struct {
	// Results are results files or sweep folders (DIR stands for
	// DIR/results.jsonl), read in order. The first one's folder holds the
	// spec unless SpecPath names one, and the files not named otherwise.
	Results []string
	// Spec is the sweep's spec. When nil, SpecPath says where it is: a
	// spec file, "" for spec.toml beside Files[0] when there is one (the
	// defaults otherwise), or "none" for the defaults.
	Spec     *sweeps.Spec
	SpecPath string
	// HTML, Markdown and Best say where report.html, summary.md and
	// best.toml go: "" beside the first results file, "none" nowhere, "-"
	// to Stdout after the others.
	HTML, Markdown, Best string
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
	files := make([]string, len(req.Results))
	for i, p := range req.Results {
		files[i] = p
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			files[i] = filepath.Join(p, record.ResultsFile)
		}
	}
	results, err := readAll(files, req.Warn)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(files[0])
	paths := Paths{HTML: beside(dir, req.HTML, HTMLFile), Markdown: beside(dir, req.Markdown, MarkdownFile), Best: beside(dir, req.Best, BestFile)}
	if err := checkOutputs(paths, files); err != nil {
		return nil, err
	}
	spec := req.Spec
	if spec == nil {
		if spec, err = findSpec(req.SpecPath, dir, req.Note); err != nil {
			return nil, err
		}
	}
	opts := Options{Alpha: req.Alpha, Files: files}
	for _, f := range files {
		h, err := tune.ReadHistories(filepath.Dir(f))
		if err != nil {
			return nil, err
		}
		opts.Searches = append(opts.Searches, h...)
	}
	if opts.Script, err = req.script(dir, paths.HTML); err != nil {
		return nil, err
	}
	r := Analyze(results, spec, opts)

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

// checkOutputs refuses outputs that are not regular files, two outputs
// naming one file, and an output naming a results file it reads.
func checkOutputs(p Paths, inputs []string) error {
	var outs []atomicfile.Output
	for _, o := range []atomicfile.Output{{Flag: "-o", Path: p.HTML}, {Flag: "--md", Path: p.Markdown}, {Flag: "--best", Path: p.Best}} {
		if o.Path == "-" || o.Path == "" {
			continue
		}
		for _, in := range inputs {
			if atomicfile.SameFile(o.Path, in) {
				return fmt.Errorf("%s: %s names a results file it reads", o.Path, o.Flag)
			}
		}
		outs = append(outs, o)
	}
	return atomicfile.Distinct(outs...)
}

// beside returns where a file named as path goes: name in dir for "",
// nowhere ("") for "none", else path itself.
func beside(dir, path, name string) string {
	switch path {
	case "":
		return filepath.Join(dir, name)
	case "none":
		return ""
	}
	return path
}

// script returns where the page, written to html, gets ECharts from.
func (req Request) script(dir, html string) (Script, error) {
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
	if html != "" && html != "-" {
		htmlDir = filepath.Dir(html)
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
	spec, err := sweeps.LoadRecorded(path)
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
