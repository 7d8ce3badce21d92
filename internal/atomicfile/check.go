package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// SameFile reports whether a and b name the same existing file.
func SameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// CheckWritable checks that a file can be written at path: its folder
// exists, is a folder, and takes new files. A job that runs for minutes
// checks its outputs' folders first, rather than fail at the end.
//
// It applies the package's rule first: path must name a regular file, a
// new one, or a link to either.
func CheckWritable(path string) error {
	target, _, err := Resolve(path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(target)
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("%s: output folder %s: %w", path, dir, errors.Unwrap(err))
	}
	if !st.IsDir() {
		return fmt.Errorf("%s: %s is not a folder", path, dir)
	}
	f, err := os.CreateTemp(dir, ".ftbench-probe*")
	if err != nil {
		return fmt.Errorf("%s: output folder %s is not writable", path, dir)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// CheckInput refuses an input that is not a regular file (through links):
// a FIFO given as a video or ground truth would block ftbench forever in
// open(2), where no signal but SIGKILL reaches it, and a device may never
// end. what names the input in the message ("video", "ground truth").
func CheckInput(path, what string) error {
	st, err := os.Stat(path)
	if err != nil {
		return nil // what reads it says why it cannot
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: cannot read %s: %s, not a regular file", path, what, kind(st.Mode()))
	}
	return nil
}
