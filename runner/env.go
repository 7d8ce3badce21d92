package runner

import (
	"os"
	"runtime"
	"runtime/debug"

	"github.com/ftbench/ftbench/pipeline/media"
	"github.com/ftbench/ftbench/record"
)

// Fingerprint describes this machine and this build. gpu is the sampler
// in use (nil without one) and noGPU why there is none. Parts that cannot
// be read are listed in Errors; the rest is still filled in.
func Fingerprint(proc Proc, gpu GPUSampler, noGPU string) record.Env {
	e := record.Env{
		OS:         runtime.GOOS,
		Arch:       runtime.GOARCH,
		UsableCPUs: runtime.NumCPU(),
		GoVersion:  runtime.Version(),
		FFmpeg:     media.FFmpegVersions(),
	}
	note := func(err error) {
		if err != nil {
			e.Errors = append(e.Errors, err.Error())
		}
	}
	var err error
	e.Host, err = os.Hostname()
	note(err)
	e.Kernel, err = proc.KernelRelease()
	note(err)
	if ci, err := proc.CPUInfo(); err == nil {
		e.CPUModel = ci.Model
		e.CPUs = ci.CPUs
	} else {
		note(err)
	}
	if st, err := proc.SystemCPU(); err == nil && e.CPUs == 0 {
		e.CPUs = st.CPUs
	}
	if mi, err := proc.MemInfo(); err == nil {
		e.MemoryBytes = mi.TotalBytes
	} else {
		note(err)
	}
	if gpu != nil {
		e.GPU = gpu.Info()
	} else {
		e.GPU.Error = noGPU
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		e.Version = bi.Main.Version
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				e.Revision = s.Value
			case "vcs.time":
				e.RevisionAt = s.Value
			case "vcs.modified":
				e.Modified = s.Value == "true"
			}
		}
	}
	return e
}
