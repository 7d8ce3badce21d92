package runner

import (
	"errors"
	"io/fs"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/ftbench/ftbench/record"
)

// Defaults of Sampler.
const (
	DefaultSampleInterval = 100 * time.Millisecond
	DefaultMaxSeries      = 2048
	// SamplesPerRun is how many samples SampleInterval aims at within a
	// run's minimum length.
	SamplesPerRun = 25
	// MinSampleInterval is the shortest interval SampleInterval chooses.
	MinSampleInterval = 10 * time.Millisecond
)

// SampleInterval returns the sampling interval that gives a run lasting
// minRunSeconds at least SamplesPerRun samples: DefaultSampleInterval when
// that is short enough (or minRunSeconds is 0), never below
// MinSampleInterval.
//
// Note: 25 rather than the 20 a run needs leaves room for the sampler's
// ticks that a loaded machine delays; at 40 ms (min_run_seconds 1) the
// sampler costs about 2.5 times its 0.25% of one core at 100 ms.
func SampleInterval(minRunSeconds float64) time.Duration {
	if minRunSeconds <= 0 {
		return DefaultSampleInterval
	}
	d := time.Duration(minRunSeconds / SamplesPerRun * float64(time.Second))
	return min(DefaultSampleInterval, max(MinSampleInterval, d))
}

// Sampler samples a trial's process tree, the machine's CPU and the GPUs
// while the trial runs. The zero value samples /proc every 100 ms without
// a GPU.
type Sampler struct {
	Proc     Proc
	Interval time.Duration // between samples; DefaultSampleInterval when 0
	// GPU samples the accelerators; nil when there are none, and then
	// NoGPU says why ("no GPU: NVML library not found").
	GPU   GPUSampler
	NoGPU string
	// MaxSeries bounds the samples kept in a run's record.Series;
	// DefaultMaxSeries when 0.
	MaxSeries int
}

// Sampling is a sampler running on one process tree.
type Sampling struct {
	s    *Sampler
	pid  int
	stop chan struct{}
	done chan struct{}

	res     record.Resources
	series  record.Series
	samples atomic.Int64 // taken so far, readable while sampling
}

// Start samples the tree rooted at pid until Stop, on a goroutine locked
// to its own thread so that its CPU time is measurable.
func (s *Sampler) Start(pid int) *Sampling {
	sp := &Sampling{s: s, pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	go sp.loop()
	return sp
}

// Stop ends the sampling and returns the aggregates and the series.
func (sp *Sampling) Stop() (record.Resources, *record.Series) {
	close(sp.stop)
	<-sp.done
	series := sp.series
	return sp.res, &series
}

// reading is one sample's raw counters.
type reading struct {
	at       time.Time
	treeTick uint64
	sys      CPUTimes
	ok       bool
}

// accum holds running sums for the aggregates.
type accum struct {
	n                     int
	cpuSum, sysSum        float64
	gpuN                  int
	gpuUtilSum, clockSum  float64
	powerSum              float64
	firstSys, lastSys     CPUTimes
	firstTree, lastTree   uint64
	firstAt, lastAt       time.Time
	haveFirst             bool
	stride, sinceLastKept int
}

func (sp *Sampling) loop() {
	defer close(sp.done)
	// Note: the thread is unlocked, not left to die with the goroutine, so
	// that no child process whose parent-death signal is tied to a thread
	// is ever killed by this goroutine ending.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	s := sp.s
	interval := s.Interval
	if interval <= 0 {
		interval = DefaultSampleInterval
	}
	maxSeries := s.MaxSeries
	if maxSeries <= 0 {
		maxSeries = DefaultMaxSeries
	}
	start := time.Now()
	cpu0 := threadCPUSeconds()
	sp.res.IntervalSeconds = interval.Seconds()
	if s.GPU == nil {
		sp.res.GPU = s.NoGPU
		if sp.res.GPU == "" {
			sp.res.GPU = "no GPU sampler"
		}
	}
	sp.series.StrideSamples = 1
	a := accum{stride: 1}
	var prev reading
	errs := map[string]bool{}
	noteErr := func(err error) {
		if err != nil && len(errs) < 5 && !errs[err.Error()] {
			errs[err.Error()] = true
			sp.res.Errors = append(sp.res.Errors, err.Error())
		}
	}

	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		cur := sp.sample(start, prev, &a, maxSeries, noteErr)
		if cur.ok {
			prev = cur
		}
		select {
		case <-sp.stop:
			sp.finish(&a, start, cpu0)
			return
		case <-ticker.C:
		}
	}
}

// sample takes one sample and folds it into the aggregates and the series.
func (sp *Sampling) sample(start time.Time, prev reading, a *accum, maxSeries int, noteErr func(error)) reading {
	s := sp.s
	now := time.Now()
	tree, err := s.Proc.Tree(sp.pid)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			noteErr(err)
		}
		return reading{} // the child has ended, or cannot be read
	}
	cur := reading{at: now, ok: true}
	var rss int64
	pids := make([]int, len(tree))
	for i, p := range tree {
		cur.treeTick += p.CPUTicks
		rss += p.RSSPages
		pids[i] = p.PID
	}
	rss *= int64(os.Getpagesize())
	sys, err := s.Proc.SystemCPU()
	noteErr(err)
	cur.sys = sys

	r := &sp.res
	r.Samples++
	sp.samples.Add(1)
	if rss > r.RSSMaxBytes {
		r.RSSMaxBytes = rss
	}
	if len(tree) > r.ProcessesMax {
		r.ProcessesMax = len(tree)
	}
	var g GPUSample
	haveGPU := false
	if s.GPU != nil {
		g, err = s.GPU.Sample(pids)
		if err != nil {
			noteErr(err)
		} else {
			haveGPU = true
			a.gpuN++
			a.gpuUtilSum += g.Util
			a.clockSum += g.SMClockMHz
			a.powerSum += g.PowerWatts
			r.GPUUtilMax = max(r.GPUUtilMax, g.Util)
			r.VRAMUsedMaxBytes = max(r.VRAMUsedMaxBytes, g.UsedBytes)
			r.VRAMTotalBytes = max(r.VRAMTotalBytes, g.TotalBytes)
			r.VRAMProcessMaxBytes = max(r.VRAMProcessMaxBytes, g.ProcessBytes)
			r.GPUTempMaxC = max(r.GPUTempMaxC, g.TemperatureC)
			r.GPUPowerMaxWatts = max(r.GPUPowerMaxWatts, g.PowerWatts)
		}
	}
	if !a.haveFirst {
		a.haveFirst = true
		a.firstAt, a.firstSys, a.firstTree = now, sys, cur.treeTick
	}
	a.lastAt, a.lastSys, a.lastTree = now, sys, cur.treeTick
	if !prev.ok {
		return cur // a first reading only sets the baseline of the rates
	}
	cpu := treeUtil(prev.treeTick, cur.treeTick, now.Sub(prev.at), sys.CPUs)
	sysUtil := systemUtil(prev.sys, sys)
	a.n++
	a.cpuSum += cpu
	a.sysSum += sysUtil
	r.CPUUtilMax = max(r.CPUUtilMax, cpu)
	r.SystemCPUUtilMax = max(r.SystemCPUUtilMax, sysUtil)

	// Thin the series: keep one sample in stride, and when the series is
	// full, drop every other kept sample and double the stride.
	a.sinceLastKept++
	if a.sinceLastKept < a.stride {
		return cur
	}
	a.sinceLastKept = 0
	se := &sp.series
	se.Seconds = append(se.Seconds, now.Sub(start).Seconds())
	se.CPUUtil = append(se.CPUUtil, cpu)
	se.SystemCPUUtil = append(se.SystemCPUUtil, sysUtil)
	se.RSSBytes = append(se.RSSBytes, rss)
	if haveGPU {
		se.GPUUtil = append(se.GPUUtil, g.Util)
		se.VRAMUsedBytes = append(se.VRAMUsedBytes, g.UsedBytes)
		se.VRAMProcBytes = append(se.VRAMProcBytes, g.ProcessBytes)
		se.SMClockMHz = append(se.SMClockMHz, g.SMClockMHz)
		se.GPUTempC = append(se.GPUTempC, g.TemperatureC)
		se.GPUPowerWatts = append(se.GPUPowerWatts, g.PowerWatts)
	}
	if len(se.Seconds) >= maxSeries {
		thinSeries(se)
		a.stride *= 2
		se.StrideSamples = a.stride
	}
	return cur
}

func (sp *Sampling) finish(a *accum, start time.Time, cpu0 float64) {
	r := &sp.res
	elapsed := time.Since(start).Seconds()
	if a.haveFirst && a.lastAt.After(a.firstAt) {
		r.CPUUtilMean = treeUtil(a.firstTree, a.lastTree, a.lastAt.Sub(a.firstAt), a.lastSys.CPUs)
		r.SystemCPUUtilMean = systemUtil(a.firstSys, a.lastSys)
	}
	if a.gpuN > 0 {
		r.GPU = ""
		r.GPUUtilMean = a.gpuUtilSum / float64(a.gpuN)
		r.SMClockMeanMHz = a.clockSum / float64(a.gpuN)
		r.GPUPowerMeanWatts = a.powerSum / float64(a.gpuN)
		if r.VRAMTotalBytes > 0 {
			r.VRAMFraction = float64(r.VRAMUsedMaxBytes) / float64(r.VRAMTotalBytes)
		}
	} else if sp.s.GPU != nil {
		r.GPU = "no GPU readings"
	}
	r.SamplerCPUSeconds = threadCPUSeconds() - cpu0
	if elapsed > 0 {
		r.SamplerOverhead = r.SamplerCPUSeconds / elapsed
	}
}

// treeUtil is the CPU used by a tree between two tick counts, as a
// fraction of cpus cores.
//
// Note: CPU times come in 10 ms ticks, so over one short interval a busy
// tree can seem to use more than every core; the excess is rounding and is
// cut at 1.
func treeUtil(t0, t1 uint64, dt time.Duration, cpus int) float64 {
	if t1 < t0 || dt <= 0 || cpus <= 0 {
		return 0 // a member ended unreaped between the readings
	}
	return min(float64(t1-t0)/userHZ/dt.Seconds()/float64(cpus), 1)
}

// systemUtil is the machine's busy fraction between two /proc/stat readings.
func systemUtil(a, b CPUTimes) float64 {
	if b.Total <= a.Total || b.Busy < a.Busy {
		return 0
	}
	return float64(b.Busy-a.Busy) / float64(b.Total-a.Total)
}

// thin keeps every other sample.
func thinSeries(se *record.Series) {
	se.Seconds = everyOther(se.Seconds)
	se.CPUUtil = everyOther(se.CPUUtil)
	se.SystemCPUUtil = everyOther(se.SystemCPUUtil)
	se.RSSBytes = everyOther(se.RSSBytes)
	se.GPUUtil = everyOther(se.GPUUtil)
	se.VRAMUsedBytes = everyOther(se.VRAMUsedBytes)
	se.VRAMProcBytes = everyOther(se.VRAMProcBytes)
	se.SMClockMHz = everyOther(se.SMClockMHz)
	se.GPUTempC = everyOther(se.GPUTempC)
	se.GPUPowerWatts = everyOther(se.GPUPowerWatts)
}

func everyOther[T any](xs []T) []T {
	out := xs[:0]
	for i := 0; i < len(xs); i += 2 {
		out = append(out, xs[i])
	}
	return out
}
