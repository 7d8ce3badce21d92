package reports

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/record"
)

// Bottleneck is the pipeline stage that bounds a trial, read from its
// runs' metrics: each stage's busy time (metrics.json "stages") and each
// queue's waits ("waits": a stage starved on its input, or blocked on its
// output).
type Bottleneck struct {
	// Stage is the busiest stage.
	Stage string
	// Busy is its busy time, seconds per run; Share its part of all
	// stages' busy time.
	Busy, Share float64
	// Next is the next busiest stage and Ratio how many times busier Stage
	// is; Next is empty for a single stage.
	Next  string
	Ratio float64
	// WaitedOn is the seconds per run the other stages waited on Stage
	// (starved upstream of it, blocked downstream); Waited the seconds
	// Stage itself waited on the others.
	WaitedOn, Waited float64
	// Knobs are the config fields that move Stage, the sweep's own axes
	// first; Swept counts those axes.
	Knobs []string
	Swept int
}

// stageOrder is each stage's place in the pipeline.
var stageOrder = map[string]float64{
	metrics.StageDecode: 0, metrics.StageScale: 1, metrics.StageDetect: 2,
	metrics.StageTrack: 3, metrics.StageReframe: 4, metrics.StageEncode: 5, metrics.StageMux: 6,
}

// queueAt returns where the queue a wait is on lies between the stages
// (1.5: between scale and detect; 2.5: between detect and track), and
// whether the waiting side is downstream of it ("S.in": starved) rather
// than upstream ("S.out": blocked); ok is false for an unknown wait.
//
// Note: with one CPU detector, detection runs in the decode goroutine and
// there is no detect queue: "decode.out" is then the queue after detect.
// A separate detect stage (streams, the GPU) has "detect.in".
func queueAt(key string, waits map[string]float64) (q float64, starved, ok bool) {
	_, detectQueue := waits[metrics.StageDetect+".in"]
	switch key {
	case metrics.StageDecode + ".out":
		if detectQueue {
			return 1.5, false, true
		}
		return 2.5, false, true
	case metrics.StageDetect + ".in":
		return 1.5, true, true
	case metrics.StageDetect + ".out", "batch.out":
		return 2.5, false, true
	case metrics.StageEncode + ".in", "forward.in":
		return 2.5, true, true
	}
	return 0, false, false
}

// stageKnobs are the config fields that change each stage's work, most
// direct first.
//
// Note: processes and encode_workers split the work of every stage they
// cover over processes; they are listed where they help most, the
// analysis side (decode, detect) and the encode side.
var stageKnobs = map[string][]string{
	metrics.StageDecode:  {"decoder_threads", "hwaccel", "processes", "segments"},
	metrics.StageScale:   {"detect_width", "processes"},
	metrics.StageDetect:  {"batch", "streams", "detect_interval", "detect_width", "full_scan_interval", "detector", "min_face", "scale_factor", "shift_factor", "processes"},
	metrics.StageTrack:   {"detect_interval", "track_follow"},
	metrics.StageReframe: {"aspect"},
	metrics.StageEncode:  {"preset", "encoder", "encode_workers", "encode_threads", "crf"},
	metrics.StageMux:     {"copy_audio"},
}

// findBottleneck reads the bottleneck of a trial from its counted runs'
// stage times and waits, summed over the runs; nil when no run has stage
// times. axes are the sweep's swept fields.
func findBottleneck(runs []*record.Result, axes []string) *Bottleneck {
	busy, waits := map[string]float64{}, map[string]float64{}
	n := 0
	for _, r := range runs {
		if r.Metrics == nil || len(r.Metrics.Stages) == 0 {
			continue
		}
		n++
		for s, v := range r.Metrics.Stages {
			busy[s] += v
		}
		for k, v := range r.Metrics.Waits {
			waits[k] += v
		}
	}
	if n == 0 {
		return nil
	}
	stages := make([]string, 0, len(busy))
	total := 0.0
	for s, v := range busy {
		stages = append(stages, s)
		total += v
	}
	if total <= 0 {
		return nil
	}
	sort.Slice(stages, func(i, j int) bool {
		if busy[stages[i]] != busy[stages[j]] {
			return busy[stages[i]] > busy[stages[j]]
		}
		return stages[i] < stages[j]
	})
	b := &Bottleneck{Stage: stages[0], Busy: busy[stages[0]] / float64(n), Share: busy[stages[0]] / total}
	if len(stages) > 1 && busy[stages[1]] > 0 {
		b.Next, b.Ratio = stages[1], busy[stages[0]]/busy[stages[1]]
	}
	if at, known := stageOrder[b.Stage]; known {
		for k, v := range waits {
			q, starved, ok := queueAt(k, waits)
			switch {
			case !ok:
			case starved == (q > at):
				// Starved after the stage, or blocked before it: waiting on it.
				b.WaitedOn += v
			default:
				b.Waited += v
			}
		}
	}
	b.WaitedOn /= float64(n)
	b.Waited /= float64(n)
	for _, k := range stageKnobs[b.Stage] {
		if slices.Contains(axes, k) {
			b.Knobs = append(b.Knobs, k)
		}
	}
	b.Swept = len(b.Knobs)
	for _, k := range stageKnobs[b.Stage] {
		if !slices.Contains(axes, k) {
			b.Knobs = append(b.Knobs, k)
		}
	}
	return b
}

// String says, in one line, what bounds the trial and by how much:
// "detect bounds it: 48% of the stages' busy time, 1.9x decode (the
// next); the other stages waited 0.59 s per run on it. Knobs: batch
// (swept), streams, ...".
func (b *Bottleneck) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "%s bounds it: %.0f%% of the stages' busy time (%s per run)", b.Stage, 100*b.Share, fmtSeconds(b.Busy))
	if b.Next != "" {
		fmt.Fprintf(&s, ", %.1fx %s, the next busiest", b.Ratio, b.Next)
	}
	fmt.Fprintf(&s, "; the other stages waited %s per run on it", fmtSeconds(b.WaitedOn))
	if b.Waited > b.WaitedOn {
		fmt.Fprintf(&s, ", and it waited %s on them, so the bound is loose", fmtSeconds(b.Waited))
	}
	if len(b.Knobs) > 0 {
		knobs := slices.Clone(b.Knobs)
		for i := range b.Swept {
			knobs[i] += " (swept)"
		}
		fmt.Fprintf(&s, ". Knobs that move %s: %s", b.Stage, strings.Join(knobs, ", "))
	}
	return s.String()
}

// fmtSeconds formats seconds for a bottleneck line.
func fmtSeconds(v float64) string {
	switch {
	case v >= 10:
		return fmt.Sprintf("%.0f s", v)
	case v >= 1:
		return fmt.Sprintf("%.1f s", v)
	case v >= 0.01:
		return fmt.Sprintf("%.2f s", v)
	}
	return fmt.Sprintf("%.0f ms", v*1000)
}

// axisFields returns the fields a report's axes sweep.
func (r *Report) axisFields() []string {
	var out []string
	for _, a := range r.Axes {
		out = append(out, a.Field)
	}
	return out
}

// findBottlenecks finds every trial's bottleneck.
func (r *Report) findBottlenecks() {
	axes := r.axisFields()
	for _, t := range r.Trials {
		t.Bottleneck = findBottleneck(t.Runs, axes)
	}
}

// slowestTrial returns the trial with the lowest median frames/s, nil
// when no trial has one.
func (r *Report) slowestTrial() *TrialStats {
	var slow *TrialStats
	for _, t := range r.Trials {
		s, ok := t.Stat("fps")
		if !ok || s.N == 0 {
			continue
		}
		if slow == nil || s.Center < slow.Stats["fps"].Center {
			slow = t
		}
	}
	return slow
}
