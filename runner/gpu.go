package runner

import (
	"errors"
	"fmt"

	"github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/ftbench/ftbench/record"
)

// ErrNoGPU is wrapped by OpenNVML's error when the machine has no usable
// NVIDIA GPU: no NVML library, no driver, or no device.
var ErrNoGPU = errors.New("no GPU")

// GPUSampler samples the machine's accelerators. NVML implements it; tests
// use NVML over go-nvml's mock.
type GPUSampler interface {
	// Info describes the devices and their software, for the fingerprint.
	Info() record.GPUEnv
	// Sample reads every device once. pids are the processes whose device
	// memory counts as the trial's.
	Sample(pids []int) (GPUSample, error)
	// Close releases the library.
	Close() error
}

// GPUSample is one reading of all devices together: utilisation is the
// mean over devices, memory and power are sums, the clock is the mean and
// the temperature the hottest device's.
type GPUSample struct {
	Util            float64 // fraction
	UsedBytes       int64
	TotalBytes      int64
	ProcessBytes    int64 // device memory of the given pids
	SMClockMHz      float64
	TemperatureC    float64
	PowerWatts      float64
	SupportedFields int // how many of the readings the devices support, for tests and debugging
}

// NVML samples NVIDIA GPUs through NVML.
type NVML struct {
	lib  nvml.Interface
	devs []nvml.Device
	info record.GPUEnv
}

var _ GPUSampler = (*NVML)(nil)

// OpenNVML initialises NVML through lib, or through the system's
// libnvidia-ml when lib is nil, and finds the devices. Without a usable
// library or device it returns an error wrapping ErrNoGPU.
func OpenNVML(lib nvml.Interface) (*NVML, error) {
	if lib == nil {
		lib = nvml.New()
	}
	if ret := lib.Init(); ret != nvml.SUCCESS {
		if ret == nvml.ERROR_LIBRARY_NOT_FOUND {
			return nil, fmt.Errorf("%w: NVML library (libnvidia-ml.so.1) not found", ErrNoGPU)
		}
		return nil, fmt.Errorf("%w: NVML init: %v", ErrNoGPU, ret)
	}
	g := &NVML{lib: lib}
	n, ret := lib.DeviceGetCount()
	if ret != nvml.SUCCESS {
		lib.Shutdown()
		return nil, fmt.Errorf("%w: NVML device count: %v", ErrNoGPU, ret)
	}
	if n == 0 {
		lib.Shutdown()
		return nil, fmt.Errorf("%w: NVML found no device", ErrNoGPU)
	}
	for i := 0; i < n; i++ {
		d, ret := lib.DeviceGetHandleByIndex(i)
		if ret != nvml.SUCCESS {
			lib.Shutdown()
			return nil, fmt.Errorf("%w: NVML device %d: %v", ErrNoGPU, i, ret)
		}
		g.devs = append(g.devs, d)
		dev := record.GPUDevice{}
		if s, ret := d.GetName(); ret == nvml.SUCCESS {
			dev.Name = s
		}
		if s, ret := d.GetUUID(); ret == nvml.SUCCESS {
			dev.UUID = s
		}
		if m, ret := d.GetMemoryInfo(); ret == nvml.SUCCESS {
			dev.MemoryBytes = int64(m.Total)
		}
		g.info.Devices = append(g.info.Devices, dev)
	}
	if s, ret := lib.SystemGetDriverVersion(); ret == nvml.SUCCESS {
		g.info.Driver = s
	}
	if v, ret := lib.SystemGetCudaDriverVersion(); ret == nvml.SUCCESS {
		g.info.CUDA = fmt.Sprintf("%d.%d", v/1000, v%1000/10)
	}
	if s, ret := lib.SystemGetNVMLVersion(); ret == nvml.SUCCESS {
		g.info.NVML = s
	}
	return g, nil
}

// Info describes the devices.
func (g *NVML) Info() record.GPUEnv { return g.info }

// Close shuts NVML down.
func (g *NVML) Close() error {
	if ret := g.lib.Shutdown(); ret != nvml.SUCCESS {
		return fmt.Errorf("NVML shutdown: %v", ret)
	}
	return nil
}

// Sample reads utilisation, memory, per-process memory, SM clock,
// temperature and power of every device. A reading a device does not
// support is left out; only a device that answers nothing is an error.
//
// Note: per-process memory is matched by pid, so it is 0 when the sweep
// runs in a container whose pid namespace differs from the driver's.
func (g *NVML) Sample(pids []int) (GPUSample, error) {
	var s GPUSample
	want := make(map[uint32]bool, len(pids))
	for _, p := range pids {
		want[uint32(p)] = true
	}
	var utilN, clockN int
	for i, d := range g.devs {
		ok := 0
		if u, ret := d.GetUtilizationRates(); ret == nvml.SUCCESS {
			s.Util += float64(u.Gpu) / 100
			utilN++
			ok++
		}
		if m, ret := d.GetMemoryInfo(); ret == nvml.SUCCESS {
			s.UsedBytes += int64(m.Used)
			s.TotalBytes += int64(m.Total)
			ok++
		}
		if ps, ret := d.GetComputeRunningProcesses(); ret == nvml.SUCCESS {
			for _, p := range ps {
				if want[p.Pid] {
					s.ProcessBytes += int64(p.UsedGpuMemory)
				}
			}
			ok++
		}
		if c, ret := d.GetClockInfo(nvml.CLOCK_SM); ret == nvml.SUCCESS {
			s.SMClockMHz += float64(c)
			clockN++
			ok++
		}
		if t, ret := d.GetTemperature(nvml.TEMPERATURE_GPU); ret == nvml.SUCCESS {
			if float64(t) > s.TemperatureC {
				s.TemperatureC = float64(t)
			}
			ok++
		}
		if p, ret := d.GetPowerUsage(); ret == nvml.SUCCESS {
			s.PowerWatts += float64(p) / 1000
			ok++
		}
		if ok == 0 {
			return s, fmt.Errorf("GPU %d answered no reading", i)
		}
		s.SupportedFields += ok
	}
	if utilN > 0 {
		s.Util /= float64(utilN)
	}
	if clockN > 0 {
		s.SMClockMHz /= float64(clockN)
	}
	return s, nil
}
