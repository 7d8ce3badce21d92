package runner

import (
	"time"

	"github.com/ftbench/ftbench/record"
)

// OpenSampler returns a Sampler that takes a sample every interval, of the
// GPUs too when NVML opens, and this machine's fingerprint as a sweep's
// records carry it; close releases NVML. off, when not empty, turns GPU
// sampling off and says why.
//
// Note: `ftbench sweep`, `env` and `baseline show` all open NVML here, so
// that env.json and the baselines describe the GPUs exactly as the
// sweep's records do.
func OpenSampler(interval time.Duration, off string) (s *Sampler, env record.Env, close func()) {
	s = &Sampler{Interval: interval, NoGPU: off}
	close = func() {}
	if off == "" {
		if gpu, err := OpenNVML(nil); err != nil {
			s.NoGPU = err.Error()
		} else {
			s.GPU, close = gpu, func() { gpu.Close() }
		}
	}
	return s, Fingerprint(Proc{}, s.GPU, s.NoGPU), close
}
