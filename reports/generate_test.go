package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftbench/ftbench/record"
)

// copyScenario copies a scenario's results (and, with spec, its spec.toml)
// into a new folder, as a sweep leaves them.
func copyScenario(t *testing.T, name string, spec bool) string {
	t.Helper()
	dir := t.TempDir()
	files := []string{record.ResultsFile}
	if spec {
		files = append(files, record.SpecFile)
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join("testdata", name, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestGenerate: the files a sweep and `ftbench report` write, the outcome
// on stdout (on stderr when a file went to stdout), the spec found beside
// the results, and the note when there is none.
func TestGenerate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		spec       bool   // spec.toml beside the results
		markdown   string // Request.Markdown: "" for the folder's, or "-"
		best       bool
		wantStdout string
		wantStderr string
		wantNote   bool
	}{
		{name: "a sweep's folder", spec: true, best: true, wantStdout: "wrote "},
		{name: "markdown to stdout", spec: true, markdown: "-", best: true, wantStdout: "| ", wantStderr: "wrote "},
		{name: "no spec", best: true, wantStdout: "wrote ", wantNote: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := copyScenario(t, "cpu", tt.spec)
			var stdout, stderr bytes.Buffer
			var notes []string
			r, err := Generate(Request{Results: []string{dir}, Markdown: tt.markdown,
				Stdout: &stdout, Stderr: &stderr, Note: func(s string) { notes = append(notes, s) }})
			if err != nil {
				t.Fatal(err)
			}
			if (r.Choice.Best != nil) != tt.best {
				t.Errorf("a config chosen: %t, want %t", r.Choice.Best != nil, tt.best)
			}
			if (r.Spec != nil) != tt.spec {
				t.Errorf("spec loaded: %t, want %t", r.Spec != nil, tt.spec)
			}
			if !strings.Contains(stdout.String(), tt.wantStdout) || !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stdout %q\nstderr %q", stdout.String(), stderr.String())
			}
			if (len(notes) > 0) != tt.wantNote {
				t.Errorf("notes %q, want one: %t", notes, tt.wantNote)
			}
			for _, name := range []string{HTMLFile, MarkdownFile, BestFile} {
				_, err := os.Stat(filepath.Join(dir, name))
				if want := !(name == MarkdownFile && tt.markdown == "-"); (err == nil) != want {
					t.Errorf("%s written: %t, want %t", name, err == nil, want)
				}
			}
		})
	}
}

// TestGenerateBadInput: a missing results file is named, and malformed
// records are skipped with a warning.
func TestGenerateBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := Generate(Request{Results: []string{filepath.Join(dir, "missing.jsonl")}, SpecPath: "none"})
	if err == nil || !strings.Contains(err.Error(), "missing.jsonl: no such results file") {
		t.Errorf("a missing file: %v", err)
	}

	dir = copyScenario(t, "cpu", true)
	f, err := os.OpenFile(filepath.Join(dir, record.ResultsFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("{torn\n")
	f.Close()
	var warns []error
	var stdout bytes.Buffer
	if _, err := Generate(Request{Results: []string{filepath.Join(dir, record.ResultsFile)}, HTML: "none", Markdown: "none", Best: "none", Stdout: &stdout,
		Warn: func(err error) { warns = append(warns, err) }}); err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 {
		t.Errorf("warnings %v, want one for the torn line", warns)
	}
	if _, err := Generate(Request{Results: []string{dir}, Assets: t.TempDir()}); err == nil {
		t.Error("--assets naming a folder without ECharts was accepted")
	}
}
