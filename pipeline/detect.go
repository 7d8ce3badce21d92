package pipeline

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strconv"

	pigo "github.com/esimov/pigo/core"

	"github.com/ftbench/ftbench/internal/atomicfile"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/metrics"
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
	Detect(frames []Luma, out [][]Detection) error
	Name() string
}

// Pico is the CPU detector: the PICO cascade of github.com/esimov/pigo,
// scanned either by Cascade (detector "pico") or by pigo's own RunCascade
// (detector "pigo", the reference the fast scan is tested against).
type Pico struct {
	cascade *Cascade
	ref     *pigo.Pigo // non-nil for detector "pigo"
	cfg     config.Config
	raw     []pigo.Detection
	// faces are the last frame's faces in luma pixels (centre row, centre
	// column, size) and sinceFull the frames since the last full scan.
	faces     []pigo.Detection
	sinceFull int
	fullScans int // full-frame scans run, for tests
}

var _ Detector = (*Pico)(nil)

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

func (d oomInjector) Detect(frames []Luma, out [][]Detection) error {
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

// Name returns the backend's config name.
func (p *Pico) Name() string { return p.cfg.Detector }

// Detect runs the cascade on each frame of the batch. The first frame of
// every batch gets a full-frame scan, so a batch's detections do not
// depend on earlier batches (which may run on other streams).
func (p *Pico) Detect(frames []Luma, out [][]Detection) error {
	for i, f := range frames {
		out[i] = p.DetectNext(f, i == 0, out[i][:0])
	}
	return nil
}

// DetectNext runs the cascade on the next frame of a batch, first saying
// whether it is the batch's first frame, and appends its detections to out.
// Feeding a batch's frames one by one gives exactly what Detect gives on the
// whole batch.
func (p *Pico) DetectNext(f Luma, first bool, out []Detection) []Detection {
	if first {
		p.faces = p.faces[:0]
	}
	return p.detectOne(f, out)
}

// windowRange returns the smallest and largest window sizes searched.
func windowRange(cfg config.Config, w, h int) (int, int) {
	short := min(w, h)
	minSize := max(int(cfg.MinFace*float64(short)), 8)
	maxSize := max(int(cfg.MaxFace*float64(short)), minSize)
	return minSize, maxSize
}

func (p *Pico) detectOne(f Luma, out []Detection) []Detection {
	minSize, maxSize := windowRange(p.cfg, f.W, f.H)
	full := p.cfg.FullScan <= 0 || len(p.faces) == 0 || p.sinceFull >= p.cfg.FullScan
	switch {
	case p.ref != nil:
		p.raw = p.ref.RunCascade(pigo.CascadeParams{
			MinSize: minSize, MaxSize: maxSize, ShiftFactor: p.cfg.ShiftFactor, ScaleFactor: p.cfg.ScaleFactor,
			ImageParams: pigo.ImageParams{Pixels: f.Pix, Rows: f.H, Cols: f.W, Dim: f.Stride},
		}, 0)
		full = true
	case full:
		p.raw = p.cascade.Run(p.raw[:0], f.Pix, f.H, f.W, f.Stride, minSize, maxSize, p.cfg.ShiftFactor, p.cfg.ScaleFactor)
	default:
		p.raw = p.raw[:0]
		for _, fc := range p.faces {
			p.raw = p.cascade.RunRegion(p.raw, f.Pix, f.H, f.W, f.Stride, minSize, maxSize, p.cfg.ShiftFactor, p.cfg.ScaleFactor, roiAround(fc))
		}
		p.raw = dedupeWindows(p.raw)
	}
	if full {
		p.sinceFull = 0
		p.fullScans++
	}
	p.sinceFull += p.cfg.DetectInterval
	p.faces = keepFaces(p.cfg, p.raw, p.faces[:0])
	return toDetections(p.faces, f.Scale, out)
}

// keepFaces turns raw windows into faces: pigo's clustering, overlap
// suppression and the score threshold. Every backend ends this way, so
// they differ only in how they find the windows.
func keepFaces(cfg config.Config, raw, dst []pigo.Detection) []pigo.Detection {
	for _, d := range suppressOverlaps(clusterer.ClusterDetections(raw, cfg.ClusterIoU)) {
		if float64(d.Q) >= cfg.MinScore {
			dst = append(dst, d)
		}
	}
	return dst
}

// toDetections scales faces found in luma pixels back to source pixels.
func toDetections(faces []pigo.Detection, scale float64, out []Detection) []Detection {
	for _, d := range faces {
		s := float64(d.Scale) * scale
		out = append(out, Detection{
			Box:   Box{X: float64(d.Col)*scale - s/2, Y: float64(d.Row)*scale - s/2, W: s, H: s},
			Score: float64(d.Q),
		})
	}
	return out
}

// roiAround returns the region a face found at d is looked for in on the
// next detector run: a window sizes 2/3 to 3/2 of its size, centred up to
// one face size away.
//
// Note: faces move little between two detector runs; scanning only there
// costs a small fraction of a full-frame scan. A full scan still runs every
// full_scan_interval frames, and whenever the last run found nothing, so
// faces that enter the picture are found.
func roiAround(d pigo.Detection) Region {
	return Region{
		R0: d.Row - d.Scale, R1: d.Row + d.Scale + 1,
		C0: d.Col - d.Scale, C1: d.Col + d.Scale + 1,
		MinSize: d.Scale * 2 / 3, MaxSize: d.Scale * 3 / 2,
	}
}

// dedupeWindows removes windows found twice by overlapping regions, which
// would otherwise count twice in a cluster's score.
func dedupeWindows(d []pigo.Detection) []pigo.Detection {
	slices.SortFunc(d, func(a, b pigo.Detection) int {
		return cmp.Or(cmp.Compare(a.Scale, b.Scale), cmp.Compare(a.Row, b.Row), cmp.Compare(a.Col, b.Col))
	})
	return slices.CompactFunc(d, func(a, b pigo.Detection) bool {
		return a.Scale == b.Scale && a.Row == b.Row && a.Col == b.Col
	})
}

// overlapIoU is the IoU above which two clustered detections are one face.
const overlapIoU = 0.3

// suppressOverlaps keeps, of clusters that overlap by more than overlapIoU,
// the highest-scoring one.
//
// Note: pigo's ClusterDetections can merge one window into two clusters, so
// one face sometimes comes out twice, a few pixels apart; the tracker would
// make a second track of it.
func suppressOverlaps(c []pigo.Detection) []pigo.Detection {
	slices.SortStableFunc(c, func(a, b pigo.Detection) int { return cmp.Compare(b.Q, a.Q) })
	box := func(d pigo.Detection) Box {
		s := float64(d.Scale)
		return Box{X: float64(d.Col) - s/2, Y: float64(d.Row) - s/2, W: s, H: s}
	}
	kept := c[:0]
	for _, d := range c {
		dup := false
		for _, k := range kept {
			if box(d).IoU(box(k)) > overlapIoU {
				dup = true
				break
			}
		}
		if !dup {
			kept = append(kept, d)
		}
	}
	return kept
}

// gpuMemory returns the GPU's free and total memory; nil when this build
// has no GPU backend. The memory planner budgets VRAM with it.
var gpuMemory func() (free, total int64, err error)

// gpuUsage returns what the driver says of this process's device memory;
// nil when this build has no CUDA or the process has not used the GPU.
var gpuUsage func() *metrics.GPUMemory

// clusterer holds pigo's clustering, which reads no cascade state.
var clusterer = pigo.NewPigo()
