package metrics

import "testing"

func TestSummary(t *testing.T) {
	t.Parallel()
	m := &Metrics{Frames: 300, WallSeconds: 1.5, FPS: 200, CropWidth: 406, CropHeight: 720, Tracks: 2}
	want := "in.mp4: 300 frames in 1.50s (200.0 frames/s), crop 406x720, 2 tracks -> out.mp4"
	if got := m.Summary("in.mp4", "out.mp4"); got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
	m.Quality = &Quality{HitRate: 0.9, Recall: 0.8, Precision: 0.95, GTFrames: 300}
	want += "\nquality: hit_rate 0.900, recall 0.800, precision 0.950 over 300 ground-truth frames"
	if got := m.Summary("in.mp4", "out.mp4"); got != want {
		t.Errorf("Summary with quality = %q, want %q", got, want)
	}
}
