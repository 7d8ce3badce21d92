package pipeline

import (
	"bytes"
	"encoding/json"
	"math"
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
	specs, _ := filepath.Glob("../sweeps/*.toml")
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

// FuzzParseGroundTruth feeds arbitrary text to the ground-truth parser. It
// must never panic nor allocate beyond the input's measure; an error is one
// line naming the file; accepted ground truth has a box list per frame and
// only finite boxes of positive size.
func FuzzParseGroundTruth(f *testing.F) {
	for _, s := range []string{
		"57\t21\t31\t45\n58\t22\t31\t43\n",
		"1,2,3,4\r\n5, 6, 7.5, 8\r\n 9 10\t11 ,12 \r\n",
		"0,0,0,0\nNaN,NaN,NaN,NaN\n1 2 3 4\n\n\n",
		"# ftbench-gt v1 frames=3\n0 0 10 20 30 40\n0 1 50 20 30 40\n2 0 1.5 2.5 3 4\n",
		"# ftbench-gt v1 frames=0\n# comment\n\n",
		"# ftbench-gt v1 frames=2\n5 0 1 2 3 4\n",
		"# ftbench-gt v2 frames=2\n",
		"1 2 3\n",
	} {
		f.Add([]byte(s))
	}
	if gts, _ := filepath.Glob("../../shared/data/*/groundtruth_rect.txt"); len(gts) > 0 {
		for _, file := range gts {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		defer testutil.Watchdog(10*time.Second, "ParseGroundTruth")()
		gt, err := ParseGroundTruth(bytes.NewReader(data), "fuzz.gt")
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, "fuzz.gt") || strings.Contains(msg, "\n") {
				t.Fatalf("error is not one line naming the file: %q", msg)
			}
			return
		}
		if gt.Frames < 0 || len(gt.Boxes) != gt.Frames {
			t.Fatalf("frames %d, box lists %d", gt.Frames, len(gt.Boxes))
		}
		for i, boxes := range gt.Boxes {
			for _, b := range boxes {
				for _, v := range []float64{b.X, b.Y, b.W, b.H} {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("frame %d: box %+v is not finite", i, b)
					}
				}
				if b.W <= 0 || b.H <= 0 {
					t.Fatalf("frame %d: box %+v has no area", i, b)
				}
			}
		}
	})
}
