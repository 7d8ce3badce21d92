package detect

import (
	"errors"
	"sync"

	"github.com/ftbench/ftbench/pipeline/geom"
	"github.com/ftbench/ftbench/pipeline/metrics"
)

// Limiter is the batch = "auto" limit shared by a pass's streams: an
// allocation failure on any stream halves it for all of them (they share
// one device). Its plan records every halving.
type Limiter struct {
	mu    sync.Mutex
	limit int
	plan  *metrics.BatchPlan
}

// NewLimiter returns a limiter that starts at plan.Chosen frames and
// records its shrinks in plan.
func NewLimiter(plan *metrics.BatchPlan) *Limiter {
	return &Limiter{limit: plan.Chosen, plan: plan}
}

// Limit returns the largest batch to run now.
func (l *Limiter) Limit() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit
}

// shrink halves the limit after a batch of n frames failed with err; it
// reports whether a smaller batch is left to try.
func (l *Limiter) shrink(n int, err error) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.limit < n {
		return true // another stream shrank it meanwhile
	}
	if n <= 1 {
		return false
	}
	l.limit = n / 2
	l.plan.Final = l.limit
	l.plan.Shrinks = append(l.plan.Shrinks, metrics.BatchShrink{From: n, To: l.limit, Error: err.Error()})
	return true
}

// Shrinking runs batches no larger than its limiter allows, and retries a
// batch in smaller pieces when the detector runs out of memory.
type Shrinking struct {
	Detector
	Limiter *Limiter
}

var _ Detector = Shrinking{}

// Detect runs frames in batches of at most the limiter's limit, halving it
// on ErrOutOfMemory until one frame fails.
func (d Shrinking) Detect(frames []Luma, out [][]geom.Detection) error {
	for len(frames) > 0 {
		n := min(len(frames), d.Limiter.Limit())
		err := d.Detector.Detect(frames[:n], out[:n])
		if err != nil {
			if errors.Is(err, ErrOutOfMemory) && d.Limiter.shrink(n, err) {
				continue
			}
			return err
		}
		frames, out = frames[n:], out[n:]
	}
	return nil
}
