// Package detect finds faces: the Detector interface and its backends, the
// PICO cascade of github.com/esimov/pigo scanned on the CPU ("pico", with
// pigo's own scan as the reference "pigo") or on a GPU ("cuda", built with
// -tags cuda), the layout the GPU kernel scans, the detector's image size,
// and where the cascade file is found. Its input is a frame's luma plane
// and its output detections in source-frame pixels.
package detect

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"

	pigo "github.com/esimov/pigo/core"

	"github.com/ftbench/ftbench/internal/atomicfile"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/geom"
)

// Luma is one frame's downscaled luma plane as the detector sees it.
type Luma struct {
	Pix    []byte
	W, H   int
	Stride int
	// Scale converts luma pixels to source-frame pixels (source width / W).
	Scale float64
}

// Detector finds faces in a batch of frames.
//
// Note: the batch is the unit a GPU backend launches at once; the CPU
// backend simply loops. out[i] receives frame i's detections in source-frame
// pixels; implementations append to out[i][:0] so callers can reuse slices.
type Detector interface {
	Detect(frames []Luma, out [][]geom.Detection) error
	Name() string
}

// ErrOutOfMemory marks a failure caused by lack of memory: a detector that
// could not allocate a batch, or a segment worker the kernel killed.
var ErrOutOfMemory = errors.New("out of memory")

// LoadCascade reads a PICO cascade file; an empty path means the
// cascade/facefinder file of the pigo module that go.mod pins. It returns
// the file's bytes too, for backends that parse it their own way.
func LoadCascade(path string) (*Cascade, []byte, error) {
	if path == "" {
		p, err := PigoModuleFile("cascade/facefinder")
		if err != nil {
			return nil, nil, fmt.Errorf("cascade: %w", err)
		}
		path = p
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: cannot read cascade: %w", path, atomicfile.UnwrapPath(err))
	}
	c, err := ParseCascade(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: not a PICO cascade: %v", path, err)
	}
	return c, data, nil
}

// NewDetector returns the detector cfg.Detector names, on the cascade
// file's bytes. A detector is not safe for concurrent use.
//
// FTBENCH_INJECT_DETECT_OOM=N makes every detector call on more than N
// frames fail with ErrOutOfMemory, as a device with room for N frames
// would: the fault-injection hook the batch = "auto" tests use.
// FTBENCH_INJECT_SLOWDOWN=F adds F of the default config's CPU work per
// frame (see SlowdownEnv): the hook that tests the gate on real runs.
func NewDetector(cfg config.Config, cascadeData []byte) (Detector, error) {
	d, err := newDetector(cfg, cascadeData)
	if err != nil {
		return nil, err
	}
	if s := os.Getenv("FTBENCH_INJECT_DETECT_OOM"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("FTBENCH_INJECT_DETECT_OOM=%q: want a number of frames", s)
		}
		d = oomInjector{d, n}
	}
	if f, err := slowdownFraction(); err != nil {
		return nil, err
	} else if f > 0 {
		d = slowdownInjector{d, f}
	}
	return d, nil
}

// oomInjector fails batches larger than room with ErrOutOfMemory.
type oomInjector struct {
	Detector
	room int
}

func (d oomInjector) Detect(frames []Luma, out [][]geom.Detection) error {
	if len(frames) > d.room {
		return fmt.Errorf("%d frames do not fit in room for %d (injected by FTBENCH_INJECT_DETECT_OOM): %w", len(frames), d.room, ErrOutOfMemory)
	}
	return d.Detector.Detect(frames, out)
}

func newDetector(cfg config.Config, cascadeData []byte) (Detector, error) {
	if cfg.Detector == "cuda" {
		return newCUDADetector(cfg, cascadeData)
	}
	c, err := ParseCascade(cascadeData)
	if err != nil {
		return nil, err
	}
	p := &Pico{cascade: c, cfg: cfg}
	if cfg.Detector == "pigo" {
		// ParseCascade validated the length, so pigo's Unpack cannot index
		// past the end.
		if p.ref, err = pigo.NewPigo().Unpack(cascadeData); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// ImageSize is the size of the image the detector sees for W x H frames.
//
// Note: detect_width may exceed the source width: upscaling a small video
// gives the cascade's smallest windows more pixels to test.
func ImageSize(cfg config.Config, W, H int) (int, int) {
	dw := cfg.DetectWidth
	if dw <= 0 {
		dw = W
	}
	return dw, max(int(math.Round(float64(H)*float64(dw)/float64(W))), 1)
}

// LumaStride is the row stride of a detector image dw pixels wide.
//
// Note: swscale writes whole SIMD blocks; a stride rounded up to 32 keeps
// it from writing past the end of a row.
func LumaStride(dw int) int { return (dw + 31) &^ 31 }
