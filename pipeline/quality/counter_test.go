package quality

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ftbench/ftbench/pipeline/geom"
	"github.com/ftbench/ftbench/pipeline/metrics"
)

func TestCounter(t *testing.T) {
	t.Parallel()
	a := geom.Box{X: 100, Y: 100, W: 50, H: 50}
	b := geom.Box{X: 300, Y: 100, W: 50, H: 50}
	det := func(bx geom.Box) geom.Detection { return geom.Detection{Box: bx, Score: 9} }
	shift := func(bx geom.Box, dx float64) geom.Box { bx.X += dx; return bx }
	gt := &GroundTruth{Frames: 4, Boxes: [][]geom.Box{{a}, {a, b}, nil, {a}}}

	type frame struct {
		frame    int
		primary  *geom.Box
		dets     []geom.Detection
		detected bool
	}
	tests := []struct {
		name   string
		gt     *GroundTruth
		iou    float64
		frames []frame
		want   metrics.Quality
	}{
		{
			name: "perfect",
			gt:   gt, iou: 0.5,
			frames: []frame{
				{0, &a, []geom.Detection{det(a)}, true},
				{1, &b, []geom.Detection{det(a), det(b)}, true},
				{2, nil, nil, true},
				{3, &a, []geom.Detection{det(a)}, true},
			},
			want: metrics.Quality{HitRate: 1, Recall: 1, Precision: 1, GTFrames: 3, Hits: 3, DetectedFrames: 4, GTBoxes: 4, Detections: 4, Matches: 4, IoU: 0.5},
		},
		{
			name: "primary missing or off the face",
			gt:   gt, iou: 0.5,
			frames: []frame{
				{0, nil, nil, false},
				{1, &geom.Box{X: 200, Y: 100, W: 50, H: 50}, nil, false}, // centre between the faces
				{2, &a, nil, false}, // no face in the ground truth: not counted
				{3, &geom.Box{X: 120, Y: 120, W: 60, H: 60}, nil, false}, // centre inside a
			},
			want: metrics.Quality{HitRate: 1.0 / 3, Precision: 1, GTFrames: 3, Hits: 1, IoU: 0.5},
		},
		{
			name: "frames outside the ground truth are ignored",
			gt:   gt, iou: 0.5,
			frames: []frame{
				{-1, &a, []geom.Detection{det(a)}, true},
				{0, &a, []geom.Detection{det(a)}, true},
				{4, &a, []geom.Detection{det(a)}, true},
				{100, &a, []geom.Detection{det(b)}, true},
			},
			want: metrics.Quality{HitRate: 1, Recall: 1, Precision: 1, GTFrames: 1, Hits: 1, DetectedFrames: 1, GTBoxes: 1, Detections: 1, Matches: 1, IoU: 0.5},
		},
		{
			name: "only frames the detector ran on count for recall and precision",
			gt:   gt, iou: 0.5,
			frames: []frame{
				{0, &a, []geom.Detection{det(a)}, true},
				{1, &a, []geom.Detection{det(b)}, false}, // dets ignored
				{2, nil, nil, true},
				{3, &a, nil, false},
			},
			want: metrics.Quality{HitRate: 1, Recall: 1, Precision: 1, GTFrames: 3, Hits: 3, DetectedFrames: 2, GTBoxes: 1, Detections: 1, Matches: 1, IoU: 0.5},
		},
		{
			name: "false positive and a miss",
			gt:   gt, iou: 0.5,
			frames: []frame{
				{1, &a, []geom.Detection{det(a)}, true},                                 // b missed
				{2, nil, []geom.Detection{det(geom.Box{X: 0, Y: 0, W: 9, H: 9})}, true}, // nothing there
			},
			want: metrics.Quality{HitRate: 1, Recall: 0.5, Precision: 0.5, GTFrames: 1, Hits: 1, DetectedFrames: 2, GTBoxes: 2, Detections: 2, Matches: 1, IoU: 0.5},
		},
		{
			name: "iou threshold",
			gt:   gt, iou: 0.5,
			frames: []frame{
				{0, nil, []geom.Detection{det(shift(a, 20))}, true}, // IoU 30/70 < 0.5
				{3, nil, []geom.Detection{det(shift(a, 10))}, true}, // IoU 40/60 >= 0.5
			},
			want: metrics.Quality{Recall: 0.5, Precision: 0.5, GTFrames: 2, DetectedFrames: 2, GTBoxes: 2, Detections: 2, Matches: 1, IoU: 0.5},
		},
		{
			name: "zero threshold still needs overlap",
			gt:   gt, iou: 0,
			frames: []frame{
				{0, nil, []geom.Detection{det(shift(a, 60))}, true},
			},
			want: metrics.Quality{Precision: 0, GTFrames: 1, DetectedFrames: 1, GTBoxes: 1, Detections: 1, IoU: 0},
		},
		{
			name: "best pairs first",
			gt:   &GroundTruth{Frames: 1, Boxes: [][]geom.Box{{{X: 0, Y: 0, W: 100, H: 100}, {X: 50, Y: 0, W: 100, H: 100}}}},
			iou:  0.5,
			frames: []frame{{0, nil, []geom.Detection{
				det(geom.Box{X: 30, Y: 0, W: 100, H: 100}), // IoU 70/130 with the first box, 80/120 with the second
				det(geom.Box{X: 0, Y: 0, W: 100, H: 100}),  // exactly the first box
			}, true}},
			want: metrics.Quality{Recall: 1, Precision: 1, GTFrames: 1, DetectedFrames: 1, GTBoxes: 2, Detections: 2, Matches: 2, IoU: 0.5},
		},
		{
			name: "duplicate detections match once",
			gt:   gt, iou: 0.5,
			frames: []frame{
				{0, nil, []geom.Detection{det(a), det(a), det(shift(a, 2))}, true},
			},
			want: metrics.Quality{Recall: 1, Precision: 1.0 / 3, GTFrames: 1, DetectedFrames: 1, GTBoxes: 1, Detections: 3, Matches: 1, IoU: 0.5},
		},
		{
			name: "no ground-truth boxes and no detections",
			gt:   &GroundTruth{Frames: 3, Boxes: make([][]geom.Box, 3)},
			iou:  0.5,
			frames: []frame{
				{0, nil, nil, true}, {1, nil, nil, true}, {2, nil, nil, true},
			},
			want: metrics.Quality{HitRate: 0, Recall: 0, Precision: 1, DetectedFrames: 3, IoU: 0.5},
		},
		{
			name: "detections without ground-truth boxes",
			gt:   &GroundTruth{Frames: 1, Boxes: make([][]geom.Box, 1)},
			iou:  0.5,
			frames: []frame{
				{0, &a, []geom.Detection{det(a)}, true},
			},
			want: metrics.Quality{Precision: 0, DetectedFrames: 1, Detections: 1, IoU: 0.5},
		},
		{
			name: "ground truth but no detections",
			gt:   gt, iou: 0.5,
			frames: []frame{
				{0, nil, nil, true}, {1, nil, nil, true},
			},
			want: metrics.Quality{Recall: 0, Precision: 0, GTFrames: 2, DetectedFrames: 2, GTBoxes: 3, IoU: 0.5},
		},
		{
			name: "nil ground truth counts nothing",
			gt:   nil, iou: 0.5,
			frames: []frame{
				{0, &a, []geom.Detection{det(a)}, true},
			},
			want: metrics.Quality{Precision: 1, IoU: 0.5},
		},
		{
			name: "nothing added",
			gt:   gt, iou: 0.5,
			want: metrics.Quality{Precision: 1, IoU: 0.5},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := NewCounter(tt.gt, tt.iou)
			for _, f := range tt.frames {
				q.Add(f.frame, f.primary, f.dets, f.detected)
			}
			full := q.Result()
			got := detectorQuality(full)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Result =\n%+v\nwant\n%+v", got, tt.want)
			}
			if _, err := json.Marshal(full); err != nil {
				t.Errorf("json.Marshal(%+v): %v", full, err)
			}
		})
	}
}

// detectorQuality returns q with only the fields this test checks: the hit
// rate and the detector's counts. The OTB and MOT measures have their own
// tests (otb_test.go, mot_test.go).
func detectorQuality(q metrics.Quality) metrics.Quality {
	return metrics.Quality{
		HitRate: q.HitRate, Recall: q.Recall, Precision: q.Precision, GTFrames: q.GTFrames, Hits: q.Hits,
		DetectedFrames: q.DetectedFrames, GTBoxes: q.GTBoxes, Detections: q.Detections, Matches: q.Matches, IoU: q.IoU,
	}
}
