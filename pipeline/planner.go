package pipeline

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

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
// and, per stream, a batch of detector images and window scores (batch =
// "auto" counts one frame: it sizes itself into what is left).
func estimateGPUProcessMemory(cfg config.Config, cascade []byte, w, h int) (int64, error) {
	dw, dh := detectSize(cfg, w, h)
	perFrame, err := gpuFrameBytes(cfg, cascade, dw, dh, lumaStride(dw))
	if err != nil {
		return 0, err
	}
	return cudaContextBytes + int64(cfg.Streams)*int64(cfg.Batch.Max(1))*perFrame, nil
}

// processMemoryBase is a worker's memory besides its frames: the code, the
// cascade, FFmpeg's contexts.
const processMemoryBase = 96 << 20

// memAvailable reads MemAvailable from a /proc/meminfo-formatted reader.
func memAvailable(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemAvailable:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("meminfo: bad MemAvailable %q", f[1])
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("meminfo: no MemAvailable line")
}

// systemMemAvailable returns this machine's MemAvailable.
func systemMemAvailable() (int64, error) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return memAvailable(f)
}

// FormatBytes renders a byte count with a binary unit ("1.5 GiB").
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
