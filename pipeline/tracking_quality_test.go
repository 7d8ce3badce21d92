package pipeline_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ftbench/ftbench/pipeline"
	"github.com/ftbench/ftbench/pipeline/config"
)

// TestTrackingQualityOnFixtures runs the default config on generated clips
// and checks the OTB and MOT measures against their exact ground truth:
// boxes that fit the faces, and on the two-face clips every face keeping
// one track, through the crossing too.
func TestTrackingQualityOnFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		minAUC      float64 // success AUC
		minP20      float64 // precision at 20 px
		minIDF1     float64
		maxSwitches int
		// minMOTA: a track coasting on after its face left the frame is a
		// false positive on every frame it lasts.
		minMOTA float64
	}{
		// The face leaves the frame and comes back as a new track (one
		// switch); it is often cut by the frame's edge, where the
		// detector sees only part of it.
		// The success AUC bound is issue 17's target for every fixture
		// (today 0.846, 0.822, 0.845: scripts/quality-table.sh); the others
		// sit a little under today's numbers.
		{name: "face_360p", minAUC: 0.80, minP20: 0.85, minIDF1: 0.45, maxSwitches: 1, minMOTA: 0.8},
		{name: "two_faces_360p", minAUC: 0.80, minP20: 0.95, minIDF1: 0.95, maxSwitches: 0, minMOTA: 0.95},
		{name: "two_faces_cross_360p", minAUC: 0.80, minP20: 0.95, minIDF1: 0.95, maxSwitches: 0, minMOTA: 0.95},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runWith(t, testClip(t, tt.name), func(*config.Config) {})
			q := r.m.Quality
			if q == nil {
				t.Fatal("no quality in the metrics")
			}
			if q.SuccessAUC < tt.minAUC || q.Precision20 < tt.minP20 {
				t.Errorf("success AUC %.3f, precision at 20 px %.3f; want >= %.2f and >= %.2f", q.SuccessAUC, q.Precision20, tt.minAUC, tt.minP20)
			}
			if q.MOTGTBoxes == 0 {
				t.Fatal("no MOT measures: the ground truth's identities were not read")
			}
			if q.IDF1 < tt.minIDF1 || q.IDSwitches > tt.maxSwitches || q.MOTA < tt.minMOTA {
				t.Errorf("IDF1 %.3f, %d identity switches, MOTA %.3f; want >= %.2f, at most %d, >= %.2f",
					q.IDF1, q.IDSwitches, q.MOTA, tt.minIDF1, tt.maxSwitches, tt.minMOTA)
			}
		})
	}
}

// TestTrackingQualityOTBGirl checks the OTB measures on OTB's Girl
// sequence, when the shared real-data folder is there, against issue 17's
// targets: success AUC >= 0.65 and precision at 20 px >= 0.97 (today
// 0.674 and 0.972).
//
// Note: Girl's boxes mark the whole head (hair to chin, about 1.2 times
// the detector's window tall) while the tracker's mark the face, and a
// third of its frames show the back of her head, where only the
// correlation filter keeps the box on her.
func TestTrackingQualityOTBGirl(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "shared", "data", "otb_girl")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("../shared/data absent: %v (real-data tests need the repo's sibling shared/data folder)", err)
	}
	out := t.TempDir()
	m, err := pipeline.Run(context.Background(), pipeline.Options{
		Input: filepath.Join(dir, "girl.mp4"), Output: filepath.Join(out, "out.mp4"),
		GroundTruth: filepath.Join(dir, "groundtruth_rect.txt"), Config: config.DefaultConfig(),
	})
	if err != nil {
		t.Fatal(err)
	}
	q := m.Quality
	if q == nil || q.GTFrames != 500 {
		t.Fatalf("quality %+v, want 500 ground-truth frames", q)
	}
	if q.HitRate < 0.95 || q.Precision20 < 0.97 || q.SuccessAUC < 0.65 || q.MeanIoU < 0.65 {
		t.Errorf("hit rate %.3f, precision at 20 px %.3f, success AUC %.3f, mean IoU %.3f; want >= 0.95, 0.97, 0.65, 0.65",
			q.HitRate, q.Precision20, q.SuccessAUC, q.MeanIoU)
	}
	if q.MOTGTBoxes != 0 {
		t.Errorf("OTB ground truth names no identities, but %d boxes were counted for the MOT measures", q.MOTGTBoxes)
	}
}
