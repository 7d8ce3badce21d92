package gate

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ftbench/ftbench/internal/testutil"
	"github.com/ftbench/ftbench/record"
)

// mixedReport is a report with every kind of line: a pass, a regression,
// an inconclusive check (too few runs), a broken threshold, a failed run,
// a note and a label that needs escaping.
func mixedReport(t *testing.T) *Report {
	t.Helper()
	rules, err := ParseRules([]byte("thresholds = [\"quality.hit_rate >= 0.99\"]\n[max_regression]\nfps = \"5%\"\n[trial.\"batch=1\"]\nthresholds = []\n[trial.\"a|b<c>\"]\nthresholds = []\n"), "gate.toml")
	if err != nil {
		t.Fatal(err)
	}
	var base, cand []*record.Result
	add := func(id, label string, b, c []float64) {
		for i, v := range b {
			base = append(base, rec(id, label, i, v, envA))
		}
		for i, v := range c {
			cand = append(cand, rec(id, label, i, v, envA))
		}
	}
	add("111111111111", "batch=1", steady, scaled(steady, 1.01))
	add("222222222222", "batch=16", steady, scaled(steady, 0.85))
	add("333333333333", "a|b<c>", steady[:2], steady[:2])
	cand[len(cand)-1].Status, cand[len(cand)-1].Error, cand[len(cand)-1].Metrics = record.StatusFailed, "exit status 3: boom", nil
	rep, err := Evaluate(Side{"base.jsonl", base}, Side{"cand.jsonl", cand}, rules, Config{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestOutputsGolden(t *testing.T) {
	t.Parallel()
	rep := mixedReport(t)
	for _, o := range []struct {
		file  string
		write func(*bytes.Buffer, *Report) error
	}{
		{"mixed.golden.txt", func(b *bytes.Buffer, r *Report) error { return WriteText(b, r) }},
		{"mixed.golden.md", func(b *bytes.Buffer, r *Report) error { return WriteMarkdown(b, r) }},
		{"mixed.golden.xml", func(b *bytes.Buffer, r *Report) error { return WriteJUnit(b, r) }},
	} {
		var b bytes.Buffer
		if err := o.write(&b, rep); err != nil {
			t.Fatal(err)
		}
		testutil.Golden(t, filepath.Join("testdata", o.file), b.Bytes())
	}
}

func TestJUnitParses(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := WriteJUnit(&b, mixedReport(t)); err != nil {
		t.Fatal(err)
	}
	var s junitSuites
	if err := xml.Unmarshal(b.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	// Checks: batch=1 fps (its override drops the threshold), batch=16 fps
	// and hit rate, a|b<c> fps; plus the failed run.
	if s.Tests != 5 || s.Failures != 3 || s.Skipped != 1 {
		t.Errorf("tests %d failures %d skipped %d, want 5, 3, 1", s.Tests, s.Failures, s.Skipped)
	}
}

// benchLine is the Go benchmark format (golang.org/design/14313): a name
// starting with Benchmark and holding no space, an iteration count, then
// value-unit pairs.
var benchLine = regexp.MustCompile(`^Benchmark\S+\t\d+(\t[-+0-9.e]+ \S+)+$`)

func TestGobench(t *testing.T) {
	t.Parallel()
	rs := side(envA, 1500, steady...)
	rs[0].Warmup = true
	rs = append(rs, rec("cccccccccccc", "batch=16,aspect=9:16,cascade=/a b/c", 9, 200, envA))
	failed := rec("dddddddddddd", "batch=2", 9, 1, envA)
	failed.Status = record.StatusFailed
	rs = append(rs, failed)
	var b bytes.Buffer
	sum, err := WriteGobench(&b, rs)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Lines != len(rs)-2 || sum.Skipped != 1 || sum.Warmups != 1 {
		t.Errorf("summary %+v", sum)
	}
	var benches int
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		switch {
		case strings.HasPrefix(line, "Benchmark"):
			benches++
			if !benchLine.MatchString(line) {
				t.Errorf("not a Go benchmark line: %q", line)
			}
		case strings.HasPrefix(line, "Unit "), regexp.MustCompile(`^[a-z][^\sA-Z]*: `).MatchString(line):
		default:
			t.Errorf("neither a benchmark, unit nor configuration line: %q", line)
		}
	}
	if benches != sum.Lines {
		t.Errorf("%d benchmark lines, summary says %d", benches, sum.Lines)
	}
	out := b.String()
	for _, want := range []string{
		"cpu: Test CPU A\n",
		"BenchmarkPipeline/input=face_360p/reference=ffmpeg-2\t1\t60000000 ns/op\t1500 fps",
		"BenchmarkPipeline/input=face_360p/batch=16-2\t1\t300000000 ns/op\t300 fps",
		"\t0.1998 ref-ratio\n", // 300 / the median reference, 1501.5
		"BenchmarkPipeline/input=face_360p/batch=16/aspect=9:16/cascade=_a_b_c-2\t",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// benchstat itself, when installed (go install
	// golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da).
	bs, err := exec.LookPath("benchstat")
	if err != nil {
		if home, herr := os.UserHomeDir(); herr == nil {
			if p := filepath.Join(home, "go", "bin", "benchstat"); fileExists(p) {
				bs, err = p, nil
			}
		}
	}
	if err != nil {
		t.Log("benchstat not installed; checked the format only")
		return
	}
	file := filepath.Join(t.TempDir(), "ftbench.txt")
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := exec.Command(bs, "-col", "/batch", file).CombinedOutput()
	if err != nil || !strings.Contains(string(res), "fps") || strings.Contains(string(res), "parsing") {
		t.Errorf("benchstat: %v\n%s", err, res)
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
