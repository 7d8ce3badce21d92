package detect

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/ftbench/ftbench/pipeline/geom"
	"github.com/ftbench/ftbench/pipeline/metrics"
)

// fakeDetector fails batches larger than room, with err.
type fakeDetector struct {
	room  int
	err   error
	calls []int
}

func (d *fakeDetector) Name() string { return "fake" }
func (d *fakeDetector) Detect(frames []Luma, out [][]geom.Detection) error {
	d.calls = append(d.calls, len(frames))
	if len(frames) > d.room {
		return d.err
	}
	for i, f := range frames {
		out[i] = []geom.Detection{{Box: geom.Box{X: float64(f.W)}}}
	}
	return nil
}

func TestShrinkingDetector(t *testing.T) {
	frames := make([]Luma, 16)
	for i := range frames {
		frames[i].W = i // tells the frames apart in the results
	}
	oom := fmt.Errorf("detector cuda: allocating 9 MiB on the GPU: OutOfMemory: %w", ErrOutOfMemory)

	plan := &metrics.BatchPlan{Chosen: 16, Final: 16}
	lim := NewLimiter(plan)
	inner := &fakeDetector{room: 3, err: oom}
	d := Shrinking{inner, lim}
	out := make([][]geom.Detection, len(frames))
	if err := d.Detect(frames, out); err != nil {
		t.Fatal(err)
	}
	for i := range out {
		if len(out[i]) != 1 || out[i][0].Box.X != float64(i) {
			t.Fatalf("frame %d got %v: results out of place", i, out[i])
		}
	}
	want := []metrics.BatchShrink{{From: 16, To: 8, Error: oom.Error()}, {From: 8, To: 4, Error: oom.Error()}, {From: 4, To: 2, Error: oom.Error()}}
	if !reflect.DeepEqual(plan.Shrinks, want) || plan.Final != 2 || lim.Limit() != 2 {
		t.Errorf("shrinks %+v final %d, want 16 -> 8 -> 4 -> 2", plan.Shrinks, plan.Final)
	}
	// Later batches start from the shrunk size: no failed call again.
	inner.calls = nil
	if err := d.Detect(frames[:5], out[:5]); err != nil || !reflect.DeepEqual(inner.calls, []int{2, 2, 1}) {
		t.Errorf("next batch: calls %v, err %v; want 2, 2, 1", inner.calls, err)
	}

	// A device with no room at all: the error, after shrinking to one.
	plan = &metrics.BatchPlan{Chosen: 4, Final: 4}
	d = Shrinking{&fakeDetector{room: 0, err: oom}, NewLimiter(plan)}
	if err := d.Detect(frames[:4], out[:4]); !errors.Is(err, ErrOutOfMemory) || plan.Final != 1 {
		t.Errorf("no room: err %v, final %d; want out of memory at 1", err, plan.Final)
	}
	// Any other error is not a reason to shrink.
	plan = &metrics.BatchPlan{Chosen: 4, Final: 4}
	other := errors.New("launch failed")
	d = Shrinking{&fakeDetector{room: 0, err: other}, NewLimiter(plan)}
	if err := d.Detect(frames[:4], out[:4]); err != other || len(plan.Shrinks) != 0 {
		t.Errorf("other error: %v, shrinks %v", err, plan.Shrinks)
	}
}
