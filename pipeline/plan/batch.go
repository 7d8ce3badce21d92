package plan

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/metrics"
)

// BatchInputs are the figures batch = "auto" is computed from.
type BatchInputs struct {
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

// SizeBatch is the arithmetic of batch = "auto" (the plan's phase 2: batch
// size from live VRAM): floor(memory x (1 - margin) / shares / per-frame
// cost), then no more than the RAM share holds, batch_max, and the frames
// there are to detect; at least 1.
func SizeBatch(in BatchInputs) metrics.BatchPlan {
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

// BatchInputs gathers the figures for batch = "auto" in a pass with cfg
// over p's frames.
func (m Machine) BatchInputs(cfg config.Config, p Pass) (BatchInputs, error) {
	procs := max(cfg.Processes, 1)
	in := BatchInputs{Margin: cfg.MemoryMargin, Shares: procs * cfg.Streams, Max: cfg.BatchMax, Frames: p.Frames}

	// The RAM bound is the memory planner's per-process estimate
	// (estimateProcessMemory) solved for the batch. With the cuda
	// detector memory_budget is VRAM, so RAM is what the machine has.
	ramBudget := cfg.MemoryBudget
	if ramBudget == 0 || cfg.Detector == "cuda" {
		var err error
		if ramBudget, err = m.MemAvailable(); err != nil {
			return in, fmt.Errorf(`batch = "auto": %v`, err)
		}
	}
	in.RAM = int64(float64(ramBudget)*(1-cfg.MemoryMargin)-float64(cfg.ModelMemory)) / int64(procs)
	in.RAMBase, in.RAMPerFrame = processMemoryTerms(cfg, p.Width, p.Height)

	if cfg.Detector == "cuda" {
		if m.GPU == nil {
			return in, errors.New(`batch = "auto" with detector "cuda": this ftbench was built without CUDA`)
		}
		free, _, err := m.GPU()
		if err != nil {
			return in, fmt.Errorf(`batch = "auto": %v`, err)
		}
		// Per frame of batch, each stream holds the image and a score per
		// window on the device, and the same again pinned in host RAM.
		in.PerFrame = p.GPUFrameBytes
		in.Memory, in.Source = free, "VRAM free (driver)"
		in.RAMPerFrame += int64(cfg.Streams) * in.PerFrame
		return in, nil
	}
	// On the CPU the plan sizes batches to the last-level cache: a batch
	// slot carries detect_interval decoded frames and one detector image
	// from decoding to encoding, and frames still in cache when the
	// encoder reads them cost no memory traffic.
	in.Memory, in.Source = m.LastLevelCache()
	in.PerFrame = int64(cfg.DetectInterval)*decodedFrameBytes(p.Width, p.Height) + p.ImageBytes
	return in, nil
}
