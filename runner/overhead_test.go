package runner

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// TestSamplerOverhead measures the sampler's own CPU time while it samples
// a busy child for a few seconds at the default interval, with the GPU when
// NVML finds one. It is a measurement, not a check (machines are noisy):
// run it with FTBENCH_MEASURE=1 go test -run SamplerOverhead -v ./runner
func TestSamplerOverhead(t *testing.T) {
	if os.Getenv("FTBENCH_MEASURE") == "" {
		t.Skip("set FTBENCH_MEASURE=1 to measure")
	}
	s := &Sampler{}
	if g, err := OpenNVML(nil); err == nil {
		s.GPU = g
		defer g.Close()
		t.Logf("GPU: %+v", g.Info())
	} else {
		s.NoGPU = err.Error()
		t.Logf("%v", err)
	}
	// A shell tree: two busy loops and a sleeper, so the tree has members;
	// or FTBENCH_MEASURE_CMD, a shell command (one that uses the GPU, say).
	script := "(while :; do :; done) & (while :; do :; done) & sleep 30 & wait"
	if c := os.Getenv("FTBENCH_MEASURE_CMD"); c != "" {
		script = c
	}
	cmd := exec.Command("sh", "-c", script)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer killGroupOf(cmd)
	if d, err := time.ParseDuration(os.Getenv("FTBENCH_MEASURE_WAIT")); err == nil {
		time.Sleep(d) // let the command get going (a GPU program loading its libraries)
	}
	for _, d := range []time.Duration{100 * time.Millisecond, 10 * time.Millisecond} {
		s.Interval = d
		sp := s.Start(cmd.Process.Pid)
		time.Sleep(3 * time.Second)
		res, _ := sp.Stop()
		t.Logf("interval %s: %d samples, sampler %.4f s CPU = %.3f%% of one core (%.3f ms per sample); tree CPU max %.2f, processes %d, errors %v",
			d, res.Samples, res.SamplerCPUSeconds, 100*res.SamplerOverhead, 1000*res.SamplerCPUSeconds/float64(max(res.Samples, 1)),
			res.CPUUtilMax, res.ProcessesMax, res.Errors)
		if s.GPU != nil {
			t.Logf("  GPU util mean %.2f max %.2f, VRAM %d/%d (%.3f), tree's VRAM %d, SM clock %.0f MHz, temp %.0f C, power %.0f W",
				res.GPUUtilMean, res.GPUUtilMax, res.VRAMUsedMaxBytes, res.VRAMTotalBytes, res.VRAMFraction, res.VRAMProcessMaxBytes,
				res.SMClockMeanMHz, res.GPUTempMaxC, res.GPUPowerMeanWatts)
		}
	}
}

func killGroupOf(cmd *exec.Cmd) {
	tree, _ := Proc{}.Tree(cmd.Process.Pid)
	for _, p := range tree {
		if p.PID != cmd.Process.Pid {
			if pr, err := os.FindProcess(p.PID); err == nil {
				pr.Kill()
			}
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
}

// TestNVMLCallCost times each NVML call the sampler makes, to see where
// the GPU sampler's cost goes. A measurement: FTBENCH_MEASURE=1.
func TestNVMLCallCost(t *testing.T) {
	if os.Getenv("FTBENCH_MEASURE") == "" {
		t.Skip("set FTBENCH_MEASURE=1 to measure")
	}
	g, err := OpenNVML(nil)
	if err != nil {
		t.Skip(err)
	}
	defer g.Close()
	d := g.devs[0]
	calls := []struct {
		name string
		f    func()
	}{
		{"utilization", func() { d.GetUtilizationRates() }},
		{"memory", func() { d.GetMemoryInfo() }},
		{"processes", func() { d.GetComputeRunningProcesses() }},
		{"sm clock", func() { d.GetClockInfo(nvml.CLOCK_SM) }},
		{"temperature", func() { d.GetTemperature(nvml.TEMPERATURE_GPU) }},
		{"power", func() { d.GetPowerUsage() }},
	}
	for _, c := range calls {
		c0 := processCPUSeconds()
		w0 := time.Now()
		for i := 0; i < 200; i++ {
			c.f()
		}
		t.Logf("%-12s %7.1f us CPU, %7.1f us wall per call", c.name, (processCPUSeconds()-c0)/200*1e6, float64(time.Since(w0).Microseconds())/200)
	}
}

// TestProcCallCost times the /proc reads of one sample. A measurement:
// FTBENCH_MEASURE=1.
func TestProcCallCost(t *testing.T) {
	if os.Getenv("FTBENCH_MEASURE") == "" {
		t.Skip("set FTBENCH_MEASURE=1 to measure")
	}
	cmd := exec.Command("sh", "-c", "sleep 30 & sleep 30 & wait")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer killGroupOf(cmd)
	time.Sleep(100 * time.Millisecond)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p := Proc{}
	data, _ := os.ReadFile("/proc/stat")
	calls := []struct {
		name string
		f    func()
	}{
		{"read /proc/stat", func() { os.ReadFile("/proc/stat") }},
		{"parse /proc/stat", func() { parseStat(string(data)) }},
		{"tree of 3", func() { p.Tree(cmd.Process.Pid) }},
	}
	t.Logf("/proc/stat is %d bytes", len(data))
	for _, c := range calls {
		c0 := threadCPUSeconds()
		for i := 0; i < 200; i++ {
			c.f()
		}
		t.Logf("%-16s %7.1f us CPU per call", c.name, (threadCPUSeconds()-c0)/200*1e6)
	}
}
