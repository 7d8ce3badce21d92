package runner

import "strconv"

// limitMemory returns the command that runs name with args under an
// address-space limit (RLIMIT_AS, soft and hard) of limit bytes, rounded up
// to a KiB: a POSIX shell sets the limit with `ulimit -v` and then replaces
// itself with the command, which keeps the shell's pid, process group and
// parent-death signal. Processes the command starts (segment workers)
// inherit the limit, each on its own.
//
// Note: a wrapper rather than prlimit(2) on the started child: Go has no
// hook between fork and exec, so prlimit(2) could only apply the limit
// after the child had begun, and a short child could finish unlimited.
// /bin/sh is the one wrapper every POSIX system has (prlimit(1) is
// util-linux's).
//
// Note: RLIMIT_AS counts reserved virtual memory, not resident memory. A Go
// program with cgo, FFmpeg's frame threads and x264's lookahead reserves far
// more than it touches (`ftbench run` on a 720p clip peaks at about 2.3 GiB
// of address space for about 200 MiB resident; every thread stack reserves
// RLIMIT_STACK, 8 MiB by default), so the limit must sit well above what a
// trial keeps resident: 4 GiB is enough for the fixtures up to 1080p. Under
// the limit, an allocation that does not fit fails (ENOMEM): the Go runtime
// then dies with "out of memory", FFmpeg returns an error, and the loader
// refuses to start a program whose libraries do not fit.
func limitMemory(limit int64, name string, args []string) (string, []string) {
	kib := (limit + 1023) / 1024
	wrapped := append([]string{"-c", `ulimit -v "$0" && exec "$@"`, strconv.FormatInt(kib, 10), name}, args...)
	return "/bin/sh", wrapped
}
