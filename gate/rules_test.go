package gate

import (
	"strings"
	"testing"

	"github.com/ftbench/ftbench/metric"
)

const goodRules = `# a comment
thresholds = ["quality.hit_rate >= 0.9", "peak_rss_bytes <= 2e9"]

[max_regression]
fps = "5%"
peak_rss_bytes = 0.10
cpu_util_mean = "20%"

[better]
cpu_util_mean = "lower"

[trial."batch=64"]
max_regression = { fps = "10%", peak_rss_bytes = "off" }
thresholds = ["quality.hit_rate >= 0.5"]
`

func TestParseRules(t *testing.T) {
	t.Parallel()
	rs, err := ParseRules([]byte(goodRules), "gate.toml")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rs.Global {
		got = append(got, r.String())
	}
	want := "cpu_util_mean +20% | fps -5% | peak_rss_bytes +10% | quality.hit_rate >= 0.9 | peak_rss_bytes <= 2e+09"
	if strings.Join(got, " | ") != want {
		t.Errorf("global rules:\n%s\nwant\n%s", strings.Join(got, " | "), want)
	}
	if rs.Global[1].Source != "gate.toml:5" {
		t.Errorf("fps rule source %q, want gate.toml:5", rs.Global[1].Source)
	}
	got = nil
	for _, r := range rs.For("abc", "batch=64") {
		got = append(got, r.String())
	}
	// The override loosens fps, drops peak_rss_bytes' relative rule and
	// replaces the thresholds.
	want = "cpu_util_mean +20% | fps -10% | quality.hit_rate >= 0.5"
	if strings.Join(got, " | ") != want {
		t.Errorf("rules of batch=64:\n%s\nwant\n%s", strings.Join(got, " | "), want)
	}
	if n := len(rs.For("abc", "batch=8")); n != 5 {
		t.Errorf("a trial without overrides has %d rules, want 5", n)
	}
}

func TestParseRulesErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text, want string
	}{
		{"typo in a metric", "[max_regression]\nfsp = \"5%\"\n", `gate.toml:2: unknown metric "fsp"; did you mean fps?`},
		{"typo in a threshold", "thresholds = [\"qualty.hit_rate >= 0.9\"]\n", `gate.toml:1: constraint "qualty.hit_rate >= 0.9": unknown metric "qualty.hit_rate"; did you mean quality.hit_rate?`},
		{"typo in better", "[better]\ncpu_utl_mean = \"lower\"\n[max_regression]\nfps = \"5%\"\n", `gate.toml:2: unknown metric "cpu_utl_mean"`},
		{"typo in an override", "[trial.x]\nmax_regression = { fpss = \"5%\" }\n", `unknown metric "fpss"`},
		{"bare number", "[max_regression]\nfps = 5\n", `gate.toml:2: max_regression.fps: 5: write a percentage as "5%"`},
		{"too large", "[max_regression]\nfps = \"150%\"\n", `150% is not an allowance from 0% to below 100%`},
		{"off outside an override", "[max_regression]\nfps = \"off\"\n", `"off" only makes sense in a [trial."..."] override`},
		{"no direction", "[max_regression]\ncpu_util_mean = \"5%\"\n", `cpu_util_mean has no better direction; say which in [better]`},
		{"bad direction", "[better]\ncpu_util_mean = \"up\"\n", `want "higher" or "lower"`},
		{"unknown field", "max_regresion = 1\n", `gate.toml:1: unknown field "max_regresion"`},
		{"unknown override field", "[trial.x]\nmax = 1\n", `trial "x": unknown field "max"`},
		{"empty", "# nothing\n", "no rules"},
		{"toml syntax", "[max_regression\n", "gate.toml:2:"},
		{"thresholds inside a table", "[max_regression]\nfps = \"5%\"\nthresholds = [\"fps >= 1\"]\n", "gate.toml:3: max_regression.thresholds: TOML puts a key after [max_regression] inside that table; move thresholds above the first [table]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseRules([]byte(tt.text), "gate.toml")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestGobenchMetrics checks that every metric the Go benchmark lines carry
// is in the registry with a unit for them.
func TestGobenchMetrics(t *testing.T) {
	t.Parallel()
	for _, name := range gobenchMetrics {
		if m, ok := metric.Lookup(name); !ok || m.Gobench == "" {
			t.Errorf("metric %q: not in the registry, or no Gobench unit there", name)
		}
	}
}

// TestRulesNesting: a rules file nested thousands deep is refused by its
// line before the TOML decoder sees it.
func TestRulesNesting(t *testing.T) {
	t.Parallel()
	text := "[better]\nfps = " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n"
	_, err := ParseRules([]byte(text), "gate.toml")
	if err == nil || err.Error() != "gate.toml:2: nested more than 32 levels deep" {
		t.Fatalf("error %v", err)
	}
}
