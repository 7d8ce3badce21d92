package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/ftbench/ftbench/internal/atomicfile"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/detect"
	"github.com/ftbench/ftbench/pipeline/media"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/pipeline/plan"
	"github.com/ftbench/ftbench/pipeline/track"
)

// workerJob is what the parent hands a segment worker process.
type workerJob struct {
	Input   string        `json:"input"`
	Config  config.Config `json:"config"`
	Segment segment       `json:"segment"`
	Attempt int           `json:"attempt"`
	Result  string        `json:"result"` // where the worker writes its workerResult
}

// workerResult is what a segment worker writes back.
type workerResult struct {
	Metrics metrics.WorkerMetrics `json:"metrics"`
	Frames  []track.FrameRecord   `json:"frames"`
}

// RunWorker runs one analysis segment job (the hidden `ftbench run
// --analyze-segment JOB.json`), writing its result where the job says.
//
// FTBENCH_INJECT_OOM, a comma-separated list of segment indices, makes the
// first attempt at those segments fail as if out of memory: the
// fault-injection hook the back-off tests use.
func RunWorker(ctx context.Context, jobPath string) error {
	data, err := os.ReadFile(jobPath)
	if err != nil {
		return fmt.Errorf("%s: %w", jobPath, atomicfile.UnwrapPath(err))
	}
	var job workerJob
	if err := json.Unmarshal(data, &job); err != nil {
		return fmt.Errorf("%s: not a worker job: %v", jobPath, err)
	}
	if inject := os.Getenv("FTBENCH_INJECT_OOM"); inject != "" && job.Attempt == 0 {
		for _, s := range strings.Split(inject, ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n == job.Segment.Index {
				return fmt.Errorf("segment %d: %w (injected by FTBENCH_INJECT_OOM)", n, detect.ErrOutOfMemory)
			}
		}
	}
	start := time.Now()
	_, cascade, err := detect.LoadCascade(job.Config.Cascade)
	if err != nil {
		return err
	}
	astiav.SetLogLevel(astiav.LogLevelFatal)
	src, err := media.OpenSource(job.Input, job.Config.DecoderThreads, job.Config.HWAccel)
	if err != nil {
		return err
	}
	defer src.Close()
	seg := job.Segment
	var recs []track.FrameRecord
	pj := &passJob{mode: modeAnalyze, cfg: job.Config, src: src, cascade: cascade, records: &recs, start: start, span: analysisSpan(seg)}
	m, err := pj.run(ctx)
	if err != nil {
		return err
	}
	res := workerResult{Frames: recs, Metrics: metrics.WorkerMetrics{Phase: "analyze", Segment: seg.Index, Attempt: job.Attempt,
		Frames: m.Frames, WallSeconds: time.Since(start).Seconds(), Stages: m.Stages, Waits: m.Waits, PeakRSS: PeakRSS(), Batch: m.Batch,
		Notes: m.Notes, DecodeHWAccel: m.DecodeHWAccel, GPUMemory: m.GPUMemory}}
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(job.Result, b)
}

// maxAttempts is how often a failed segment is retried.
const maxAttempts = 2

// workerOutcome is how one attempt at one segment ended.
type workerOutcome struct {
	seg, attempt int
	res          *workerResult
	err          error
	oom          bool // the worker ran out of memory, or the kernel killed it
}

// analyzeInWorkers runs the analysis in worker processes, at most limit at
// once, retrying a failed segment and backing the process count off when a
// worker runs out of memory.
func analyzeInWorkers(ctx context.Context, opt Options, segs []segment, limit int, tmp string, m *metrics.Metrics, start time.Time) ([][]track.FrameRecord, error) {
	cmdPrefix := opt.WorkerCommand
	if len(cmdPrefix) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("cannot find this executable to start workers: %v", err)
		}
		cmdPrefix = []string{exe, "run"}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan workerOutcome)
	queue := make([]int, len(segs))
	for i := range queue {
		queue[i] = i
	}
	attempts := make([]int, len(segs))
	out := make([][]track.FrameRecord, len(segs))
	running, done := 0, 0
	var wg sync.WaitGroup
	var firstErr error
	for done < len(segs) && firstErr == nil {
		for running < limit && len(queue) > 0 {
			si := queue[0]
			queue = queue[1:]
			running++
			job := workerJob{Input: opt.Input, Config: opt.Config, Segment: segs[si], Attempt: attempts[si]}
			wg.Go(func() { results <- runWorkerProcess(ctx, cmdPrefix, job, tmp) })
		}
		o := <-results
		running--
		if o.err != nil {
			m.Workers = append(m.Workers, metrics.WorkerMetrics{Phase: "analyze", Segment: o.seg, Attempt: o.attempt, Error: o.err.Error()})
			if firstErr = retryable(ctx, opt, o, attempts); firstErr != nil {
				break
			}
			if o.oom && limit > 1 {
				next := plan.BackOff(limit)
				m.Scaling = append(m.Scaling, metrics.ScalingEvent{AtSeconds: time.Since(start).Seconds(), From: limit, To: next, Segment: o.seg, Reason: o.err.Error()})
				limit = next
			}
			queue = append([]int{o.seg}, queue...)
			continue
		}
		out[o.seg] = o.res.Frames
		addWorker(m, o.res.Metrics)
		addStages(m, o.res.Metrics.Stages, o.res.Metrics.Waits)
		m.PeakRSSBytes = max(m.PeakRSSBytes, o.res.Metrics.PeakRSS)
		done++
		if opt.Progress != nil {
			opt.Progress(done, len(segs), 0)
		}
	}
	if firstErr != nil {
		cancel()
		go func() {
			for range results {
			}
		}()
		wg.Wait()
		close(results)
		return nil, firstErr
	}
	wg.Wait()
	return out, nil
}

// retryable counts a failed attempt at o.seg and returns nil when the
// segment may be tried again, or the error that ends the run.
func retryable(ctx context.Context, opt Options, o workerOutcome, attempts []int) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	attempts[o.seg]++
	if attempts[o.seg] > maxAttempts {
		return fmt.Errorf("%s: %w (after %d attempts)", opt.Input, o.err, attempts[o.seg])
	}
	return nil
}

// runWorkerProcess runs one worker process on job, with its files in tmp,
// and reads back its result.
func runWorkerProcess(ctx context.Context, cmdPrefix []string, job workerJob, tmp string) workerOutcome {
	si, attempt := job.Segment.Index, job.Attempt
	jobPath := filepath.Join(tmp, fmt.Sprintf("job-%d-%d.json", si, attempt))
	job.Result = filepath.Join(tmp, fmt.Sprintf("result-%d-%d.json", si, attempt))
	b, _ := json.Marshal(job)
	o := workerOutcome{seg: si, attempt: attempt}
	if err := os.WriteFile(jobPath, b, 0o644); err != nil {
		o.err = err
		return o
	}
	args := append(slices.Clone(cmdPrefix[1:]), "--analyze-segment", jobPath)
	cmd := exec.CommandContext(ctx, cmdPrefix[0], args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		var ee *exec.ExitError
		killed := errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled() && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL
		o.oom = killed || strings.Contains(msg, "out of memory")
		if msg == "" {
			msg = err.Error()
		}
		o.err = fmt.Errorf("segment %d worker: %s", si, msg)
		return o
	}
	data, err := os.ReadFile(job.Result)
	if err == nil {
		var r workerResult
		if err = json.Unmarshal(data, &r); err == nil {
			o.res = &r
		}
	}
	o.err = err
	return o
}
