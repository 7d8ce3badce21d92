package metrics

import "fmt"

// Summary tells in a line what a run of input into output did (frames,
// passes when more than one, time, frames/s, crop, tracks), and in a second line, when the run was
// measured against ground truth, how well it found faces.
func (m *Metrics) Summary(input, output string) string {
	passes := ""
	if m.Passes > 1 {
		passes = fmt.Sprintf(" over %d passes", m.Passes)
	}
	s := fmt.Sprintf("%s: %d frames%s in %.2fs (%.1f frames/s), crop %dx%d, %d tracks -> %s",
		input, m.Frames, passes, m.WallSeconds, m.FPS, m.CropWidth, m.CropHeight, m.Tracks, output)
	if q := m.Quality; q != nil {
		s += fmt.Sprintf("\nquality: hit_rate %.3f, recall %.3f, precision %.3f over %d ground-truth frames",
			q.HitRate, q.Recall, q.Precision, q.GTFrames)
	}
	return s
}
