package detect

import (
	"cmp"
	"slices"

	pigo "github.com/esimov/pigo/core"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/geom"
)

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
	edges     edgeScan
}

var _ Detector = (*Pico)(nil)

// Name returns the backend's config name.
func (p *Pico) Name() string { return p.cfg.Detector }

// Detect runs the cascade on each frame of the batch. The first frame of
// every batch gets a full-frame scan, so a batch's detections do not
// depend on earlier batches (which may run on other streams).
func (p *Pico) Detect(frames []Luma, out [][]geom.Detection) error {
	for i, f := range frames {
		out[i] = p.DetectNext(f, i == 0, out[i][:0])
	}
	return nil
}

// DetectNext runs the cascade on the next frame of a batch, first saying
// whether it is the batch's first frame, and appends its detections to out.
// Feeding a batch's frames one by one gives exactly what Detect gives on the
// whole batch.
func (p *Pico) DetectNext(f Luma, first bool, out []geom.Detection) []geom.Detection {
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

func (p *Pico) detectOne(f Luma, out []geom.Detection) []geom.Detection {
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
	p.faces = findFaces(p.cfg, p.cascade, &p.edges, f, p.raw, p.faces[:0])
	return toDetections(p.faces, f.Scale, out)
}

// findFaces turns the windows raw, found in f, into faces appended to dst:
// keepFaces, then the faces near f's edges refined by edges. Every backend
// ends this way, so they differ only in how they find the windows. It may
// reorder raw.
func findFaces(cfg config.Config, c *Cascade, edges *edgeScan, f Luma, raw, dst []pigo.Detection) []pigo.Detection {
	n := len(dst)
	dst = keepFaces(cfg, raw, dst)
	return append(dst[:n], edges.refine(c, cfg, f, raw, dst[n:])...)
}

// keepFaces turns raw windows into faces: pigo's clustering, overlap
// suppression and the score threshold.
func keepFaces(cfg config.Config, raw, dst []pigo.Detection) []pigo.Detection {
	for _, d := range suppressOverlaps(clusterer.ClusterDetections(raw, cfg.ClusterIoU)) {
		if float64(d.Q) >= cfg.MinScore {
			dst = append(dst, d)
		}
	}
	return dst
}

// toDetections scales faces found in luma pixels back to source pixels.
func toDetections(faces []pigo.Detection, scale float64, out []geom.Detection) []geom.Detection {
	for _, d := range faces {
		s := float64(d.Scale) * scale
		out = append(out, geom.Detection{
			Box:   geom.Box{X: float64(d.Col)*scale - s/2, Y: float64(d.Row)*scale - s/2, W: s, H: s},
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
	kept := c[:0]
	for _, d := range c {
		dup := false
		for _, k := range kept {
			if windowBox(d).IoU(windowBox(k)) > overlapIoU {
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

// clusterer holds pigo's clustering, which reads no cascade state.
var clusterer = pigo.NewPigo()

// edgeScan refines the faces a scan found near the frame's edges with the
// windows that reach past them (Cascade.RunEdges), up to edge_overhang of
// a window outside the frame, which holds copies of the nearest edge
// pixels there.
//
// Note: only faces the scan inside the frame found are refined, each by
// the windows around it (edgeRegion). Clustered with the rest over the
// whole frame, windows past the edges fired on edge streaks in OTB Girl
// (new faces at frames 90 and 308, which took the primary role while she
// looked away: success AUC 0.704 -> 0.640). A face cut by the edge is
// replaced by its cluster among the frame's windows and those reaching
// past the edge, so its box grows to the face's size (face_360p's success
// AUC 0.804 -> 0.852, hit rate unchanged).
type edgeScan struct {
	padded []byte
	win    []pigo.Detection
	all    []pigo.Detection
	out    []pigo.Detection
}

// refine returns faces, found in f from the windows raw, with each face
// whose edgeRegion reaches past f's edges replaced by the cluster, among
// raw and the windows past the edges in that region, that is centred in
// the region and overlaps the face most (by more than overlapIoU), and
// overlapping faces suppressed as keepFaces does. It reuses faces' array.
func (e *edgeScan) refine(c *Cascade, cfg config.Config, f Luma, raw, faces []pigo.Detection) []pigo.Detection {
	if cfg.EdgeOverhang <= 0 || len(faces) == 0 {
		return faces
	}
	minSize, maxSize := windowRange(cfg, f.W, f.H)
	pad := int(cfg.EdgeOverhang * float64(maxSize))
	e.win = e.win[:0]
	padded := false
	for _, fc := range faces {
		reg := edgeRegion(fc)
		if !reachesEdge(reg, f) {
			continue
		}
		if !padded {
			e.pad(f, pad)
			padded = true
		}
		e.win = c.RunEdges(e.win, e.padded, f.H, f.W, f.W+2*pad, pad, minSize, maxSize, cfg.ShiftFactor, cfg.ScaleFactor, cfg.EdgeOverhang, reg)
	}
	if len(e.win) == 0 {
		return faces
	}
	e.win = append(dedupeWindows(e.win), raw...)
	e.all = keepFaces(cfg, e.win, e.all[:0])
	e.out = e.out[:0]
	for _, fc := range faces {
		best := fc
		if reg := edgeRegion(fc); reachesEdge(reg, f) {
			bestIoU := overlapIoU
			for _, a := range e.all {
				inReg := a.Row >= reg.R0 && a.Row < reg.R1 && a.Col >= reg.C0 && a.Col < reg.C1
				if v := windowBox(a).IoU(windowBox(fc)); inReg && v > bestIoU {
					best, bestIoU = a, v
				}
			}
		}
		e.out = append(e.out, best)
	}
	return append(faces[:0], suppressOverlaps(e.out)...)
}

// edgeRegion is where the windows that may refine face d lie: centred
// within a quarter of its size of its centre, as large as it up to 3/2
// of it.
//
// Note: a face cut by the edge is bigger than the windows that fit inside
// the frame, and its centre nearer the edge, so its own windows past the
// edge are those. Scanning around the whole region the next frame's scan
// covers (roiAround) cost the detect stage 10-16% on face_360p; within
// half the face's size and from 0.9 of it, 11%; these 8-10% (face_360p,
// whose face is near an edge on most frames; 8% with the windows scored
// without bounds checks) and 1% (two_faces_cross_360p), with the same
// boxes on every clip. Narrower (an eighth of the face's size, or up to
// 7/5 of it) lost face_360p's success AUC 0.846 -> 0.817 or 0.826.
func edgeRegion(d pigo.Detection) Region {
	return Region{
		R0: d.Row - d.Scale/4, R1: d.Row + d.Scale/4 + 1,
		C0: d.Col - d.Scale/4, C1: d.Col + d.Scale/4 + 1,
		MinSize: d.Scale, MaxSize: d.Scale * 3 / 2,
	}
}

// reachesEdge reports whether some window of region reg could reach past
// f's edges: a window of size s lies inside when its centre is at least
// s/2 + 1 from every edge.
func reachesEdge(reg Region, f Luma) bool {
	o := reg.MaxSize/2 + 1
	return reg.R0 < o || reg.C0 < o || reg.R1-1 > f.H-o || reg.C1-1 > f.W-o
}

// pad copies f into e.padded with a border of pad pixels on every side,
// each border pixel a copy of the nearest edge pixel.
func (e *edgeScan) pad(f Luma, pad int) {
	w := f.W + 2*pad
	n := w * (f.H + 2*pad)
	if cap(e.padded) < n {
		e.padded = make([]byte, n)
	}
	e.padded = e.padded[:n]
	for y := -pad; y < f.H+pad; y++ {
		sy := min(max(y, 0), f.H-1)
		src := f.Pix[sy*f.Stride : sy*f.Stride+f.W]
		dst := e.padded[(y+pad)*w : (y+pad+1)*w]
		copy(dst[pad:], src)
		for i := range pad {
			dst[i], dst[pad+f.W+i] = src[0], src[f.W-1]
		}
	}
}

// windowBox is a window's square in luma pixels.
func windowBox(d pigo.Detection) geom.Box {
	s := float64(d.Scale)
	return geom.Box{X: float64(d.Col) - s/2, Y: float64(d.Row) - s/2, W: s, H: s}
}
