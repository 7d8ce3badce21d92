package pipeline

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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
	Input        string             `json:"input"`
	Output       string             `json:"output,omitempty"`
	Frames       int                `json:"frames"`
	WallSeconds  float64            `json:"wall_seconds"`
	FPS          float64            `json:"fps"`
	Stages       map[string]float64 `json:"stages"` // seconds of work per stage, summed over goroutines
	PeakRSSBytes int64              `json:"peak_rss_bytes"`
	Config       Config             `json:"config"`
	Quality      *Quality           `json:"quality,omitempty"`

	Width        int      `json:"width"`
	Height       int      `json:"height"`
	CropWidth    int      `json:"crop_width"`
	CropHeight   int      `json:"crop_height"`
	InputFPS     float64  `json:"input_fps"`
	DetectFrames int      `json:"detect_frames"` // frames the detector ran on
	Detections   int      `json:"detections"`
	Tracks       int      `json:"tracks"`       // distinct track ids
	FacesFrames  int      `json:"faces_frames"` // frames with a primary face
	AudioCopied  bool     `json:"audio_copied"`
	Decoder      string   `json:"decoder"`
	EncoderName  string   `json:"encoder_name"`
	Notes        []string `json:"notes,omitempty"`
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
