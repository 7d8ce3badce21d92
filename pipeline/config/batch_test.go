package config_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/ftbench/ftbench/pipeline/config"
)

func TestBatchAutoInConfigFiles(t *testing.T) {
	cfg, err := config.ParseConfig([]byte("batch = \"auto\"\nbatch_max = 64\n"), "cfg.toml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Batch != config.BatchAuto || cfg.BatchMax != 64 {
		t.Fatalf("batch %v, batch_max %d", cfg.Batch, cfg.BatchMax)
	}
	// The written config reads back the same, "auto" and numbers alike.
	for _, b := range []config.BatchSize{config.BatchAuto, 24} {
		c := cfg
		c.Batch = b
		back, err := config.ParseConfig(c.WriteTOML("header"), "written.toml")
		if err != nil || back != c {
			t.Errorf("batch %v: WriteTOML then config.ParseConfig = %v, %v", b, back.Batch, err)
		}
		js, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf(`"batch":%s`, map[config.BatchSize]string{config.BatchAuto: `"auto"`, 24: "24"}[b])
		if !strings.Contains(string(js), want) {
			t.Errorf("JSON %s lacks %s", js, want)
		}
		var fromJSON config.Config
		if err := json.Unmarshal(js, &fromJSON); err != nil || fromJSON != c {
			t.Errorf("batch %v: JSON round trip = %v, %v", b, fromJSON.Batch, err)
		}
	}
	// Sweep axes set it through With, as the string or as the value Map
	// gives back.
	for _, v := range []any{"auto", config.BatchAuto, int64(8), config.BatchSize(8)} {
		c, err := config.DefaultConfig().With(map[string]any{"batch": v})
		want := map[bool]config.BatchSize{true: config.BatchAuto, false: 8}[v == "auto" || v == config.BatchAuto]
		if err != nil || c.Batch != want {
			t.Errorf("With(batch = %#v) = %v, %v; want %v", v, c.Batch, err, want)
		}
	}
	for v, msg := range map[any]string{"big": `want a number of frames or "auto", got "big"`, int64(0): `must be >= 1 or "auto", got 0`, true: "want an integer"} {
		if _, err := config.DefaultConfig().With(map[string]any{"batch": v}); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("With(batch = %#v) = %v, want an error with %q", v, err, msg)
		}
	}
	f, _ := config.LookupField("batch")
	if !f.Auto || f.Kind != reflect.Int {
		t.Errorf("field batch = %+v, want an integer that takes \"auto\"", f)
	}
	if f, _ := config.LookupField("streams"); f.Auto {
		t.Error("streams takes \"auto\"?")
	}
}
