package config

import (
	"strings"
	"testing"
)

// TestParseConfigHostile: configs that once crashed a run or a sweep, or
// gave a multi-line error, are rejected with one line naming file, line
// and key.
func TestParseConfigHostile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		text    string
		wantErr string
	}{
		{name: "queues too long to allocate", text: "batch = 100000000\n", wantErr: "cfg.toml:1: batch: batch x detect_interval (100000000 x 2) frames are held in flight; at most 65536"},
		{name: "product overflows", text: "batch = 4611686018427387904\ndetect_interval = 4\n", wantErr: "cfg.toml:1: batch: batch x detect_interval"},
		{name: "long detect interval", text: "\ndetect_interval = 70000\n", wantErr: "cfg.toml:2: detect_interval: batch x detect_interval (16 x 70000)"},
		{name: "infinity", text: "track_max_dist = inf\n", wantErr: "cfg.toml:1: track_max_dist: must be a finite number, got +Inf"},
		{name: "negative infinity", text: "reframe_smoothing = -inf\n", wantErr: "cfg.toml:1: reframe_smoothing: must be a finite number, got -Inf"},
		{name: "nan", text: "min_face = nan\n", wantErr: "cfg.toml:1: min_face: must be a finite number, got NaN"},
		{name: "newline in a bad escape", text: "preset = \"a\\\n\"\n", wantErr: `cfg.toml:2: invalid escape in string '\`},
		{name: "newline in an unknown key", text: "\"bat\\nch\" = 1\n", wantErr: `cfg.toml:1: "bat\nch": unknown key`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseConfig([]byte(tt.text), "cfg.toml")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q, want one line containing %q", err, tt.wantErr)
			}
		})
	}
}
