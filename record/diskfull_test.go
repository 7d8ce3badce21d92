package record

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// smallDisk mounts a tmpfs of size bytes on a new folder and returns it,
// or skips the test when this process may not mount (not root, or in a
// container without CAP_SYS_ADMIN).
func smallDisk(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+strconv.Itoa(size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("cannot mount a %d-byte tmpfs to fill (needs root with CAP_SYS_ADMIN): %v: %s", size, err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// TestWriterDiskFull: when the disk fills in the middle of a record, Append
// fails with ENOSPC naming the file, and the file keeps only whole records,
// so the next reader sees no torn line.
func TestWriterDiskFull(t *testing.T) {
	dir := smallDisk(t, 64<<10)
	path := filepath.Join(dir, ResultsFile)
	w, err := OpenWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	// Records of about 10 KB each, so that one straddles the end of the
	// space, spanning pages.
	tail := strings.Repeat("x", 10<<10)
	var appendErr error
	n := 0
	for ; n < 100; n++ {
		r := &Result{Version: RecordVersion, Input: Input{Name: "clip"}, TrialID: "abc", Round: n, Status: StatusFailed, Start: start, End: start, StderrTail: tail}
		if appendErr = w.Append(r); appendErr != nil {
			break
		}
	}
	if !errors.Is(appendErr, syscall.ENOSPC) || !strings.Contains(appendErr.Error(), path) {
		t.Fatalf("after %d records: error %v, want ENOSPC naming %s", n, appendErr, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Errorf("the file ends in a torn record (%d bytes after the last newline)", len(data)-1-bytes.LastIndexByte(data, '\n'))
	}
	got, warns, err := ReadResults(path)
	if err != nil || len(warns) > 0 || len(got) != n {
		t.Errorf("read back %d records of %d written, warnings %v, error %v", len(got), n, warns, err)
	}
}
