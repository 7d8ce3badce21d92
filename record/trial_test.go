package record

import (
	"slices"
	"testing"

	"github.com/ftbench/ftbench/pipeline/config"
)

func TestTrialID(t *testing.T) {
	t.Parallel()
	cfg := config.DefaultConfig()
	in := Input{Name: "clip.mp4", Video: "/a/clip.mp4", Size: 100}
	id := TrialID(cfg, in)
	if len(id) != 12 {
		t.Fatalf("id %q: want 12 hex digits", id)
	}
	moved := in
	moved.Video = "/elsewhere/on/another/machine/clip.mp4"
	if TrialID(cfg, moved) != id {
		t.Error("the id depends on the input's path")
	}
	other := in
	other.Size = 101
	if TrialID(cfg, other) == id {
		t.Error("the id ignores the input's size")
	}
	cfg2 := cfg
	cfg2.Batch++
	if TrialID(cfg2, in) == id {
		t.Error("the id ignores the config")
	}
	fx := Input{Name: "face_360p", Fixture: "face_360p", Video: "/cache/face_360p.mp4"}
	fx2 := fx
	fx2.Video = "/other/face_360p.mp4"
	if TrialID(cfg, fx) != TrialID(cfg, fx2) {
		t.Error("a fixture's id depends on where it was generated")
	}
}

func TestRunsInterleaveAndShard(t *testing.T) {
	t.Parallel()
	p := Plan{Warmups: 1, Repeats: 2}
	for i, id := range []string{"A", "B", "C", "D", "E"} {
		p.Trials = append(p.Trials, Trial{ID: id, Index: i})
	}
	var order []string
	for _, r := range p.Runs() {
		s := r.Trial.ID
		if r.Warmup {
			s += "w"
		}
		order = append(order, s)
	}
	want := []string{"Aw", "Bw", "Cw", "Dw", "Ew", "A", "B", "C", "D", "E", "A", "B", "C", "D", "E"}
	if !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	runs := p.Runs()
	if runs[5].Repetition != 0 || runs[10].Repetition != 1 || runs[0].Repetition != 0 {
		t.Errorf("repetitions: %+v %+v %+v", runs[0], runs[5], runs[10])
	}
	for n := 1; n <= 6; n++ {
		seen := map[RunKey]int{}
		for i := 0; i < n; i++ {
			for _, r := range p.Shard(i, n).Runs() {
				seen[r.Key()]++
			}
		}
		if len(seen) != len(p.Runs()) {
			t.Errorf("%d shards cover %d runs, want %d", n, len(seen), len(p.Runs()))
		}
		for k, c := range seen {
			if c != 1 {
				t.Errorf("%d shards run %v %d times", n, k, c)
			}
		}
	}
}

func TestParseShard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		i, n int
		ok   bool
	}{
		{"first", "0/4", 0, 4, true},
		{"last", "3/4", 3, 4, true},
		{"single", "0/1", 0, 1, true},
		{"index too big", "4/4", 0, 0, false},
		{"negative", "-1/4", 0, 0, false},
		{"zero shards", "0/0", 0, 0, false},
		{"junk", "a/b", 0, 0, false},
		{"no slash", "3", 0, 0, false},
	}
	for _, tt := range tests {
		i, n, err := ParseShard(tt.in)
		if (err == nil) != tt.ok || i != tt.i || n != tt.n {
			t.Errorf("%s: ParseShard(%q) = %d, %d, %v", tt.name, tt.in, i, n, err)
		}
	}
}
