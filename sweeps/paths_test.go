package sweeps

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestSpecPaths: a spec's name becomes one safe folder name, whatever it
// holds; relative video and gt paths are resolved against the spec's own
// folder and kept absolute; a FIFO as the video or the ground truth is
// refused when the spec is read, not blocked on later.
func TestSpecPaths(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, want string }{
		{"../../x", "_.._x"}, {"..", "sweep"}, {".", "sweep"}, {"", "sweep"}, {"/etc/passwd", "_etc_passwd"},
		{"a/b", "a_b"}, {"cpu2-sweep_1.0", "cpu2-sweep_1.0"}, {"\x1b[31mred", "__31mred"}, {".hidden", "hidden"},
	} {
		got := FolderName(tc.name)
		if got != tc.want || strings.ContainsRune(got, filepath.Separator) || got == ".." || got == "." {
			t.Errorf("FolderName(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}

	dir := t.TempDir()
	specDir := filepath.Join(dir, "specs")
	os.MkdirAll(filepath.Join(specDir, "clips"), 0o755)
	os.WriteFile(filepath.Join(specDir, "clips", "v.mp4"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(specDir, "clips", "v.gt"), []byte("x"), 0o644)
	text := "[[input]]\nvideo = \"clips/v.mp4\"\ngt = \"clips/v.gt\"\n"
	os.WriteFile(filepath.Join(specDir, "s.toml"), []byte(text), 0o644)
	// Load with a relative spec path from another folder: the inputs are
	// found next to the spec and recorded absolutely.
	rel, err := filepath.Rel(mustCwd(t), filepath.Join(specDir, "s.toml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(rel)
	if err != nil {
		t.Fatal(err)
	}
	in := s.Inputs[0]
	if in.Video != filepath.Join(specDir, "clips", "v.mp4") || in.GroundTruth != filepath.Join(specDir, "clips", "v.gt") {
		t.Errorf("inputs %q and %q, want absolute paths under %s", in.Video, in.GroundTruth, specDir)
	}
	for _, tr := range s.Trials() {
		if !filepath.IsAbs(tr.Input.Video) {
			t.Errorf("trial %s records video %q", tr.Label, tr.Input.Video)
		}
	}

	fifo := filepath.Join(specDir, "clips", "fifo.mp4")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Parse([]byte("[[input]]\nvideo = \"clips/fifo.mp4\"\n"), "f.toml", specDir)
	if err == nil || !strings.Contains(err.Error(), "fifo.mp4 is not a regular file") {
		t.Errorf("a FIFO as the video: %v", err)
	}
}

func mustCwd(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

// TestLoadRecorded: a sweep folder's spec.toml whose inputs are gone (the
// folder was moved or copied to another machine) still loads for readers
// of its records, with the same labels and input names; Load refuses it.
func TestLoadRecorded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "spec.toml")
	os.WriteFile(path, []byte("[[input]]\nvideo = \"gone/v.mp4\"\ngt = \"gone/v.gt\"\n[axes]\nbatch = [1, 2]\n"), 0o644)
	if _, err := Load(path); err == nil {
		t.Fatal("Load accepted missing inputs")
	}
	s, err := LoadRecorded(path)
	if err != nil {
		t.Fatal(err)
	}
	tr := s.Trials()
	if len(tr) != 2 || tr[0].Input.Name != "v.mp4" || tr[1].Label != "batch=2" {
		t.Errorf("trials %+v", tr)
	}
}
