package track

import (
	"math"
	"testing"

	"github.com/ftbench/ftbench/pipeline/detect"
	"github.com/ftbench/ftbench/pipeline/geom"
)

// texturedLuma draws a smooth background with a distinctive textured patch
// (a "face") of side s whose top-left corner is at (px, py).
func texturedLuma(w, h int, px, py, s float64) *detect.Luma {
	l := &detect.Luma{Pix: make([]byte, w*h), W: w, H: h, Stride: w, Scale: 1}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 100 + 20*math.Sin(float64(x)/40) + 20*math.Cos(float64(y)/50)
			if fx, fy := float64(x)-px, float64(y)-py; fx >= 0 && fy >= 0 && fx < s && fy < s {
				v = 128 + 90*math.Sin(fx/s*7)*math.Cos(fy/s*5) + 30*math.Sin((fx+2*fy)/s*11)
			}
			l.Pix[y*w+x] = uint8(max(0, min(255, v)))
		}
	}
	return l
}

func TestFollowFindsMovedPatch(t *testing.T) {
	t.Parallel()
	const s = 64
	var tpl template
	if !samplePatch(&tpl, texturedLuma(320, 240, 100, 80, s), geom.Box{X: 100, Y: 80, W: s, H: s}) {
		t.Fatal("could not sample the template")
	}
	for _, tc := range []struct {
		name   string
		dx, dy float64
	}{
		{"still", 0, 0},
		{"right", 8, 0},
		{"up left", -12, -8},
		{"down", 0, 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := texturedLuma(320, 240, 100+tc.dx, 80+tc.dy, s)
			got, score := follow(&tpl, l, geom.Box{X: 100, Y: 80, W: s, H: s})
			if score < 0.9 {
				t.Errorf("match score %.2f, want >= 0.9", score)
			}
			if math.Abs(got.X-(100+tc.dx)) > s/templateSize || math.Abs(got.Y-(80+tc.dy)) > s/templateSize {
				t.Errorf("found the patch at (%.0f, %.0f), it is at (%.0f, %.0f)", got.X, got.Y, 100+tc.dx, 80+tc.dy)
			}
		})
	}
}

func TestSamplePatchRejectsFlatAndOutside(t *testing.T) {
	t.Parallel()
	flat := &detect.Luma{Pix: make([]byte, 100*100), W: 100, H: 100, Stride: 100, Scale: 1}
	var p template
	if samplePatch(&p, flat, geom.Box{X: 10, Y: 10, W: 50, H: 50}) {
		t.Error("a flat patch was accepted")
	}
	l := texturedLuma(100, 100, 10, 10, 50)
	if samplePatch(&p, l, geom.Box{X: 80, Y: 80, W: 50, H: 50}) {
		t.Error("a box mostly outside the image was accepted")
	}
	if !samplePatch(&p, l, geom.Box{X: 10, Y: 10, W: 50, H: 50}) {
		t.Error("a textured patch was rejected")
	}
}

// TestTrackerFollowsWithoutDetections checks that a track whose detections
// stop keeps following its face's appearance, and without following coasts
// to a halt where the face was last seen.
func TestTrackerFollowsWithoutDetections(t *testing.T) {
	t.Parallel()
	const s = 64
	for _, tc := range []struct {
		name      string
		follow    float64
		wantNearX float64 // where the track should end up
	}{
		{"following", 0.6, 100 + 20*3},
		{"coasting", 0, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := testTrackerConfig()
			cfg.MaxMissed = 100
			cfg.FollowNCC = tc.follow
			tr := NewTracker(cfg)
			// Three detections of a still face, then the face moves right 3
			// px a frame for 20 frames and the detector finds nothing.
			for range 3 {
				tr.UpdateFrame([]geom.Detection{{Box: geom.Box{X: 100, Y: 80, W: s, H: s}, Score: 10}}, true, texturedLuma(400, 240, 100, 80, s))
			}
			var tracks []Track
			for f := 1; f <= 20; f++ {
				tracks = tr.UpdateFrame(nil, true, texturedLuma(400, 240, 100+3*float64(f), 80, s))
			}
			if len(tracks) != 1 {
				t.Fatalf("tracks = %+v, want one", tracks)
			}
			if d := math.Abs(tracks[0].X - tc.wantNearX); d > 8 {
				t.Errorf("track at x=%.1f, want about %.0f", tracks[0].X, tc.wantNearX)
			}
		})
	}
}
