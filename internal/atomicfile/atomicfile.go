// Package atomicfile writes files so that readers never see half of one:
// to a temporary file in the same folder, synced, then renamed over the
// target. The pipeline's outputs and the harness's reports, baselines and
// best.toml all go through it.
//
// The rule for what an output path may name: a regular file, a path that
// does not exist yet, or a symbolic link to either, which is written
// through (the link stays, its target is replaced). Anything else (a
// device such as /dev/full, a FIFO, a socket, a folder) is refused before
// anything is written, so ftbench never replaces a device node with a
// regular file or blocks on a pipe. A new file gets 0666 less the umask,
// as the shell's `>` would; a replaced file keeps its permissions.
package atomicfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// WriteJSON writes v as indented JSON to path atomically.
func WriteJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return WriteFile(path, append(data, '\n'))
}

// WriteFile writes data to path through a temporary file and a rename.
func WriteFile(path string, data []byte) error {
	t, err := Create(path)
	if err != nil {
		return err
	}
	if _, err := t.Write(data); err != nil {
		t.Abort()
		return fmt.Errorf("%s: cannot write: %w", path, UnwrapPath(err))
	}
	return t.Commit()
}

// Temp is a temporary file next to an output's target; Commit renames it
// over the target, Abort removes it. Its name keeps the target's extension,
// for writers (FFmpeg's muxers) that pick a format from it.
type Temp struct {
	*os.File
	path   string // as given, for messages
	target string // path with symbolic links resolved
	mode   fs.FileMode
}

// Create checks path by the package's rule and opens a temporary file in
// the folder of the file it names.
func Create(path string) (*Temp, error) {
	target, mode, err := Resolve(path)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp*"+filepath.Ext(target))
	if err != nil {
		return nil, fmt.Errorf("%s: cannot write: %w", path, UnwrapPath(err))
	}
	return &Temp{File: f, path: path, target: target, mode: mode}, nil
}

// Commit syncs and closes the temporary file (unless the caller closed it
// already) and renames it over the target.
func (t *Temp) Commit() error {
	fail := func(err error) error {
		t.File.Close()
		os.Remove(t.Name())
		return fmt.Errorf("%s: cannot write: %w", t.path, UnwrapPath(err))
	}
	if err := t.Sync(); err != nil && !errors.Is(err, os.ErrClosed) {
		return fail(err)
	}
	if err := t.File.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		return fail(err)
	}
	if err := os.Chmod(t.Name(), t.mode); err != nil {
		return fail(err)
	}
	if err := os.Rename(t.Name(), t.target); err != nil {
		return fail(err)
	}
	return nil
}

// Abort closes and removes the temporary file.
func (t *Temp) Abort() {
	t.File.Close()
	os.Remove(t.Name())
}

// Resolve applies the package's rule to an output path: it returns the
// file a write replaces (symbolic links followed) and the permissions the
// new file gets, or an error naming path when it is not a regular file.
func Resolve(path string) (target string, mode fs.FileMode, err error) {
	target = path
	if t, err := filepath.EvalSymlinks(path); err == nil {
		target = t
	} else if st, lerr := os.Lstat(path); lerr == nil && st.Mode()&fs.ModeSymlink != 0 {
		// A dangling link: write the file it names.
		link, err := os.Readlink(path)
		if err != nil {
			return "", 0, fmt.Errorf("%s: cannot write: %w", path, UnwrapPath(err))
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(path), link)
		}
		target = link
	}
	st, err := os.Stat(target)
	switch {
	case err != nil:
		// Not there (or its folder is not): the write itself says why
		// when it cannot make it.
		return target, 0o666 &^ Umask(), nil
	case !st.Mode().IsRegular():
		return "", 0, fmt.Errorf("%s: cannot write: %s, not a regular file; give a file's path", path, kind(st.Mode()))
	}
	return target, st.Mode().Perm(), nil
}

// kind names a non-regular file's type for messages.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// Output is one output path of a command and the flag that names it.
type Output struct {
	Flag string // "-o", "--tracks"
	Path string
}

// Distinct checks every output by the package's rule and refuses two that
// name the same file (the same path, a path through a link, a hard link):
// one would replace the other. Empty paths are skipped.
func Distinct(outs ...Output) error {
	type seen struct {
		flag, target string
		info         fs.FileInfo
	}
	var done []seen
	for _, o := range outs {
		if o.Path == "" {
			continue
		}
		target, _, err := Resolve(o.Path)
		if err != nil {
			return err
		}
		abs, err := filepath.Abs(target)
		if err != nil {
			return fmt.Errorf("%s: %w", o.Path, err)
		}
		if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
			abs = filepath.Join(dir, filepath.Base(abs))
		}
		info, _ := os.Stat(abs)
		for _, d := range done {
			if d.target == abs || info != nil && d.info != nil && os.SameFile(info, d.info) {
				return fmt.Errorf("%s: %s and %s name the same file; one would replace the other", o.Path, d.flag, o.Flag)
			}
		}
		done = append(done, seen{o.Flag, abs, info})
	}
	return nil
}

var umask = sync.OnceValue(func() fs.FileMode {
	// Note: syscall.Umask can only be read by setting it, which races with
	// other goroutines creating files; the kernel shows it in
	// /proc/self/status (Linux 4.7 and later).
	data, err := os.ReadFile("/proc/self/status")
	if err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "Umask:"); ok {
				if n, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
					return fs.FileMode(n)
				}
			}
		}
	}
	return 0o022
})

// Umask returns the process's file-creation mask, read once.
func Umask() fs.FileMode { return umask() }

// UnwrapPath returns the error inside an *os.PathError, so that a message
// that already names the file does not name it twice.
func UnwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
