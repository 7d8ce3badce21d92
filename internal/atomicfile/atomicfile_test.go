package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestOutputRule: a FIFO, a device and a folder are refused and left as
// they were; a symbolic link is written through (the link stays); a new
// file gets 0666 less the umask and a replaced one keeps its mode.
func TestOutputRule(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path, want string }{
		{"fifo", fifo, "a FIFO, not a regular file"},
		{"device", "/dev/null", "a device, not a regular file"},
		{"folder", dir, "a folder, not a regular file"},
	} {
		err := WriteFile(tc.path, []byte("x"))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), tc.path+": ") {
			t.Errorf("%s: error %v, want one naming %s and %q", tc.name, err, tc.path, tc.want)
		}
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", st.Mode(), err)
	}

	real := filepath.Join(dir, "real.json")
	os.WriteFile(real, []byte("old"), 0o640)
	link := filepath.Join(dir, "link.json")
	os.Symlink("real.json", link)
	if err := WriteFile(link, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Lstat(link); st.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced by a file")
	}
	if data, _ := os.ReadFile(real); string(data) != "new" {
		t.Errorf("the link's target holds %q", data)
	}
	if st, _ := os.Stat(real); st.Mode().Perm() != 0o640 {
		t.Errorf("replaced file has mode %v, want 0640", st.Mode().Perm())
	}
	fresh := filepath.Join(dir, "fresh.json")
	if err := WriteFile(fresh, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(fresh); st.Mode().Perm() != 0o666&^Umask() {
		t.Errorf("new file has mode %v, want %v (umask %v)", st.Mode().Perm(), 0o666&^Umask(), Umask())
	}
}

// TestDistinct: two outputs naming one file, by the same path, through a
// link or by a hard link, are refused naming both flags.
func TestDistinct(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := filepath.Join(dir, "a.mp4")
	os.WriteFile(a, nil, 0o644)
	os.Symlink("a.mp4", filepath.Join(dir, "sym.json"))
	os.Link(a, filepath.Join(dir, "hard.json"))
	for _, other := range []string{a, filepath.Join(dir, "sym.json"), filepath.Join(dir, "hard.json"), filepath.Join(dir, ".", "a.mp4")} {
		err := Distinct(Output{"-o", a}, Output{"--tracks", other})
		if err == nil || !strings.Contains(err.Error(), "-o and --tracks name the same file") {
			t.Errorf("-o %s --tracks %s: %v", a, other, err)
		}
	}
	if err := Distinct(Output{"-o", a}, Output{"--tracks", filepath.Join(dir, "t.json")}, Output{"--metrics", ""}); err != nil {
		t.Errorf("distinct outputs refused: %v", err)
	}
}
