package geom

import "testing"

func TestCropSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		frameW, frameH   int
		aspectW, aspectH int
		wantW, wantH     int
	}{
		{name: "1080p landscape", frameW: 1920, frameH: 1080, aspectW: 9, aspectH: 16, wantW: 606, wantH: 1080}, // 607.5
		{name: "720p landscape", frameW: 1280, frameH: 720, aspectW: 9, aspectH: 16, wantW: 404, wantH: 720},    // 405
		{name: "portrait exact", frameW: 1080, frameH: 1920, aspectW: 9, aspectH: 16, wantW: 1080, wantH: 1920},
		{name: "portrait narrower than aspect", frameW: 720, frameH: 1920, aspectW: 9, aspectH: 16, wantW: 720, wantH: 1280},
		{name: "landscape crop of portrait", frameW: 1080, frameH: 1920, aspectW: 16, aspectH: 9, wantW: 1080, wantH: 606},
		{name: "square frame", frameW: 1000, frameH: 1000, aspectW: 9, aspectH: 16, wantW: 562, wantH: 1000}, // 562.5
		{name: "square crop", frameW: 1920, frameH: 1080, aspectW: 1, aspectH: 1, wantW: 1080, wantH: 1080},
		{name: "same aspect as frame", frameW: 1920, frameH: 1080, aspectW: 16, aspectH: 9, wantW: 1920, wantH: 1080},
		{name: "odd frame", frameW: 1921, frameH: 1081, aspectW: 9, aspectH: 16, wantW: 606, wantH: 1080},
		{name: "odd frame, same aspect", frameW: 641, frameH: 361, aspectW: 16, aspectH: 9, wantW: 640, wantH: 360},
		{name: "tiny frame", frameW: 3, frameH: 3, aspectW: 9, aspectH: 16, wantW: 2, wantH: 2},
		{name: "one pixel wide", frameW: 1, frameH: 100, aspectW: 9, aspectH: 16, wantW: 1, wantH: 2},
		{name: "one pixel", frameW: 1, frameH: 1, aspectW: 9, aspectH: 16, wantW: 1, wantH: 1},
		{name: "empty frame", frameW: 0, frameH: 1080, aspectW: 9, aspectH: 16, wantW: 0, wantH: 0},
		{name: "bad aspect gives whole frame", frameW: 1920, frameH: 1080, aspectW: 0, aspectH: 16, wantW: 1920, wantH: 1080},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, h := CropSize(tt.frameW, tt.frameH, tt.aspectW, tt.aspectH)
			if w != tt.wantW || h != tt.wantH {
				t.Errorf("CropSize(%d, %d, %d, %d) = %dx%d, want %dx%d",
					tt.frameW, tt.frameH, tt.aspectW, tt.aspectH, w, h, tt.wantW, tt.wantH)
			}
			if w > tt.frameW || h > tt.frameH {
				t.Errorf("crop %dx%d exceeds the %dx%d frame", w, h, tt.frameW, tt.frameH)
			}
		})
	}
}

func TestBoxScaled(t *testing.T) {
	t.Parallel()
	b := Box{X: 10, Y: 20, W: 40, H: 60}
	got := b.Scaled(0.5, 1.5)
	if want := (Box{X: 20, Y: 5, W: 20, H: 90}); got != want {
		t.Errorf("Scaled(0.5, 1.5) = %+v, want %+v", got, want)
	}
	if got.CenterX() != b.CenterX() || got.CenterY() != b.CenterY() {
		t.Errorf("centre moved: (%g, %g) -> (%g, %g)", b.CenterX(), b.CenterY(), got.CenterX(), got.CenterY())
	}
	if got := b.Scaled(1, 1); got != b {
		t.Errorf("Scaled(1, 1) = %+v, want %+v", got, b)
	}
}
