package config_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ftbench/ftbench/internal/testutil"
	"github.com/ftbench/ftbench/pipeline/config"
)

// FuzzParseConfig feeds arbitrary text to the config parser. It must never
// panic; an error is one line naming the file; an accepted config is
// valid, writes back as TOML that parses to the same config (the contract
// of WriteTOML, which sweeps use to hand each trial its config), and
// encodes as JSON (metrics.json and results.jsonl carry it).
func FuzzParseConfig(f *testing.F) {
	f.Add(config.DefaultConfig().WriteTOML("ftbench run --print-config"))
	specs, _ := filepath.Glob("../../sweeps/*.toml")
	for _, file := range specs {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"", "batch = 4\ndetect_interval = 3\npreset = \"ultrafast\"\nmin_face = 0.2\n",
		"crf = 99\n", "aspect = \"1:1\"\n", "aspect = \" 4 : 3 \"\n", "[pipeline]\nbatch = 4\n",
		"preset = \"a\\u0001b\"\n", "track_max_dist = 1e308\n", "reframe_max_speed = 0.5\n",
		"memory_budget = 9223372036854775807\n", "min_face = 1\nmax_face = 1", "\"batch\" = 2\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		defer testutil.Watchdog(10*time.Second, "config.ParseConfig")()
		cfg, err := config.ParseConfig(data, "fuzz.toml")
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, "fuzz.toml") || strings.Contains(msg, "\n") {
				t.Fatalf("error is not one line naming the file: %q", msg)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("accepted config does not validate: %v", err)
		}
		text := cfg.WriteTOML("fuzz")
		back, err := config.ParseConfig(text, "written.toml")
		if err != nil {
			t.Fatalf("WriteTOML output does not parse: %v\n%s", err, text)
		}
		if !reflect.DeepEqual(back, cfg) {
			t.Fatalf("WriteTOML round trip changed the config:\n got %+v\nwant %+v", back, cfg)
		}
		if _, err := json.Marshal(cfg); err != nil {
			t.Fatalf("accepted config does not encode as JSON: %v", err)
		}
	})
}
