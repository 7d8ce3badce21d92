package quality

import (
	"math"
	"slices"

	"github.com/ftbench/ftbench/pipeline/geom"
	"github.com/ftbench/ftbench/pipeline/metrics"
)

// OTB one-pass evaluation thresholds.
const (
	// otbPrecisionPx is the centre-error threshold of OTB's precision score.
	otbPrecisionPx = 20
	// otbSuccessSteps is how many steps of 1/otbSuccessSteps divide the IoU
	// range [0, 1] of OTB's success plot: thresholds 0, 0.05, ..., 1.
	otbSuccessSteps = 20
	// otbPrecisionMaxPx is the largest centre-error threshold of OTB's
	// precision plot, which runs 0, 1, ..., otbPrecisionMaxPx pixels.
	otbPrecisionMaxPx = 50
)

// otbCounter accumulates the OTB one-pass measures of the primary face,
// one entry per ground-truth frame.
//
// Note: the success plot needs only 21 counters, but the median centre
// error needs every frame's error: 16 bytes a frame, 10 MB for six hours
// at 30 frames/s.
type otbCounter struct {
	ious []float64 // IoU with the ground truth, 0 for a miss
	errs []float64 // centre error in pixels, +Inf for a miss
}

// add counts one frame with ground-truth boxes truth (at least one) and
// the primary face's box (nil when there is none).
func (o *otbCounter) add(truth []geom.Box, primary *geom.Box) {
	if primary == nil {
		o.ious = append(o.ious, 0)
		o.errs = append(o.errs, math.Inf(1))
		return
	}
	t := otbTarget(truth, *primary)
	o.ious = append(o.ious, t.IoU(*primary))
	o.errs = append(o.errs, math.Hypot(t.CenterX()-primary.CenterX(), t.CenterY()-primary.CenterY()))
}

// otbTarget returns the box of truth that p is scored against: the one it
// overlaps most, or when it overlaps none, the one whose centre is
// nearest; ties go to the first.
func otbTarget(truth []geom.Box, p geom.Box) geom.Box {
	best, bestIoU, bestDist := 0, -1.0, math.Inf(1)
	for i, t := range truth {
		iou := t.IoU(p)
		dist := math.Hypot(t.CenterX()-p.CenterX(), t.CenterY()-p.CenterY())
		if iou > bestIoU || (iou == 0 && bestIoU == 0 && dist < bestDist) {
			best, bestIoU, bestDist = i, iou, dist
		}
	}
	return truth[best]
}

// result fills q's OTB measures; missErr is the centre error a miss counts
// as in the median (the frame's diagonal).
func (o *otbCounter) result(q *metrics.Quality, missErr float64) {
	n := len(o.ious)
	if n == 0 {
		return
	}
	within := make([]int, otbPrecisionMaxPx+1) // within[k]: frames with error <= k px
	above := make([]int, otbSuccessSteps+1)    // above[k]: frames with IoU > k/otbSuccessSteps
	iouSum, passed := 0.0, 0
	for i, iou := range o.ious {
		if e := o.errs[i]; e <= otbPrecisionMaxPx {
			within[int(math.Ceil(e))]++
		}
		iouSum += iou
		k := successThresholdsBelow(iou)
		passed += k
		for j := range k {
			above[j]++
		}
	}
	q.PrecisionCurve = make([]float64, len(within))
	for k, acc := 0, 0; k < len(within); k++ {
		acc += within[k]
		q.PrecisionCurve[k] = float64(acc) / float64(n)
	}
	q.SuccessCurve = make([]float64, len(above))
	for k := range above {
		q.SuccessCurve[k] = float64(above[k]) / float64(n)
	}
	q.Precision20 = q.PrecisionCurve[otbPrecisionPx]
	q.MeanIoU = iouSum / float64(n)
	q.SuccessAUC = float64(passed) / float64(n*(otbSuccessSteps+1))
	errs := slices.Clone(o.errs)
	for i, e := range errs {
		if math.IsInf(e, 1) {
			errs[i] = missErr
		}
	}
	q.CenterErrorMedian = median(errs)
}

// successThresholdsBelow returns how many of the success plot's thresholds
// k/otbSuccessSteps (k = 0..otbSuccessSteps) are strictly below iou.
func successThresholdsBelow(iou float64) int {
	n := 0
	for k := 0; k <= otbSuccessSteps; k++ {
		if iou > float64(k)/otbSuccessSteps {
			n++
		}
	}
	return n
}

// median returns the median of v (the mean of the middle two for an even
// count), reordering v; 0 for an empty v.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	m := len(v) / 2
	if len(v)%2 == 1 {
		return v[m]
	}
	return (v[m-1] + v[m]) / 2
}
