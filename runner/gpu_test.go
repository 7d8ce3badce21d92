package runner

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"

	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/record"
)

// fakeGPU is an 80 GB device at 60% utilisation, 20 GB used of which
// procMem belongs to pid procPid.
func fakeGPU(procPid uint32, procMem uint64) *mock.Device {
	return &mock.Device{
		GetNameFunc: func() (string, nvml.Return) { return "NVIDIA H100 80GB HBM3", nvml.SUCCESS },
		GetUUIDFunc: func() (string, nvml.Return) { return "GPU-1234", nvml.SUCCESS },
		GetUtilizationRatesFunc: func() (nvml.Utilization, nvml.Return) {
			return nvml.Utilization{Gpu: 60, Memory: 30}, nvml.SUCCESS
		},
		GetMemoryInfoFunc: func() (nvml.Memory, nvml.Return) {
			return nvml.Memory{Total: 80 << 30, Used: 20 << 30, Free: 60 << 30}, nvml.SUCCESS
		},
		GetComputeRunningProcessesFunc: func() ([]nvml.ProcessInfo, nvml.Return) {
			return []nvml.ProcessInfo{{Pid: procPid, UsedGpuMemory: procMem}, {Pid: 1, UsedGpuMemory: 1 << 30}}, nvml.SUCCESS
		},
		GetClockInfoFunc: func(c nvml.ClockType) (uint32, nvml.Return) {
			if c != nvml.CLOCK_SM {
				return 0, nvml.ERROR_INVALID_ARGUMENT
			}
			return 1980, nvml.SUCCESS
		},
		GetTemperatureFunc: func(s nvml.TemperatureSensors) (uint32, nvml.Return) { return 65, nvml.SUCCESS },
		// Some boards report no power reading.
		GetPowerUsageFunc: func() (uint32, nvml.Return) { return 0, nvml.ERROR_NOT_SUPPORTED },
	}
}

func fakeNVML(devs ...nvml.Device) *mock.Interface {
	return &mock.Interface{
		InitFunc:                   func() nvml.Return { return nvml.SUCCESS },
		ShutdownFunc:               func() nvml.Return { return nvml.SUCCESS },
		DeviceGetCountFunc:         func() (int, nvml.Return) { return len(devs), nvml.SUCCESS },
		DeviceGetHandleByIndexFunc: func(i int) (nvml.Device, nvml.Return) { return devs[i], nvml.SUCCESS },
		SystemGetDriverVersionFunc: func() (string, nvml.Return) { return "550.54.15", nvml.SUCCESS },
		SystemGetCudaDriverVersionFunc: func() (int, nvml.Return) {
			return 12040, nvml.SUCCESS
		},
		SystemGetNVMLVersionFunc: func() (string, nvml.Return) { return "12.550.54.15", nvml.SUCCESS },
	}
}

func TestNVMLMock(t *testing.T) {
	t.Parallel()
	lib := fakeNVML(fakeGPU(4242, 3<<30), fakeGPU(4243, 1<<30))
	g, err := OpenNVML(lib)
	if err != nil {
		t.Fatal(err)
	}
	info := g.Info()
	if len(info.Devices) != 2 || info.Devices[0].Name != "NVIDIA H100 80GB HBM3" || info.Devices[0].MemoryBytes != 80<<30 {
		t.Errorf("devices: %+v", info.Devices)
	}
	if info.Driver != "550.54.15" || info.CUDA != "12.4" {
		t.Errorf("driver %q, CUDA %q; want 550.54.15, 12.4", info.Driver, info.CUDA)
	}
	s, err := g.Sample([]int{4242, 99})
	if err != nil {
		t.Fatal(err)
	}
	want := GPUSample{
		Util: 0.6, UsedBytes: 40 << 30, TotalBytes: 160 << 30, ProcessBytes: 3 << 30,
		SMClockMHz: 1980, TemperatureC: 65, PowerWatts: 0, SupportedFields: 10,
	}
	if s != want {
		t.Errorf("sample\n got %+v\nwant %+v", s, want)
	}
	if err := g.Close(); err != nil {
		t.Error(err)
	}
	if len(lib.ShutdownCalls()) != 1 {
		t.Errorf("Shutdown called %d times, want 1", len(lib.ShutdownCalls()))
	}
}

func TestNVMLNoGPU(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		lib  *mock.Interface
	}{
		{name: "no library", lib: &mock.Interface{InitFunc: func() nvml.Return { return nvml.ERROR_LIBRARY_NOT_FOUND }}},
		{name: "no driver", lib: &mock.Interface{InitFunc: func() nvml.Return { return nvml.ERROR_DRIVER_NOT_LOADED }}},
		{name: "no device", lib: fakeNVML()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenNVML(tt.lib)
			if !errors.Is(err, ErrNoGPU) {
				t.Fatalf("got %v, want ErrNoGPU", err)
			}
		})
	}
}

func TestNVMLDeviceAnswersNothing(t *testing.T) {
	t.Parallel()
	dead := &mock.Device{
		GetNameFunc:                    func() (string, nvml.Return) { return "", nvml.ERROR_GPU_IS_LOST },
		GetUUIDFunc:                    func() (string, nvml.Return) { return "", nvml.ERROR_GPU_IS_LOST },
		GetMemoryInfoFunc:              func() (nvml.Memory, nvml.Return) { return nvml.Memory{}, nvml.ERROR_GPU_IS_LOST },
		GetUtilizationRatesFunc:        func() (nvml.Utilization, nvml.Return) { return nvml.Utilization{}, nvml.ERROR_GPU_IS_LOST },
		GetComputeRunningProcessesFunc: func() ([]nvml.ProcessInfo, nvml.Return) { return nil, nvml.ERROR_GPU_IS_LOST },
		GetClockInfoFunc:               func(nvml.ClockType) (uint32, nvml.Return) { return 0, nvml.ERROR_GPU_IS_LOST },
		GetTemperatureFunc:             func(nvml.TemperatureSensors) (uint32, nvml.Return) { return 0, nvml.ERROR_GPU_IS_LOST },
		GetPowerUsageFunc:              func() (uint32, nvml.Return) { return 0, nvml.ERROR_GPU_IS_LOST },
	}
	g, err := OpenNVML(fakeNVML(dead))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Sample(nil); err == nil {
		t.Error("want an error from a device that answers nothing")
	}
}

// TestSystemNVML opens the machine's own NVML: on a machine without an
// NVIDIA driver it must say "no GPU", not crash.
func TestSystemNVML(t *testing.T) {
	g, err := OpenNVML(nil)
	if err != nil {
		if !errors.Is(err, ErrNoGPU) {
			t.Fatalf("got %v, want an error wrapping ErrNoGPU", err)
		}
		t.Logf("%v", err)
		return
	}
	defer g.Close()
	s, err := g.Sample([]int{os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v: %+v", g.Info(), s)
}

// TestSamplerWithGPU samples a live child with the mock GPU: the GPU
// aggregates are the device's, and the child's device memory is counted.
func TestSamplerWithGPU(t *testing.T) {
	t.Parallel()
	cmd := sleeper(t)
	g, err := OpenNVML(fakeNVML(fakeGPU(uint32(cmd.Process.Pid), 5<<30)))
	if err != nil {
		t.Fatal(err)
	}
	s := &Sampler{GPU: g, Interval: 5 * time.Millisecond}
	sp := s.Start(cmd.Process.Pid)
	waitSamples(t, sp, 5)
	res, series := sp.Stop()
	if res.GPU != "" {
		t.Errorf("GPU note %q, want none", res.GPU)
	}
	if !near(res.GPUUtilMean, 0.6) || !near(res.GPUUtilMax, 0.6) {
		t.Errorf("GPU util mean %v max %v, want 0.6", res.GPUUtilMean, res.GPUUtilMax)
	}
	if res.VRAMProcessMaxBytes != 5<<30 || res.VRAMUsedMaxBytes != 20<<30 || res.VRAMTotalBytes != 80<<30 || !near(res.VRAMFraction, 0.25) {
		t.Errorf("VRAM: %+v", res)
	}
	if res.SMClockMeanMHz != 1980 || res.GPUTempMaxC != 65 {
		t.Errorf("clock %v temp %v", res.SMClockMeanMHz, res.GPUTempMaxC)
	}
	if len(series.GPUUtil) == 0 || len(series.GPUUtil) != len(series.Seconds) || len(series.VRAMProcBytes) != len(series.Seconds) {
		t.Errorf("series columns: t %d, gpu %d, vram_proc %d", len(series.Seconds), len(series.GPUUtil), len(series.VRAMProcBytes))
	}
	r := record.Result{Resources: res}
	if v, ok := metric.Value(&r, "vram_fraction"); !ok || !near(v, 0.25) {
		t.Errorf("Metric(vram_fraction) = %v, %v", v, ok)
	}
}
