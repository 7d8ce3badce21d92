package tune

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/sweeps"
)

// Executor runs one run of a trial in its own process and returns its
// record; *runner.Runner is the one ftbench uses.
type Executor interface {
	Run(ctx context.Context, run record.Run, timeout time.Duration) *record.Result
}

// Live evaluates points by running the pipeline: an evaluation runs the
// point's trial for its missing counted rounds (after the spec's warm-ups,
// the first time) through an Executor and appends every result to the
// sweep's results file, exactly as a grid sweep does. Runs the file
// already holds are reused, never run again (--resume semantics).
type Live struct {
	runner  Executor
	writer  *record.Writer
	timeout time.Duration
	warmups int
	trials  map[string]*record.Trial // by point key
	rec     *Recorded
	// OnResult, when set, sees every new result (for progress display).
	OnResult func(*record.Result)
}

// NewLive prepares a live evaluator for spec's first input. existing holds
// the results already in the folder (resume).
func NewLive(spec *sweeps.Spec, r Executor, w *record.Writer, existing []*record.Result) (*Live, error) {
	space := SpaceOf(spec)
	if len(space.Axes) == 0 {
		return nil, fmt.Errorf("%s: a search needs axes", spec.File)
	}
	l := &Live{runner: r, writer: w, timeout: spec.Timeout, warmups: spec.Warmups, trials: map[string]*record.Trial{},
		rec: &Recorded{space: space, objective: spec.Objective.Metric, constraints: spec.Constraints,
			runs: map[string][]*record.Result{}, failed: map[string]int{}, used: map[string]int{}}}
	input := ""
	if len(spec.Inputs) > 0 {
		input = spec.Inputs[0].Name
	}
	trials := spec.Trials()
	for i := range trials {
		t := &trials[i]
		if t.Input.Name != input {
			continue
		}
		axes := map[string]any{}
		for _, s := range t.Axes {
			axes[s.Key] = s.Value
		}
		if p, ok := l.rec.pointOf(axes); ok {
			l.trials[p.Key()] = t
		}
	}
	for _, res := range existing {
		l.record(res)
	}
	return l, nil
}

// Recorded returns what the evaluator has measured, for judging results.
func (l *Live) Recorded() *Recorded { return l.rec }

func (l *Live) record(res *record.Result) {
	if res.Warmup {
		return
	}
	p, ok := l.rec.pointOf(res.Axes)
	if !ok {
		return
	}
	if res.Status == record.StatusOK {
		l.rec.runs[p.Key()] = append(l.rec.runs[p.Key()], res)
		slices.SortStableFunc(l.rec.runs[p.Key()], func(a, b *record.Result) int { return a.Round - b.Round })
	} else if res.Status.Done() {
		l.rec.failed[p.Key()]++
	}
}

// Evaluate runs the point's trial until it has repeats counted runs.
func (l *Live) Evaluate(ctx context.Context, p Point, repeats int) (Observation, error) {
	k := p.Key()
	t, ok := l.trials[k]
	if !ok {
		return Observation{Point: p, Value: math.NaN()}, nil
	}
	have := len(l.rec.runs[k]) + l.rec.failed[k]
	spent := 0
	if have == 0 {
		for w := range l.warmups {
			if err := l.run(ctx, record.Run{Trial: t, Round: w, Warmup: true, Repetition: w}); err != nil {
				return Observation{}, err
			}
		}
	}
	for rep := have; rep < repeats; rep++ {
		if err := l.run(ctx, record.Run{Trial: t, Round: l.warmups + rep, Repetition: rep}); err != nil {
			return Observation{}, err
		}
		spent++
	}
	// Note: every run this evaluator made is new; Recorded.Evaluate's own
	// accounting of runs it has used is bypassed so that runs recorded by
	// an earlier, interrupted search cost nothing now.
	o := Observation{Point: p, Value: math.NaN(), Runs: spent}
	if rs := l.rec.runs[k]; len(rs) > 0 {
		o.Value, o.Feasible, o.Violated = l.rec.judge(rs[:min(repeats, len(rs))])
	}
	return o, nil
}

func (l *Live) run(ctx context.Context, run record.Run) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	res := l.runner.Run(ctx, run, l.timeout)
	if res.HarnessErr != nil {
		return fmt.Errorf("stopped: %w (run %s round %d not recorded)", res.HarnessErr, res.Label, res.Round)
	}
	if err := l.writer.Append(res); err != nil {
		return err
	}
	l.record(res)
	if l.OnResult != nil {
		l.OnResult(res)
	}
	if res.Status == record.StatusInterrupted {
		return record.ErrInterrupted
	}
	return nil
}
