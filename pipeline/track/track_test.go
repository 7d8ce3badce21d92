package track

import (
	"math"
	"testing"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/geom"
)

// faceAt returns a detection of a square face of side s centred at (cx, cy).
func faceAt(cx, cy, s float64) geom.Detection {
	return geom.Detection{Box: geom.Box{X: cx - s/2, Y: cy - s/2, W: s, H: s}, Score: 10}
}

func testTrackerConfig() TrackerConfig {
	return TrackerConfig{IoU: 0.2, MaxDist: 1, MaxMissed: 5, MinHits: 2, Smoothing: 0.5, StaleAfter: 4}
}

func TestTrackerConfigFrom(t *testing.T) {
	t.Parallel()
	c := config.DefaultConfig()
	got := TrackerConfigFrom(c)
	want := TrackerConfig{IoU: c.TrackIoU, MaxDist: c.TrackMaxDist, MaxMissed: c.TrackMaxMissed, MinHits: c.TrackMinHits, Smoothing: c.TrackSmoothing,
		StaleAfter: 2 * c.DetectInterval, FollowNCC: c.TrackFollow, BoxW: c.FaceBoxW, BoxH: c.FaceBoxH}
	if got != want {
		t.Errorf("TrackerConfigFrom = %+v, want %+v", got, want)
	}
}

func TestTrackSteadyFaceKeepsID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		vx, vy float64 // pixels per frame
		size   float64
	}{
		{name: "static", size: 80},
		{name: "right", vx: 6, size: 80},
		{name: "left and down", vx: -5, vy: 3, size: 60},
		{name: "fast", vx: 20, size: 80},
		{name: "small and slow", vx: 1, vy: 1, size: 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr := NewTracker(testTrackerConfig())
			for i := range 100 {
				f := float64(i)
				tracks := tr.Update([]geom.Detection{faceAt(500+tt.vx*f, 400+tt.vy*f, tt.size)}, true)
				if len(tracks) != 1 || tracks[0].ID != 1 {
					t.Fatalf("frame %d: tracks %+v, want one track with id 1", i, tracks)
				}
			}
		})
	}
}

func TestTrackGap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		detected bool // whether the detector ran (finding nothing) during the gap
		gap      int  // frames without the face; MaxMissed is 5
		wantID   int
	}{
		{name: "short gap", detected: true, gap: 2, wantID: 1},
		{name: "gap just below max missed", detected: true, gap: 4, wantID: 1},
		{name: "gap of max missed", detected: true, gap: 5, wantID: 1},
		{name: "gap above max missed", detected: true, gap: 6, wantID: 2},
		{name: "long gap", detected: true, gap: 50, wantID: 2},
		{name: "skipped frames count as missed", detected: false, gap: 6, wantID: 2},
		{name: "skipped frames below max missed", detected: false, gap: 4, wantID: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr := NewTracker(testTrackerConfig())
			for range 10 {
				tr.Update([]geom.Detection{faceAt(300, 200, 80)}, true)
			}
			for range tt.gap {
				tr.Update(nil, tt.detected)
			}
			tracks := tr.Update([]geom.Detection{faceAt(300, 200, 80)}, true)
			if len(tracks) != 1 || tracks[0].ID != tt.wantID {
				t.Fatalf("after a gap of %d frames: tracks %+v, want one track with id %d", tt.gap, tracks, tt.wantID)
			}
		})
	}
}

func TestTrackTwoFacesPassing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		dy     float64 // vertical offset between the faces
		speed  float64 // pixels per frame each face moves towards the other
		detect int     // detector runs every detect frames
	}{
		{name: "apart vertically", dy: 150, speed: 8, detect: 1},
		{name: "overlapping when crossing", dy: 60, speed: 8, detect: 1},
		{name: "close and fast", dy: 50, speed: 15, detect: 1},
		{name: "every other frame", dy: 60, speed: 6, detect: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr := NewTracker(testTrackerConfig())
			for i := range int(600 / tt.speed) {
				f := float64(i)
				a := faceAt(200+tt.speed*f, 300, 100)       // moving right
				b := faceAt(800-tt.speed*f, 300+tt.dy, 100) // moving left
				dets := []geom.Detection{a, b}
				if i%3 == 1 {
					dets = []geom.Detection{b, a} // association must not depend on order
				}
				tracks := tr.Update(dets, i%tt.detect == 0)
				if len(tracks) != 2 {
					t.Fatalf("frame %d: %d tracks %+v, want 2", i, len(tracks), tracks)
				}
				for _, tk := range tracks {
					wantID := 1 // the face moving right, at the top
					if tk.CenterY() > 300+tt.dy/2 {
						wantID = 2
					}
					if tk.ID != wantID {
						t.Fatalf("frame %d: track at y %.0f has id %d, want %d", i, tk.CenterY(), tk.ID, wantID)
					}
				}
			}
		})
	}
}

func TestTrackCarriedFramesMove(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		vx, vy float64
		detect int // detector runs every detect frames
	}{
		{name: "right, every other frame", vx: 6, detect: 2},
		{name: "left, every third frame", vx: -4, detect: 3},
		{name: "down and right, every other frame", vx: 3, vy: 5, detect: 2},
		{name: "up, every fourth frame", vy: -4, detect: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr := NewTracker(testTrackerConfig())
			var prev Track
			for i := range 60 {
				f := float64(i)
				tracks := tr.Update([]geom.Detection{faceAt(600+tt.vx*f, 400+tt.vy*f, 80)}, i%tt.detect == 0)
				if len(tracks) != 1 {
					t.Fatalf("frame %d: tracks %+v, want one", i, tracks)
				}
				cur := tracks[0]
				if i > 2*tt.detect { // two detections give the first velocity
					dx, dy := cur.CenterX()-prev.CenterX(), cur.CenterY()-prev.CenterY()
					if dx*tt.vx < 0 || dy*tt.vy < 0 || (tt.vx != 0 && dx == 0) || (tt.vy != 0 && dy == 0) {
						t.Fatalf("frame %d (detected %v): box moved by (%.2f, %.2f), want the direction of (%g, %g)",
							i, i%tt.detect == 0, dx, dy, tt.vx, tt.vy)
					}
				}
				if i > 30 {
					// After settling the smoothed box is close to the face.
					if d := cur.CenterX() - (600 + tt.vx*f); d > 3 || d < -3 {
						t.Fatalf("frame %d: box centre x %.1f is %.1f px off the face", i, cur.CenterX(), d)
					}
				}
				prev = cur
			}
		})
	}
}

func TestTrackPrimary(t *testing.T) {
	t.Parallel()
	type step struct {
		dets     []geom.Detection
		detected bool
		repeat   int
		wantID   int // 0 = no primary
	}
	small, big := faceAt(300, 300, 100), faceAt(900, 300, 100)
	tests := []struct {
		name  string
		steps []step
	}{
		{
			name: "no faces",
			steps: []step{
				{dets: nil, detected: true, repeat: 3, wantID: 0},
			},
		},
		{
			name: "spurious single detection never becomes primary",
			steps: []step{
				{dets: []geom.Detection{faceAt(500, 500, 200)}, detected: true, repeat: 1, wantID: 0},
				{dets: nil, detected: true, repeat: 10, wantID: 0},
			},
		},
		{
			name: "spurious large detection does not steal the primary",
			steps: []step{
				{dets: []geom.Detection{small}, detected: true, repeat: 1, wantID: 0},
				{dets: []geom.Detection{small}, detected: true, repeat: 2, wantID: 1},
				{dets: []geom.Detection{small, faceAt(900, 500, 400)}, detected: true, repeat: 1, wantID: 1},
				{dets: []geom.Detection{small}, detected: true, repeat: 5, wantID: 1},
			},
		},
		{
			name: "slightly larger face does not take over",
			steps: []step{
				{dets: []geom.Detection{small}, detected: true, repeat: 1, wantID: 0},
				{dets: []geom.Detection{small}, detected: true, repeat: 2, wantID: 1},
				{dets: []geom.Detection{small, faceAt(900, 300, 120)}, detected: true, repeat: 10, wantID: 1}, // 1.44x
			},
		},
		{
			name: "much larger face takes over",
			steps: []step{
				{dets: []geom.Detection{small}, detected: true, repeat: 1, wantID: 0},
				{dets: []geom.Detection{small}, detected: true, repeat: 2, wantID: 1},
				{dets: []geom.Detection{small, faceAt(900, 300, 130)}, detected: true, repeat: 1, wantID: 1}, // not yet confirmed
				{dets: []geom.Detection{small, faceAt(900, 300, 130)}, detected: true, repeat: 5, wantID: 2}, // 1.69x
			},
		},
		{
			name: "largest confirmed face is chosen first",
			steps: []step{
				{dets: []geom.Detection{small, faceAt(900, 300, 110)}, detected: true, repeat: 1, wantID: 0},
				{dets: []geom.Detection{small, faceAt(900, 300, 110)}, detected: true, repeat: 3, wantID: 2},
			},
		},
		{
			name: "coasting primary stays primary",
			steps: []step{
				{dets: []geom.Detection{small, big}, detected: true, repeat: 1, wantID: 0},
				{dets: []geom.Detection{small, big}, detected: true, repeat: 2, wantID: 1}, // equal areas: the older track
				{dets: []geom.Detection{big}, detected: true, repeat: 3, wantID: 1},
				{dets: nil, detected: false, repeat: 1, wantID: 1},
			},
		},
		{
			name: "stale primary hands over to a fresh face",
			steps: []step{
				{dets: []geom.Detection{small, big}, detected: true, repeat: 1, wantID: 0},
				{dets: []geom.Detection{small, big}, detected: true, repeat: 2, wantID: 1}, // equal areas: the older track
				{dets: []geom.Detection{big}, detected: true, repeat: 4, wantID: 1},
				{dets: []geom.Detection{big}, detected: true, repeat: 1, wantID: 2}, // track 1 missed 5 > StaleAfter 4
			},
		},
		{
			name: "stale primary stays while every track is stale",
			steps: []step{
				{dets: []geom.Detection{small, big}, detected: true, repeat: 1, wantID: 0},
				{dets: []geom.Detection{small, big}, detected: true, repeat: 2, wantID: 1},
				{dets: nil, detected: true, repeat: 5, wantID: 1}, // both coast; MaxMissed 5 keeps them
			},
		},
		{
			name: "primary lost entirely",
			steps: []step{
				{dets: []geom.Detection{small}, detected: true, repeat: 1, wantID: 0},
				{dets: []geom.Detection{small}, detected: true, repeat: 2, wantID: 1},
				{dets: nil, detected: true, repeat: 5, wantID: 1},
				{dets: nil, detected: true, repeat: 1, wantID: 0},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr := NewTracker(testTrackerConfig())
			frame := 0
			for _, s := range tt.steps {
				for range s.repeat {
					tracks := tr.Update(s.dets, s.detected)
					p, ok := tr.Primary()
					gotID := 0
					if ok {
						gotID = p.ID
					}
					if gotID != s.wantID {
						t.Fatalf("frame %d: primary id %d, want %d (tracks %+v)", frame, gotID, s.wantID, tracks)
					}
					frame++
				}
			}
		})
	}
}

func TestTrackUpdateResultIsCallers(t *testing.T) {
	t.Parallel()
	tr := NewTracker(testTrackerConfig())
	first := tr.Update([]geom.Detection{faceAt(100, 100, 50)}, true)
	first[0].X = -1000
	second := tr.Update([]geom.Detection{faceAt(100, 100, 50)}, true)
	if second[0].X < 0 || first[0].X != -1000 {
		t.Fatalf("tracks share storage across calls: first %+v, second %+v", first, second)
	}
}

func TestTrackUpdateAllocations(t *testing.T) {
	tr := NewTracker(testTrackerConfig())
	dets := []geom.Detection{faceAt(100, 100, 50), faceAt(400, 100, 60), faceAt(700, 100, 70)}
	tr.Update(dets, true)
	allocs := testing.AllocsPerRun(100, func() { tr.Update(dets, true) })
	if allocs > 1 {
		t.Errorf("Update allocates %.1f times per frame, want at most 1 (the returned slice)", allocs)
	}
}
func TestTrackerDropsTracksLeavingFrame(t *testing.T) {
	t.Parallel()
	cfg := testTrackerConfig()
	cfg.MaxMissed = 100
	cfg.FrameW, cfg.FrameH = 640, 360
	tr := NewTracker(cfg)
	// A face slides right 20 px a frame and is lost once it reaches the
	// edge; its track coasts on and goes when less than 60% of it is in.
	var x float64
	for i := range 20 {
		x = 450 + 20*float64(i)
		tr.Update([]geom.Detection{faceAt(x, 180, 80)}, true)
	}
	// The last detection is centred at 830 px: the window is wholly out,
	// but it was matched, so it stays for this frame.
	if tracks := tr.Update(nil, false); len(tracks) != 0 {
		t.Errorf("a track wholly outside the frame is still reported: %+v", tracks)
	}

	tr = NewTracker(cfg)
	for range 5 {
		tr.Update([]geom.Detection{faceAt(616, 180, 80)}, true) // 80% inside
	}
	for i := range 10 {
		if tracks := tr.Update(nil, true); len(tracks) != 1 {
			t.Fatalf("frame %d after the last detection: a still track 80%% inside the frame was dropped", i)
		}
	}
}

func TestTrackSecondDetectionTakenAsIs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		vx, size float64 // pixels per frame; the second detection's size
		interval int     // frames between detector runs
	}{
		{name: "fast entry", vx: -40, size: 80, interval: 1},
		{name: "fast entry, detector every other frame", vx: -40, size: 80, interval: 2},
		{name: "growing", vx: 5, size: 100, interval: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr := NewTracker(testTrackerConfig())
			tr.Update([]geom.Detection{faceAt(500, 300, 80)}, true)
			for range tt.interval - 1 {
				tr.Update(nil, false)
			}
			second := faceAt(500+tt.vx*float64(tt.interval), 300, tt.size)
			tracks := tr.Update([]geom.Detection{second}, true)
			if len(tracks) != 1 || tracks[0].Box != second.Box {
				t.Fatalf("after the second detection: tracks %+v, want one with box %+v", tracks, second.Box)
			}
			// The velocity was measured: the next frame's prediction is
			// where the face went.
			tracks = tr.Update(nil, false)
			if want := second.CenterX() + tt.vx; math.Abs(tracks[0].CenterX()-want) > 1e-9 {
				t.Errorf("next frame's centre x %g, want %g", tracks[0].CenterX(), want)
			}
		})
	}
}

func TestTrackBoxCutToFrame(t *testing.T) {
	t.Parallel()
	cfg := testTrackerConfig()
	cfg.MinHits = 1
	cfg.FrameW, cfg.FrameH = 640, 360
	tr := NewTracker(cfg)
	// A face moving up 10 px a frame reaches the frame's top on the second
	// frame; the third frame's prediction reaches 10 px above it. The track
	// reports the visible part and keeps the whole box: the fourth frame's
	// prediction is again 80 px tall, 20 px above the frame.
	tr.Update([]geom.Detection{faceAt(300, 50, 80)}, true)
	tr.Update([]geom.Detection{faceAt(300, 40, 80)}, true)
	tracks := tr.Update(nil, false)
	want := geom.Box{X: 260, Y: 0, W: 80, H: 70} // the whole box: 260, -10, 80 x 80
	if len(tracks) != 1 || tracks[0].Box != want {
		t.Fatalf("tracks %+v, want one with box %+v (the visible part)", tracks, want)
	}
	if p, ok := tr.Primary(); !ok || p.Box != want {
		t.Errorf("Primary() = %+v, %v; want box %+v", p, ok, want)
	}
	tracks = tr.Update(nil, false)
	if want := (geom.Box{X: 260, Y: 0, W: 80, H: 60}); len(tracks) != 1 || tracks[0].Box != want {
		t.Errorf("next frame: tracks %+v, want one with box %+v", tracks, want)
	}
	// Without the frame's size the box is left whole.
	cfg.FrameW, cfg.FrameH = 0, 0
	tr = NewTracker(cfg)
	tr.Update([]geom.Detection{faceAt(300, 20, 80)}, true)
	if tracks := tr.Update(nil, false); tracks[0].Box != faceAt(300, 20, 80).Box {
		t.Errorf("frame size unknown: box %+v, want it whole", tracks[0].Box)
	}
}

// TestTrackerScalesReportedBoxes checks that BoxW and BoxH scale the boxes
// Update and Primary report about the track's centre, before cutting them
// to the frame, while the track keeps, and so follows, the detector's box.
func TestTrackerScalesReportedBoxes(t *testing.T) {
	t.Parallel()
	tr := NewTracker(TrackerConfig{IoU: 0.2, MaxMissed: 5, MinHits: 1, Smoothing: 1, BoxW: 0.9, BoxH: 1.2, FrameW: 640, FrameH: 360})
	det := geom.Detection{Box: geom.Box{X: 100, Y: 310, W: 50, H: 50}, Score: 10}
	out := tr.Update([]geom.Detection{det}, true)
	// 45 x 60 about the centre (125, 335), cut at the bottom edge (360).
	want := geom.Box{X: 102.5, Y: 305, W: 45, H: 55}
	if len(out) != 1 || out[0].Box != want {
		t.Fatalf("Update = %+v, want one track with box %+v", out, want)
	}
	if p, ok := tr.Primary(); !ok || p.Box != want {
		t.Errorf("Primary = %+v, %v; want box %+v", p, ok, want)
	}
	if got := tr.tracks[0].Box; got != det.Box {
		t.Errorf("the track keeps %+v, want the detection's %+v", got, det.Box)
	}
	// The same detection again matches the track kept unscaled (IoU 1).
	out = tr.Update([]geom.Detection{det}, true)
	if len(out) != 1 || out[0].ID != 1 || out[0].Hits != 2 {
		t.Errorf("second frame: %+v, want track 1 with 2 hits", out)
	}
}
