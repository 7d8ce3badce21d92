package sweeps

import "testing"

func TestKeyLines(t *testing.T) {
	t.Parallel()
	text := `# comment = not a key
name = "a = b"   # trailing
constraints = [
  "fps >= 1",
  "x = y",
]
description = """
fake = 1
"""

[[input]]
video = "a.mp4"

[[input]]
"video" = "b.mp4"

[axes]
batch = { from = 1, to = 4 }
preset.x = 1
`
	kl := scanKeyLines(text)
	for key, want := range map[string]int{
		"name": 2, "constraints": 3, "description": 7, "input.0": 11, "input.0.video": 12,
		"input.1.video": 15, "axes": 17, "axes.batch": 18, "axes.batch.from": 18, "axes.preset.x": 19,
	} {
		if got := kl.line(key); got != want {
			t.Errorf("line(%q) = %d, want %d", key, got, want)
		}
	}
	for _, key := range []string{"fake", "x", "comment"} {
		if _, ok := kl[key]; ok {
			t.Errorf("%q is not a key", key)
		}
	}
}
