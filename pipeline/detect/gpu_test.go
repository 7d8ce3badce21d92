package detect

import (
	"testing"

	"github.com/ftbench/ftbench/pipeline/config"
)

// TestGPUFrameBytes: a frame of batch costs the cuda detector its image and
// a score per window.
func TestGPUFrameBytes(t *testing.T) {
	_, cascade, err := LoadCascade("")
	if err != nil {
		t.Skip(err)
	}
	cfg := config.DefaultConfig()
	cfg.Detector = "cuda"
	got, err := GPUFrameBytes(cfg, cascade, 1920, 1080)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := ParseCascade(cascade)
	lo, hi := windowRange(cfg, 320, 180)
	windows := newGPULayout(c, 180, 320, 320, lo, hi, cfg.ShiftFactor, cfg.ScaleFactor).windows
	if got != 320*180+4*windows || windows == 0 {
		t.Errorf("GPUFrameBytes = %d, want the 320x180 image and %d windows' scores", got, windows)
	}
	if _, err := GPUFrameBytes(cfg, []byte("not a cascade"), 1920, 1080); err == nil {
		t.Error("no error for a bad cascade")
	}
}

func TestImageSize(t *testing.T) {
	t.Parallel()
	cfg := config.DefaultConfig()
	for _, tc := range []struct {
		name              string
		detectWidth, w, h int
		wantW, wantH      int
	}{
		{"1080p at 320", 320, 1920, 1080, 320, 180},
		{"source width", 0, 640, 360, 640, 360},
		{"upscaled", 960, 640, 360, 960, 540},
		{"never below one row", 320, 4000, 2, 320, 1},
	} {
		cfg.DetectWidth = tc.detectWidth
		if w, h := ImageSize(cfg, tc.w, tc.h); w != tc.wantW || h != tc.wantH {
			t.Errorf("%s: ImageSize = %dx%d, want %dx%d", tc.name, w, h, tc.wantW, tc.wantH)
		}
	}
	if LumaStride(320) != 320 || LumaStride(321) != 352 || LumaStride(1) != 32 {
		t.Errorf("LumaStride: 320 -> %d, 321 -> %d, 1 -> %d", LumaStride(320), LumaStride(321), LumaStride(1))
	}
}
