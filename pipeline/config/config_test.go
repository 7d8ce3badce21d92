package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		text    string
		want    func(*Config) // applied to the defaults; nil when an error is expected
		wantErr string
	}{
		{name: "empty file keeps defaults", text: "", want: func(*Config) {}},
		{name: "overrides", text: "batch = 4\ndetect_interval = 3\npreset = \"ultrafast\"\nmin_face = 0.2\n",
			want: func(c *Config) { c.Batch = 4; c.DetectInterval = 3; c.Preset = "ultrafast"; c.MinFace = 0.2 }},
		{name: "integer for a float field", text: "min_face = 1\nmax_face = 1", want: func(c *Config) { c.MinFace = 1; c.MaxFace = 1 }},
		{name: "unknown key names line and key", text: "batch = 4\n\nbatchsize = 8\n", wantErr: "cfg.toml:3: batchsize: unknown key"},
		{name: "bad value names line and key", text: "# comment\ncrf = 99\n", wantErr: "cfg.toml:2: crf: must be in 0..51, got 99"},
		{name: "zero batch", text: "batch = 0", wantErr: "cfg.toml:1: batch: must be >= 1"},
		{name: "bad aspect", text: `aspect = "tall"`, wantErr: `cfg.toml:1: aspect: want W:H`},
		{name: "edge overhang too large", text: "edge_overhang = 0.6", wantErr: "cfg.toml:1: edge_overhang: must be in [0, 0.5], got 0.6"},
		{name: "zero face box", text: "face_box_h = 0", wantErr: "cfg.toml:1: face_box_h: must be in (0, 2], got 0"},
		{name: "face box and edges", text: "face_box_w = 1\nface_box_h = 1.2\nedge_overhang = 0\n",
			want: func(c *Config) { c.FaceBoxW = 1; c.FaceBoxH = 1.2; c.EdgeOverhang = 0 }},
		{name: "unknown detector", text: `detector = "yolo"`, wantErr: `cfg.toml:1: detector: unknown detector "yolo"`},
		{name: "wrong type", text: `batch = "eight"`, wantErr: "cfg.toml"},
		{name: "syntax error has a line", text: "batch = 4\ncrf = = 3\n", wantErr: "cfg.toml:2:"},
		{name: "table is unknown", text: "[pipeline]\nbatch = 4\n", wantErr: "cfg.toml:1: pipeline: unknown key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseConfig([]byte(tc.text), "cfg.toml")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error spans lines: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := DefaultConfig()
			tc.want(&want)
			if got != want {
				t.Errorf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestPrintedConfigRoundTrips(t *testing.T) {
	t.Parallel()
	c := DefaultConfig()
	c.Batch = 3
	c.Aspect = "4:5"
	c.MinFace = 0.25
	c.CopyAudio = false
	got, err := ParseConfig(c.WriteTOML("header line\nsecond line"), "printed.toml")
	if err != nil {
		t.Fatal(err)
	}
	if got != c {
		t.Errorf("round trip changed the config:\n got %+v\nwant %+v", got, c)
	}
}

func TestConfigWith(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		values  map[string]any
		check   func(Config) bool
		wantErr string
	}{
		{"int from int64", map[string]any{"batch": int64(16)}, func(c Config) bool { return c.Batch == 16 }, ""},
		{"int from integral float", map[string]any{"batch": 2.0}, func(c Config) bool { return c.Batch == 2 }, ""},
		{"float from int", map[string]any{"max_face": int64(1)}, func(c Config) bool { return c.MaxFace == 1 }, ""},
		{"string", map[string]any{"preset": "fast"}, func(c Config) bool { return c.Preset == "fast" }, ""},
		{"fractional int", map[string]any{"batch": 2.5}, nil, "batch: want an integer"},
		{"unknown field", map[string]any{"processes_x": 2}, nil, "processes_x: the pipeline has no such config field"},
		{"invalid value", map[string]any{"batch": 0}, nil, "batch: must be >= 1"},
		{"wrong type", map[string]any{"preset": 3}, nil, "preset: want a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := DefaultConfig().With(tc.values)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.check(got) {
				t.Fatalf("With(%v) = %+v, %v", tc.values, got, err)
			}
		})
	}
}

func TestFieldsCoverConfig(t *testing.T) {
	t.Parallel()
	fields := Fields()
	if len(fields) != reflect.TypeOf(Config{}).NumField() {
		t.Fatalf("Fields() lists %d keys, Config has %d fields", len(fields), reflect.TypeOf(Config{}).NumField())
	}
	m := DefaultConfig().Map()
	for _, f := range fields {
		if f.Doc == "" {
			t.Errorf("%s has no doc", f.Key)
		}
		if _, ok := m[f.Key]; !ok {
			t.Errorf("%s missing from Map()", f.Key)
		}
	}
}
