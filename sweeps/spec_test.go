package sweeps

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestShippedSpecs: every spec in this folder, and the embedded default,
// validates against the pipeline's fields as they are.
func TestShippedSpecs(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.toml")
	if err != nil || len(files) < 4 {
		t.Fatalf("shipped specs: %v %v", files, err)
	}
	for _, f := range files {
		s, err := Load(f)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if len(s.Trials()) < 2 || s.Description == "" {
			t.Errorf("%s: %d trials, description %q", f, len(s.Trials()), s.Description)
		}
	}
	def, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if def.Name != "default" || len(def.Inputs) != 1 || def.Inputs[0].Fixture != "face_360p" {
		t.Errorf("default spec: %+v", def)
	}
	// It exercises processes, batch size and thread counts.
	var axes []string
	for _, a := range def.Axes {
		axes = append(axes, a.Field)
	}
	for _, want := range []string{"processes", "batch", "decoder_threads"} {
		if !slices.Contains(axes, want) {
			t.Errorf("the default sweep does not vary %s (axes %v)", want, axes)
		}
	}
	if def.Reference == "" {
		t.Error("the default sweep names no reference trial")
	}
}

const printConfigHint = " (`ftbench run --print-config` lists them)"

func TestInvalidSpecs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "v.mp4"), []byte("v"), 0o644); err != nil {
		t.Fatal(err)
	}
	const in = "[[input]]\nfixture = \"face_360p\"\n"
	tests := []struct {
		name string
		text string
		line int
		want string // the whole message after "FILE:LINE: "
	}{
		{"unknown field", "repets = 3\n" + in, 1, `field "repets": unknown field; a spec has axes, base, calibrate, constraints, description, gold, input, instrument, kpi, memory_limit, min_run_seconds, name, objective, reference, references, repeats, search, timeout, together, warmups`},
		{"negative min_run_seconds", "min_run_seconds = -1\n" + in, 1, `field "min_run_seconds": -1 is not in 0..600 seconds`},
		{"min_run_seconds as text", "min_run_seconds = \"1s\"\n" + in, 1, `field "min_run_seconds": want a number, got the string "1s"`},
		{"min_run_seconds over the timeout", "timeout = \"2s\"\nmin_run_seconds = 2.5\n" + in, 2, `field "min_run_seconds": 2.5 s does not fit in the timeout (2s): every run would time out`},
		{"axis the pipeline lacks", in + "[axes]\nbatch = [1]\nreader_threads = [1, 2]\n", 5, `field "axes.reader_threads": the pipeline has no such config field; did you mean decoder_threads?`},
		{"base field the pipeline lacks", in + "[base]\ngpu_memory_pool = 4\n", 4, `field "base.gpu_memory_pool": the pipeline has no such config field` + printConfigHint},
		{"empty axis", in + "[axes]\nbatch = []\n", 4, `field "axes.batch": empty axis: give at least one value`},
		{"empty range", in + "[axes]\nbatch = { from = 8, to = 1 }\n", 4, `field "axes.batch": empty axis: the range 8..1 is empty (from > to)`},
		{"no power of two", in + "[axes]\nbatch = { from = 5, to = 7, pow2 = true }\n", 4, `field "axes.batch": empty axis: the range 5..7 holds no power of two`},
		{"wrong type in axis", in + "[axes]\nbatch = [1, \"two\"]\n", 4, `field "axes.batch": want an integer or "auto", got the string "two"`},
		{"fraction for an integer", in + "[axes]\nbatch = [1.5]\n", 4, `field "axes.batch": want an integer or "auto", got the float 1.5`},
		{"out of range", in + "[axes]\nbatch = [0, 4]\n", 4, `field "axes.batch": value 0: must be >= 1 or "auto", got 0`},
		{"duplicate value", in + "[axes]\nbatch = [4, 4.0]\n", 4, `field "axes.batch": value 4 appears twice`},
		{"range over a float field", in + "[axes]\nmin_face = { from = 1, to = 2 }\n", 4, `field "axes.min_face": a range needs an integer field; min_face is a float64, so list its values`},
		{"range with a bad step", in + "[axes]\nbatch = { from = 1, to = 4, step = 0 }\n", 4, `field "axes.batch.step": 0 is not a positive step`},
		{"range with an unknown key", in + "[axes]\nbatch = { from = 1, to = 4, by = 2 }\n", 4, `field "axes.batch.by": unknown field; a range has from, to, and step or pow2`},
		{"axis not a list", in + "[axes]\nbatch = 4\n", 4, `field "axes.batch": want an array of values or a range {from, to, step} or {from, to, pow2 = true}, got the integer 4`},
		{"field both fixed and swept", in + "[base]\nbatch = 2\n[axes]\nbatch = [1, 2]\n", 6, `field "axes.batch": also set in [base]; a field is either fixed or swept`},
		{"invalid combination", in + "[axes]\nmin_face = [0.5]\nmax_face = [0.3, 0.9]\n", 5, `field "axes.max_face": trial min_face=0.5,max_face=0.3: must be in [min_face, 1], got 0.3`},
		{"bad base value", in + "[base]\ncrf = 99\n", 4, `field "base.crf": must be in 0..51, got 99`},
		{"base value of the wrong type", in + "[base]\npreset = 3\n", 4, `field "base.preset": want a string, got the integer 3`},
		{"unknown instrument", "instrument = \"cycles\"\n" + in, 1, `field "instrument": "cycles" is no instrument; the only one is "instructions"`},
		{"instrument with calibrate", "instrument = \"instructions\"\ncalibrate = true\n" + in, 2, `field "calibrate": an instrumented sweep counts instructions, and the reference workload calibrates wall-clock speed, which it does not measure: drop calibrate`},
		{"repeats zero", "repeats = 0\n" + in, 1, `field "repeats": 0 is not in 1..1000`},
		{"repeats a string", "repeats = \"3\"\n" + in, 1, `field "repeats": want an integer, got the string "3"`},
		{"repeats table min zero", "repeats = { min = 0, max = 30, ci = 0.02 }\n" + in, 1, `field "repeats.min": 0 is not a positive integer`},
		{"repeats table max below min", "name = \"x\"\nrepeats = { min = 5, max = 4, ci = 0.02 }\n" + in, 2, `field "repeats.max": max = 4 is below min = 5`},
		{"repeats table ci too large", "repeats = { min = 5, max = 30, ci = 1.5 }\n" + in, 1, `field "repeats.ci": 1.5 is not a fraction between 0 and 1 (0.02 asks for a median within ±2%)`},
		{"repeats table ci an integer", "repeats = { min = 5, max = 30, ci = 2 }\n" + in, 1, `field "repeats.ci": want a fraction such as 0.02 (a relative half-width), got the integer 2`},
		{"repeats table unknown key", "repeats = { min = 5, max = 30, ci = 0.02, until = 3 }\n" + in, 1, `field "repeats.until": unknown field; repeats = { min = 5, max = 30, ci = 0.02 } has min, max and ci`},
		{"repeats table without ci", "repeats = { min = 5, max = 30 }\n" + in, 1, `field "repeats": the table lacks ci; write repeats = { min = 5, max = 30, ci = 0.02 }`},
		{"repeats table max too large", "repeats = { min = 5, max = 300000, ci = 0.02 }\n" + in, 1, `field "repeats.max": 300000 is not in 1..1000`},
		{"repeats table too many runs", "repeats = { min = 5, max = 600, ci = 0.02 }\n" + in + "[axes]\nbatch = { from = 1, to = 200 }\n", 1, `field "repeats": the sweep plans 120600 runs (200 trials x (0 warm-ups + 600 repeats)); at most 100000`},
		{"negative warmups", "warmups = -1\n" + in, 1, `field "warmups": -1 is not in 0..1000`},
		{"bad timeout", "timeout = \"soon\"\n" + in, 1, `field "timeout": "soon" is not a positive duration such as "90s" or "10m"`},
		{"unknown metric in a constraint", "constraints = [\"vram_fractoin <= 0.85\"]\n" + in, 1, `field "constraints": constraint "vram_fractoin <= 0.85": unknown metric "vram_fractoin"; did you mean vram_fraction?`},
		{"constraint without operator", "constraints = [\"fps 100\"]\n" + in, 1, `field "constraints": constraint "fps 100": want METRIC OP NUMBER with OP one of <= >= == != < >`},
		{"constraint with a word for a number", "constraints = [\"fps >= lots\"]\n" + in, 1, `field "constraints": constraint "fps >= lots": "lots" is not a number`},
		{"unknown objective metric", in + "[objective]\nmetric = \"speed\"\ndirection = \"maximize\"\n", 4, `field "objective.metric": unknown metric "speed" (` + "`ftbench sweep --metrics`" + ` lists them)`},
		{"objective without direction", in + "[objective]\nmetric = \"fps\"\n", 3, `field "objective.direction": missing: say whether fps is to be "maximize"d or "minimize"d`},
		{"bad direction", in + "[objective]\nmetric = \"fps\"\ndirection = \"up\"\n", 5, `field "objective.direction": "up" is not "maximize" or "minimize"`},
		{"no input", "name = \"x\"\n", 0, `field "input": missing: a sweep needs at least one [[input]] with a video (or a fixture)`},
		{"missing video", "[[input]]\nvideo = \"nope.mp4\"\n", 2, `field "input.0.video": cannot read video ` + filepath.Join(dir, "nope.mp4") + `: no such file or directory`},
		{"missing ground truth", "[[input]]\nvideo = \"v.mp4\"\ngt = \"v.gt\"\n", 3, `field "input.0.gt": cannot read ground truth ` + filepath.Join(dir, "v.gt") + `: no such file or directory`},
		{"unknown fixture", "[[input]]\nfixture = \"face_8k\"\n", 2, `field "input.0.fixture": unknown fixture "face_8k"; valid names: face_1080p, face_360p, face_720p, minute_1080p30, two_faces_360p, two_faces_cross_360p`},
		{"video and fixture", "[[input]]\nfixture = \"face_360p\"\nvideo = \"v.mp4\"\n", 1, `field "input.0": give video or fixture, not both`},
		{"same input twice", in + in, 3, `field "input.1": input "face_360p" is already input.0`},
		{"input without a video", "[[input]]\ngt = \"v.gt\"\n", 1, `field "input.0": missing video (a file) or fixture (a generated clip: face_1080p, face_360p, face_720p, minute_1080p30, two_faces_360p, two_faces_cross_360p)`},
		{"unknown reference", "reference = \"batch=3\"\n" + in + "[axes]\nbatch = [1, 2]\n", 1, `field "reference": no trial is labelled "batch=3"; labels look like "batch=1"`},
		{"TOML syntax", in + "[axes\nbatch = [1]\n", 4, `expected '.' or ']' to end table name, but got '\n' instead`},
		{"misspelt field", in + "[axes]\nbatc = [1]\n", 4, `field "axes.batc": the pipeline has no such config field; did you mean batch?`},
		{"a billion repeats", "repeats = 1000000000\n" + in, 1, `field "repeats": 1000000000 is not in 1..1000`},
		{"too many runs", "repeats = 1000\nwarmups = 1000\n" + in + "[axes]\nbatch = { from = 1, to = 100 }\n", 1, `field "repeats": the sweep plans 202000 runs (100 trials x (1000 warm-ups + 1000 repeats)); at most 100000`},
		{"10000 nested inline tables", in + "[base]\nx = " + strings.Repeat("{a = ", 10000) + "1" + strings.Repeat("}", 10000) + "\n", 4, `nested more than 32 levels deep`},
		{"20000 nested arrays", in + "[base]\nx = " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n", 4, `nested more than 32 levels deep`},
		{"too many trials", in + "[axes]\nbatch = { from = 1, to = 200 }\ndecoder_threads = { from = 0, to = 100 }\n", 5, `field "axes.decoder_threads": the axes expand into more than 10000 trials`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.text), "bad.toml", dir)
			if err == nil {
				t.Fatal("no error")
			}
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %T %v is not an ErrorList", err, err)
			}
			loc := "bad.toml"
			if tt.line > 0 {
				loc += ":" + itoa(tt.line)
			}
			want := loc + ": " + tt.want
			if list[0].Error() != want {
				t.Errorf("got\n  %s\nwant\n  %s", list[0].Error(), want)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestMinRunSeconds checks min_run_seconds' default, its off switch and
// that an instrumented sweep has none.
func TestMinRunSeconds(t *testing.T) {
	t.Parallel()
	const in = "[[input]]\nfixture = \"face_360p\"\n"
	for _, tt := range []struct {
		name, text string
		want       float64
	}{
		{"default", in, DefaultMinRunSeconds},
		{"set", "min_run_seconds = 2.5\n" + in, 2.5},
		{"off", "min_run_seconds = 0\n" + in, 0},
		{"instrumented", "min_run_seconds = 3\ninstrument = \"instructions\"\n" + in, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse([]byte(tt.text), "s.toml", t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if s.MinRunSeconds != tt.want {
				t.Errorf("MinRunSeconds %g, want %g", s.MinRunSeconds, tt.want)
			}
		})
	}
}

// TestAllErrorsAtOnce: validation goes on after the first problem, so one
// run of the command shows every mistake.
func TestAllErrorsAtOnce(t *testing.T) {
	t.Parallel()
	text := "repeats = 0\ntimeout = \"x\"\n[[input]]\nfixture = \"face_360p\"\n[axes]\nbatch = []\nreader_threads = [1]\n"
	_, err := Parse([]byte(text), "bad.toml", "")
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 4 {
		t.Fatalf("got %v, want 4 errors", err)
	}
	for i := 1; i < len(list); i++ {
		if list[i].Line < list[i-1].Line {
			t.Errorf("errors out of line order: %v", err)
		}
	}
}

// TestRepeatsTable: a table sets the least and most rounds and the
// interval to reach; an integer keeps meaning exactly that many rounds.
func TestRepeatsTable(t *testing.T) {
	t.Parallel()
	const in = "[[input]]\nfixture = \"face_360p\"\n"
	s, err := Parse([]byte("repeats = { min = 5, max = 30, ci = 0.02 }\n"+in), "r.toml", "")
	if err != nil {
		t.Fatal(err)
	}
	if s.Repeats != 5 || s.RepeatsMax != 30 || s.RepeatsCI != 0.02 {
		t.Errorf("repeats = %d..%d ci %g, want 5..30 ci 0.02", s.Repeats, s.RepeatsMax, s.RepeatsCI)
	}
	if p := s.Plan(); p.Repeats != 5 || p.MaxRepeats != 30 || p.CI != 0.02 || !p.Adaptive() {
		t.Errorf("plan %+v does not carry the bounds", p)
	}
	if len(s.Warnings) != 0 {
		t.Errorf("5 repeats reach alpha 0.05, yet: %v", s.Warnings)
	}
	s, err = Parse([]byte("repeats = 6\n"+in), "r.toml", "")
	if err != nil {
		t.Fatal(err)
	}
	if p := s.Plan(); p.Repeats != 6 || p.MaxRepeats != 6 || p.Adaptive() {
		t.Errorf("repeats = 6 planned %+v, want exactly 6 rounds", p)
	}
}

// TestRepeatsPowerWarning: 3 repeats a side cannot reach alpha = 0.05
// with the rank test (smallest p 0.1); the spec warns, naming its line
// and the 4 that would, and still parses.
func TestRepeatsPowerWarning(t *testing.T) {
	t.Parallel()
	s, err := Parse([]byte("name = \"x\"\nrepeats = 3\n[[input]]\nfixture = \"face_360p\"\n"), "w.toml", "")
	if err != nil {
		t.Fatal(err)
	}
	want := "w.toml:2: repeats = 3 cannot reach alpha = 0.05 with the rank test (its smallest p for 3+3 runs is 0.100); 4 repeats would, and where it cannot the comparison falls back to Welch's t on logs"
	if len(s.Warnings) != 1 || s.Warnings[0] != want {
		t.Errorf("warnings %q, want [%q]", s.Warnings, want)
	}
}

// TestHugeAxis: an axis of 400,001 values (as many as a MiB holds), or 9,000 bad ones, gives a
// handful of error lines, not one per value.
func TestHugeAxis(t *testing.T) {
	t.Parallel()
	in := "[[input]]\nfixture = \"face_360p\"\n[axes]\n"
	for _, tc := range []struct {
		name, axis string
		want       string
		most       int
	}{
		{"400,001 values (a MiB of them)", "batch = [" + strings.Repeat("1,", 400000) + "1]\n", `the axis has 400001 values; at most 10000`, 1},
		{"9000 bad values", "batch = [" + strings.Repeat("-1,", 8999) + "-1]\n", `8990 more values not checked`, maxAxisErrors + 1},
	} {
		_, err := Parse([]byte(in+tc.axis), "big.toml", "")
		var list ErrorList
		if !errors.As(err, &list) || len(list) > tc.most || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %d errors, want at most %d with %q; first: %.200v", tc.name, len(list), tc.most, tc.want, err)
		}
	}
}
