package sweeps

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// expandText is a spec with two inputs, [base] and three axes (a pow2
// range, a stepped range and a list): 48 trials.
const expandText = `
name = "x"
repeats = 2
warmups = 1
timeout = "90s"
constraints = ["quality.hit_rate >= 0.9", "cpu_util_mean<0.8"]
reference = "batch=2,decoder_threads=1,preset=ultrafast"

[objective]
metric = "wall_seconds"
direction = "minimize"

[[input]]
video = "talk.mp4"
gt = "talk.gt.json"

[[input]]
fixture = "face_360p"

[base]
crf = 30
min_face = 0.2

[axes]
batch = { from = 1, to = 8, pow2 = true }
decoder_threads = { from = 1, to = 5, step = 2 }
preset = ["ultrafast", "veryfast"]
`

func TestExpand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	video := filepath.Join(dir, "talk.mp4")
	if err := os.WriteFile(video, []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "talk.gt.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Parse([]byte(expandText), "x.toml", dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Repeats != 2 || s.Warmups != 1 || s.Timeout != 90*time.Second {
		t.Errorf("repeats %d warmups %d timeout %v", s.Repeats, s.Warmups, s.Timeout)
	}
	if s.Objective != (Objective{Metric: "wall_seconds", Direction: Minimize}) || !s.Objective.Better(1, 2) {
		t.Errorf("objective %+v", s.Objective)
	}
	if len(s.Constraints) != 2 || s.Constraints[1].Metric != "cpu_util_mean" || s.Constraints[1].Op != "<" || s.Constraints[1].Value != 0.8 {
		t.Errorf("constraints %+v", s.Constraints)
	}
	if !s.Constraints[0].Holds(0.95) || s.Constraints[0].Holds(0.5) {
		t.Error("Holds")
	}
	trials := s.Trials()
	// 4 batches x 3 thread counts x 2 presets x 2 inputs.
	if len(trials) != 48 {
		t.Fatalf("%d trials, want 48", len(trials))
	}
	first, last := trials[0], trials[23]
	if first.Label != "batch=1,decoder_threads=1,preset=ultrafast" || last.Label != "batch=8,decoder_threads=5,preset=veryfast" {
		t.Errorf("labels %q .. %q", first.Label, last.Label)
	}
	if first.Input.Name != "talk.mp4" || first.Input.Size != 5 || trials[24].Input.Fixture != "face_360p" {
		t.Errorf("inputs: %+v, %+v", first.Input, trials[24].Input)
	}
	if first.Config.CRF != 30 || first.Config.MinFace != 0.2 || first.Config.Batch != 1 || last.Config.DecoderThreads != 5 {
		t.Errorf("configs: %+v", first.Config)
	}
	for i, tr := range trials {
		if tr.Index != i {
			t.Errorf("trial %d has index %d", i, tr.Index)
		}
	}
	// The same spec read from another folder (another machine) gives the
	// same trials and ids.
	dir2 := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir2, "talk.mp4"), []byte("54321"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir2, "talk.gt.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	s2, err := Parse([]byte(expandText), "elsewhere/x.toml", dir2)
	if err != nil {
		t.Fatal(err)
	}
	for i, tr := range s2.Trials() {
		if tr.ID != trials[i].ID || tr.Label != trials[i].Label {
			t.Fatalf("trial %d: %s %s on another machine, %s %s here", i, tr.ID, tr.Label, trials[i].ID, trials[i].Label)
		}
	}
	plan := s.Plan()
	if len(plan.Runs()) != 48*3 || plan.Timeout != 90*time.Second {
		t.Errorf("plan: %d runs", len(plan.Runs()))
	}
}

func TestTogether(t *testing.T) {
	t.Parallel()
	base := "name = \"t\"\n"
	input := "[[input]]\nfixture = \"face_360p\"\n"
	tests := []struct {
		name, text string
		labels     []string
		err        string
	}{
		{"axes advance as one", base + "together = [[\"processes\", \"encode_workers\"]]\n[axes]\nprocesses = [1, 2]\nencode_workers = [1, 2]\nbatch = [8, 16]\n",
			[]string{"processes=1,encode_workers=1,batch=8", "processes=1,encode_workers=1,batch=16", "processes=2,encode_workers=2,batch=8", "processes=2,encode_workers=2,batch=16"}, ""},
		{"unequal lengths", base + "together = [[\"processes\", \"encode_workers\"]]\n[axes]\nprocesses = [1, 2]\nencode_workers = [1]\n", nil, "list as many values"},
		{"not an axis", base + "together = [[\"processes\", \"streams\"]]\n[axes]\nprocesses = [1, 2]\n", nil, `"streams" is not an axis`},
		{"a bad CLI variant", base + "references = [\"split=1\"]\n[axes]\nprocesses = [1, 2]\n", nil, "split must be an integer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := Parse([]byte(tc.text+input), "t.toml", "")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tr := range s.Trials() {
				got = append(got, tr.Label)
			}
			if !slices.Equal(got, tc.labels) {
				t.Fatalf("labels %q, want %q", got, tc.labels)
			}
		})
	}
}
