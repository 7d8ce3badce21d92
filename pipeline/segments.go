package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/ftbench/ftbench/internal/atomicfile"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/metrics"
)

// Note: a phased run follows the plan's own shape. Phase 1 (analysis):
// `processes` worker processes take segments of the input from a queue and
// decode, detect and track them, each starting one GOP early so that its
// tracker is warm at its first frame (the pre-roll). The parent then
// stitches the segments' tracks into one set of ids, using the pre-roll
// frames, which both neighbours saw, and runs the reframer once over the
// whole video, so the crop path has no seam at a boundary by construction.
// Phase 2 (post-processing): `encode_workers` decode, crop and encode the
// segments in parallel; the parent joins them without re-encoding and
// copies the audio. The second decode is the price of the split, as it was
// in the app the plan describes; the sweep measures whether it pays.

// videoProbe is what a packet scan (no decoding) tells about the input.
type videoProbe struct {
	pts  []int64 // every video frame's pts, in presentation order
	key  []bool  // whether the frame at that index is a keyframe
	fps  float64
	w, h int
}

func probeVideo(path string) (*videoProbe, error) {
	src, err := openSource(path, 1, config.HWAccelNone)
	if err != nil {
		return nil, err
	}
	defer src.close()
	type pk struct {
		pts int64
		key bool
	}
	var pks []pk
	for {
		err := src.fc.ReadFrame(src.pkt)
		if errors.Is(err, astiav.ErrEof) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: cannot read: %v", path, err)
		}
		if src.pkt.StreamIndex() == src.video.Index() {
			if src.pkt.Pts() == astiav.NoPtsValue {
				src.pkt.Unref()
				return nil, fmt.Errorf("%s: video packets without timestamps cannot be split into segments; use processes = 1 and encode_workers = 1", path)
			}
			pks = append(pks, pk{src.pkt.Pts(), src.pkt.Flags().Has(astiav.PacketFlagKey)})
		}
		src.pkt.Unref()
	}
	if len(pks) == 0 {
		return nil, fmt.Errorf("%s: no video frames could be decoded", path)
	}
	slices.SortFunc(pks, func(a, b pk) int { return cmpInt64(a.pts, b.pts) })
	p := &videoProbe{fps: src.fps}
	p.w, p.h = src.frameSize()
	for i, k := range pks {
		if i > 0 && k.pts == pks[i-1].pts {
			return nil, fmt.Errorf("%s: two video frames share pts %d; cannot split into segments", path, k.pts)
		}
		p.pts = append(p.pts, k.pts)
		p.key = append(p.key, k.key)
	}
	p.key[0] = true
	return p, nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// segment is one piece of the input, from a keyframe to the next segment's.
type segment struct {
	Index      int   `json:"index"`
	First      int   `json:"first"` // global index of its first frame
	End        int   `json:"end"`   // global index after its last frame
	StartPts   int64 `json:"start_pts"`
	EndPts     int64 `json:"end_pts"` // math.MaxInt64 for the last segment
	PrerollPts int64 `json:"preroll_pts"`
	Preroll    int   `json:"preroll"` // frames before First an analysis decodes and tracks
}

// splitSegments cuts the probed video into about n segments of equal
// length at keyframes; fewer when there are fewer keyframes.
func splitSegments(p *videoProbe, n int) []segment {
	total := len(p.pts)
	var starts []int
	for i := 0; i < n; i++ {
		target := i * total / n
		// The first keyframe at or after the target, not before the last start.
		k := target
		for k < total && !p.key[k] {
			k++
		}
		if k >= total || (len(starts) > 0 && k <= starts[len(starts)-1]) {
			continue
		}
		starts = append(starts, k)
	}
	segs := make([]segment, len(starts))
	for i, s := range starts {
		end := total
		endPts := int64(math.MaxInt64)
		if i+1 < len(starts) {
			end = starts[i+1]
			endPts = p.pts[end]
		}
		seg := segment{Index: i, First: s, End: end, StartPts: p.pts[s], EndPts: endPts, PrerollPts: p.pts[s]}
		if i > 0 {
			// Pre-roll from the previous keyframe.
			k := s - 1
			for k > 0 && !p.key[k] {
				k--
			}
			seg.PrerollPts, seg.Preroll = p.pts[k], s-k
		}
		segs[i] = seg
	}
	return segs
}

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
	Frames  []FrameRecord         `json:"frames"`
}

// ErrOutOfMemory marks a worker failure caused by lack of memory.
var ErrOutOfMemory = errors.New("out of memory")

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
				return fmt.Errorf("segment %d: %w (injected by FTBENCH_INJECT_OOM)", n, ErrOutOfMemory)
			}
		}
	}
	start := time.Now()
	_, cascade, err := LoadCascade(job.Config.Cascade)
	if err != nil {
		return err
	}
	astiav.SetLogLevel(astiav.LogLevelFatal)
	src, err := openSource(job.Input, job.Config.DecoderThreads, job.Config.HWAccel)
	if err != nil {
		return err
	}
	defer src.close()
	seg := job.Segment
	var recs []FrameRecord
	pj := &passJob{mode: modeAnalyze, cfg: job.Config, src: src, cascade: cascade, records: &recs, start: start,
		span: span{seek: seg.PrerollPts, start: seg.StartPts, end: seg.EndPts, first: seg.First, preroll: seg.Preroll, frames: seg.End - seg.First + seg.Preroll}}
	if seg.Index == 0 {
		pj.span.seek = astiav.NoPtsValue
	}
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

// runPhased runs the two-phase pipeline (see the Note at the top).
func runPhased(ctx context.Context, opt Options, gt *GroundTruth, cascade []byte, start time.Time) (*metrics.Metrics, error) {
	cfg := opt.Config
	phase := map[string]float64{}
	mark := time.Now()
	lap := func(name string) {
		phase[name] += time.Since(mark).Seconds()
		mark = time.Now()
	}
	pr, err := probeVideo(opt.Input)
	if err != nil {
		return nil, err
	}
	lap("probe")

	plan, err := planMemory(cfg, cascade, pr.w, pr.h)
	if err != nil {
		return nil, err
	}
	n := cfg.Segments
	if n == 0 {
		n = max(plan.Planned, cfg.EncodeWorkers)
	}
	segs := splitSegments(pr, n)
	tmp, err := os.MkdirTemp(filepath.Dir(opt.Output), fmt.Sprintf("%s%d-", segmentsPrefix, os.Getpid()))
	if err != nil {
		return nil, fmt.Errorf("%s: cannot write output: %w", opt.Output, atomicfile.UnwrapPath(err))
	}
	defer os.RemoveAll(tmp)

	m := &metrics.Metrics{Input: opt.Input, Output: opt.Output, Config: cfg, Width: pr.w, Height: pr.h, InputFPS: pr.fps,
		Segments: len(segs), Plan: &plan, Stages: map[string]float64{}, Waits: map[string]float64{}}
	if plan.Note != "" {
		m.Notes = append(m.Notes, plan.Note)
	}

	// Phase 1: analysis.
	var perSeg [][]FrameRecord
	if cfg.Processes > 1 {
		perSeg, err = analyzeInWorkers(ctx, opt, segs, plan.Planned, tmp, m, start)
	} else {
		// One analysis over the whole video: its ids are global already.
		perSeg, err = analyzeHere(ctx, opt, cascade, m, start)
	}
	if err != nil {
		return nil, err
	}
	lap("analyze")

	recs, ntracks, err := stitch(perSeg, len(pr.pts))
	if err != nil {
		return nil, err
	}
	reframer := NewReframer(ReframeConfigFrom(cfg, pr.fps), pr.w, pr.h)
	crops := make([]Crop, len(recs))
	var quality *QualityCounter
	if gt != nil {
		quality = NewQualityCounter(gt, 0.3)
	}
	for i := range recs {
		r := &recs[i]
		var pbox *Box
		for _, t := range r.Tracks {
			if r.Primary != nil && t.ID == *r.Primary {
				b := t.Box
				pbox = &b
			}
		}
		r.Crop = reframer.Next(pbox)
		crops[i] = r.Crop
		if quality != nil {
			quality.Add(i, pbox, r.Detections, r.Detected)
		}
		if pbox != nil {
			m.FacesFrames++
		}
		if r.Detected {
			m.DetectFrames++
			m.Detections += len(r.Detections)
		}
	}
	m.Tracks = ntracks
	if quality != nil {
		q := quality.Result()
		m.Quality = &q
	}
	lap("stitch")

	// Phase 2: crop and encode the segments in parallel.
	parts, err := encodeSegments(ctx, opt, segs, crops, tmp, m, start)
	if err != nil {
		return nil, err
	}
	lap("encode")
	if err := joinSegments(opt, parts, m); err != nil {
		return nil, err
	}
	if opt.TracksPath != "" {
		if err := writeTracks(opt.TracksPath, opt.Input, pr, recs); err != nil {
			os.Remove(opt.Output)
			return nil, err
		}
	}
	lap("join")
	m.PhaseSeconds = phase
	m.Frames = len(recs)
	finish(m, start)
	if opt.Progress != nil {
		opt.Progress(m.Frames, m.Frames, m.FPS)
	}
	return m, nil
}

// planMemory runs the memory planner for this config and frame size.
func planMemory(cfg config.Config, cascade []byte, w, h int) (metrics.MemoryPlan, error) {
	budget, source := cfg.MemoryBudget, "config"
	if budget == 0 && cfg.Detector == "cuda" && gpuMemory != nil {
		// The plan's budget is the card's memory: (32 - 4 - 2) / 2 = 13.
		if _, total, err := gpuMemory(); err == nil {
			budget, source = total, "VRAM"
		}
	}
	if budget == 0 {
		avail, err := systemMemAvailable()
		if err != nil {
			return metrics.MemoryPlan{}, fmt.Errorf("memory planner: %v (set memory_budget)", err)
		}
		budget, source = avail, "MemAvailable"
	}
	per, perSource := cfg.ProcessMemory, "config"
	switch {
	case per > 0:
	case source == "VRAM":
		var err error
		if per, err = estimateGPUProcessMemory(cfg, cascade, w, h); err != nil {
			return metrics.MemoryPlan{}, fmt.Errorf("memory planner: %v", err)
		}
		perSource = "estimate: CUDA context + detector buffers"
	default:
		per, perSource = estimateProcessMemory(cfg, w, h), "estimate: frames in flight + base"
	}
	plan, err := PlanProcesses(budget, cfg.ModelMemory, int64(float64(budget)*cfg.MemoryMargin), per, cfg.Processes, cfg.ClampProcesses)
	plan.BudgetSource, plan.ProcessSource = source, perSource
	return plan, err
}

// analyzeHere runs the analysis of the whole video in this process.
func analyzeHere(ctx context.Context, opt Options, cascade []byte, m *metrics.Metrics, start time.Time) ([][]FrameRecord, error) {
	src, err := openSource(opt.Input, opt.Config.DecoderThreads, opt.Config.HWAccel)
	if err != nil {
		return nil, err
	}
	defer src.close()
	var recs []FrameRecord
	t := time.Now()
	pj := &passJob{mode: modeAnalyze, cfg: opt.Config, src: src, cascade: cascade, records: &recs, span: wholeVideo(), start: start}
	wm, err := pj.run(ctx)
	if err != nil {
		return nil, err
	}
	addStages(m, wm.Stages, wm.Waits)
	addWorker(m, metrics.WorkerMetrics{Phase: "analyze", Frames: wm.Frames, WallSeconds: time.Since(t).Seconds(), Stages: wm.Stages, Waits: wm.Waits, Batch: wm.Batch,
		Notes: wm.Notes, DecodeHWAccel: wm.DecodeHWAccel, GPUMemory: wm.GPUMemory})
	return [][]FrameRecord{recs}, nil
}

func addStages(m *metrics.Metrics, stages, waits map[string]float64) {
	for k, v := range stages {
		m.Stages[k] += v
	}
	for k, v := range waits {
		m.Waits[k] += v
	}
}

// analyzeInWorkers runs the analysis in worker processes, at most limit at
// once, retrying a failed segment and backing the process count off when a
// worker runs out of memory.
func analyzeInWorkers(ctx context.Context, opt Options, segs []segment, limit int, tmp string, m *metrics.Metrics, start time.Time) ([][]FrameRecord, error) {
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
	type outcome struct {
		seg, attempt int
		res          *workerResult
		err          error
		oom          bool
	}
	results := make(chan outcome)
	queue := make([]int, len(segs))
	for i := range queue {
		queue[i] = i
	}
	attempts := make([]int, len(segs))
	out := make([][]FrameRecord, len(segs))
	running, done := 0, 0
	var wg sync.WaitGroup
	launch := func(si, attempt int) {
		running++
		wg.Add(1)
		go func() {
			defer wg.Done()
			jobPath := filepath.Join(tmp, fmt.Sprintf("job-%d-%d.json", si, attempt))
			resPath := filepath.Join(tmp, fmt.Sprintf("result-%d-%d.json", si, attempt))
			job := workerJob{Input: opt.Input, Config: opt.Config, Segment: segs[si], Attempt: attempt, Result: resPath}
			b, _ := json.Marshal(job)
			o := outcome{seg: si, attempt: attempt}
			if err := os.WriteFile(jobPath, b, 0o644); err != nil {
				o.err = err
				results <- o
				return
			}
			args := append(slices.Clone(cmdPrefix[1:]), "--analyze-segment", jobPath)
			cmd := exec.CommandContext(ctx, cmdPrefix[0], args...)
			// Note: a worker dies with this process, whatever kills it
			// (SIGKILL included): the kernel sends Pdeathsig when the
			// thread that started the worker ends, so that thread stays
			// this goroutine's until the worker is waited for.
			cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			if err != nil {
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
				results <- o
				return
			}
			data, err := os.ReadFile(resPath)
			if err == nil {
				var r workerResult
				if err = json.Unmarshal(data, &r); err == nil {
					o.res = &r
				}
			}
			o.err = err
			results <- o
		}()
	}
	var firstErr error
	for done < len(segs) && firstErr == nil {
		for running < limit && len(queue) > 0 {
			si := queue[0]
			queue = queue[1:]
			launch(si, attempts[si])
		}
		o := <-results
		running--
		if o.err != nil {
			m.Workers = append(m.Workers, metrics.WorkerMetrics{Phase: "analyze", Segment: o.seg, Attempt: o.attempt, Error: o.err.Error()})
			if ctx.Err() != nil {
				firstErr = ctx.Err()
				break
			}
			attempts[o.seg]++
			if attempts[o.seg] > maxAttempts {
				firstErr = fmt.Errorf("%s: %w (after %d attempts)", opt.Input, o.err, attempts[o.seg])
				break
			}
			if o.oom && limit > 1 {
				next := BackOff(limit)
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

// maxAttempts is how often a failed segment is retried.
const maxAttempts = 2

// stitch joins the segments' records into one record per frame with
// global track ids: a track of segment k takes the id of the track of
// segment k-1 it overlaps most on the pre-roll frames both saw (mean IoU
// >= 0.3), else a new id.
func stitch(perSeg [][]FrameRecord, total int) ([]FrameRecord, int, error) {
	out := make([]FrameRecord, 0, total)
	byFrame := map[int]FrameRecord{} // the previous segment's stitched frames, for matching
	nextID := 1
	for k, recs := range perSeg {
		idMap := map[int]int{}
		if k > 0 {
			type pair struct{ local, global int }
			sum := map[pair]float64{}
			frames := map[int]int{} // local id -> pre-roll frames it appears on
			for _, r := range recs {
				if !r.Preroll {
					continue
				}
				prev, ok := byFrame[r.Frame]
				if !ok {
					continue
				}
				for _, t := range r.Tracks {
					frames[t.ID]++
					for _, g := range prev.Tracks {
						sum[pair{t.ID, g.ID}] += t.Box.IoU(g.Box)
					}
				}
			}
			type cand struct {
				p   pair
				iou float64
			}
			var cands []cand
			for p, s := range sum {
				if mean := s / float64(frames[p.local]); mean >= 0.3 {
					cands = append(cands, cand{p, mean})
				}
			}
			slices.SortFunc(cands, func(a, b cand) int {
				if a.iou != b.iou {
					if a.iou > b.iou {
						return -1
					}
					return 1
				}
				return cmpInt64(int64(a.p.local*1000003+a.p.global), int64(b.p.local*1000003+b.p.global))
			})
			usedG := map[int]bool{}
			for _, c := range cands {
				if _, done := idMap[c.p.local]; done || usedG[c.p.global] {
					continue
				}
				idMap[c.p.local] = c.p.global
				usedG[c.p.global] = true
			}
		}
		clear(byFrame)
		global := func(local int) int {
			if g, ok := idMap[local]; ok {
				return g
			}
			idMap[local] = nextID
			nextID++
			return idMap[local]
		}
		for _, r := range recs {
			if r.Preroll {
				continue
			}
			tracks := make([]Track, len(r.Tracks))
			for i, t := range r.Tracks {
				t.ID = global(t.ID)
				tracks[i] = t
			}
			r.Tracks = tracks
			if r.Primary != nil {
				g := global(*r.Primary)
				r.Primary = &g
			}
			if r.Frame != len(out) {
				return nil, 0, fmt.Errorf("segment %d: frame %d where frame %d was expected", k, r.Frame, len(out))
			}
			out = append(out, r)
			byFrame[r.Frame] = r
		}
	}
	if len(out) != total {
		return nil, 0, fmt.Errorf("the analysis covered %d of %d frames", len(out), total)
	}
	return out, nextID - 1, nil
}

// encodeSegments crops and encodes every segment, encode_workers at once,
// into files in tmp, and returns their paths in order.
func encodeSegments(ctx context.Context, opt Options, segs []segment, crops []Crop, tmp string, m *metrics.Metrics, start time.Time) ([]string, error) {
	cfg := opt.Config
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	parts := make([]string, len(segs))
	jobs := make(chan int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(cfg.EncodeWorkers, len(segs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for si := range jobs {
				seg := segs[si]
				t := time.Now()
				path := filepath.Join(tmp, fmt.Sprintf("part-%05d.mp4", si))
				wm, err := encodeOne(ctx, opt, seg, crops, path, start)
				mu.Lock()
				if err != nil {
					m.Workers = append(m.Workers, metrics.WorkerMetrics{Phase: "encode", Segment: si, Error: err.Error()})
					mu.Unlock()
					cancel(err)
					continue
				}
				parts[si] = path
				m.CropWidth, m.CropHeight = wm.CropWidth, wm.CropHeight
				m.EncoderName, m.Decoder = wm.EncoderName, wm.Decoder
				addWorker(m, metrics.WorkerMetrics{Phase: "encode", Segment: si, Frames: wm.Frames, WallSeconds: time.Since(t).Seconds(), Stages: wm.Stages, Waits: wm.Waits,
					Notes: wm.Notes, DecodeHWAccel: wm.DecodeHWAccel})
				addStages(m, wm.Stages, wm.Waits)
				mu.Unlock()
			}
		}()
	}
	for si := range segs {
		select {
		case jobs <- si:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return parts, nil
}

func encodeOne(ctx context.Context, opt Options, seg segment, crops []Crop, path string, start time.Time) (*metrics.Metrics, error) {
	src, err := openSource(opt.Input, opt.Config.DecoderThreads, opt.Config.HWAccel)
	if err != nil {
		return nil, err
	}
	defer src.close()
	pj := &passJob{mode: modeEncode, cfg: opt.Config, src: src, crops: crops, output: path, start: start,
		span: span{seek: seg.StartPts, start: seg.StartPts, end: seg.EndPts, first: seg.First}}
	if seg.Index == 0 {
		pj.span.seek = astiav.NoPtsValue
	}
	wm, err := pj.run(ctx)
	if err != nil {
		return nil, err
	}
	if wm.Frames != seg.End-seg.First {
		pj.discard()
		return nil, fmt.Errorf("%s: segment %d: encoded %d frames, expected %d", opt.Input, seg.Index, wm.Frames, seg.End-seg.First)
	}
	if err := pj.commit(); err != nil {
		return nil, err
	}
	return wm, nil
}

func writeTracks(path, input string, pr *videoProbe, recs []FrameRecord) error {
	tw, err := newTracksWriter(path, input, pr.w, pr.h, pr.fps)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if err := tw.add(r); err != nil {
			tw.abort()
			return err
		}
	}
	return tw.commit()
}

// segmentsPrefix starts the name of a run's segment folder, which goes on
// with the run's pid: a run killed before it could remove the folder
// leaves it, and the next run in that folder removes it.
const segmentsPrefix = ".ftbench-segments-"

// removeStaleSegments removes the segment folders in dir whose run is no
// longer alive.
func removeStaleSegments(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), segmentsPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}
