package quality

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/ftbench/ftbench/pipeline/geom"
	"github.com/ftbench/ftbench/pipeline/metrics"
)

// otbMeasures is the part of metrics.Quality the OTB tests check.
type otbMeasures struct {
	GTFrames          int
	Precision20       float64
	SuccessAUC        float64
	MeanIoU           float64
	CenterErrorMedian float64
}

func otbOf(q metrics.Quality) otbMeasures {
	return otbMeasures{q.GTFrames, q.Precision20, q.SuccessAUC, q.MeanIoU, q.CenterErrorMedian}
}

func (m otbMeasures) near(o otbMeasures) bool {
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12 }
	return m.GTFrames == o.GTFrames && close(m.Precision20, o.Precision20) && close(m.SuccessAUC, o.SuccessAUC) &&
		close(m.MeanIoU, o.MeanIoU) && close(m.CenterErrorMedian, o.CenterErrorMedian)
}

func TestQualityOTBMeasures(t *testing.T) {
	t.Parallel()
	a := geom.Box{X: 0, Y: 0, W: 10, H: 10}
	b := geom.Box{X: 100, Y: 0, W: 10, H: 20}
	at := func(x, y, w, h float64) *geom.Box { return &geom.Box{X: x, Y: y, W: w, H: h} }
	one := func(n int, bx geom.Box) *GroundTruth {
		gt := &GroundTruth{Frames: n, Boxes: make([][]geom.Box, n)}
		for i := range gt.Boxes {
			gt.Boxes[i] = []geom.Box{bx}
		}
		return gt
	}
	tests := []struct {
		name      string
		gt        *GroundTruth
		frameW    int // 0: frame size not set
		frameH    int
		primaries []*geom.Box // frame i's primary face
		want      otbMeasures
	}{
		{
			// IoU 1, 1/3, miss, 0; centre errors 0, 5, miss (the diagonal,
			// 50), 30. Success: IoU 1 exceeds 20 of the 21 thresholds (not
			// 1), 1/3 exceeds 0 .. 0.3 (7); 27 of 4 x 21.
			name: "hand worked", gt: one(4, a), frameW: 30, frameH: 40,
			primaries: []*geom.Box{&a, at(5, 0, 10, 10), nil, at(30, 0, 10, 10)},
			want:      otbMeasures{GTFrames: 4, Precision20: 0.5, SuccessAUC: 27.0 / 84, MeanIoU: (1 + 1.0/3) / 4, CenterErrorMedian: 17.5},
		},
		{
			// IoU exactly 0.5 (100/200) does not exceed threshold 0.5: 10 of
			// 21. A centre error of exactly 20 is precise.
			name: "thresholds are > for IoU and <= for centre error", gt: one(2, a), frameW: 100, frameH: 100,
			primaries: []*geom.Box{at(0, 0, 10, 20), at(20, 0, 10, 10)},
			want:      otbMeasures{GTFrames: 2, Precision20: 1, SuccessAUC: 10.0 / 42, MeanIoU: 0.25, CenterErrorMedian: 12.5},
		},
		{
			name: "every frame missed", gt: one(3, a), frameW: 60, frameH: 80,
			primaries: []*geom.Box{nil, nil, nil},
			want:      otbMeasures{GTFrames: 3, CenterErrorMedian: 100},
		},
		{
			// Without the frame size a miss counts as the diagonal from the
			// origin to the farthest ground-truth corner: (110, 20).
			name: "frame size not set", gt: &GroundTruth{Frames: 3, Boxes: [][]geom.Box{{a}, {b}, {a}}},
			primaries: []*geom.Box{nil, nil, &a},
			want:      otbMeasures{GTFrames: 3, Precision20: 1.0 / 3, SuccessAUC: 20.0 / 63, MeanIoU: 1.0 / 3, CenterErrorMedian: math.Hypot(110, 20)},
		},
		{
			// Two faces: scored against b, which it overlaps; then against
			// a, which neither overlaps but whose centre is nearer.
			name: "several ground-truth boxes", gt: &GroundTruth{Frames: 2, Boxes: [][]geom.Box{{a, b}, {a, b}}}, frameW: 200, frameH: 100,
			primaries: []*geom.Box{&b, at(20, 0, 10, 10)},
			want:      otbMeasures{GTFrames: 2, Precision20: 1, SuccessAUC: 20.0 / 42, MeanIoU: 0.5, CenterErrorMedian: 10},
		},
		{
			name: "frames without ground truth are left out", gt: &GroundTruth{Frames: 3, Boxes: [][]geom.Box{nil, {a}, nil}}, frameW: 10, frameH: 10,
			primaries: []*geom.Box{nil, &a, nil},
			want:      otbMeasures{GTFrames: 1, Precision20: 1, SuccessAUC: 20.0 / 21, MeanIoU: 1},
		},
		{
			name: "nothing counted", gt: &GroundTruth{Frames: 1, Boxes: [][]geom.Box{nil}},
			primaries: []*geom.Box{&a},
			want:      otbMeasures{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := NewCounter(tt.gt, 0.5)
			if tt.frameW > 0 {
				q.SetFrameSize(tt.frameW, tt.frameH)
			}
			for i, p := range tt.primaries {
				q.Add(i, p, nil, false)
			}
			r := q.Result()
			if got := otbOf(r); !got.near(tt.want) {
				t.Errorf("OTB measures =\n%+v\nwant\n%+v", got, tt.want)
			}
			if _, err := json.Marshal(r); err != nil {
				t.Errorf("json.Marshal: %v", err)
			}
		})
	}
}

// TestQualityOTBMatchesReference checks the counter against a second
// implementation on random frames: IoU by counting the pixels of boxes
// with integer corners, the success curve by sorting the IoUs and
// searching each threshold, the precision by sorting the errors, and the
// median by index.
func TestQualityOTBMatchesReference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(17, 1))
	randBox := func() geom.Box {
		return geom.Box{X: float64(rng.IntN(40)), Y: float64(rng.IntN(40)), W: float64(1 + rng.IntN(30)), H: float64(1 + rng.IntN(30))}
	}
	for trial := range 200 {
		n := 1 + rng.IntN(30)
		gt := &GroundTruth{Frames: n, Boxes: make([][]geom.Box, n)}
		prim := make([]*geom.Box, n)
		for i := range n {
			gt.Boxes[i] = []geom.Box{randBox()}
			switch rng.IntN(4) {
			case 0: // a miss
			case 1: // near the truth
				b := gt.Boxes[i][0]
				b.X += float64(rng.IntN(7) - 3)
				b.W = max(1, b.W+float64(rng.IntN(7)-3))
				prim[i] = &b
			default:
				b := randBox()
				prim[i] = &b
			}
		}
		const fw, fh = 80, 60
		q := NewCounter(gt, 0.5)
		q.SetFrameSize(fw, fh)
		for i := range n {
			q.Add(i, prim[i], nil, false)
		}
		res := q.Result()
		got := otbOf(res)

		var ious, errs []float64
		for i := range n {
			if prim[i] == nil {
				ious = append(ious, 0)
				errs = append(errs, math.Hypot(fw, fh))
				continue
			}
			ious = append(ious, pixelIoU(gt.Boxes[i][0], *prim[i]))
			g, p := gt.Boxes[i][0], *prim[i]
			errs = append(errs, math.Hypot((2*g.X+g.W-2*p.X-p.W)/2, (2*g.Y+g.H-2*p.Y-p.H)/2))
		}
		sort.Float64s(ious)
		sort.Float64s(errs)
		var auc, sum float64
		for k := range 21 {
			thr := float64(k) / 20
			firstAbove := sort.Search(len(ious), func(i int) bool { return ious[i] > thr })
			auc += float64(len(ious)-firstAbove) / float64(n)
		}
		auc /= 21
		for _, v := range ious {
			sum += v
		}
		precise := sort.Search(len(errs), func(i int) bool { return errs[i] > 20 })
		med := errs[n/2]
		if n%2 == 0 {
			med = (errs[n/2-1] + errs[n/2]) / 2
		}
		want := otbMeasures{GTFrames: n, Precision20: float64(precise) / float64(n), SuccessAUC: auc, MeanIoU: sum / float64(n), CenterErrorMedian: med}
		if !got.near(want) {
			t.Fatalf("trial %d (%d frames): counter\n%+v\nreference\n%+v", trial, n, got, want)
		}
		if len(res.PrecisionCurve) != 51 || len(res.SuccessCurve) != 21 {
			t.Fatalf("trial %d: curves of %d and %d points, want 51 and 21", trial, len(res.PrecisionCurve), len(res.SuccessCurve))
		}
		for k := range 51 {
			within := sort.Search(len(errs), func(i int) bool { return errs[i] > float64(k) })
			if w := float64(within) / float64(n); math.Abs(res.PrecisionCurve[k]-w) > 1e-12 {
				t.Fatalf("trial %d: precision at %d px = %v, reference %v", trial, k, res.PrecisionCurve[k], w)
			}
		}
		for k := range 21 {
			firstAbove := sort.Search(len(ious), func(i int) bool { return ious[i] > float64(k)/20 })
			if w := float64(len(ious)-firstAbove) / float64(n); math.Abs(res.SuccessCurve[k]-w) > 1e-12 {
				t.Fatalf("trial %d: success at IoU %d/20 = %v, reference %v", trial, k, res.SuccessCurve[k], w)
			}
		}
	}
}

// pixelIoU is the IoU of two boxes with integer corners, by counting the
// unit pixels each covers.
func pixelIoU(a, b geom.Box) float64 {
	in := func(bx geom.Box, x, y int) bool {
		return float64(x) >= bx.X && float64(x) < bx.X+bx.W && float64(y) >= bx.Y && float64(y) < bx.Y+bx.H
	}
	inter, union := 0, 0
	for y := -10; y < 80; y++ {
		for x := -10; x < 80; x++ {
			ia, ib := in(a, x, y), in(b, x, y)
			if ia && ib {
				inter++
			}
			if ia || ib {
				union++
			}
		}
	}
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}
