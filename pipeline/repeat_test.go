package pipeline_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ftbench/ftbench/pipeline"
	"github.com/ftbench/ftbench/pipeline/config"
)

// TestRunForLoopsWholePasses runs face_360p for at least half a second:
// every pass goes through all 90 frames, the run lasts the minimum, and
// quality and tracks are the first pass's, equal to one plain run's.
func TestRunForLoopsWholePasses(t *testing.T) {
	t.Parallel()
	clip := testClip(t, "face_360p")
	one := runWith(t, clip, func(c *config.Config) { c.Preset = "ultrafast" })
	for _, tc := range []struct {
		name      string
		processes int
	}{{"one pass in this process", 1}, {"two segment workers", 2}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := config.DefaultConfig()
			cfg.Preset, cfg.Processes = "ultrafast", tc.processes
			opt := pipeline.Options{Input: clip.Video, Output: filepath.Join(dir, "out.mp4"), Config: cfg,
				GroundTruth: clip.GroundTruth, TracksPath: filepath.Join(dir, "tracks.json"), WorkerCommand: []string{os.Args[0]}}
			const minSeconds = 0.5
			m, err := pipeline.RunFor(context.Background(), opt, minSeconds)
			if err != nil {
				t.Fatal(err)
			}
			if m.Passes < 1 || m.Frames != m.Passes*one.m.Frames {
				t.Errorf("frames %d over %d passes, want %d a pass", m.Frames, m.Passes, one.m.Frames)
			}
			if m.WallSeconds < minSeconds {
				t.Errorf("wall %.3f s, want at least %g", m.WallSeconds, minSeconds)
			}
			if got := float64(m.Frames) / m.WallSeconds; got != m.FPS {
				t.Errorf("fps %g, want frames/wall %g", m.FPS, got)
			}
			if m.Quality == nil || one.m.Quality == nil || m.Quality.HitRate != one.m.Quality.HitRate || m.Tracks != one.m.Tracks {
				t.Errorf("quality %+v tracks %d, want the single pass's %+v and %d", m.Quality, m.Tracks, one.m.Quality, one.m.Tracks)
			}
			for _, p := range []string{opt.Output, opt.TracksPath} {
				if _, err := os.Stat(p); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// TestRunForZeroIsOnePass checks that no minimum makes one plain pass.
func TestRunForZeroIsOnePass(t *testing.T) {
	t.Parallel()
	clip := testClip(t, "face_360p")
	dir := t.TempDir()
	cfg := config.DefaultConfig()
	cfg.Preset = "ultrafast"
	m, err := pipeline.RunFor(context.Background(), pipeline.Options{Input: clip.Video, Output: filepath.Join(dir, "out.mp4"), Config: cfg}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if m.Passes != 0 || m.Frames != 90 {
		t.Errorf("passes %d, frames %d; want 0 (one plain pass) and 90", m.Passes, m.Frames)
	}
}
