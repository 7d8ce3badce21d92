package sweeps

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/ftbench/ftbench/internal/testutil"
	"github.com/ftbench/ftbench/internal/tomlguard"
)

// FuzzParseNesting builds specs nested depth levels deep from a shape (each
// byte picks an inline table, an array, a dotted key or a table header
// segment) around a fuzzed leaf, and feeds them to Parse. Parse must
// answer within the watchdog's 10 s however deep the text nests; a spec
// deeper than tomlguard.MaxDepth by the guard's count must be refused as
// too deep; and whatever the guard lets through must decode to a value no
// deeper than MaxDepth+2 (the guard's count leaves out the top-level key
// and the root table), so the guard is a real bound on the decoder's work.
func FuzzParseNesting(f *testing.F) {
	f.Add([]byte{0}, uint16(10000), "1")
	f.Add([]byte{1}, uint16(20000), `"x"`)
	f.Add([]byte{0, 1, 2}, uint16(33), "1.5")
	f.Add([]byte{3, 2}, uint16(31), "[1, {a = 2}]")
	f.Add([]byte{2}, uint16(5000), "true")
	f.Fuzz(func(t *testing.T, shape []byte, depth uint16, leaf string) {
		if len(shape) == 0 || len(leaf) > 200 {
			return
		}
		text := nested(shape, int(depth), leaf)
		defer testutil.Watchdog(10*time.Second, "sweeps.Parse of a nested spec")()
		_, err := Parse(text, "fuzz.toml", "")
		guard := tomlguard.Check(text)
		if guard != nil {
			if err == nil || !strings.Contains(err.Error(), "levels deep") && !strings.Contains(err.Error(), "bytes") {
				t.Fatalf("guard refused (%v) but Parse said %v", guard, err)
			}
			return
		}
		raw := map[string]any{}
		if _, err := toml.NewDecoder(bytes.NewReader(text)).Decode(&raw); err != nil {
			return
		}
		if d := valueDepth(raw); d > tomlguard.MaxDepth+2 {
			t.Fatalf("guard accepted a spec that decodes %d levels deep:\n%.300s", d, text)
		}
	})
}

// nested returns TOML text nesting leaf depth levels deep, each level's
// kind taken from shape in turn.
func nested(shape []byte, depth int, leaf string) []byte {
	var head, open, close strings.Builder
	head.WriteString("[h")
	for i := 0; i < depth; i++ {
		switch shape[i%len(shape)] % 4 {
		case 0:
			open.WriteString("{a = ")
			close.WriteString("}")
		case 1:
			open.WriteString("[")
			close.WriteString("]")
		case 2:
			open.WriteString("k.")
		case 3:
			head.WriteString(".s")
		}
	}
	var b bytes.Buffer
	b.WriteString(head.String() + "]\n")
	o := open.String()
	if strings.HasSuffix(o, ".") || o == "" {
		o += "x = "
	} else {
		o = "x = " + o
	}
	// Note: "k." after an opened table is not TOML; the decoder rejects
	// it, and the watchdog still times that.
	b.WriteString(o + leaf + close.String() + "\n")
	return b.Bytes()
}

// valueDepth is the nesting of a decoded TOML value: 0 for a scalar.
func valueDepth(v any) int {
	d := 0
	switch x := v.(type) {
	case map[string]any:
		for _, c := range x {
			d = max(d, valueDepth(c))
		}
		return d + 1
	case []map[string]any:
		for _, c := range x {
			d = max(d, valueDepth(c))
		}
		return d + 1
	case []any:
		for _, c := range x {
			d = max(d, valueDepth(c))
		}
		return d + 1
	}
	return 0
}
