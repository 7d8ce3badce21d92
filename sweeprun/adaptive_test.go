package sweeprun

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/sweeps"
)

// shrinkingExec is fakeExec with noise on frames/s by batch: batch 1 runs
// at a steady 100, batch 2's noise shrinks with each repetition k
// (100 + 10·(-1)^k/(k+1)²), batch 3 alternates 90 and 110 for ever.
type shrinkingExec struct {
	fakeExec
	rounds map[int][]int // batch -> the rounds it ran
}

func (f *shrinkingExec) Run(ctx context.Context, run record.Run, d time.Duration) *record.Result {
	res := f.fakeExec.Run(ctx, run, d)
	b := int(run.Trial.Config.Batch)
	f.rounds[b] = append(f.rounds[b], run.Round)
	k := float64(run.Repetition)
	sign := 1 - 2*math.Mod(k, 2)
	switch b {
	case 1:
		res.Metrics.FPS = 100
	case 2:
		res.Metrics.FPS = 100 + 10*sign/((k+1)*(k+1))
	case 3:
		res.Metrics.FPS = 100 + 10*sign
	}
	return res
}

// TestRepeatsUntilDecided: after min = 6 rounds, only the trials whose
// median interval is wider than ±2% get more: the steady one none, the
// one whose noise shrinks until its interval (from 9 runs on, the 2nd and
// 8th values) is within 2%, and the one that stays noisy up to max = 12,
// which the sweep names as stopped there. The rounds stay interleaved.
func TestRepeatsUntilDecided(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "clip.mp4"), []byte("not really a video"), 0o644); err != nil {
		t.Fatal(err)
	}
	text := "name = \"t\"\ncalibrate = false\nrepeats = { min = 6, max = 12, ci = 0.02 }\nwarmups = 1\ntimeout = \"1m\"\n\n" +
		"[[input]]\nvideo = \"clip.mp4\"\n\n[axes]\nbatch = [1, 2, 3]\n"
	path := filepath.Join(dir, "t.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, err := sweeps.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	dry, err := New(spec, Options{Dir: filepath.Join(dir, "dry")})
	if err != nil {
		t.Fatal(err)
	}
	var plan strings.Builder
	dry.DryRun(&plan)
	if !strings.Contains(plan.String(), "3 trials x (1 warm-up + 6 counted) = 21 runs\nrepeats until decided: 6 to 12 counted rounds; a trial gets another round while the median interval of its fps is wider than ±2.0%, so at most 39 runs\n") {
		t.Errorf("dry run does not show the bounds:\n%s", plan.String())
	}
	sw, w, stdout, _ := start(t, spec, Options{})
	ex := &shrinkingExec{rounds: map[int][]int{}}
	sum, err := sw.Run(context.Background(), ex, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Counted rounds start after the warm-up (round 0).
	want := map[int]int{1: 1 + 6, 2: 1 + 9, 3: 1 + 12}
	for b, n := range want {
		if got := ex.rounds[b]; len(got) != n {
			t.Errorf("batch=%d ran rounds %v, want %d rounds", b, got, n)
		}
		for i, r := range ex.rounds[b] {
			if r != i {
				t.Errorf("batch=%d ran rounds %v, want 0, 1, 2, ... in order", b, ex.rounds[b])
				break
			}
		}
	}
	if sum.OK != 7+10+13 || sum.Runs != sum.OK {
		t.Errorf("summary %+v, want 30 ok runs", sum)
	}
	out := stdout.String()
	if !strings.Contains(out, "stopped at max = 12 repeats, wider than ±2.0%: batch=3 (clip.mp4): 12 runs, median ±10.0%") ||
		strings.Contains(out, "batch=2 (") || strings.Contains(out, "batch=1 (") {
		t.Errorf("stdout does not name batch=3 alone as stopped at max:\n%s", out)
	}

	md, err := os.ReadFile(filepath.Join(sw.opts.Dir, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "\nStopped at max = 12 repeats with the fps median wider than ±2.0%: batch=3 ±10.0%.\n") {
		t.Errorf("summary.md does not name batch=3 as stopped at max:\n%s", md)
	}

	// A resumed sweep decides the same way from the records: nothing to run.
	w.Close()
	sw.Close()
	sw2, w2, _, _ := start(t, spec, Options{Dir: sw.opts.Dir, Resume: true})
	ex2 := &shrinkingExec{rounds: map[int][]int{}}
	if _, err := sw2.Run(context.Background(), ex2, w2, nil); err != nil {
		t.Fatal(err)
	}
	if len(ex2.rounds) != 0 {
		t.Errorf("resumed sweep ran %v again", ex2.rounds)
	}
}

// TestRepeatsUntilDecidedPaired: the reference workload runs in every
// round that adds a trial of its input, so each added run stays paired
// with a reference run of its round.
func TestRepeatsUntilDecidedPaired(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "clip.mp4"), []byte("not really a video"), 0o644); err != nil {
		t.Fatal(err)
	}
	text := "name = \"t\"\nrepeats = { min = 6, max = 8, ci = 0.02 }\nwarmups = 1\ntimeout = \"1m\"\n\n" +
		"[[input]]\nvideo = \"clip.mp4\"\n\n[axes]\nbatch = [1, 3]\n"
	path := filepath.Join(dir, "t.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, err := sweeps.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !spec.Calibrate {
		t.Fatal("the spec does not calibrate")
	}
	sw, w, _, _ := start(t, spec, Options{})
	ex := &shrinkingExec{rounds: map[int][]int{}}
	sum, err := sw.Run(context.Background(), ex, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.rounds[1]) != 1+6 || len(ex.rounds[3]) != 1+8 {
		t.Errorf("rounds %v: want 7 of batch=1 and 9 of batch=3", ex.rounds)
	}
	if sum.Reference != 1+8 {
		t.Errorf("%d reference runs, want one in each of the 9 rounds", sum.Reference)
	}
}
