package sweeps

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKPITable(t *testing.T) {
	t.Parallel()
	const in = "[[input]]\nfixture = \"face_360p\"\n"
	tests := []struct {
		name    string
		text    string
		want    map[string]KPITarget // checked keys; the rest stay the plan's
		wantErr string
	}{
		{name: "default is the plan's table", text: in, want: map[string]KPITarget{
			"time": {Key: "time", Metric: "wall_seconds", Today: 59, Op: "<=", Goal: 4},
			"fps":  {Key: "fps", Metric: "fps", Today: 30, Op: ">=", Goal: 400},
			"vram": {Key: "vram", Metric: "vram_fraction", Today: 0.15, Op: ">=", Goal: 0.85},
		}},
		{name: "a row overrides one KPI", text: "[kpi]\nfps = { today = 25, goal = \">= 120\" }\n" + in, want: map[string]KPITarget{
			"fps": {Key: "fps", Metric: "fps", Today: 25, Op: ">=", Goal: 120},
			"cpu": {Key: "cpu", Metric: "cpu_util_mean", Today: 0.03, Op: ">=", Goal: 0.80},
		}},
		{name: "unknown KPI", text: in + "[kpi]\nfsp = { goal = \">= 1\" }\n", wantErr: `k.toml:4: field "kpi.fsp": unknown KPI; the plan's KPIs are time, gpu, cpu, vram, fps; did you mean fps?`},
		{name: "goal without an op", text: in + "[kpi]\nfps = { goal = \"400\" }\n", wantErr: `k.toml:4: field "kpi.fps.goal": "400" is not OP NUMBER`},
		{name: "today not a number", text: in + "[kpi]\n\n\ntime = { today = \"59s\" }\n", wantErr: `k.toml:6: field "kpi.time.today": want a number, got the string "59s"`},
		{name: "unknown field", text: in + "[kpi]\ntime = { target = 3 }\n", wantErr: `k.toml:4: field "kpi.time.target": unknown field; a KPI has today and goal`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Parse([]byte(tt.text), "k.toml", "")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(s.KPIs) != 5 {
				t.Fatalf("%d KPIs, want the plan's 5: %+v", len(s.KPIs), s.KPIs)
			}
			for _, k := range s.KPIs {
				if w, ok := tt.want[k.Key]; ok && k != w {
					t.Errorf("KPI %s = %+v, want %+v", k.Key, k, w)
				}
			}
		})
	}
}

func TestKPITargetMet(t *testing.T) {
	t.Parallel()
	time := KPITarget{Op: "<=", Goal: 4}
	fps := KPITarget{Op: ">=", Goal: 400}
	if !time.Met(3.5) || time.Met(4.5) || !fps.Met(400) || fps.Met(399) {
		t.Error("Met disagrees with the goal's comparison")
	}
}

// TestUnmeasurableGoals: a spec whose objective or constraints cannot be
// measured on its inputs, or on the machine, is refused before it runs.
func TestUnmeasurableGoals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, f := range []string{"clip.mp4", "clip.gt.json"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const noGT = "[[input]]\nvideo = \"clip.mp4\"\n"
	const withGT = "[[input]]\nvideo = \"clip.mp4\"\ngt = \"clip.gt.json\"\n"
	const fixture = "[[input]]\nfixture = \"face_360p\"\n"
	tests := []struct {
		name       string
		text       string
		gpu        bool
		wantParse  string
		wantManage string // CheckMachine's error
	}{
		{name: "quality without gt", text: "constraints = [\"quality.hit_rate >= 0.9\"]\n" + noGT,
			wantParse: `s.toml:1: field "constraints": quality.hit_rate is measured against ground truth, and input clip.mp4 has no gt`},
		{name: "quality objective without gt", text: noGT + "[objective]\nmetric = \"quality.recall\"\ndirection = \"maximize\"\n",
			wantParse: `s.toml:4: field "objective.metric": quality.recall is measured against ground truth`},
		{name: "quality with gt", text: "constraints = [\"quality.hit_rate >= 0.9\"]\n" + withGT},
		{name: "quality on a fixture", text: "constraints = [\"quality.hit_rate >= 0.9\"]\n" + fixture},
		{name: "speed without gt", text: "constraints = [\"fps >= 10\"]\n" + noGT},
		{name: "GPU metric, no GPU", text: "constraints = [\"fps >= 1\", \"vram_fraction <= 0.85\"]\n" + fixture,
			wantManage: `s.toml:1: field "constraints": vram_fraction is a GPU metric and this machine has no GPU`},
		{name: "GPU objective, no GPU", text: fixture + "\n[objective]\nmetric = \"gpu_util_mean\"\ndirection = \"maximize\"\n",
			wantManage: `s.toml:5: field "objective.metric": gpu_util_mean is a GPU metric`},
		{name: "instruction count without the instrument", text: "constraints = [\"instructions_per_frame <= 1e9\"]\n" + fixture,
			wantParse: `s.toml:1: field "constraints": instructions_per_frame is counted under instrument = "instructions", which this spec does not set`},
		{name: "instruction count under the instrument", text: "instrument = \"instructions\"\ncalibrate = false\nconstraints = [\"instructions_per_frame <= 1e9\"]\n" + fixture},
		{name: "GPU metric on a GPU", gpu: true, text: "constraints = [\"vram_fraction <= 0.85\"]\n" + fixture},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Parse([]byte(tt.text), "s.toml", dir)
			if tt.wantParse != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantParse) {
					t.Fatalf("Parse: %v, want %q", err, tt.wantParse)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			err = s.CheckMachine(Machine{GPU: tt.gpu})
			if tt.wantManage == "" && err != nil || tt.wantManage != "" && (err == nil || !strings.Contains(err.Error(), tt.wantManage)) {
				t.Fatalf("CheckMachine: %v, want %q", err, tt.wantManage)
			}
		})
	}
}
