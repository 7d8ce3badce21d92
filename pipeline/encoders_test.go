package pipeline

import (
	"strings"
	"testing"

	"github.com/ftbench/ftbench/pipeline/config"
)

// TestEncoderExists: linking the pipeline makes config ask this FFmpeg:
// libx264 passes, a misspelt name and an audio encoder are refused.
func TestEncoderExists(t *testing.T) {
	t.Parallel()
	if _, err := config.ParseConfig([]byte("encoder = \"libx264\"\n"), "c.toml"); err != nil {
		t.Fatalf("libx264: %v", err)
	}
	for _, name := range []string{"libx246", "aac"} {
		_, err := config.ParseConfig([]byte("encoder = \""+name+"\"\n"), "c.toml")
		if err == nil || !strings.HasPrefix(err.Error(), "c.toml:1: encoder: this FFmpeg has no video encoder") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
