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
func CheckWritable(path string) error {
	dir := filepath.Dir(path)
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
