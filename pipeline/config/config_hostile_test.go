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
		{name: "long detect interval", text: "\ndetect_interval = 70000\n", wantErr: "cfg.toml:2: detect_interval: must be in 1..65536, got 70000"},
		{name: "a million decoder threads", text: "decoder_threads = 1000000\n", wantErr: "cfg.toml:1: decoder_threads: must be in 0..256, got 1000000"},
		{name: "a million encoder threads", text: "encode_threads = 1000000\n", wantErr: "cfg.toml:1: encode_threads: must be in 0..256"},
		{name: "an exabyte budget", text: "memory_budget = 1000000000000000000\n", wantErr: "cfg.toml:1: memory_budget: must be in 0..17592186044416 bytes"},
		{name: "a huge score", text: "min_score = 1e300\n", wantErr: "cfg.toml:1: min_score: must be in [-1000, 1000]"},
		{name: "a huge aspect", text: "aspect = \"100000:1\"\n", wantErr: "cfg.toml:1: aspect: W and H must be in 1..1000"},
		{name: "10000 nested inline tables", text: "x = " + strings.Repeat("{a = ", 10000) + "1" + strings.Repeat("}", 10000) + "\n", wantErr: "cfg.toml:1: nested more than 32 levels deep"},
		{name: "20000 nested arrays", text: "\nx = " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n", wantErr: "cfg.toml:2: nested more than 32 levels deep"},
		{name: "a dotted key 10000 deep", text: "[t]\n" + strings.Repeat("a.", 10000) + "b = 1\n", wantErr: "cfg.toml:2: nested more than 32 levels deep"},
		{name: "a header 10000 deep", text: "[" + strings.Repeat("a.", 10000) + "b]\n", wantErr: "cfg.toml:1: nested more than 32 levels deep"},
		{name: "over a MiB", text: "# " + strings.Repeat("x", 1<<20) + "\n", wantErr: "cfg.toml: the file is 1048579 bytes; at most 1048576 are read"},
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

// TestEncoderCheck: with EncoderExists set (the pipeline sets it from
// FFmpeg), a config naming an encoder FFmpeg lacks is refused by file,
// line and key, when read and when a sweep sets it as an axis value.
func TestEncoderCheck(t *testing.T) {
	old := EncoderExists
	EncoderExists = func(name string) bool { return name == "libx264" }
	defer func() { EncoderExists = old }()
	_, err := ParseConfig([]byte("crf = 20\nencoder = \"libx246\"\n"), "cfg.toml")
	if err == nil || err.Error() != "cfg.toml:2: encoder: this FFmpeg has no video encoder \"libx246\" (`ffmpeg -encoders` lists them)" {
		t.Errorf("read: %v", err)
	}
	if _, err := DefaultConfig().With(map[string]any{"encoder": "h264_nvenx"}); err == nil || !strings.Contains(err.Error(), `no video encoder "h264_nvenx"`) {
		t.Errorf("axis value: %v", err)
	}
	if err := (Config{Encoder: "nope"}).CheckEncoder(); err == nil {
		t.Error("CheckEncoder passed an unknown encoder")
	}
}
