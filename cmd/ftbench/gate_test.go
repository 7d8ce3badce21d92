package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/stats"
)

// gateRecords writes synthetic records of one trial (and the reference
// workload, when refFPS > 0) to a results file and returns its path.
func gateRecords(t *testing.T, dir, name string, env *record.Env, refFPS float64, fps ...float64) string {
	t.Helper()
	path := filepath.Join(dir, name)
	w, err := record.OpenWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for i, v := range fps {
		mk := func(id, label string, v float64) *record.Result {
			return &record.Result{Version: record.RecordVersion, Sweep: "t", TrialID: id, Label: label, Round: i, Repetition: i,
				Input: record.Input{Name: "face_360p"}, Status: record.StatusOK, Env: env, Start: time.Unix(int64(i), 0),
				Metrics: &metrics.Metrics{Frames: 90, FPS: v, WallSeconds: 90 / v}}
		}
		if refFPS > 0 {
			if err := w.Append(mk("ref000000000", record.ReferenceLabel, refFPS*(1+0.002*float64(i%3)))); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Append(mk("aaaaaaaaaaaa", "batch=16", v)); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

var (
	gateEnvA = &record.Env{CPUModel: "Test CPU A", CPUs: 2, UsableCPUs: 2}
	gateEnvB = &record.Env{CPUModel: "Test CPU B", CPUs: 8, UsableCPUs: 8}
	gateFPS  = []float64{300, 303, 297, 301, 299, 302, 298, 300, 304, 296}
)

func gateScaled(f float64) []float64 {
	out := make([]float64, len(gateFPS))
	for i, v := range gateFPS {
		out[i] = v * f
	}
	return out
}

// TestGateExitCodes drives `ftbench gate` in-process on synthetic records:
// every exit code, the outputs, and the usage errors.
func TestGateExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := gateRecords(t, dir, "base.jsonl", gateEnvA, 1500, gateFPS...)
	same := gateRecords(t, dir, "same.jsonl", gateEnvA, 1500, gateScaled(1.01)...)
	slow := gateRecords(t, dir, "slow.jsonl", gateEnvA, 1500, gateScaled(0.85)...)
	two := gateRecords(t, dir, "two.jsonl", gateEnvA, 1500, 250, 330)
	fast := gateRecords(t, dir, "fast.jsonl", gateEnvB, 6000, gateScaled(4)...)
	noRef := gateRecords(t, dir, "noref.jsonl", gateEnvB, 0, gateScaled(4)...)
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	typo := write("typo.toml", "[max_regression]\nfsp = \"5%\"\n")
	loose := write("loose.toml", "[max_regression]\nfps = \"20%\"\n")
	junit := filepath.Join(dir, "gate.xml")
	md := filepath.Join(dir, "summary.md")
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"same", []string{"--baseline", base, "--candidate", same}, exitOK, "verdict: PASS", ""},
		{"15% slower", []string{"--baseline", base, "--candidate", slow}, exitFailure, "regression: -15.0%", "ftbench gate: fail: 1 failing"},
		{"15% slower within a 20% allowance", []string{"--baseline", base, "--candidate", slow, "--rules", loose}, exitOK, "-20%  pass", ""},
		{"two runs a side", []string{"--baseline", two, "--candidate", two}, exitInconclusive, "2+2 runs: need at least 3 a side", "inconclusive"},
		{"typo in a rule", []string{"--baseline", base, "--candidate", same, "--rules", typo}, exitUsage, "", `typo.toml:2: unknown metric "fsp"; did you mean fps?`},
		{"other machine", []string{"--baseline", base, "--candidate", fast}, exitUsage, "", "raw speeds from different machines do not compare"},
		{"other machine, normalised", []string{"--baseline", base, "--candidate", fast, "--normalize", "reference"}, exitOK, "fps/ref", ""},
		{"normalised without reference", []string{"--baseline", base, "--candidate", noRef, "--normalize", "reference"}, exitUsage, "", "noref.jsonl: cannot normalise by the reference"},
		{"junit and markdown", []string{"--baseline", base, "--candidate", slow, "--format", "junit", "--junit", junit, "--markdown", md}, exitFailure, `<failure message="regression`, ""},
		{"markdown", []string{"--baseline", base, "--candidate", same, "--format", "markdown"}, exitOK, "| face_360p batch=16 | fps |", ""},
		{"missing flag", []string{"--baseline", base}, exitUsage, "", "want --baseline and --candidate"},
		{"bad format", []string{"--baseline", base, "--candidate", same, "--format", "html"}, exitUsage, "", `--format "html"`},
		{"bad normalize", []string{"--baseline", base, "--candidate", same, "--normalize", "machine"}, exitUsage, "", `normalize "machine"`},
		{"bad alpha", []string{"--baseline", base, "--candidate", same, "--alpha", "2"}, exitUsage, "", "alpha 2"},
		{"missing file", []string{"--baseline", filepath.Join(dir, "nope.jsonl"), "--candidate", same}, exitUsage, "", "nope.jsonl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := ftbench(append([]string{"gate"}, tt.args...)...)
			if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s\nwant %q and %q", code, tt.code, stdout, stderr, tt.stdout, tt.stderr)
			}
		})
	}
	for _, f := range []string{junit, md} {
		if data, err := os.ReadFile(f); err != nil || !strings.Contains(string(data), "regression") {
			t.Errorf("%s: %v\n%s", f, err, data)
		}
	}
}

// TestBaselineCommands: save two machines' baselines, show them, and let
// the gate pick one from the folder.
func TestBaselineCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store := filepath.Join(dir, "baselines")
	for _, f := range []string{
		gateRecords(t, dir, "a.jsonl", gateEnvA, 1500, gateFPS...),
		gateRecords(t, dir, "b.jsonl", gateEnvB, 6000, gateScaled(4)...),
	} {
		if code, stdout, stderr := ftbench("baseline", "save", store, "--from", f); code != exitOK || !strings.Contains(stdout, "saved 20 records (10 counted runs, 10 reference runs)") {
			t.Fatalf("save: exit %d\n%s%s", code, stdout, stderr)
		}
	}
	code, stdout, stderr := ftbench("baseline", "show", store)
	if code != exitOK || !strings.Contains(stdout, "Test CPU A, 2 CPUs, no GPU") || !strings.Contains(stdout, "Test CPU B, 8 CPUs, no GPU") {
		t.Errorf("show: exit %d\n%s%s", code, stdout, stderr)
	}
	// A candidate from machine B gets B's baseline, raw.
	candB := gateRecords(t, dir, "candb.jsonl", gateEnvB, 6000, gateScaled(4*0.99)...)
	code, stdout, stderr = ftbench("gate", "--baseline", store, "--candidate", candB)
	if code != exitOK || !strings.Contains(stderr, "recorded on the candidate's machine") || !strings.Contains(stdout, "raw values") {
		t.Errorf("gate with B's baseline: exit %d\n%s%s", code, stdout, stderr)
	}
	// One from an unknown machine is compared, normalised, with the newest.
	candC := gateRecords(t, dir, "candc.jsonl", &record.Env{CPUModel: "C", CPUs: 4, UsableCPUs: 4}, 3000, gateScaled(2*0.8)...)
	code, stdout, stderr = ftbench("gate", "--baseline", store, "--candidate", candC)
	if code != exitFailure || !strings.Contains(stderr, "normalised by the reference workload") || !strings.Contains(stdout, "regression: -20.0%") {
		t.Errorf("gate with another machine's baseline: exit %d\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = ftbench("gate", "--baseline", store, "--candidate", candC, "--normalize", "none")
	if code != exitUsage || !strings.Contains(stderr, "--normalize none forbids") {
		t.Errorf("--normalize none: exit %d\n%s", code, stderr)
	}
	for _, args := range [][]string{{"baseline"}, {"baseline", "save", store}, {"baseline", "show", filepath.Join(dir, "empty")}} {
		if code, _, stderr := ftbench(args...); code != exitUsage {
			t.Errorf("%v: exit %d: %s", args, code, stderr)
		}
	}
}

func TestExportUsage(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"export"}, "want one or more results files"},
		{[]string{"export", "--format", "csv", "x"}, `--format "csv": want gobench`},
		{[]string{"export", filepath.Join(t.TempDir(), "nope")}, "no such file"},
	} {
		if code, _, stderr := ftbench(tt.args...); code != exitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tt.args, code, stderr, tt.want)
		}
	}
}

// TestGateEndToEnd sweeps a generated clip twice with the real binary (the
// reference workload included), and gates the second sweep against the
// first: it passes; its records with frames/s cut by 15% fail; two runs a
// side are inconclusive. It also exports the records for benchstat.
//
// Note: not parallel, so that the package's other sweeps do not run beside
// these and add to their noise.
func TestGateEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two real sweeps")
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("the reference workload needs the ffmpeg CLI")
	}
	c := clip(t, "face_360p")
	work := t.TempDir()
	bin := ftbenchBinary(t, work)
	spec := filepath.Join(work, "gate.toml")
	text := fmt.Sprintf(`name = "gate-e2e"
repeats = 10
warmups = 1
timeout = "60s"

[[input]]
video = %q
gt = %q

[base]
preset = "ultrafast"
`, c.Video, c.GroundTruth)
	if err := os.WriteFile(spec, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var dirs []string
	for _, name := range []string{"base", "cand"} {
		out := filepath.Join(work, name)
		if b, err := exec.Command(bin, "sweep", spec, "--out", out, "--no-gpu").CombinedOutput(); err != nil {
			t.Fatalf("sweep: %v\n%s", err, b)
		}
		dirs = append(dirs, out)
	}
	t.Logf("two sweeps in %s", time.Since(start).Round(time.Second))
	gateRun := func(args ...string) (int, string) {
		cmd := exec.Command(bin, append([]string{"gate"}, args...)...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		var ee *exec.ExitError
		switch {
		case err == nil:
			return 0, out.String()
		case errors.As(err, &ee):
			return ee.ExitCode(), out.String()
		}
		t.Fatal(err)
		return 0, ""
	}
	// The allowance a shared 2-core machine needs between two sweeps run
	// a minute apart: scripts/gate-rules.toml's.
	rules := filepath.Join("..", "..", "scripts", "gate-rules.toml")
	baseFile, candFile := filepath.Join(dirs[0], record.ResultsFile), filepath.Join(dirs[1], record.ResultsFile)

	code, out := gateRun("--baseline", baseFile, "--candidate", candFile, "--normalize", "reference", "--rules", rules)
	t.Logf("same build:\n%s", out)
	if code != exitOK {
		t.Errorf("the same build: exit %d, want 0", code)
	}

	// The candidate's records with frames/s cut by 15%, against the
	// candidate's own: the default rule (5%) must fail them.
	cand, _, err := record.ReadResults(candFile)
	if err != nil {
		t.Fatal(err)
	}
	var cut bytes.Buffer
	var fps []float64
	for _, r := range cand {
		if r.Metrics != nil && !record.IsReference(r) {
			if !r.Warmup {
				fps = append(fps, r.Metrics.FPS)
			}
			r.Metrics.FPS *= 0.85
		}
		line, _ := json.Marshal(r)
		cut.Write(append(line, '\n'))
	}
	cutFile := filepath.Join(work, "cut.jsonl")
	if err := os.WriteFile(cutFile, cut.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out = gateRun("--baseline", candFile, "--candidate", cutFile)
	t.Logf("frames/s cut by 15%%:\n%s", out)
	// Note: whether 10 runs a side of real sweeps can prove a 15% cut
	// beyond a 5% allowance depends on the machine's noise and its
	// outliers: with go test running other packages alongside, one slow
	// run in ten at CV 9% already widened the interval to [-25%, -3%].
	// Noisy, the right answer is inconclusive, never a pass; the exact
	// exit 1 is asserted on synthetic records in gate's own tests.
	cv := stats.Summarize(fps, stats.Options{}).CV
	switch {
	case code == exitFailure && strings.Contains(out, "regression: -15.0%"):
	case code == exitInconclusive && cv > 0.05:
		t.Logf("the machine is too noisy (CV %.0f%%) to prove the cut with 10 runs; inconclusive is the right answer", 100*cv)
	default:
		t.Errorf("frames/s cut by 15%% (CV %.1f%%): exit %d, want 1", 100*cv, code)
	}
	code, out = gateRun("--baseline", baseFile, "--candidate", cutFile, "--normalize", "reference")
	t.Logf("frames/s cut by 15%%, against the first sweep:\n%s", out)
	if code == exitOK && cv < 0.10 {
		t.Errorf("a 15%% cut passed against the first sweep (CV %.1f%%)", 100*cv)
	}

	// Two runs a side of a noisy metric.
	two := func(src, dst string) string {
		rs, _, err := record.ReadResults(src)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		n := 0
		for _, r := range rs {
			if !r.Warmup && !record.IsReference(r) && n < 2 {
				n++
				line, _ := json.Marshal(r)
				b.Write(append(line, '\n'))
			}
		}
		p := filepath.Join(work, dst)
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	code, out = gateRun("--baseline", two(baseFile, "two-base.jsonl"), "--candidate", two(candFile, "two-cand.jsonl"))
	if code != exitInconclusive || !strings.Contains(out, "2+2 runs: need at least 3 a side") || !strings.Contains(out, "runs a side would settle it") {
		t.Errorf("two runs a side: exit %d, want 3:\n%s", code, out)
	}

	// Go benchmark lines, one per counted run, trial and reference.
	exp := exec.Command(bin, "export", "--format", "gobench", dirs[0])
	b, err := exp.Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Count(string(b), "\nBenchmarkPipeline/")
	if lines != 20 || !strings.Contains(string(b), "/reference=ffmpeg-") || !strings.Contains(string(b), " ref-ratio") {
		t.Errorf("export: %d lines, want 20:\n%s", lines, b)
	}
	// The reference was recorded each round with the pipeline's crop.
	rs, _, _ := record.ReadResults(baseFile)
	refs := 0
	for _, r := range rs {
		if record.IsReference(r) && r.Status == record.StatusOK {
			refs++
			if r.Metrics.CropWidth != 202 || r.Metrics.CropHeight != 360 || math.IsNaN(r.Metrics.FPS) || !r.Metrics.AudioCopied {
				t.Errorf("reference record: %+v", r.Metrics)
			}
		}
	}
	if refs != 11 {
		t.Errorf("%d ok reference runs, want 11 (one per round)", refs)
	}
}

// TestSweepCalibrate: sweeps record the reference workload unless the
// spec says calibrate = false, and the dry run says what it adds.
func TestSweepCalibrate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := func(name, extra string) string {
		p := filepath.Join(dir, name)
		text := "name = \"c\"\ndescription = \"d\"\nrepeats = 3\nwarmups = 1\n" + extra + "[[input]]\nfixture = \"face_360p\"\n[axes]\nbatch = [1, 2]\n"
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	code, stdout, stderr := ftbench("sweep", "--dry-run", spec("on.toml", ""))
	if code != exitOK || !strings.Contains(stdout, "calibration: + 4 reference runs, one per round per input") || !strings.Contains(stdout, "= 8 runs") {
		t.Errorf("default: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = ftbench("sweep", "--dry-run", spec("off.toml", "calibrate = false\n"))
	if code != exitOK || strings.Contains(stdout, "calibration") {
		t.Errorf("calibrate = false: exit %d\n%s", code, stdout)
	}
	code, _, stderr = ftbench("sweep", "--dry-run", spec("bad.toml", "calibrate = \"no\"\n"))
	if code != exitUsage || !strings.Contains(stderr, `bad.toml:5: field "calibrate": want true or false, got the string "no"`) {
		t.Errorf("calibrate = \"no\": exit %d\n%s", code, stderr)
	}
}
