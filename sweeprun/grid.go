package sweeprun

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ftbench/ftbench/record"
)

// Status is what RunGrid reports before each run and after the last one.
type Status struct {
	Done    int            // runs finished in this invocation
	Total   int            // runs this invocation will do
	Next    *record.Run    // the run about to start; nil after the last
	Last    *record.Result // the run that just finished; nil before the first
	Elapsed time.Duration  // since RunGrid started
	ETA     time.Duration  // estimated time left; 0 when unknown
}

// Summary counts what RunGrid did.
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

// RunGrid runs every run of plan that done lacks, in order, through ex,
// appending each result to w before starting the next. A failed run is
// recorded and the sweep goes on. When ctx is canceled the run in flight
// is killed and recorded as interrupted, and RunGrid returns
// record.ErrInterrupted; an error writing a result stops the sweep at
// once. progress, when set, sees a Status before each run and after the
// last.
func RunGrid(ctx context.Context, ex Executor, plan record.Plan, w *record.Writer, done map[record.RunKey]bool, progress func(Status)) (Summary, error) {
	all := plan.Runs()
	todo := Pending(plan, done)
	sum := Summary{Runs: len(all), Skipped: len(all) - len(todo)}
	_, err := runList(ctx, ex, todo, plan.Timeout, w, &sum, progress)
	return sum, err
}

// runList runs todo in order through ex, appending each result to w and
// counting it in sum, as RunGrid does; it returns the results it got.
func runList(ctx context.Context, ex Executor, todo []record.Run, timeout time.Duration, w *record.Writer, sum *Summary, progress func(Status)) ([]*record.Result, error) {
	start := time.Now()
	defer func() { sum.Elapsed += time.Since(start) }()
	var last *record.Result
	var spent time.Duration
	var got []*record.Result
	report := func(i int) {
		if progress == nil {
			return
		}
		p := Status{Done: i, Total: len(todo), Last: last, Elapsed: time.Since(start)}
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
			return got, record.ErrInterrupted
		}
		report(i)
		t0 := time.Now()
		res := ex.Run(ctx, run, timeout)
		spent += time.Since(t0)
		if err := w.Append(res); err != nil {
			return got, err
		}
		got = append(got, res)
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
			return got, record.ErrInterrupted
		}
	}
	report(len(todo))
	if ctx.Err() != nil {
		return got, record.ErrInterrupted
	}
	return got, nil
}

// String sums up what ran: "8 runs: 6 ok, 1 failed, 1 timed out, 2
// reference runs".
func (s Summary) String() string {
	ran := s.OK + s.Failed + s.Timeout + s.Interrupted
	parts := []string{fmt.Sprintf("%d runs: %d ok", ran, s.OK)}
	if s.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", s.Failed))
	}
	if s.Timeout > 0 {
		parts = append(parts, fmt.Sprintf("%d timed out", s.Timeout))
	}
	if s.Interrupted > 0 {
		parts = append(parts, fmt.Sprintf("%d interrupted", s.Interrupted))
	}
	if s.Skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d already recorded", s.Skipped))
	}
	if s.Reference > 0 {
		ref := fmt.Sprintf("%d reference runs", s.Reference)
		if s.ReferenceFailed > 0 {
			ref += fmt.Sprintf(" (%d failed)", s.ReferenceFailed)
		}
		parts = append(parts, ref)
	}
	return strings.Join(parts, ", ")
}

// Line renders the status as the progress line of a terminal: runs done
// of total, the ETA, the run about to start and the last run's frames/s.
func (p Status) Line() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%d/%d]", p.Done, p.Total)
	if p.ETA > 0 {
		fmt.Fprintf(&b, " ETA %s", roughDuration(p.ETA))
	}
	if p.Next != nil {
		fmt.Fprintf(&b, "  %s", p.Next.Trial.Label)
		if p.Next.Warmup {
			b.WriteString(" (warm-up)")
		} else {
			b.WriteString(" #" + strconv.Itoa(p.Next.Repetition+1))
		}
	}
	if l := p.Last; l != nil {
		if l.Status == record.StatusOK && l.Metrics != nil {
			fmt.Fprintf(&b, "  last %.1f frames/s", l.Metrics.FPS)
		} else {
			fmt.Fprintf(&b, "  last %s", l.Status)
		}
	}
	return b.String()
}

// roughDuration rounds d for people: to the minute past an hour, to the
// second past a minute, else to a tenth of a second.
func roughDuration(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return d.Round(time.Minute).String()
	case d >= time.Minute:
		return d.Round(time.Second).String()
	default:
		return d.Round(100 * time.Millisecond).String()
	}
}
