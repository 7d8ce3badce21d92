package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/ftbench/ftbench/pipeline/config"
)

// TestREADMEConfigReference checks that the README's config table lists
// every config key with its real default, so the documentation cannot
// drift from the code.
func TestREADMEConfigReference(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z_0-9]+)` \\| ([^|]+) \\|")
	documented := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(data), -1) {
		documented[m[1]] = m[2]
	}
	for key, v := range config.DefaultConfig().Map() {
		doc, ok := documented[key]
		if !ok {
			t.Errorf("README config reference lacks %q", key)
			continue
		}
		want := fmt.Sprint(v)
		switch x := v.(type) {
		case string:
			want = strconv.Quote(x)
		case float64:
			want = strconv.FormatFloat(x, 'f', -1, 64)
		}
		got := regexp.MustCompile(`\s+`).ReplaceAllString(doc, "")
		if f, err := strconv.ParseFloat(got, 64); err == nil {
			got = strconv.FormatFloat(f, 'f', -1, 64)
		}
		if got != want {
			t.Errorf("README says %s defaults to %s, the code says %s", key, got, want)
		}
	}
}
