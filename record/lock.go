package record

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// LockFile is the name of the lock file in a sweep's output folder.
const LockFile = "sweep.lock"

// LockedError says that another sweep holds a folder's lock.
type LockedError struct {
	Path string // the lock file
	PID  int    // the holder's pid, 0 when unknown
	Host string
	At   string // when the holder took the lock
}

func (e *LockedError) Error() string {
	who := "another process"
	if e.PID > 0 {
		who = "pid " + strconv.Itoa(e.PID)
		if e.Host != "" {
			who += " on " + e.Host
		}
	}
	since := ""
	if e.At != "" {
		since = " since " + e.At
	}
	return fmt.Sprintf("%s is held by %s%s: another sweep is writing to this folder; wait for it, or pick another --out", e.Path, who, since)
}

// Lock takes the lock of a sweep folder so that two sweeps never write to
// one folder. The returned function releases it.
//
// Note: the lock is flock(2) on the file, not the file's existence, so a
// sweep killed with SIGKILL leaves no stale lock: the kernel drops it with
// the process. The file stays behind, holding the last holder's pid.
func Lock(dir string) (unlock func() error, err error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			le := &LockedError{Path: path}
			data, _ := os.ReadFile(path)
			for _, line := range strings.Split(string(data), "\n") {
				k, v, _ := strings.Cut(line, "=")
				switch k {
				case "pid":
					le.PID, _ = strconv.Atoi(v)
				case "host":
					le.Host = v
				case "since":
					le.At = v
				}
			}
			return nil, le
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	host, _ := os.Hostname()
	info := fmt.Sprintf("pid=%d\nhost=%s\nsince=%s\n", os.Getpid(), host, time.Now().Format(time.RFC3339))
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(info), 0)
	}
	return func() error {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return f.Close()
	}, nil
}
