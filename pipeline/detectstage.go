package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ftbench/ftbench/pipeline/detect"
	"github.com/ftbench/ftbench/pipeline/geom"
)

// detectStage is stage 2: it detects on the items from in, in batches on
// cfg.Streams detectors at once, and passes every item on to out in order.
// A detector error cancels the pass.
func (f *flow) detectStage(in <-chan *item, out chan<- *item) {
	defer close(out)
	if err := f.detectBatches(in, out); err != nil {
		if errors.Is(err, detect.ErrOutOfMemory) && f.lim == nil {
			err = fmt.Errorf("%w (batch = %d; batch = \"auto\" would halve it and go on)", err, f.cfg.Batch)
		}
		f.cancel(fmt.Errorf("%s: %w", f.j.src.Path, err))
	}
}

// detectJob is one batch of items on its way through the detect stage.
type detectJob struct {
	items []*item
	done  chan error
}

// detectBatches groups decoded frames into batches and runs them on
// cfg.Streams detectors at once, passing every item on in order.
//
// Note: batches are aligned on the global detect-frame count (every
// batch*detect_interval frames), and each batch starts with a full-frame
// scan, so the detections do not depend on how many streams run, nor on
// where a segment worker starts.
func (f *flow) detectBatches(in <-chan *item, out chan<- *item) error {
	jobs := make(chan *detectJob, f.cfg.Streams)
	order := make(chan *detectJob, f.cfg.Streams)
	var wg sync.WaitGroup
	errs := make(chan error, f.cfg.Streams+1)
	for range f.cfg.Streams {
		det, err := detect.NewDetector(f.cfg, f.j.cascade)
		if err != nil {
			return err
		}
		if f.lim != nil {
			det = detect.Shrinking{Detector: det, Limiter: f.lim}
		}
		wg.Go(func() { f.detectWorker(det, jobs) })
	}
	// Note: a failed batch stops the dispatcher too; without that, a
	// detector error (a GPU out of memory) left it blocked on a full
	// order queue and the run hung.
	ctx, stop := context.WithCancel(f.ctx)
	defer stop()
	fwd := make(chan struct{})
	go func() {
		defer close(fwd)
		f.forward(ctx, stop, order, out, errs)
	}()
	f.dispatch(ctx, in, jobs, order)
	close(jobs)
	close(order)
	wg.Wait()
	<-fwd
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// detectWorker runs det on the batches from jobs, one after another.
func (f *flow) detectWorker(det detect.Detector, jobs <-chan *detectJob) {
	var batch []detect.Luma
	var outs [][]geom.Detection
	for jb := range jobs {
		t := time.Now()
		batch = batch[:0]
		for _, it := range jb.items {
			if it.detect {
				batch = append(batch, f.lumaOf(it.luma))
			}
		}
		for len(outs) < len(batch) {
			outs = append(outs, nil)
		}
		err := det.Detect(batch, outs[:len(batch)])
		k := 0
		for _, it := range jb.items {
			if it.detect && err == nil {
				it.dets = append([]geom.Detection(nil), outs[k]...)
				k++
			}
		}
		f.clock.add(busyDetect, time.Since(t))
		jb.done <- err
	}
}

// forward passes finished batches on in their original order; the first
// failed batch goes to errs and stops the stage.
func (f *flow) forward(ctx context.Context, stop context.CancelFunc, order <-chan *detectJob, out chan<- *item, errs chan<- error) {
	for jb := range order {
		t := time.Now()
		select {
		case err := <-jb.done:
			f.clock.since(waitForwardIn, t)
			if err != nil {
				errs <- err
				stop()
				return
			}
		case <-ctx.Done():
			return
		}
		for _, it := range jb.items {
			if !f.send(out, it, waitDetectOut) {
				return
			}
		}
	}
}

// dispatch groups the items from in into batches, aligned on the global
// detect-frame count, and hands each to the workers (jobs) and the
// forwarder (order).
func (f *flow) dispatch(ctx context.Context, in <-chan *item, jobs, order chan<- *detectJob) {
	send := func(items []*item) bool {
		jb := &detectJob{items: items, done: make(chan error, 1)}
		t := time.Now()
		defer f.clock.since(waitBatchOut, t)
		select {
		case order <- jb:
		case <-ctx.Done():
			return false
		}
		select {
		case jobs <- jb:
			return true
		case <-ctx.Done():
			return false
		}
	}
	var held []*item
	batch := int(f.cfg.Batch)
	period := batch * f.cfg.DetectInterval
	mark := time.Now()
	for it := range in {
		mark = f.clock.since(waitDetectIn, mark)
		held = append(held, it)
		if it.frame != nil && it.detect && (it.index/f.cfg.DetectInterval+1)%batch == 0 || len(held) >= 4*period {
			if !send(held) {
				return
			}
			held = nil
		}
		mark = time.Now()
	}
	if len(held) > 0 {
		send(held)
	}
}
