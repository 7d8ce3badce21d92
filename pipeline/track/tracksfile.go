package track

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ftbench/ftbench/internal/atomicfile"
	"github.com/ftbench/ftbench/pipeline/geom"
)

// FrameRecord is one frame of tracks.json.
type FrameRecord struct {
	Frame      int              `json:"frame"`
	Pts        int64            `json:"pts"`
	Preroll    bool             `json:"preroll,omitempty"` // a segment worker's warm-up frame, not its own
	Detected   bool             `json:"detected"`
	Detections []geom.Detection `json:"detections"`
	Tracks     []Track          `json:"tracks"`
	Primary    *int             `json:"primary"`
	Crop       geom.Crop        `json:"crop"`
}

// TracksFile is the whole of tracks.json.
type TracksFile struct {
	Input  string        `json:"input"`
	Width  int           `json:"width"`
	Height int           `json:"height"`
	FPS    float64       `json:"fps"`
	Frames []FrameRecord `json:"frames"`
}

// Writer streams tracks.json to a temporary file, renamed on Commit, so a
// six-hour video's tracks never sit in memory at once.
type Writer struct {
	path string
	f    *os.File
	w    *bufio.Writer
	n    int
}

// NewWriter starts tracks.json at path for a w x h video at fps frames per
// second read from input.
func NewWriter(path, input string, w, h int, fps float64) (*Writer, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("%s: cannot write tracks: %w", path, atomicfile.UnwrapPath(err))
	}
	t := &Writer{path: path, f: f, w: bufio.NewWriterSize(f, 1<<16)}
	head, _ := json.Marshal(TracksFile{Input: input, Width: w, Height: h, FPS: fps})
	// Everything up to the frames array, which is streamed.
	const tail = `"frames":null}`
	t.w.Write(head[:len(head)-len(tail)])
	t.w.WriteString(`"frames":[` + "\n")
	return t, nil
}

// Add appends one frame's record.
func (t *Writer) Add(rec FrameRecord) error {
	if rec.Detections == nil {
		rec.Detections = []geom.Detection{}
	}
	if rec.Tracks == nil {
		rec.Tracks = []Track{}
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if t.n > 0 {
		t.w.WriteString(",\n")
	}
	t.n++
	if _, err := t.w.Write(b); err != nil {
		return fmt.Errorf("%s: cannot write tracks: %w", t.path, err)
	}
	return nil
}

// Commit finishes the file and renames it to its path.
func (t *Writer) Commit() error {
	t.w.WriteString("\n]}\n")
	err := t.w.Flush()
	if err == nil {
		err = t.f.Sync()
	}
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(t.f.Name(), t.path)
	}
	if err != nil {
		os.Remove(t.f.Name())
		t.f = nil
		return fmt.Errorf("%s: cannot write tracks: %w", t.path, atomicfile.UnwrapPath(err))
	}
	t.f = nil
	return nil
}

// Abort removes the temporary file; nothing is left at the path.
func (t *Writer) Abort() {
	if t.f != nil {
		t.f.Close()
		os.Remove(t.f.Name())
		t.f = nil
	}
}

// ReadTracks reads a tracks.json file.
func ReadTracks(path string) (*TracksFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, atomicfile.UnwrapPath(err))
	}
	var tf TracksFile
	if err := json.Unmarshal(data, &tf); err != nil {
		return nil, fmt.Errorf("%s: not a tracks file: %v", path, err)
	}
	return &tf, nil
}
