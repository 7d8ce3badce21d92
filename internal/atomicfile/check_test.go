package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSameFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := filepath.Join(dir, "a")
	if err := os.WriteFile(a, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if !SameFile(a, filepath.Join(dir, ".", "a")) {
		t.Error("a file is not the same as itself")
	}
	if SameFile(a, filepath.Join(dir, "b")) || SameFile(filepath.Join(dir, "b"), filepath.Join(dir, "b")) {
		t.Error("a missing file is the same as another")
	}
}

func TestCheckWritable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		want string // "" for no error
	}{
		{"writable", filepath.Join(dir, "m.json"), ""},
		{"no folder", filepath.Join(dir, "missing", "m.json"), "output folder"},
		{"a file, not a folder", filepath.Join(file, "m.json"), "is not a folder"},
	}
	for _, tt := range tests {
		err := CheckWritable(tt.path)
		if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: CheckWritable = %v, want %q", tt.name, err, tt.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the probe was left behind: %v", entries)
	}
}
