package sweeprun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ftbench/ftbench/internal/progress"
	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/reports"
)

// Progress shows a grid sweep's progress: Update before each run and after
// the last, then Clear.
type Progress interface {
	Update(Status)
	Clear()
}

// Bar returns a Progress that draws each Status as one line on b; a nil b
// draws nothing.
func Bar(b *progress.Bar) Progress { return bar{b} }

type bar struct{ b *progress.Bar }

var _ Progress = bar{}

func (p bar) Update(s Status) { p.b.Draw(s.Line()) }
func (p bar) Clear()          { p.b.Clear() }

// Run runs the plan through ex, appending every result to w: the grid's
// runs the folder lacks, or the spec's search, which reuses the runs
// recorded. It tells Stdout what ran, then writes the report of every
// record in the folder (reports.Generate), even when the runs stopped
// early. The error says what to do after an interruption; it is also an
// error when every run failed. Start and GenerateInputs come first.
func (s *Sweep) Run(ctx context.Context, ex Executor, w *record.Writer, p Progress) (Summary, error) {
	if s.Searching() {
		err := s.search(ctx, ex, w)
		if rerr := s.report(); rerr != nil && err == nil {
			err = rerr
		}
		if errors.Is(err, record.ErrInterrupted) {
			return Summary{}, fmt.Errorf("interrupted; every finished run is recorded, and `ftbench sweep %s--out %s --resume` reuses them", s.specArg(), s.opts.Dir)
		}
		return Summary{}, err
	}
	var update func(Status)
	if p != nil {
		update = p.Update
	}
	sum, err := RunGrid(ctx, ex, s.plan, w, DoneRuns(s.prior), update)
	var undecided []Undecided
	if err == nil && s.plan.Adaptive() {
		var results []*record.Result
		if results, err = s.readPrior(); err == nil {
			m, _ := metric.Lookup(s.spec.Objective.Metric)
			undecided, err = AddRounds(ctx, ex, s.plan, w, results, m.Value, &sum, update)
		}
	}
	if p != nil {
		p.Clear()
	}
	fmt.Fprintf(s.opts.Stdout, "%s: %s in %s -> %s\n", s.spec.Name, sum, sum.Elapsed.Round(time.Second), s.ResultsPath())
	for _, u := range undecided {
		fmt.Fprintf(s.opts.Stdout, "  stopped at max = %d repeats, wider than ±%s: %s\n", s.plan.MaxRepeats, pct(s.plan.CI), u)
	}
	if sum.Reference > 0 && sum.ReferenceFailed == sum.Reference {
		fmt.Fprintf(s.opts.Stderr, "ftbench sweep: warning: every reference run failed (their error is in the reference:ffmpeg records of %s), so `ftbench gate --normalize reference` cannot use this sweep\n", s.ResultsPath())
	}
	if rerr := s.report(); rerr != nil && err == nil {
		err = rerr
	}
	switch {
	case errors.Is(err, record.ErrInterrupted):
		return sum, fmt.Errorf("interrupted; every finished run is recorded, and `ftbench sweep %s--out %s --resume` runs the rest", s.specArg(), s.opts.Dir)
	case err != nil:
		return sum, err
	case sum.OK == 0 && sum.Failed+sum.Timeout > 0:
		return sum, fmt.Errorf("every run failed; see the errors in %s", s.ResultsPath())
	}
	return sum, nil
}

// specArg is the spec as the user typed it, with a space, for a command
// line to suggest.
func (s *Sweep) specArg() string {
	if s.opts.SpecArg == "" {
		return ""
	}
	return s.opts.SpecArg + " "
}

// report writes report.html, summary.md and best.toml into the folder from
// every record there. The report inlines a local ECharts when one is
// installed (scripts/fetch-echarts.sh), so it opens offline; otherwise it
// points at the public copy.
func (s *Sweep) report() error {
	_, err := reports.Generate(reports.Request{
		Results: []string{s.ResultsPath()}, Spec: s.spec, Installed: true,
		Stdout: s.opts.Stdout, Stderr: s.opts.Stderr,
		Warn: func(err error) { fmt.Fprintf(s.opts.Stderr, "warning: %v\n", err) },
	})
	return err
}

// Interruptible returns a context that the first SIGINT or SIGTERM
// cancels, after telling stderr that the run in flight is recorded as
// interrupted; a second signal calls exit. stop stops listening.
func Interruptible(stderr io.Writer, exit func()) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		fmt.Fprintln(stderr, "\nftbench sweep: stopping: recording the run in flight as interrupted (Ctrl-C again to stop at once)")
		cancel()
		select {
		case <-sigs:
			// Note: the child's process group was killed on the first
			// signal, and every finished run is already on disk.
			fmt.Fprintln(stderr, "ftbench sweep: stopped")
			exit()
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}
