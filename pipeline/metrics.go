package pipeline

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// Stage names used as keys of Metrics.Stages.
const (
	StageDecode  = "decode"
	StageScale   = "scale"
	StageDetect  = "detect"
	StageTrack   = "track"
	StageReframe = "reframe"
	StageEncode  = "encode"
	StageMux     = "mux"
)

// Metrics is what one pipeline run writes to its metrics file (metrics.json).
// The harness reads nothing else of a run.
//
// Note: the JSON names are a contract with the sweep runner, the reports and
// the gate, and with users' own scripts; add fields, never rename them.
type Metrics struct {
	Input       string             `json:"input"`
	Output      string             `json:"output,omitempty"`
	Frames      int                `json:"frames"`
	WallSeconds float64            `json:"wall_seconds"`
	FPS         float64            `json:"fps"`
	Stages      map[string]float64 `json:"stages"` // seconds of work per stage, summed over goroutines
	// Waits holds seconds each stage spent blocked on its queues:
	// "decode.out" (the next stage was full), "detect.in" (nothing decoded
	// yet), "detect.out", "encode.in" (nothing detected yet), ... (with
	// one CPU detector, detection runs in the decode stage, which has no
	// "detect.*" queues). A stage that
	// waits on its input is starved; one that waits on its output is
	// faster than what follows it.
	Waits        map[string]float64 `json:"waits,omitempty"`
	PeakRSSBytes int64              `json:"peak_rss_bytes"`
	Config       Config             `json:"config"`
	// Batch says how batch = "auto" was sized and shrunk; absent for a
	// fixed batch.
	Batch *BatchPlan `json:"batch_plan,omitempty"`
	// GPUMemory is the device memory from the CUDA driver, when the cuda
	// detector ran.
	GPUMemory *GPUMemory `json:"gpu_memory,omitempty"`
	Quality   *Quality   `json:"quality,omitempty"`

	Width        int     `json:"width"`
	Height       int     `json:"height"`
	CropWidth    int     `json:"crop_width"`
	CropHeight   int     `json:"crop_height"`
	InputFPS     float64 `json:"input_fps"`
	DetectFrames int     `json:"detect_frames"` // frames the detector ran on
	Detections   int     `json:"detections"`
	Tracks       int     `json:"tracks"`       // distinct track ids
	FacesFrames  int     `json:"faces_frames"` // frames with a primary face
	AudioCopied  bool    `json:"audio_copied"`
	Decoder      string  `json:"decoder"`
	// DecodeHWAccel is where the video was decoded: "cuda" (NVDEC),
	// "none" (the CPU), or "mixed" when the passes of a phased run differ;
	// Notes say why a requested hwaccel was not used.
	DecodeHWAccel string   `json:"decode_hwaccel"`
	EncoderName   string   `json:"encoder_name"`
	Notes         []string `json:"notes,omitempty"`

	// Phased runs (processes > 1 or encode_workers > 1).
	Workers  []WorkerMetrics `json:"workers,omitempty"` // one per segment attempt
	Scaling  []ScalingEvent  `json:"scaling,omitempty"` // process-count back-offs
	Plan     *MemoryPlan     `json:"memory_plan,omitempty"`
	Segments int             `json:"segments,omitempty"` // segments the input was split into
	// PhaseSeconds is wall time per phase: "probe", "analyze", "stitch",
	// "encode", "join".
	PhaseSeconds map[string]float64 `json:"phase_seconds,omitempty"`
}

// WorkerMetrics is what one segment worker did.
type WorkerMetrics struct {
	Phase       string             `json:"phase"` // "analyze" or "encode"
	Segment     int                `json:"segment"`
	Attempt     int                `json:"attempt"`
	Frames      int                `json:"frames"`
	WallSeconds float64            `json:"wall_seconds"`
	Stages      map[string]float64 `json:"stages,omitempty"`
	Waits       map[string]float64 `json:"waits,omitempty"`
	PeakRSS     int64              `json:"peak_rss_bytes,omitempty"`
	Batch       *BatchPlan         `json:"batch_plan,omitempty"`
	GPUMemory   *GPUMemory         `json:"gpu_memory,omitempty"`
	// Notes and DecodeHWAccel are the worker's pass's, as in Metrics.
	Notes         []string `json:"notes,omitempty"`
	DecodeHWAccel string   `json:"decode_hwaccel,omitempty"`
	Error         string   `json:"error,omitempty"`
}

// ScalingEvent records the process count backing off after a worker ran
// out of memory.
type ScalingEvent struct {
	AtSeconds float64 `json:"at_seconds"`
	From      int     `json:"from"`
	To        int     `json:"to"`
	Segment   int     `json:"segment"`
	Reason    string  `json:"reason"`
}

// WriteJSONFile writes v as indented JSON to path atomically: to a temporary
// file in the same folder, then renamed, so readers never see half a file.
func WriteJSONFile(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, append(data, '\n'))
}

// WriteFileAtomic writes data to path through a temporary file and a rename.
func WriteFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("%s: cannot write: %w", path, unwrapPathError(err))
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("%s: cannot write: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("%s: cannot write: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("%s: cannot write: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("%s: cannot write: %w", path, unwrapPathError(err))
	}
	return nil
}

// addWorker records a finished worker: its figures, its batch plan, its
// notes (each once) and where it decoded.
func (m *Metrics) addWorker(w WorkerMetrics) {
	m.Workers = append(m.Workers, w)
	m.Batch = mergeBatchPlans(m.Batch, w.Batch)
	if w.GPUMemory != nil && (m.GPUMemory == nil || w.GPUMemory.UsedBytes > m.GPUMemory.UsedBytes) {
		m.GPUMemory = w.GPUMemory // the worker that took the most
	}
	for _, n := range w.Notes {
		if !slices.Contains(m.Notes, n) {
			m.Notes = append(m.Notes, n)
		}
	}
	switch {
	case w.DecodeHWAccel == "":
	case m.DecodeHWAccel == "":
		m.DecodeHWAccel = w.DecodeHWAccel
	case m.DecodeHWAccel != w.DecodeHWAccel:
		m.DecodeHWAccel = "mixed"
	}
}
