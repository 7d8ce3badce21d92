package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/reports"
)

// reportFolder copies a recorded sweep of reports/testdata into a new
// folder, as a sweep leaves it: results.jsonl and spec.toml.
func reportFolder(t *testing.T, scenario string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{record.ResultsFile, record.SpecFile} {
		data, err := os.ReadFile(filepath.Join("..", "..", "reports", "testdata", scenario, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestReportWritesItsFiles(t *testing.T) {
	t.Parallel()
	dir := reportFolder(t, "gpu")
	code, stdout, stderr := ftbench("report", dir)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "Best config: processes=2,batch=32") {
		t.Errorf("stdout does not name the choice:\n%s", stdout)
	}
	for _, name := range []string{reports.HTMLFile, reports.MarkdownFile, reports.BestFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s not written: %v", name, err)
		}
	}
	cfg, err := config.LoadConfig(filepath.Join(dir, reports.BestFile))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Processes != 2 || cfg.Batch != 32 {
		t.Errorf("best.toml holds processes=%d batch=%d, want 2 and 32", cfg.Processes, cfg.Batch)
	}
	page, _ := os.ReadFile(filepath.Join(dir, reports.HTMLFile))
	if !strings.Contains(string(page), reports.DefaultEChartsURL) {
		t.Error("without --assets the report should load ECharts from the CDN")
	}
}

func TestReportOptions(t *testing.T) {
	t.Parallel()
	assets := t.TempDir()
	js := filepath.Join(assets, "dist", reports.EChartsFile)
	if err := os.MkdirAll(filepath.Dir(js), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(js, []byte("var echarts = {};"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   func(dir, out string) []string
		code   int
		stdout string // a substring
		files  []string
		absent []string
		page   string // a substring of out/r.html
	}{
		{name: "named outputs", code: exitOK,
			args: func(dir, out string) []string {
				return []string{dir + "/results.jsonl", "-o", out + "/r.html", "--md", out + "/s.md", "--best", out + "/b.toml"}
			},
			files: []string{"r.html", "s.md", "b.toml"}},
		{name: "summary to stdout", code: exitOK, stdout: "# ftbench sweep `phase1a-gpu`",
			args: func(dir, out string) []string {
				return []string{dir, "--md", "-", "-o", out + "/r.html", "--best", "none"}
			},
			files:  []string{"r.html"},
			absent: []string{"best.toml"}},
		{name: "local assets", code: exitOK, page: `src="../`,
			args:  func(dir, out string) []string { return []string{dir, "-o", out + "/r.html", "--assets", assets} },
			files: []string{"r.html"}},
		{name: "inline assets", code: exitOK, page: "<script>var echarts = {};</script>",
			args: func(dir, out string) []string {
				return []string{dir, "-o", out + "/r.html", "--inline", "--assets", assets}
			},
			files: []string{"r.html"}},
		{name: "assets that are not there", code: exitUsage,
			args: func(dir, out string) []string { return []string{dir, "-o", out + "/r.html", "--assets", out} }},
		{name: "no spec: the defaults", code: exitOK, stdout: "Best config: processes=4,batch=32",
			args: func(dir, out string) []string { return []string{dir, "--spec", "none", "-o", out + "/r.html"} }},
		{name: "no results", code: exitUsage,
			args: func(dir, out string) []string { return nil }},
		{name: "a missing results file", code: exitUsage,
			args: func(dir, out string) []string { return []string{out + "/nothing.jsonl"} }},
		{name: "a bad alpha", code: exitUsage,
			args: func(dir, out string) []string { return []string{dir, "--alpha", "2"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, out := reportFolder(t, "gpu"), t.TempDir()
			code, stdout, stderr := ftbench(append([]string{"report"}, tt.args(dir, out)...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdout, stdout)
			}
			for _, f := range tt.files {
				if _, err := os.Stat(filepath.Join(out, f)); err != nil {
					t.Errorf("%s not written", f)
				}
			}
			for _, f := range tt.absent {
				if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
					t.Errorf("%s written", f)
				}
			}
			if tt.page != "" {
				page, _ := os.ReadFile(filepath.Join(out, "r.html"))
				if !strings.Contains(string(page), tt.page) {
					t.Errorf("the page lacks %q", tt.page)
				}
			}
		})
	}
}

// TestReportSkipsMalformedLines: bad lines are warned about with their
// file and line, and the rest is reported.
func TestReportSkipsMalformedLines(t *testing.T) {
	t.Parallel()
	dir := reportFolder(t, "cpu")
	path := filepath.Join(dir, record.ResultsFile)
	data, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(data), "\n")
	mangled := lines[0] + "{not json\n" + strings.Join(lines[1:], "") + `{"version":1}` + "\n"
	if err := os.WriteFile(path, []byte(mangled), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := ftbench("report", path)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{path + ":2: malformed record", path + fmt.Sprintf(":%d: record has no trial_id", len(lines)+1), "(skipped)"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(stdout, "Best config: decoder_threads=2") {
		t.Errorf("stdout:\n%s", stdout)
	}
}

// TestReportNoFeasibleConfig: no best.toml is written, an earlier one is
// left alone, and the exit status says so.
func TestReportNoFeasibleConfig(t *testing.T) {
	t.Parallel()
	dir := reportFolder(t, "nofeasible")
	stale := filepath.Join(dir, reports.BestFile)
	if err := os.WriteFile(stale, []byte("# an earlier best.toml\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := ftbench("report", dir)
	if code != exitFailure {
		t.Errorf("exit %d, want %d", code, exitFailure)
	}
	for _, want := range []string{"No feasible config", "best.toml is not written", "left as it is"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if data, _ := os.ReadFile(stale); string(data) != "# an earlier best.toml\n" {
		t.Errorf("the earlier best.toml was changed:\n%s", data)
	}
	md, _ := os.ReadFile(filepath.Join(dir, reports.MarkdownFile))
	if !strings.Contains(string(md), "No feasible config") {
		t.Errorf("summary.md does not say so:\n%s", md)
	}
}

// reportBinary builds the real ftbench binary into dir.
func reportBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "ftbench")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestReportBestConfigRuns is the end-to-end test: the real binary sweeps
// a generated clip, `ftbench report` chooses from what it recorded, and
// `ftbench run --config best.toml` runs the pipeline with the file it wrote.
func TestReportBestConfigRuns(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs a real sweep")
	}
	c := clip(t, "face_360p")
	work := t.TempDir()
	bin := reportBinary(t, work)
	spec := filepath.Join(work, "e2e.toml")
	text := fmt.Sprintf(`name = "e2e"
repeats = 3
timeout = "60s"
constraints = ["quality.hit_rate >= 0.5"]

[[input]]
video = %q
gt = %q

[base]
preset = "ultrafast"

[axes]
batch = [1, 8]
`, c.Video, c.GroundTruth)
	if err := os.WriteFile(spec, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(work, "out")
	if b, err := exec.Command(bin, "sweep", spec, "--out", out, "--no-gpu").CombinedOutput(); err != nil {
		t.Fatalf("sweep: %v\n%s", err, b)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, "report", out)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("report: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	best := filepath.Join(out, reports.BestFile)
	data, err := os.ReadFile(best)
	if err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	if _, err := config.ParseConfig(data, best); err != nil {
		t.Fatalf("best.toml does not parse: %v\n%s", err, data)
	}
	metricsPath := filepath.Join(work, "metrics.json")
	run := exec.Command(bin, "run", "-q", c.Video, "--config", best, "--gt", c.GroundTruth,
		"-o", filepath.Join(work, "best.mp4"), "--metrics", metricsPath)
	if b, err := run.CombinedOutput(); err != nil {
		t.Fatalf("ftbench run --config best.toml: %v\n%s\nbest.toml:\n%s", err, b, data)
	}
	var m metrics.Metrics
	raw, err := os.ReadFile(metricsPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	want, _ := config.ParseConfig(data, best)
	if m.Frames == 0 || m.Config.Batch != want.Batch {
		t.Errorf("the run used batch %d over %d frames, want best.toml's batch %d", m.Config.Batch, m.Frames, want.Batch)
	}
}
