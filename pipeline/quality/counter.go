package quality

import (
	"math"
	"slices"

	"github.com/ftbench/ftbench/pipeline/geom"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/pipeline/track"
)

// Counter accumulates metrics.Quality frame by frame. It is not safe for
// concurrent use.
type Counter struct {
	gt    *GroundTruth
	q     metrics.Quality
	pairs []geom.Pair // scratch for matching
	used  []bool      // scratch: ground-truth boxes already matched
	otb   otbCounter
	mot   *motCounter // nil when gt names no identities
	// diag is the frame's diagonal, what a miss counts as in the median
	// centre error; extent is the lower-right corner of every ground-truth
	// box counted, whose distance from the origin stands in for it when
	// the frame size is not set.
	diag             float64
	extentX, extentY float64
}

// NewCounter returns a counter against gt, matching detections to
// ground-truth boxes when their IoU is at least iou (and above 0). A nil gt
// counts nothing.
func NewCounter(gt *GroundTruth, iou float64) *Counter {
	q := &Counter{gt: gt, q: metrics.Quality{IoU: iou}}
	if gt != nil && gt.IDs != nil {
		q.mot = newMOTCounter()
	}
	return q
}

// SetFrameSize gives the frame's size in pixels: a frame without a primary
// face counts as a centre error of the frame's diagonal in the median.
// Without it the diagonal of the box from the origin to the farthest
// ground-truth corner counted stands in.
func (q *Counter) SetFrameSize(w, h int) {
	q.diag = math.Hypot(float64(w), float64(h))
}

// Add counts one frame; call it once per frame. primary is the primary
// face's box (nil when there is none); dets are the detector's faces and
// detected says whether the detector ran on this frame. Frames outside the
// ground truth are ignored.
func (q *Counter) Add(frame int, primary *geom.Box, dets []geom.Detection, detected bool) {
	if q.gt == nil || frame < 0 || frame >= q.gt.Frames || frame >= len(q.gt.Boxes) {
		return
	}
	truth := q.gt.Boxes[frame]
	if len(truth) > 0 {
		q.q.GTFrames++
		if primary != nil && anyBoxContains(truth, primary.CenterX(), primary.CenterY()) {
			q.q.Hits++
		}
		q.otb.add(truth, primary)
		for _, b := range truth {
			q.extentX, q.extentY = max(q.extentX, b.X+b.W), max(q.extentY, b.Y+b.H)
		}
	}
	if !detected {
		return
	}
	q.q.DetectedFrames++
	q.q.GTBoxes += len(truth)
	q.q.Detections += len(dets)
	q.q.Matches += q.match(truth, dets)
}

// AddTracks counts one frame's tracks, every one the tracker reports, for
// the MOT measures; call it once per frame, like Add. It counts nothing
// when the ground truth names no identities or leaves the frame out.
func (q *Counter) AddTracks(frame int, tracks []track.Track) {
	if q.mot == nil || frame < 0 || frame >= q.gt.Frames || frame >= len(q.gt.Boxes) || frame >= len(q.gt.IDs) ||
		len(q.gt.IDs[frame]) != len(q.gt.Boxes[frame]) {
		return
	}
	q.mot.add(q.gt.Boxes[frame], q.gt.IDs[frame], tracks)
}

// match returns the number of one-to-one matches between truth and dets,
// chosen greedily by IoU, best first.
func (q *Counter) match(truth []geom.Box, dets []geom.Detection) int {
	q.pairs = q.pairs[:0]
	for i, t := range truth {
		for j, d := range dets {
			if iou := t.IoU(d.Box); iou > 0 && iou >= q.q.IoU {
				q.pairs = append(q.pairs, geom.Pair{A: i, B: j, Score: iou})
			}
		}
	}
	if len(q.pairs) == 0 {
		return 0
	}
	geom.SortPairs(q.pairs)
	q.used = slices.Grow(q.used[:0], len(truth)+len(dets))[:len(truth)+len(dets)]
	clear(q.used)
	usedTruth, usedDet := q.used[:len(truth)], q.used[len(truth):]
	n := 0
	for _, p := range q.pairs {
		if usedTruth[p.A] || usedDet[p.B] {
			continue
		}
		usedTruth[p.A], usedDet[p.B] = true, true
		n++
	}
	return n
}

func anyBoxContains(boxes []geom.Box, x, y float64) bool {
	for _, b := range boxes {
		if b.Contains(x, y) {
			return true
		}
	}
	return false
}

// Result returns the quality counted so far.
func (q *Counter) Result() metrics.Quality {
	r := q.q
	r.HitRate = qualityRatio(r.Hits, r.GTFrames)
	r.Recall = qualityRatio(r.Matches, r.GTBoxes)
	r.Precision = qualityRatio(r.Matches, r.Detections)
	if r.Detections == 0 && r.GTBoxes == 0 {
		r.Precision = 1
	}
	diag := q.diag
	if diag <= 0 {
		diag = math.Hypot(q.extentX, q.extentY)
	}
	q.otb.result(&r, diag)
	if q.mot != nil {
		q.mot.result(&r)
	}
	return r
}

// qualityRatio returns n/d, or 0 when d is 0.
func qualityRatio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}
