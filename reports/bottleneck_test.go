package reports

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/record"
)

func runWith(stages, waits map[string]float64) *record.Result {
	return &record.Result{Status: record.StatusOK, Metrics: &metrics.Metrics{Frames: 90, WallSeconds: 1, Stages: stages, Waits: waits}}
}

// TestBottleneck: records where the answer is known, one stage made slow
// on purpose and the others waiting on it as the pipeline's queues do.
func TestBottleneck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		runs      []*record.Result
		axes      []string
		stage     string
		waitedOn  float64
		firstKnob string
		swept     int
	}{
		{name: "slow detect in the decode goroutine: the encoder starves",
			runs: []*record.Result{
				runWith(map[string]float64{"decode": 0.3, "scale": 0.05, "detect": 2.0, "track": 0.05, "encode": 0.4, "mux": 0.01},
					map[string]float64{"encode.in": 1.6, "decode.out": 0.01}),
				runWith(map[string]float64{"decode": 0.3, "scale": 0.05, "detect": 2.2, "track": 0.05, "encode": 0.4, "mux": 0.01},
					map[string]float64{"encode.in": 1.8, "decode.out": 0.01}),
			},
			axes: []string{"decoder_threads", "streams"}, stage: "detect", waitedOn: 1.7, firstKnob: "streams", swept: 1},
		{name: "slow encode: the decode side blocks on its output",
			runs: []*record.Result{runWith(map[string]float64{"decode": 0.3, "detect": 0.4, "encode": 2.5, "mux": 0.02},
				map[string]float64{"decode.out": 1.9, "encode.in": 0.02})},
			axes: []string{"batch"}, stage: "encode", waitedOn: 1.9, firstKnob: "preset"},
		{name: "slow decode with a detect goroutine: detect and encode starve",
			runs: []*record.Result{runWith(map[string]float64{"decode": 3.0, "detect": 0.6, "encode": 0.5},
				map[string]float64{"detect.in": 2.0, "encode.in": 2.2, "detect.out": 0.01, "decode.out": 0.0})},
			axes: []string{"decoder_threads"}, stage: "decode", waitedOn: 4.2, firstKnob: "decoder_threads", swept: 1},
		{name: "slow detect goroutine blocks decode and starves encode",
			runs: []*record.Result{runWith(map[string]float64{"decode": 0.5, "detect": 3.0, "encode": 0.5},
				map[string]float64{"decode.out": 1.5, "detect.in": 0.01, "encode.in": 2.0})},
			stage: "detect", waitedOn: 3.5, firstKnob: "batch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := findBottleneck(tt.runs, tt.axes)
			if b == nil {
				t.Fatal("no bottleneck")
			}
			if b.Stage != tt.stage || b.Swept != tt.swept || len(b.Knobs) == 0 || b.Knobs[0] != tt.firstKnob {
				t.Errorf("bottleneck %+v, want %s with first knob %s (%d swept)", b, tt.stage, tt.firstKnob, tt.swept)
			}
			if d := b.WaitedOn - tt.waitedOn; d > 1e-9 || d < -1e-9 {
				t.Errorf("others waited %g s per run on %s, want %g", b.WaitedOn, b.Stage, tt.waitedOn)
			}
			if b.Waited > b.WaitedOn {
				t.Errorf("%s waited %g s, more than the others waited on it (%g s)", b.Stage, b.Waited, b.WaitedOn)
			}
			if line := b.String(); !strings.HasPrefix(line, tt.stage+" bounds it: ") || !strings.Contains(line, tt.firstKnob) {
				t.Errorf("line %q", line)
			}
		})
	}
	if b := findBottleneck([]*record.Result{{Status: record.StatusOK}}, nil); b != nil {
		t.Errorf("runs without stage times: bottleneck %+v, want none", b)
	}
}

// TestBottleneckRecorded: on the recorded sweep (2 cores, CPU detector),
// batch = 1 makes detection the bound: the encoder starves on it.
func TestBottleneckRecorded(t *testing.T) {
	t.Parallel()
	results, _, err := record.ReadResults(filepath.Join("testdata", "recorded", record.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	results = slices.DeleteFunc(results, record.IsReference)
	r := Analyze(results, nil, Options{})
	for _, tr := range r.Trials {
		if tr.Label != "processes=1,batch=1" {
			continue
		}
		if tr.Bottleneck == nil || tr.Bottleneck.Stage != "detect" || tr.Bottleneck.WaitedOn <= tr.Bottleneck.Waited {
			t.Errorf("processes=1,batch=1: bottleneck %+v, want detect, waited on more than it waits", tr.Bottleneck)
		}
		return
	}
	t.Fatal("no trial processes=1,batch=1 in the recorded sweep")
}
