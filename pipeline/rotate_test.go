package pipeline_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ftbench/ftbench/pipeline"
	"github.com/ftbench/ftbench/pipeline/config"
)

// TestRotatedStreamIsTurnedUpright checks that a stream whose display
// matrix asks for a 90-degree turn is processed as players show it: the
// frames the pipeline sees, crops and writes are the ffmpeg CLI's
// autorotated ones (PSNR against them), and the output carries no
// rotation of its own.
func TestRotatedStreamIsTurnedUpright(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not installed (scripts/install-deps.sh installs it)")
	}
	clip := testClip(t, "face_360p")
	dir := t.TempDir()
	rotated := filepath.Join(dir, "rotated.mp4")
	if out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", clip.Video, "-c", "copy", "-metadata:s:v:0", "rotate=90", rotated).CombinedOutput(); err != nil {
		t.Fatalf("making a rotated input: %v: %s", err, out)
	}
	// The CLI's reference: autorotated, near-lossless.
	ref := filepath.Join(dir, "ref.mp4")
	if out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", rotated, "-an", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "8", ref).CombinedOutput(); err != nil {
		t.Fatalf("autorotating with the CLI: %v: %s", err, out)
	}
	cfg := config.DefaultConfig()
	cfg.Preset, cfg.CRF, cfg.CopyAudio = "ultrafast", 8, false
	out := filepath.Join(dir, "out.mp4")
	m, err := pipeline.Run(context.Background(), pipeline.Options{Input: rotated, Output: out, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	// 640x360 stored, turned a quarter: 360x640, which a 9:16 crop fills.
	if m.Width != 360 || m.Height != 640 || m.CropWidth != 360 || m.CropHeight != 640 {
		t.Fatalf("frames %dx%d, crop %dx%d; want 360x640 and 360x640", m.Width, m.Height, m.CropWidth, m.CropHeight)
	}
	probe, err := exec.Command("ffprobe", "-v", "error", "-show_streams", "-select_streams", "v", out).Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(probe), "rotation=") {
		t.Errorf("the output carries a rotation although its frames are upright")
	}
	psnr, err := exec.Command("ffmpeg", "-nostdin", "-i", out, "-i", ref, "-lavfi", "psnr", "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("psnr: %v: %s", err, psnr)
	}
	mt := regexp.MustCompile(`average:([0-9.]+|inf)`).FindSubmatch(psnr)
	if mt == nil {
		t.Fatalf("no PSNR in %s", psnr)
	}
	if v, err := strconv.ParseFloat(string(mt[1]), 64); string(mt[1]) != "inf" && (err != nil || v < 35) {
		t.Errorf("PSNR against the CLI's autorotated frames is %s dB, want >= 35 (the picture is turned the wrong way)", mt[1])
	}
}
