package pipeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/metrics"
)

// batchInputs are the figures batch = "auto" is computed from.
type batchInputs struct {
	Memory   int64  // free VRAM, or the last-level cache
	Source   string // where Memory came from
	Margin   float64
	Shares   int   // processes x streams
	PerFrame int64 // bytes of Memory one more frame of batch costs
	// The RAM bound: one process's share of RAM, what a process needs
	// whatever its batch, and what one more frame of batch adds.
	RAM, RAMBase, RAMPerFrame int64
	Max                       int // batch_max
	Frames                    int // frames the pass detects on; 0 = unknown
}

// sizeBatch is the arithmetic of batch = "auto" (the plan's phase 2: batch
// size from live VRAM): floor(memory x (1 - margin) / shares / per-frame
// cost), then no more than the RAM share holds, batch_max, and the frames
// there are to detect; at least 1.
func sizeBatch(in batchInputs) metrics.BatchPlan {
	p := metrics.BatchPlan{MemorySource: in.Source, MemoryBytes: in.Memory, Margin: in.Margin, Shares: max(in.Shares, 1), PerFrameBytes: max(in.PerFrame, 1)}
	p.LimitedBy = "cache"
	if strings.HasPrefix(in.Source, "VRAM") {
		p.LimitedBy = "vram"
	}
	b := int64(float64(in.Memory)*(1-in.Margin)) / int64(p.Shares) / p.PerFrameBytes
	p.RAMLimit = int(min(max((in.RAM-in.RAMBase)/max(in.RAMPerFrame, 1), 0), config.MaxInFlight))
	if int64(p.RAMLimit) < b {
		b, p.LimitedBy = int64(p.RAMLimit), "ram"
	}
	if b > int64(in.Max) {
		b, p.LimitedBy = int64(in.Max), "batch_max"
	}
	if in.Frames > 0 && b > int64(in.Frames) {
		b, p.LimitedBy = int64(in.Frames), "frames"
	}
	p.Chosen = int(max(b, 1))
	p.Final = p.Chosen
	return p
}

// autoBatchInputs gathers the figures for batch = "auto" in a pass over
// w x h frames whose detector sees dw x dh images with rows of stride
// bytes, frames of them to detect on (0 = unknown).
func autoBatchInputs(cfg config.Config, cascade []byte, w, h, dw, dh, stride, frames int) (batchInputs, error) {
	procs := max(cfg.Processes, 1)
	in := batchInputs{Margin: cfg.MemoryMargin, Shares: procs * cfg.Streams, Max: cfg.BatchMax, Frames: frames}

	// The RAM bound is the memory planner's per-process estimate
	// (estimateProcessMemory) solved for the batch. With the cuda
	// detector memory_budget is VRAM, so RAM is what the machine has.
	ramBudget := cfg.MemoryBudget
	if ramBudget == 0 || cfg.Detector == "cuda" {
		var err error
		if ramBudget, err = systemMemAvailable(); err != nil {
			return in, fmt.Errorf(`batch = "auto": %v`, err)
		}
	}
	in.RAM = int64(float64(ramBudget)*(1-cfg.MemoryMargin)-float64(cfg.ModelMemory)) / int64(procs)
	in.RAMBase, in.RAMPerFrame = processMemoryTerms(cfg, w, h)

	if cfg.Detector == "cuda" {
		if gpuMemory == nil {
			return in, errors.New(`batch = "auto" with detector "cuda": this ftbench was built without CUDA`)
		}
		free, _, err := gpuMemory()
		if err != nil {
			return in, fmt.Errorf(`batch = "auto": %v`, err)
		}
		// Per frame of batch, each stream holds the image and a score per
		// window on the device, and the same again pinned in host RAM.
		if in.PerFrame, err = gpuFrameBytes(cfg, cascade, dw, dh, stride); err != nil {
			return in, err
		}
		in.Memory, in.Source = free, "VRAM free (driver)"
		in.RAMPerFrame += int64(cfg.Streams) * in.PerFrame
		return in, nil
	}
	// On the CPU the plan sizes batches to the last-level cache: a batch
	// slot carries detect_interval decoded frames and one detector image
	// from decoding to encoding, and frames still in cache when the
	// encoder reads them cost no memory traffic.
	in.Memory, in.Source = lastLevelCache()
	in.PerFrame = int64(cfg.DetectInterval)*decodedFrameBytes(w, h) + int64(stride)*int64(dh)
	return in, nil
}

// gpuFrameBytes is the device memory one frame of a batch costs the cuda
// detector: its dw x dh image, rows of stride bytes, and a float32 score
// for every window of every scale.
func gpuFrameBytes(cfg config.Config, cascade []byte, dw, dh, stride int) (int64, error) {
	c, err := ParseCascade(cascade)
	if err != nil {
		return 0, err
	}
	minSize, maxSize := windowRange(cfg, dw, dh)
	l := newGPULayout(c, dh, dw, stride, minSize, maxSize, cfg.ShiftFactor, cfg.ScaleFactor)
	return int64(stride)*int64(dh) + 4*l.windows, nil
}

// lastLevelCache returns the size of the CPU's largest cache, from sysfs,
// or 8 MiB when the kernel does not say.
func lastLevelCache() (int64, string) {
	dirs, _ := filepath.Glob("/sys/devices/system/cpu/cpu0/cache/index*")
	best, level := int64(0), 0
	for _, d := range dirs {
		lv, err1 := os.ReadFile(filepath.Join(d, "level"))
		sz, err2 := os.ReadFile(filepath.Join(d, "size"))
		if err1 != nil || err2 != nil {
			continue
		}
		l, _ := strconv.Atoi(strings.TrimSpace(string(lv)))
		n, ok := parseCacheSize(strings.TrimSpace(string(sz)))
		if ok && (l > level || l == level && n > best) {
			best, level = n, l
		}
	}
	if best == 0 {
		return 8 << 20, "cache size assumed (no sysfs cache info)"
	}
	return best, fmt.Sprintf("L%d cache (sysfs)", level)
}

// parseCacheSize reads sysfs cache sizes: "32768K", "2048K", "1M".
func parseCacheSize(s string) (int64, bool) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, s[:len(s)-1]
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, s[:len(s)-1]
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n * mult, true
}

// batchLimiter is the batch = "auto" limit shared by a pass's streams: an
// allocation failure on any stream halves it for all of them (they share
// one device).
type batchLimiter struct {
	mu    sync.Mutex
	limit int
	plan  *metrics.BatchPlan
}

func (l *batchLimiter) get() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit
}

// shrink halves the limit after a batch of n frames failed with err; it
// reports whether a smaller batch is left to try.
func (l *batchLimiter) shrink(n int, err error) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.limit < n {
		return true // another stream shrank it meanwhile
	}
	if n <= 1 {
		return false
	}
	l.limit = n / 2
	l.plan.Final = l.limit
	l.plan.Shrinks = append(l.plan.Shrinks, metrics.BatchShrink{From: n, To: l.limit, Error: err.Error()})
	return true
}

// shrinkingDetector runs batches no larger than its limiter allows, and
// retries a batch in smaller pieces when the detector runs out of memory.
type shrinkingDetector struct {
	Detector
	lim *batchLimiter
}

func (d shrinkingDetector) Detect(frames []Luma, out [][]Detection) error {
	for len(frames) > 0 {
		n := min(len(frames), d.lim.get())
		err := d.Detector.Detect(frames[:n], out[:n])
		if err != nil {
			if errors.Is(err, ErrOutOfMemory) && d.lim.shrink(n, err) {
				continue
			}
			return err
		}
		frames, out = frames[n:], out[n:]
	}
	return nil
}

// mergeBatchPlans folds a segment worker's batch plan into the run's: the
// first worker's sizing, the smallest batch any worker chose and ended
// with, and every worker's shrinks.
func mergeBatchPlans(run, w *metrics.BatchPlan) *metrics.BatchPlan {
	if w == nil {
		return run
	}
	if run == nil {
		c := *w
		c.Shrinks = append([]metrics.BatchShrink(nil), w.Shrinks...)
		return &c
	}
	if w.Chosen < run.Chosen {
		run.Chosen, run.LimitedBy = w.Chosen, w.LimitedBy
	}
	run.Final = min(run.Final, w.Final)
	run.Shrinks = append(run.Shrinks, w.Shrinks...)
	return run
}
