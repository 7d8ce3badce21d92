package sweeprun

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ftbench/ftbench/pipeline/geom"
	"github.com/ftbench/ftbench/pipeline/track"
	"github.com/ftbench/ftbench/record"
)

// frame is one frame of a tracks file: the primary face's box (nil for
// none) and the crop.
func frame(i int, b *geom.Box, crop geom.Crop) track.FrameRecord {
	f := track.FrameRecord{Frame: i, Crop: crop}
	if b != nil {
		id := 7
		f.Primary = &id
		f.Tracks = []track.Track{{ID: 3, Box: geom.Box{X: 500, Y: 500, W: 5, H: 5}}, {ID: 7, Box: *b}}
	}
	return f
}

func TestCompareTracks(t *testing.T) {
	t.Parallel()
	box := func(x, y, w, h float64) *geom.Box { return &geom.Box{X: x, Y: y, W: w, H: h} }
	crop := func(x int) geom.Crop { return geom.Crop{X: x, Y: 0, W: 100, H: 200} }
	gold := &track.TracksFile{Width: 300, Height: 400, Frames: []track.FrameRecord{
		frame(0, box(0, 0, 10, 10), crop(0)),
		frame(1, box(0, 0, 10, 10), crop(0)),
		frame(2, box(0, 0, 10, 10), crop(0)),
		frame(3, nil, crop(0)), // gold has no face: only the crop counts
		frame(4, box(0, 0, 10, 10), crop(0)),
	}}
	run := &track.TracksFile{Width: 300, Height: 400, Frames: []track.FrameRecord{
		frame(0, box(0, 0, 10, 10), crop(0)),      // IoU 1, centre 0
		frame(1, box(5, 0, 10, 10), crop(3)),      // IoU 1/3, centre 5
		frame(2, nil, crop(4)),                    // a miss: IoU 0, the diagonal 500
		frame(3, box(9, 9, 9, 9), crop(10)),       // not counted for the face
		frame(4, box(0, 12, 10, 10), crop(0)),     // IoU 0, centre 12
		{Frame: 4, Preroll: true, Crop: crop(99)}, // a warm-up frame: left out
	}}
	got := CompareTracks(run, gold)
	// Centres 0, 5, 12, 500: median 8.5. Crops 0, 3, 4, 10, 0: median 3.
	want := record.Gold{Frames: 4, IoU: (1 + 1.0/3) / 4, CenterPx: 8.5, CropDevPx: 3}
	if math.Abs(got.IoU-want.IoU) > 1e-12 || got.Frames != want.Frames || got.CenterPx != want.CenterPx || got.CropDevPx != want.CropDevPx {
		t.Errorf("CompareTracks = %+v, want %+v", got, want)
	}
	if self := CompareTracks(gold, gold); self.IoU != 1 || self.CenterPx != 0 || self.CropDevPx != 0 || self.Frames != 4 {
		t.Errorf("gold against itself = %+v, want IoU 1 and no distance", self)
	}
}

// tracksExecutor is a fake Executor whose runs write a tracks file: the
// primary face shifted right by the trial's index in pixels.
type tracksExecutor struct {
	dir  string
	runs []record.Run
}

func (e *tracksExecutor) path(run record.Run) string {
	kind := "rep"
	if run.Warmup {
		kind = "warmup"
	}
	return filepath.Join(e.dir, run.Trial.ID, kind+string(rune('0'+run.Repetition%10)), "tracks.json")
}

func (e *tracksExecutor) Run(_ context.Context, run record.Run, _ time.Duration) *record.Result {
	e.runs = append(e.runs, run)
	p := e.path(run)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		panic(err)
	}
	w, err := track.NewWriter(p, "in.mp4", 100, 100, 30)
	if err != nil {
		panic(err)
	}
	dx := float64(run.Trial.Index)
	for i := range 3 {
		if err := w.Add(frame(i, &geom.Box{X: 10 + dx, Y: 10, W: 20, H: 20}, geom.Crop{W: 50, H: 100})); err != nil {
			panic(err)
		}
	}
	if err := w.Commit(); err != nil {
		panic(err)
	}
	return &record.Result{TrialID: run.Trial.ID, Status: record.StatusOK}
}

func TestGoldExecutor(t *testing.T) {
	t.Parallel()
	in := record.Input{Name: "clip"}
	trials := []record.Trial{{ID: "a", Index: 0, Input: in}, {ID: "b", Index: 4, Input: in}, {ID: "c", Index: 10, Input: record.Input{Name: "other"}}}
	fake := &tracksExecutor{dir: t.TempDir()}
	// Gold is trial b, which runs after a: the pilot run comes first.
	g := &GoldExecutor{Inner: fake, Gold: map[string]record.Trial{"clip": trials[1]}, TracksPath: fake.path}
	var got []*record.Result
	for i := range trials {
		got = append(got, g.Run(context.Background(), record.Run{Trial: &trials[i]}, time.Minute))
	}
	if len(fake.runs) != 4 || fake.runs[0].Trial.ID != "b" || !fake.runs[0].Warmup {
		t.Fatalf("runs %+v, want gold's pilot warm-up first, then the three", fake.runs)
	}
	// a is 4 px left of gold: boxes 20 wide overlap 16 of 24 px across.
	if a := got[0].Gold; a == nil || a.Trial != "b" || math.Abs(a.IoU-16.0/24) > 1e-12 || a.CenterPx != 4 || a.CropDevPx != 0 || a.Frames != 3 {
		t.Errorf("trial a's gold measures %+v, want IoU 2/3 and 4 px from trial b", got[0].Gold)
	}
	if b := got[1].Gold; b == nil || b.IoU != 1 || b.CenterPx != 0 {
		t.Errorf("gold's own measures %+v, want IoU 1 and 0 px", got[1].Gold)
	}
	if got[2].Gold != nil {
		t.Errorf("a trial on an input without gold has gold measures %+v", got[2].Gold)
	}
}
