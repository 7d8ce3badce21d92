package runner

import (
	"context"
	"time"

	"github.com/ftbench/ftbench/record"
)

// Progress is what Sweep reports before each run and after the last one.
type Progress struct {
	Done    int            // runs finished in this invocation
	Total   int            // runs this invocation will do
	Next    *record.Run    // the run about to start; nil after the last
	Last    *record.Result // the run that just finished; nil before the first
	Elapsed time.Duration  // since Sweep started
	ETA     time.Duration  // estimated time left; 0 when unknown
}

// Summary counts what a Sweep did.
type Summary struct {
	Runs        int // runs in the plan (this shard)
	Skipped     int // already recorded (resume)
	OK          int
	Failed      int
	Timeout     int
	Interrupted int
	// Reference counts the reference workload's runs (see record.WithReference),
	// which OK, Failed and Timeout leave out; ReferenceFailed those that
	// did not end ok.
	Reference       int
	ReferenceFailed int
	Elapsed         time.Duration
}

// Pending returns the plan's runs that done lacks, in execution order.
func Pending(plan record.Plan, done map[record.RunKey]bool) []record.Run {
	var out []record.Run
	for _, run := range plan.Runs() {
		if !done[run.Key()] {
			out = append(out, run)
		}
	}
	return out
}

// DoneRuns returns the runs that results record as done: resuming a sweep
// skips them. Interrupted runs are not done.
func DoneRuns(results []*record.Result) map[record.RunKey]bool {
	done := make(map[record.RunKey]bool, len(results))
	for _, r := range results {
		if r.Status.Done() {
			done[r.Key()] = true
		}
	}
	return done
}

// Sweep runs every run of plan that done lacks, in order, appending each
// result to w before starting the next. A failed run is recorded and the
// sweep goes on. When ctx is canceled the run in flight is killed and
// recorded as interrupted, and Sweep returns record.ErrInterrupted; an error
// writing a result stops the sweep at once.
func (r *Runner) Sweep(ctx context.Context, plan record.Plan, w *record.Writer, done map[record.RunKey]bool, progress func(Progress)) (Summary, error) {
	all := plan.Runs()
	todo := Pending(plan, done)
	sum := Summary{Runs: len(all), Skipped: len(all) - len(todo)}
	start := time.Now()
	var last *record.Result
	var spent time.Duration
	report := func(i int) {
		if progress == nil {
			return
		}
		p := Progress{Done: i, Total: len(todo), Last: last, Elapsed: time.Since(start)}
		if i < len(todo) {
			p.Next = &todo[i]
		}
		if i > 0 {
			p.ETA = spent / time.Duration(i) * time.Duration(len(todo)-i)
		}
		progress(p)
	}
	for i, run := range todo {
		if ctx.Err() != nil {
			sum.Elapsed = time.Since(start)
			return sum, record.ErrInterrupted
		}
		report(i)
		t0 := time.Now()
		res := r.run(ctx, run, plan.Timeout)
		spent += time.Since(t0)
		if err := w.Append(res); err != nil {
			sum.Elapsed = time.Since(start)
			return sum, err
		}
		last = res
		switch {
		case record.IsReference(res) && res.Status != record.StatusInterrupted:
			sum.Reference++
			if res.Status != record.StatusOK {
				sum.ReferenceFailed++
			}
		case res.Status == record.StatusOK:
			sum.OK++
		case res.Status == record.StatusTimeout:
			sum.Timeout++
		case res.Status == record.StatusInterrupted:
			sum.Interrupted++
		default:
			sum.Failed++
		}
		if res.Status == record.StatusInterrupted {
			sum.Elapsed = time.Since(start)
			return sum, record.ErrInterrupted
		}
	}
	report(len(todo))
	sum.Elapsed = time.Since(start)
	if ctx.Err() != nil {
		return sum, record.ErrInterrupted
	}
	return sum, nil
}
