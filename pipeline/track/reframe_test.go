package track

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/geom"
)

func testReframeConfig() ReframeConfig {
	return ReframeConfig{AspectW: 9, AspectH: 16, Smoothing: 0.25, Deadzone: 0.05, MaxSpeed: 1.5, FPS: 30}
}

func TestReframeConfigFrom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		aspect string
		wantW  int
		wantH  int
	}{
		{name: "default", aspect: "9:16", wantW: 9, wantH: 16},
		{name: "square", aspect: "1:1", wantW: 1, wantH: 1},
		{name: "invalid falls back", aspect: "wide", wantW: 9, wantH: 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := config.DefaultConfig()
			c.Aspect = tt.aspect
			got := ReframeConfigFrom(c, 25)
			want := ReframeConfig{AspectW: tt.wantW, AspectH: tt.wantH, Smoothing: c.ReframeSmoothing,
				Deadzone: c.ReframeDeadzone, MaxSpeed: c.ReframeMaxSpeed, FPS: 25}
			if got != want {
				t.Errorf("ReframeConfigFrom = %+v, want %+v", got, want)
			}
		})
	}
}

// checkCropInside fails the test unless c is a valid crop of a frameW x frameH frame.
func checkCropInside(t *testing.T, frame int, c geom.Crop, frameW, frameH int) {
	t.Helper()
	if c.X < 0 || c.Y < 0 || c.X+c.W > frameW || c.Y+c.H > frameH {
		t.Fatalf("frame %d: crop %+v leaves the %dx%d frame", frame, c, frameW, frameH)
	}
	if c.X%2 != 0 || c.Y%2 != 0 {
		t.Fatalf("frame %d: crop %+v has an odd origin", frame, c)
	}
}

func TestReframeCentredWithoutFaces(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		aspectW        int
		aspectH        int
		frameW, frameH int
	}{
		{name: "1080p", aspectW: 9, aspectH: 16, frameW: 1920, frameH: 1080},
		{name: "720p", aspectW: 9, aspectH: 16, frameW: 1280, frameH: 720},
		{name: "portrait, landscape crop", aspectW: 16, aspectH: 9, frameW: 1080, frameH: 1920},
		{name: "crop is the frame", aspectW: 9, aspectH: 16, frameW: 1080, frameH: 1920},
		{name: "odd frame", aspectW: 9, aspectH: 16, frameW: 1001, frameH: 333},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := testReframeConfig()
			cfg.AspectW, cfg.AspectH = tt.aspectW, tt.aspectH
			r := NewReframer(cfg, tt.frameW, tt.frameH)
			w, h := r.Size()
			for i := range 50 {
				c := r.Next(nil)
				checkCropInside(t, i, c, tt.frameW, tt.frameH)
				if c.W != w || c.H != h {
					t.Fatalf("crop %+v, want size %dx%d", c, w, h)
				}
				if dx := c.X + w/2 - tt.frameW/2; dx < -2 || dx > 2 {
					t.Fatalf("crop %+v is %d px off centre horizontally", c, dx)
				}
				if dy := c.Y + h/2 - tt.frameH/2; dy < -2 || dy > 2 {
					t.Fatalf("crop %+v is %d px off centre vertically", c, dy)
				}
			}
		})
	}
}

func TestReframeEdges(t *testing.T) {
	t.Parallel()
	const frameW, frameH = 1080, 1920 // portrait with a 16:9 crop moves on both axes
	tests := []struct {
		name         string
		cx, cy       float64
		wantX, wantY int
	}{
		{name: "top left", cx: 0, cy: 0, wantX: 0, wantY: 0},
		{name: "bottom right", cx: frameW, cy: frameH, wantX: 0, wantY: 1314},
		{name: "beyond the bottom", cx: 500, cy: frameH + 400, wantX: 0, wantY: 1314},
		{name: "beyond the top", cx: -300, cy: -300, wantX: 0, wantY: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := testReframeConfig()
			cfg.AspectW, cfg.AspectH = 16, 9
			r := NewReframer(cfg, frameW, frameH)
			var c geom.Crop
			for i := range 200 {
				c = r.Next(&geom.Box{X: tt.cx - 50, Y: tt.cy - 50, W: 100, H: 100})
				checkCropInside(t, i, c, frameW, frameH)
			}
			if c.X != tt.wantX || c.Y != tt.wantY {
				t.Errorf("settled at %+v, want origin (%d, %d)", c, tt.wantX, tt.wantY)
			}
		})
	}
}

func TestReframeSpeedLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		smoothing float64
		maxSpeed  float64
		fps       float64
		jump      float64 // face movement, pixels
	}{
		{name: "half the frame right", smoothing: 0.25, maxSpeed: 1.5, fps: 30, jump: 960},
		{name: "half the frame left", smoothing: 0.25, maxSpeed: 1.5, fps: 30, jump: -960},
		{name: "no smoothing", smoothing: 0, maxSpeed: 1.5, fps: 30, jump: 960},
		{name: "slow crop", smoothing: 0.1, maxSpeed: 0.5, fps: 60, jump: 700},
		{name: "unknown fps", smoothing: 0.25, maxSpeed: 1, fps: 0, jump: 900},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := testReframeConfig()
			cfg.Smoothing, cfg.MaxSpeed, cfg.FPS = tt.smoothing, tt.maxSpeed, tt.fps
			r := NewReframer(cfg, 1920, 1080)
			w, _ := r.Size()
			fps := tt.fps
			if fps <= 0 {
				fps = defaultReframeFPS
			}
			limit := tt.maxSpeed*float64(w)/fps + 2 // + rounding to even
			start := 960 - tt.jump/2
			face := geom.Box{X: start - 50, Y: 500, W: 100, H: 100}
			for range 200 {
				r.Next(&face)
			}
			prev := r.Next(&face)
			face.X += tt.jump
			for i := range 300 {
				c := r.Next(&face)
				checkCropInside(t, i, c, 1920, 1080)
				if d := math.Abs(float64(c.X - prev.X)); d > limit {
					t.Fatalf("frame %d after the jump: crop moved %.0f px, want at most %.1f", i, d, limit)
				}
				prev = c
			}
			if d := math.Abs(float64(prev.X+w/2) - face.CenterX()); d > 2 {
				t.Errorf("crop centre settled %.0f px from the face, want it on the face", d)
			}
		})
	}
}

func TestReframeHoldsStill(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cx, cy  float64
		present func(i int) bool    // whether the face is detected on frame i
		jitter  func(i int) float64 // offset of the face centre on frame i, both axes
	}{
		{name: "flicker", cx: 700, cy: 500, present: func(i int) bool { return i%2 == 0 }},
		{name: "flicker in bursts", cx: 1333, cy: 500, present: func(i int) bool { return i%7 < 3 }},
		{name: "lost face", cx: 400, cy: 500, present: func(int) bool { return false }},
		{name: "jitter 2 px", cx: 700, cy: 500, jitter: func(i int) float64 { return float64(i%5 - 2) }},
		{name: "jitter 2 px at odd position", cx: 1201.3, cy: 500, jitter: func(i int) float64 { return []float64{2, -2}[i%2] }},
		{name: "jitter while flickering", cx: 555.5, cy: 500,
			present: func(i int) bool { return i%3 != 0 }, jitter: func(i int) float64 { return float64(i%3-1) * 2 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, aspect := range [][2]int{{9, 16}, {1, 1}} { // 1:1 also moves vertically
				cfg := testReframeConfig()
				cfg.AspectW, cfg.AspectH = aspect[0], aspect[1]
				r := NewReframer(cfg, 1920, 1080)
				face := geom.Box{X: tt.cx - 60, Y: tt.cy - 60, W: 120, H: 120}
				var settled geom.Crop
				for range 200 {
					settled = r.Next(&face)
				}
				for i := range 300 {
					var c geom.Crop
					j := 0.0
					if tt.jitter != nil {
						j = tt.jitter(i)
					}
					if tt.present == nil || tt.present(i) {
						b := face
						b.X += j
						b.Y += j
						c = r.Next(&b)
					} else {
						c = r.Next(nil)
					}
					if c != settled {
						t.Fatalf("aspect %d:%d, frame %d: crop %+v moved from %+v", aspect[0], aspect[1], i, c, settled)
					}
				}
			}
		})
	}
}

func TestReframeFollowsBothAxes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		aspectW        int
		aspectH        int
		frameW, frameH int
	}{
		{name: "landscape, vertical crop", aspectW: 9, aspectH: 16, frameW: 1920, frameH: 1080},
		{name: "portrait, landscape crop", aspectW: 16, aspectH: 9, frameW: 1080, frameH: 1920},
		{name: "square crop of 4k", aspectW: 1, aspectH: 1, frameW: 3840, frameH: 2160},
		{name: "odd frame", aspectW: 3, aspectH: 4, frameW: 1001, frameH: 777},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := NewReframer(ReframeConfig{AspectW: tt.aspectW, AspectH: tt.aspectH, Smoothing: 0.2, Deadzone: 0.05, MaxSpeed: 2, FPS: 30}, tt.frameW, tt.frameH)
			w, h := r.Size()
			rng := rand.New(rand.NewPCG(1, 2))
			cx, cy := float64(tt.frameW)/2, float64(tt.frameH)/2
			var c geom.Crop
			for i := range 2000 {
				if i%40 == 0 { // a new place now and then, anywhere in the frame
					cx, cy = rng.Float64()*float64(tt.frameW), rng.Float64()*float64(tt.frameH)
				}
				c = r.Next(&geom.Box{X: cx - 40 + rng.Float64()*4, Y: cy - 40 + rng.Float64()*4, W: 80, H: 80})
				checkCropInside(t, i, c, tt.frameW, tt.frameH)
				if c.W != w || c.H != h {
					t.Fatalf("frame %d: crop %+v, want size %dx%d", i, c, w, h)
				}
			}
			// The face is inside the settled crop unless the frame edge prevents it.
			if want := clampCentre(cx, w, tt.frameW); math.Abs(float64(c.X)+float64(w)/2-want) > 0.05*float64(w)+2 {
				t.Errorf("crop %+v does not follow the face centre x %.0f", c, cx)
			}
			if want := clampCentre(cy, h, tt.frameH); math.Abs(float64(c.Y)+float64(h)/2-want) > 0.05*float64(w)+2 {
				t.Errorf("crop %+v does not follow the face centre y %.0f", c, cy)
			}
		})
	}
}
