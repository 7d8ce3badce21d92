package runnertest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/record"
)

// Trial returns a trial of the default config with the given batch, on a
// dummy input file in a test folder of t: what the fake pipeline runs.
func Trial(t testing.TB, batch int) record.Trial {
	t.Helper()
	video := filepath.Join(t.TempDir(), "clip.mp4")
	if err := os.WriteFile(video, []byte("video"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.DefaultConfig().With(map[string]any{"batch": batch})
	if err != nil {
		t.Fatal(err)
	}
	in := record.Input{Name: "clip.mp4", Video: video, Size: 5}
	axes := []record.Setting{{Key: "batch", Value: batch}}
	return record.Trial{ID: record.TrialID(cfg, in), Label: record.Label(axes), Axes: axes, Config: cfg, Input: in}
}
