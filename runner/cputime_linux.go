package runner

import (
	"syscall"
	"unsafe"

	"github.com/ftbench/ftbench/record"
)

// clockThreadCPUTime is CLOCK_THREAD_CPUTIME_ID of clock_gettime(2).
const clockThreadCPUTime = 3

// threadCPUSeconds returns the CPU time of the calling OS thread. The
// sampler locks its goroutine to a thread so this is the sampler's own cost.
func threadCPUSeconds() float64 {
	var ts syscall.Timespec
	_, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0)
	if errno != 0 {
		return 0
	}
	return float64(ts.Sec) + float64(ts.Nsec)/1e9
}

// processCPUSeconds returns the CPU time of this whole process.
func processCPUSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return tvSeconds(ru.Utime) + tvSeconds(ru.Stime)
}

func tvSeconds(tv syscall.Timeval) float64 { return float64(tv.Sec) + float64(tv.Usec)/1e6 }

// account fills res's kernel accounting from a waited-for child's rusage
// (wait4), which covers the child and every descendant it waited for.
//
// Note: ru_maxrss of a tree is its largest single process, not a sum;
// Linux reports it in kilobytes.
func account(r *record.Resources, ru *syscall.Rusage) {
	if ru == nil {
		return
	}
	r.CPUUserSeconds = tvSeconds(ru.Utime)
	r.CPUSysSeconds = tvSeconds(ru.Stime)
	r.CPUSeconds = r.CPUUserSeconds + r.CPUSysSeconds
	r.ProcessRSSMaxBytes = ru.Maxrss << 10
	r.VoluntaryCtxSwitches = ru.Nvcsw
	r.InvoluntaryCtxSwitches = ru.Nivcsw
	r.MinorFaults = ru.Minflt
	r.MajorFaults = ru.Majflt
}
