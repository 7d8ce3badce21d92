package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ftbench/ftbench/internal/atomicfile"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/geom"
	"github.com/ftbench/ftbench/pipeline/media"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/pipeline/quality"
	"github.com/ftbench/ftbench/pipeline/track"
)

// runPhased runs the two-phase pipeline (see the Note in segments.go).
func runPhased(ctx context.Context, opt Options, gt *quality.GroundTruth, cascade []byte, start time.Time) (*metrics.Metrics, error) {
	cfg := opt.Config
	phase := map[string]float64{}
	mark := time.Now()
	lap := func(name string) {
		phase[name] += time.Since(mark).Seconds()
		mark = time.Now()
	}
	pr, err := media.ProbeVideo(opt.Input)
	if err != nil {
		return nil, err
	}
	lap("probe")

	memPlan, err := planMemory(cfg, cascade, pr.W, pr.H)
	if err != nil {
		return nil, err
	}
	n := cfg.Segments
	if n == 0 {
		n = max(memPlan.Planned, cfg.EncodeWorkers)
	}
	segs := splitSegments(pr, n)
	tmp, err := os.MkdirTemp(filepath.Dir(opt.Output), fmt.Sprintf("%s%d-", segmentsPrefix, os.Getpid()))
	if err != nil {
		return nil, fmt.Errorf("%s: cannot write output: %w", opt.Output, atomicfile.UnwrapPath(err))
	}
	defer os.RemoveAll(tmp)

	m := &metrics.Metrics{Input: opt.Input, Output: opt.Output, Config: cfg, Width: pr.W, Height: pr.H, InputFPS: pr.FPS,
		Segments: len(segs), Plan: &memPlan, Stages: map[string]float64{}, Waits: map[string]float64{}}
	if memPlan.Note != "" {
		m.Notes = append(m.Notes, memPlan.Note)
	}
	tp := threadPlan(cfg, cores())
	m.Threads = &tp

	// Phase 1: analysis.
	aopt := opt
	aopt.Config = analyzeConfig(cfg, tp)
	perSeg, err := analyze(ctx, aopt, cascade, segs, memPlan.Planned, tmp, m, start)
	if err != nil {
		return nil, err
	}
	lap("analyze")
	recs, ntracks, err := stitch(perSeg, len(pr.Pts))
	if err != nil {
		return nil, err
	}
	crops := reframeAll(cfg, pr.FPS, pr.W, pr.H, gt, recs, m)
	m.Tracks = ntracks
	lap("stitch")

	// Phase 2: crop and encode the segments in parallel.
	eopt := opt
	eopt.Config = encodeConfig(cfg, tp)
	parts, err := encodeSegments(ctx, eopt, segs, crops, tmp, m, start)
	if err != nil {
		return nil, err
	}
	lap("encode")
	if m.AudioCopied, err = media.Join(parts, opt.Input, opt.Output, cfg.CopyAudio); err != nil {
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
	pass, err := planPass(cfg, cascade, w, h, 0)
	if err != nil {
		return metrics.MemoryPlan{}, fmt.Errorf("memory planner: %v", err)
	}
	return machine().Processes(cfg, pass)
}

// analyze runs phase 1: the segments in up to limit worker processes, or,
// with processes = 1, one analysis over the whole video here, whose track
// ids are global already.
func analyze(ctx context.Context, opt Options, cascade []byte, segs []segment, limit int, tmp string, m *metrics.Metrics, start time.Time) ([][]track.FrameRecord, error) {
	if opt.Config.Processes > 1 {
		return analyzeInWorkers(ctx, opt, segs, limit, tmp, m, start)
	}
	return analyzeHere(ctx, opt, cascade, m, start)
}

// analyzeHere runs the analysis of the whole video in this process.
func analyzeHere(ctx context.Context, opt Options, cascade []byte, m *metrics.Metrics, start time.Time) ([][]track.FrameRecord, error) {
	src, err := media.OpenSource(opt.Input, opt.Config.DecoderThreads, opt.Config.HWAccel)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	var recs []track.FrameRecord
	t := time.Now()
	pj := &passJob{mode: modeAnalyze, cfg: opt.Config, src: src, cascade: cascade, records: &recs, span: wholeVideo(), start: start}
	wm, err := pj.run(ctx)
	if err != nil {
		return nil, err
	}
	addStages(m, wm.Stages, wm.Waits)
	addWorker(m, metrics.WorkerMetrics{Phase: "analyze", Frames: wm.Frames, WallSeconds: time.Since(t).Seconds(), Stages: wm.Stages, Waits: wm.Waits, Batch: wm.Batch,
		Notes: wm.Notes, DecodeHWAccel: wm.DecodeHWAccel, GPUMemory: wm.GPUMemory})
	return [][]track.FrameRecord{recs}, nil
}

// reframeAll runs the reframer once over the stitched records of a
// fps W x H video, fills in their crops, and counts the frames' faces,
// detections and quality into m. It returns every frame's crop.
func reframeAll(cfg config.Config, fps float64, W, H int, gt *quality.GroundTruth, recs []track.FrameRecord, m *metrics.Metrics) []geom.Crop {
	reframer := track.NewReframer(track.ReframeConfigFrom(cfg, fps), W, H)
	crops := make([]geom.Crop, len(recs))
	var counter *quality.Counter
	if gt != nil {
		counter = quality.NewCounter(gt, 0.3)
		counter.SetFrameSize(W, H)
	}
	for i := range recs {
		r := &recs[i]
		var pbox *geom.Box
		for _, t := range r.Tracks {
			if r.Primary != nil && t.ID == *r.Primary {
				b := t.Box
				pbox = &b
			}
		}
		r.Crop = reframer.Next(pbox)
		crops[i] = r.Crop
		if counter != nil {
			counter.Add(i, pbox, r.Detections, r.Detected)
			counter.AddTracks(i, r.Tracks)
		}
		if pbox != nil {
			m.FacesFrames++
		}
		if r.Detected {
			m.DetectFrames++
			m.Detections += len(r.Detections)
		}
	}
	if counter != nil {
		q := counter.Result()
		m.Quality = &q
	}
	return crops
}

// encodeSegments crops and encodes every segment, encode_workers at once,
// into files in tmp, and returns their paths in order.
func encodeSegments(ctx context.Context, opt Options, segs []segment, crops []geom.Crop, tmp string, m *metrics.Metrics, start time.Time) ([]string, error) {
	cfg := opt.Config
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	parts := make([]string, len(segs))
	jobs := make(chan int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(cfg.EncodeWorkers, len(segs)) {
		wg.Go(func() {
			for si := range jobs {
				t := time.Now()
				path := filepath.Join(tmp, fmt.Sprintf("part-%05d.mp4", si))
				wm, err := encodeOne(ctx, opt, segs[si], crops, path, start)
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
		})
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

// encodeOne crops and encodes one segment into path.
func encodeOne(ctx context.Context, opt Options, seg segment, crops []geom.Crop, path string, start time.Time) (*metrics.Metrics, error) {
	src, err := media.OpenSource(opt.Input, opt.Config.DecoderThreads, opt.Config.HWAccel)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	pj := &passJob{mode: modeEncode, cfg: opt.Config, src: src, crops: crops, output: path, start: start, span: encodeSpan(seg)}
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

// writeTracks writes the stitched records as tracks.json.
func writeTracks(path, input string, pr *media.Probe, recs []track.FrameRecord) error {
	tw, err := track.NewWriter(path, input, pr.W, pr.H, pr.FPS)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if err := tw.Add(r); err != nil {
			tw.Abort()
			return err
		}
	}
	return tw.Commit()
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
