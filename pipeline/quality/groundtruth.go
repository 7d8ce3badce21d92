// Package quality measures how well a run found and followed the faces:
// it reads ground truth (OTB's per-frame boxes or ftbench's own format)
// and counts, frame by frame, the primary face's hits and the detector's
// matches against it, the figures metrics.Quality reports.
package quality

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode"

	"github.com/ftbench/ftbench/internal/atomicfile"
	"github.com/ftbench/ftbench/pipeline/geom"
)

// GroundTruth holds the true face boxes of a video, frame by frame.
type GroundTruth struct {
	Frames int          // frames the ground truth covers
	Boxes  [][]geom.Box // Boxes[i] are the faces of frame i (0-based); empty when it has none
	// IDs[i][k] is the identity of Boxes[i][k], the same face across
	// frames; nil for OTB ground truth, which names no identities.
	IDs [][]int
}

// gtHeaderPrefix starts the first line of ftbench's own ground-truth format.
const gtHeaderPrefix = "# ftbench-gt"

// maxGTFrames bounds the frame count a ground-truth header may claim (over
// 92 hours at 30 frames/s).
//
// Note: the box lists are allocated from the header's count before any box
// is read, so without a bound a 40-byte file saying frames=999999999999
// made the process die out of memory.
const maxGTFrames = 10_000_000

// LoadGroundTruth reads a ground-truth file in either format ParseGroundTruth
// accepts.
func LoadGroundTruth(path string) (*GroundTruth, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read ground truth: %w", path, atomicfile.UnwrapPath(err))
	}
	defer f.Close()
	return ParseGroundTruth(f, path)
}

// ParseGroundTruth reads ground truth in one of two formats, told apart by
// the first line; name is used in error messages (usually the file's path).
//
// ftbench's own format, written by the fixtures generator, starts with the
// line "# ftbench-gt v1 frames=N" followed by lines "frame id x y w h"
// (whitespace separated, frame 0-based and < N, several lines per frame for
// several faces, w and h positive); blank lines and lines starting with "#"
// are skipped. The id names the face across frames (GroundTruth.IDs).
//
// Anything else is read as OTB: one line per frame, in frame order, holding
// "x y w h" separated by commas and/or whitespace. Coordinates are taken as
// given (OTB's are 1-based; the pixel of difference is not corrected). A line
// whose w or h is <= 0 or whose numbers are not finite (NaN) marks a frame
// without a face. Trailing blank lines are ignored; a blank line before the
// last box is an error, since it would shift every later frame.
func ParseGroundTruth(r io.Reader, name string) (*GroundTruth, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	var lines []string
	for sc.Scan() {
		lines = append(lines, strings.TrimSpace(sc.Text()))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: cannot read ground truth: %w", name, err)
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("%s: empty ground-truth file (want OTB lines \"x y w h\" or a %q header)", name, gtHeaderPrefix+" v1 frames=N")
	}
	if strings.HasPrefix(lines[0], gtHeaderPrefix) {
		return parseFtbenchGT(lines, name)
	}
	return parseOTB(lines, name)
}

func parseOTB(lines []string, name string) (*GroundTruth, error) {
	gt := &GroundTruth{Frames: len(lines), Boxes: make([][]geom.Box, len(lines))}
	for i, line := range lines {
		fields := strings.FieldsFunc(line, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
		v, ok := parseFloats(fields)
		if !ok || len(v) != 4 {
			return nil, fmt.Errorf("%s:%d: want 4 numbers \"x y w h\", got %q", name, i+1, line)
		}
		b := geom.Box{X: v[0], Y: v[1], W: v[2], H: v[3]}
		if finiteBox(b) && b.W > 0 && b.H > 0 {
			gt.Boxes[i] = []geom.Box{b}
		}
	}
	return gt, nil
}

func parseFtbenchGT(lines []string, name string) (*GroundTruth, error) {
	header := strings.Fields(lines[0])
	frames := -1
	if len(header) == 4 && header[0] == "#" && header[1] == "ftbench-gt" && header[2] == "v1" {
		if n, ok := strings.CutPrefix(header[3], "frames="); ok {
			if v, err := strconv.Atoi(n); err == nil && v >= 0 {
				frames = v
			}
		}
	}
	if frames < 0 {
		return nil, fmt.Errorf("%s:1: want header %q with N >= 0, got %q", name, gtHeaderPrefix+" v1 frames=N", lines[0])
	}
	if frames > maxGTFrames {
		return nil, fmt.Errorf("%s:1: header says frames=%d; ftbench reads at most %d", name, frames, maxGTFrames)
	}
	gt := &GroundTruth{Frames: frames, Boxes: make([][]geom.Box, frames), IDs: make([][]int, frames)}
	for i, line := range lines[1:] {
		lineNo := i + 2
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 6 {
			return nil, fmt.Errorf("%s:%d: want 6 fields \"frame id x y w h\", got %q", name, lineNo, line)
		}
		frame, err1 := strconv.Atoi(fields[0])
		id, err2 := strconv.Atoi(fields[1])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%s:%d: want integers for frame and id in \"frame id x y w h\", got %q", name, lineNo, line)
		}
		v, ok := parseFloats(fields[2:])
		b := geom.Box{}
		if ok {
			b = geom.Box{X: v[0], Y: v[1], W: v[2], H: v[3]}
		}
		if !ok || !finiteBox(b) {
			return nil, fmt.Errorf("%s:%d: want finite numbers for x y w h, got %q", name, lineNo, line)
		}
		if b.W <= 0 || b.H <= 0 {
			return nil, fmt.Errorf("%s:%d: want positive w and h, got %q", name, lineNo, line)
		}
		if frame < 0 || frame >= frames {
			return nil, fmt.Errorf("%s:%d: want frame in 0..frames-1 (header says frames=%d), got %d", name, lineNo, frames, frame)
		}
		gt.Boxes[frame] = append(gt.Boxes[frame], b)
		gt.IDs[frame] = append(gt.IDs[frame], id)
	}
	return gt, nil
}

// parseFloats parses every field as a float64.
func parseFloats(fields []string) ([]float64, bool) {
	v := make([]float64, len(fields))
	for i, f := range fields {
		x, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil, false
		}
		v[i] = x
	}
	return v, true
}

func finiteBox(b geom.Box) bool {
	for _, v := range [...]float64{b.X, b.Y, b.W, b.H} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
