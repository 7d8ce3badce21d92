package plan

import (
	"fmt"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/metrics"
)

// PlanProcesses computes the largest process count that fits in budget:
// floor((budget - model - margin) / perProcess), at least 1, and the count
// to run for a request of requested processes. With clamp false a request
// beyond the plan is an error.
func PlanProcesses(budget, model, margin, perProcess int64, requested int, clamp bool) (metrics.MemoryPlan, error) {
	p := metrics.MemoryPlan{BudgetBytes: budget, ModelBytes: model, MarginBytes: margin, ProcessBytes: perProcess, Requested: requested}
	free := budget - model - margin
	if perProcess <= 0 {
		perProcess = 1
	}
	p.MaxProcesses = int(max(free/perProcess, 1))
	p.Planned = requested
	if requested > p.MaxProcesses {
		msg := fmt.Sprintf("processes = %d needs %s but the plan allows %d: (%s budget - %s model - %s margin) / %s per process",
			requested, FormatBytes(model+margin+int64(requested)*perProcess), p.MaxProcesses,
			FormatBytes(budget), FormatBytes(model), FormatBytes(margin), FormatBytes(perProcess))
		if !clamp {
			return p, &config.FieldError{Key: "processes", Msg: msg + " (set clamp_processes = true to run with fewer)"}
		}
		p.Planned = p.MaxProcesses
		p.Note = msg + fmt.Sprintf("; running %d", p.Planned)
	}
	return p, nil
}

// BackOff returns the next, smaller process count after a worker ran out
// of memory with n running, following the plan's 13 -> 5 -> 3 -> 1: about a
// third of n, rounded up to an odd count.
func BackOff(n int) int {
	if n <= 1 {
		return 1
	}
	next := (n + 2) / 3
	if next%2 == 0 {
		next++
	}
	if next >= n {
		next = n - 1
	}
	return max(next, 1)
}

// estimateProcessMemory estimates one worker's memory: its frame queue
// (decoded frames in flight, 1.5 bytes a pixel in 4:2:0), its decoder's own
// reference frames, the detector's luma planes and a fixed base for the
// code, the cascade and FFmpeg's contexts.
func estimateProcessMemory(cfg config.Config, w, h int) int64 {
	base, perBatchFrame := processMemoryTerms(cfg, w, h)
	return base + int64(cfg.Batch.Max(1))*perBatchFrame
}

// processMemoryTerms splits estimateProcessMemory into what a worker needs
// whatever its batch and what each frame of batch adds: (streams + 3) x
// batch x detect_interval + 16 decoded frames in flight, each counted twice
// (the frame and the decoder's or encoder's copy), and 32 frames of
// decoder references.
func processMemoryTerms(cfg config.Config, w, h int) (base, perBatchFrame int64) {
	frame := decodedFrameBytes(w, h)
	return processMemoryBase + (2*16+32)*frame, 2 * int64(cfg.Streams+3) * int64(cfg.DetectInterval) * frame
}

// decodedFrameBytes is the size of a decoded w x h 8-bit 4:2:0 frame.
func decodedFrameBytes(w, h int) int64 { return int64(w) * int64(h) * 3 / 2 }

// cudaContextBytes is the VRAM one worker holds besides its detector's
// batch buffers: its CUDA context, the kernel and the cascade. Measured
// with NVML on an H200 (driver 570, CUDA 12.8): one ftbench process with
// the cuda detector held 530 MiB at batch 16 and 544 MiB at batch 64, one
// stream; other drivers and cards differ by tens of MiB (set
// process_memory to override the estimate).
const cudaContextBytes = 525 << 20

// estimateGPUProcessMemory estimates one worker's VRAM: its CUDA context
// and, per stream, a batch of detector images and window scores, frame
// costing perFrame bytes (batch = "auto" counts one frame: it sizes itself
// into what is left).
func estimateGPUProcessMemory(cfg config.Config, perFrame int64) int64 {
	return cudaContextBytes + int64(cfg.Streams)*int64(cfg.Batch.Max(1))*perFrame
}

// processMemoryBase is a worker's memory besides its frames: the code, the
// cascade, FFmpeg's contexts.
const processMemoryBase = 96 << 20

// Processes runs the memory planner for cfg and a pass over p's frames:
// the budget is memory_budget, else the GPU's memory for the cuda
// detector, else MemAvailable; a process's share is process_memory, else
// an estimate of its VRAM or its RAM.
func (m Machine) Processes(cfg config.Config, p Pass) (metrics.MemoryPlan, error) {
	budget, source := cfg.MemoryBudget, "config"
	if budget == 0 && cfg.Detector == "cuda" && m.GPU != nil {
		// The plan's budget is the card's memory: (32 - 4 - 2) / 2 = 13.
		if _, total, err := m.GPU(); err == nil {
			budget, source = total, "VRAM"
		}
	}
	if budget == 0 {
		avail, err := m.MemAvailable()
		if err != nil {
			return metrics.MemoryPlan{}, fmt.Errorf("memory planner: %v (set memory_budget)", err)
		}
		budget, source = avail, "MemAvailable"
	}
	per, perSource := cfg.ProcessMemory, "config"
	switch {
	case per > 0:
	case source == "VRAM":
		per, perSource = estimateGPUProcessMemory(cfg, p.GPUFrameBytes), "estimate: CUDA context + detector buffers"
	default:
		per, perSource = estimateProcessMemory(cfg, p.Width, p.Height), "estimate: frames in flight + base"
	}
	plan, err := PlanProcesses(budget, cfg.ModelMemory, int64(float64(budget)*cfg.MemoryMargin), per, cfg.Processes, cfg.ClampProcesses)
	plan.BudgetSource, plan.ProcessSource = source, perSource
	return plan, err
}
