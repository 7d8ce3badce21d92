package reports

import (
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/sweeps"
)

// scalingSpec sweeps 1, 2 and 4 workers (processes and encode_workers
// together) at two batches, beside the ffmpeg CLI split in two and a
// variant that fails.
const scalingSpec = `name = "scaling"
repeats = 4
together = [["processes", "encode_workers"]]
references = ["split=2", "hwaccel=cuda"]

[[input]]
fixture = "face_360p"

[base]
detector = "pico"

[axes]
processes = [1, 2, 4]
encode_workers = [1, 2, 4]
batch = [1, 8]
`

// amdahlFPS is 100 f/s at one worker times Amdahl's speedup with parallel
// fraction p: batch 1 has p = 0.8 (S(2) = 5/3, S(4) = 5/2), batch 8 p = 0.5
// (S(2) = 4/3, S(4) = 8/5).
func amdahlFPS(processes, batch int) float64 {
	p := map[int]float64{1: 0.8, 8: 0.5}[batch]
	return 100 / ((1 - p) + p/float64(processes))
}

// scalingResults are every run of scalingSpec in sweep order: each
// round's values scaled by 1 + round/100 alike, so every ratio of medians
// and every per-round ratio is exact. The split CLI runs at half the
// fastest trial's frames/s of its round; hwaccel=cuda always fails.
func scalingResults(t *testing.T, spec *sweeps.Spec, roundShift int) []*record.Result {
	t.Helper()
	var out []*record.Result
	plan := record.WithReference(spec.Plan(), spec.Base, spec.CLI...)
	for _, run := range plan.Runs() {
		tr := run.Trial
		k := 1 + float64(run.Round)/100
		res := &record.Result{Version: record.RecordVersion, Sweep: spec.Name, TrialID: tr.ID, Label: tr.Label, Config: tr.Config,
			Input: tr.Input, Round: run.Round, Repetition: run.Repetition, Status: record.StatusOK, Axes: map[string]any{}}
		for _, a := range tr.Axes {
			res.Axes[a.Key] = a.Value
		}
		var fps float64
		switch v := record.CLIVariantOf(tr); {
		case !record.IsReferenceTrial(tr):
			fps = amdahlFPS(tr.Config.Processes, int(tr.Config.Batch)) * k
		case v.HWAccel == "cuda":
			res.Status, res.ExitCode, res.Error = record.StatusFailed, 1, "reference workload (ffmpeg): exit status 1"
			res.StderrTail = "Device creation failed: -542398533.\nDevice setup failed for decoder on input stream #0:0 : Generic error in an external library\nbench: maxrss=86448kB\n"
		case v.Split == 2:
			fps = amdahlFPS(4, 1) * k / 2
			res.Round += roundShift
		default:
			fps = 50 * k
		}
		if res.Status == record.StatusOK {
			res.Metrics = &metrics.Metrics{Frames: 300, FPS: fps, WallSeconds: 300 / fps}
		}
		out = append(out, res)
	}
	return out
}

// TestScalingAndCLIReport writes a sweep folder's records and spec, and
// checks that the report rebuilt from them alone shows the scaling chart,
// each curve's parallel fraction and the CLI's variants with the ratio.
func TestScalingAndCLIReport(t *testing.T) {
	t.Parallel()
	spec, err := sweeps.Parse([]byte(scalingSpec), "spec.toml", "")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var lines []string
	for _, res := range scalingResults(t, spec, 0) {
		data, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(data))
	}
	if err := os.WriteFile(filepath.Join(dir, record.ResultsFile), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, record.SpecFile), []byte(scalingSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, spec string }{{"with spec", ""}, {"records alone", "none"}} {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			r, err := Generate(Request{Results: []string{dir}, SpecPath: tt.spec, HTML: filepath.Join(out, "r.html"),
				Markdown: filepath.Join(out, "s.md"), Best: "none", Stdout: io.Discard})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Scaling) != 2 {
				t.Fatalf("%d scaling curves, want 2 (one per batch)", len(r.Scaling))
			}
			if got := strings.Join(r.Scaling[0].Workers, ","); got != "processes,encode_workers" {
				t.Errorf("worker axes %s, want processes,encode_workers", got)
			}
			want := map[string][3]float64{"batch=1": {0.8, 5.0 / 3, 2.5}, "batch=8": {0.5, 4.0 / 3, 1.6}}
			for _, c := range r.Scaling {
				w := want[c.Others]
				if math.Abs(c.Fit.P-w[0]) > 1e-9 || len(c.Points) != 3 || math.Abs(c.Points[1].Speedup-w[1]) > 1e-9 || math.Abs(c.Points[2].Speedup-w[2]) > 1e-9 {
					t.Errorf("curve %s: p %v, points %+v; want p %v, speedups %v %v", c.Others, c.Fit.P, c.Points, w[0], w[1], w[2])
				}
			}
			if !r.Scaling[0].Chosen || r.Scaling[0].Others != "batch=1" {
				t.Errorf("first curve %s (chosen %v), want the chosen config's, batch=1", r.Scaling[0].Others, r.Scaling[0].Chosen)
			}
			page, err := os.ReadFile(filepath.Join(out, "r.html"))
			if err != nil {
				t.Fatal(err)
			}
			md, err := os.ReadFile(filepath.Join(out, "s.md"))
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{`id="chart-scaling"`, `<section id="cli">`} {
				if !strings.Contains(string(page), s) {
					t.Errorf("report.html lacks %s", s)
				}
			}
			for _, s := range []string{"Amdahl parallel fraction p = 0.800", "Amdahl parallel fraction p = 0.500",
				"ftbench / best CLI = 2.00× (split=2), per round: median of 4 rounds", "Device setup failed for decoder on input stream #0:0"} {
				if !strings.Contains(string(page), htmlEscape(s)) {
					t.Errorf("report.html lacks %q", s)
				}
			}
			for _, s := range []string{"## Scaling with workers (processes and encode\\_workers)", "| 4 | 254 f/s ±∞ | 4 | 2.50× (95% CI of the ratio ",
				"Amdahl parallel fraction p = 0.800: at most 5.0× with unlimited workers", "**ftbench / best CLI = 2.00× (split=2), per round",
				"| `hwaccel=cuda` | failed | 0 (+4 failed) | exit code 1: Device setup failed"} {
				if !strings.Contains(string(md), s) {
					t.Errorf("summary.md lacks %q:\n%s", s, md)
				}
			}
		})
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;").Replace(s)
}

// TestCLIRatioOfMedians checks the ratio falls back to the medians, and
// says so, when no round ran both the chosen config and the best variant.
func TestCLIRatioOfMedians(t *testing.T) {
	t.Parallel()
	spec, err := sweeps.Parse([]byte(scalingSpec), "spec.toml", "")
	if err != nil {
		t.Fatal(err)
	}
	results := scalingResults(t, spec, 100)
	r := Analyze(append(results, results...), spec, Options{}) // a file given twice: each run counts once
	if len(r.CLI) != 1 {
		t.Fatalf("%d CLI inputs, want 1", len(r.CLI))
	}
	in := r.CLI[0]
	if in.Paired || in.Best == nil || in.Best.Name != "split=2" || len(in.Best.Runs) != 4 || math.Abs(in.MedianRatio-2) > 1e-9 {
		t.Fatalf("paired %v, best %+v, median ratio %v; want unpaired, split=2, 2", in.Paired, in.Best, in.MedianRatio)
	}
	if got, want := cliHeadline(in), "ftbench / best CLI = 2.00× (split=2), ratio of medians (no round ran both)"; got != want {
		t.Errorf("headline %q, want %q", got, want)
	}
	if names := [3]string{in.Variants[0].Name, in.Variants[1].Name, in.Variants[2].Name}; names != [3]string{"plain", "split=2", "hwaccel=cuda"} {
		t.Errorf("variants %v, want plain first, then the spec's order", names)
	}
}

// TestScalingSlowdown checks a fit below 0 is said as it is, not clamped.
func TestScalingSlowdown(t *testing.T) {
	t.Parallel()
	c := ScalingCurve{Points: []ScalingPoint{{Workers: 1, Speedup: 1}, {Workers: 2, Speedup: 0.8}}}
	c.Fit.P, c.Fit.Points = -0.5, 2
	if got := amdahlLine(c); !strings.Contains(got, "the fit gives p = -0.500 < 0: more workers slow it down") {
		t.Errorf("amdahlLine = %q", got)
	}
	c.Fit.P = 1.5
	if got := amdahlLine(c); !strings.Contains(got, "p = 1.500 > 1") {
		t.Errorf("amdahlLine = %q", got)
	}
}
