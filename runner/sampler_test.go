package runner

import (
	"os/exec"
	"testing"
	"time"

	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/record"
)

// sleeper starts a child that lives until the test ends.
func sleeper(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

// waitSamples polls until the sampling has taken n samples.
//
// Note: it reads the count without the sampler's help, so only after Stop
// is it exact; here it only keeps the test from stopping too early.
func waitSamples(t *testing.T, sp *Sampling, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(time.Duration(n) * 10 * time.Millisecond)
		select {
		case <-sp.done:
			t.Fatal("sampling ended early")
		default:
		}
		if sp.samples.Load() >= int64(n) {
			return
		}
	}
	t.Fatalf("fewer than %d samples in 20 s", n)
}

func TestSamplerNoGPU(t *testing.T) {
	t.Parallel()
	cmd := sleeper(t)
	s := &Sampler{NoGPU: "no GPU: NVML library (libnvidia-ml.so.1) not found", Interval: 5 * time.Millisecond}
	sp := s.Start(cmd.Process.Pid)
	waitSamples(t, sp, 4)
	res, series := sp.Stop()
	if res.Samples < 4 {
		t.Errorf("%d samples, want at least 4", res.Samples)
	}
	if res.RSSMaxBytes <= 0 || res.ProcessesMax != 1 {
		t.Errorf("rss %d processes %d", res.RSSMaxBytes, res.ProcessesMax)
	}
	if res.GPU != s.NoGPU {
		t.Errorf("GPU note %q, want %q", res.GPU, s.NoGPU)
	}
	if len(series.Seconds) == 0 || len(series.CPUUtil) != len(series.Seconds) || len(series.GPUUtil) != 0 {
		t.Errorf("series: %d times, %d cpu, %d gpu", len(series.Seconds), len(series.CPUUtil), len(series.GPUUtil))
	}
	if res.SamplerCPUSeconds <= 0 {
		t.Errorf("sampler CPU %v, want > 0", res.SamplerCPUSeconds)
	}
	r := record.Result{Resources: res}
	if _, ok := metric.Value(&r, "gpu_util_mean"); ok {
		t.Error("a run without a GPU must not report gpu_util_mean")
	}
	if _, ok := metric.Value(&r, "rss_max_bytes"); !ok {
		t.Error("rss_max_bytes missing")
	}
}

func TestSamplerChildGone(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	s := &Sampler{Interval: 5 * time.Millisecond}
	sp := s.Start(cmd.Process.Pid)
	time.Sleep(20 * time.Millisecond)
	res, _ := sp.Stop()
	if res.Samples != 0 || len(res.Errors) != 0 {
		t.Errorf("a finished child: %d samples, errors %v; want none", res.Samples, res.Errors)
	}
}

func TestSeriesThinning(t *testing.T) {
	t.Parallel()
	cmd := sleeper(t)
	s := &Sampler{Interval: time.Millisecond, MaxSeries: 8}
	sp := s.Start(cmd.Process.Pid)
	waitSamples(t, sp, 40)
	res, series := sp.Stop()
	if len(series.Seconds) >= 8 || series.StrideSamples < 4 {
		t.Errorf("%d samples kept with stride %d after %d samples; want < 8 kept and stride >= 4", len(series.Seconds), series.StrideSamples, res.Samples)
	}
	for i := 1; i < len(series.Seconds); i++ {
		if series.Seconds[i] <= series.Seconds[i-1] {
			t.Errorf("times out of order: %v", series.Seconds)
		}
	}
}
