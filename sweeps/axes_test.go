package sweeps

import (
	"strings"
	"testing"

	"github.com/ftbench/ftbench/pipeline/config"
)

// TestNewFieldsAreSweepable: axes are checked against config.Fields, so
// any field of the config is an axis, with no list here to update.
func TestNewFieldsAreSweepable(t *testing.T) {
	t.Parallel()
	for _, f := range config.Fields() {
		var val string
		switch f.Key {
		case "cascade", "detector", "aspect", "encoder", "preset":
			continue // their valid values are not generic
		}
		switch f.Kind.String() {
		case "int", "int64":
			val = "[1, 2]"
		case "float64":
			val = "[0.3, 0.4]"
		case "bool":
			val = "[true, false]"
		default:
			continue
		}
		text := "[[input]]\nfixture = \"face_360p\"\n[axes]\n" + f.Key + " = " + val + "\n"
		if _, err := Parse([]byte(text), "f.toml", ""); err != nil && strings.Contains(err.Error(), "no such config field") {
			t.Errorf("%s: %v", f.Key, err)
		}
	}
}
