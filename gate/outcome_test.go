package gate

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReportExit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		checks  []Verdict
		verdict Verdict
		code    int
		err     string
	}{
		{"pass", []Verdict{Pass, Pass}, Pass, 0, ""},
		{"fail", []Verdict{Pass, Fail, Inconclusive}, Fail, 1, "fail: 1 failing checks or runs (1 inconclusive, 1 passing)"},
		{"inconclusive", []Verdict{Pass, Inconclusive}, Inconclusive, 3, "inconclusive: 1 checks could not be decided (1 passing)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &Report{Verdict: tt.verdict}
			for _, v := range tt.checks {
				r.Checks = append(r.Checks, Check{Verdict: v})
			}
			if got := r.Verdict.ExitCode(); got != tt.code {
				t.Errorf("ExitCode = %d, want %d", got, tt.code)
			}
			err := r.Err()
			if (err == nil) != (tt.err == "") || (err != nil && !strings.HasPrefix(err.Error(), tt.err)) {
				t.Errorf("Err = %v, want %q", err, tt.err)
			}
		})
	}
}

func TestWriteFileAppends(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "summary.md")
	line := func(w io.Writer, _ *Report) error { _, err := io.WriteString(w, "line\n"); return err }
	for _, appendTo := range []bool{false, true, true} {
		if err := WriteFile(path, appendTo, &Report{}, line); err != nil {
			t.Fatal(err)
		}
	}
	if data, _ := os.ReadFile(path); string(data) != "line\nline\nline\n" {
		t.Errorf("after a write and two appends: %q", data)
	}
	if err := WriteFile(path, false, &Report{}, line); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "line\n" {
		t.Errorf("a write without append kept %q", data)
	}
}
