package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ftbench/ftbench/internal/atomicfile"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/sweeps"
)

// The names of the files WriteAll writes into a sweep's output folder.
const (
	HTMLFile     = "report.html"
	MarkdownFile = "summary.md"
	BestFile     = "best.toml"
)

// WriteAll analyses a sweep's results and writes report.html, summary.md
// and, when a config is feasible, best.toml into dir, each atomically
// (temporary file and rename). When no config is feasible it writes no
// best.toml and leaves any earlier one in place; the returned report says
// so (Choice.Best is nil, and WriteOutcome tells the user). spec may be
// nil. opts.Files defaults to dir's results.jsonl.
func WriteAll(dir string, results []*record.Result, spec *sweeps.Spec, opts Options) (*Report, error) {
	if len(opts.Files) == 0 {
		opts.Files = []string{filepath.Join(dir, record.ResultsFile)}
	}
	r := Analyze(results, spec, opts)
	return r, Write(r, DirPaths(dir))
}

// Paths says where Write puts each file; an empty path is not written.
type Paths struct {
	HTML, Markdown, Best string
}

// DirPaths returns the paths of the files WriteAll writes into dir.
func DirPaths(dir string) Paths {
	return Paths{HTML: filepath.Join(dir, HTMLFile), Markdown: filepath.Join(dir, MarkdownFile), Best: filepath.Join(dir, BestFile)}
}

// Write writes a report's files, each atomically. best.toml is written only
// when a config was chosen.
func Write(r *Report, p Paths) error {
	var errs []error
	write := func(path string, render func(io.Writer, *Report) error) {
		if path == "" {
			return
		}
		var buf bytes.Buffer
		if err := render(&buf, r); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
			return
		}
		if err := atomicfile.WriteFile(path, buf.Bytes()); err != nil {
			errs = append(errs, err)
		}
	}
	write(p.HTML, WriteHTML)
	write(p.Markdown, WriteMarkdown)
	if p.Best != "" && r.Choice != nil && r.Choice.Best != nil {
		data, err := BestTOML(r)
		if err == nil {
			err = atomicfile.WriteFile(p.Best, data)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// WriteOutcome tells the user, in a few lines, what the choice was and
// which files were written (paths as given; empty ones are left out).
func WriteOutcome(w io.Writer, r *Report, p Paths) {
	fmt.Fprintln(w, oneLine(choiceHeadline(r)))
	c := r.Choice
	if c != nil && c.Best != nil && c.RunnerUp != nil {
		fmt.Fprintf(w, "  runner-up: %s, %s\n", oneLine(c.RunnerUp.Label), fmtInterval(c.RunnerUp.Objective, unitOf(c.Objective.Metric)))
	}
	if line := scorecardLine(r); line != "" {
		fmt.Fprintln(w, "  "+oneLine(line))
	}
	for _, in := range r.CLI {
		if len(in.Variants) > 1 { // the plain CLI alone runs in every sweep: its line is in summary.md
			fmt.Fprintln(w, "  "+oneLine(cliHeadline(in)))
		}
	}
	if c != nil {
		for _, warn := range c.Warnings {
			fmt.Fprintf(w, "  warning: %s\n", oneLine(warn))
		}
	}
	var wrote []string
	for _, path := range []string{p.HTML, p.Markdown} {
		if path != "" {
			wrote = append(wrote, path)
		}
	}
	if p.Best != "" {
		if c != nil && c.Best != nil {
			wrote = append(wrote, p.Best)
		} else if _, err := os.Stat(p.Best); err == nil {
			fmt.Fprintf(w, "  %s was not written; the one there is from an earlier report and was left as it is\n", oneLine(p.Best))
		}
	}
	if len(wrote) > 0 {
		fmt.Fprint(w, "  wrote")
		for _, path := range wrote {
			fmt.Fprint(w, " "+oneLine(path))
		}
		fmt.Fprintln(w)
	}
}
