package metrics

import "fmt"

// Summary tells in a line what a run of input into output did (frames,
// time, frames/s, crop, tracks), and in a second line, when the run was
// measured against ground truth, how well it found faces.
func (m *Metrics) Summary(input, output string) string {
	s := fmt.Sprintf("%s: %d frames in %.2fs (%.1f frames/s), crop %dx%d, %d tracks -> %s",
		input, m.Frames, m.WallSeconds, m.FPS, m.CropWidth, m.CropHeight, m.Tracks, output)
	if q := m.Quality; q != nil {
		s += fmt.Sprintf("\nquality: hit_rate %.3f, recall %.3f, precision %.3f over %d ground-truth frames",
			q.HitRate, q.Recall, q.Precision, q.GTFrames)
	}
	return s
}
