package pipeline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/ftbench/ftbench/fixtures"
	"github.com/ftbench/ftbench/fixtures/catalog"
	"github.com/ftbench/ftbench/pipeline"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/pipeline/track"
)

// TestMain lets the test binary act as a segment worker, so the parallel
// pipeline can be tested without building the ftbench command.
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == "--analyze-segment" {
		if err := pipeline.RunWorker(context.Background(), os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var (
	clipOnce sync.Once
	clipDir  string
)

func testClip(t *testing.T, name string) fixtures.Clip {
	t.Helper()
	clipOnce.Do(func() {
		d, err := os.MkdirTemp("", "ftbench-pipeline-fixtures")
		if err != nil {
			t.Fatal(err)
		}
		clipDir = d
	})
	spec, ok := catalog.Lookup(name)
	if !ok {
		t.Fatalf("no fixture %s", name)
	}
	c, err := fixtures.Generate(spec, clipDir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type runResult struct {
	m      *metrics.Metrics
	tracks *track.TracksFile
	out    string
}

func runWith(t *testing.T, clip fixtures.Clip, edit func(*config.Config)) runResult {
	t.Helper()
	dir := t.TempDir()
	cfg := config.DefaultConfig()
	edit(&cfg)
	opt := pipeline.Options{Input: clip.Video, Output: filepath.Join(dir, "out.mp4"), Config: cfg,
		GroundTruth: clip.GroundTruth, TracksPath: filepath.Join(dir, "tracks.json"), WorkerCommand: []string{os.Args[0]}}
	m, err := pipeline.Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	tf, err := track.ReadTracks(opt.TracksPath)
	if err != nil {
		t.Fatal(err)
	}
	return runResult{m: m, tracks: tf, out: opt.Output}
}

// framePts lists the output's frame timestamps with ffprobe.
func framePts(t *testing.T, path string) []string {
	t.Helper()
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe not installed (scripts/install-deps.sh installs it)")
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	// Note: ffprobe appends side data (x264's SEI) to a frame's line after
	// a comma, and sometimes an empty line; keep the first field.
	var pts []string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.TrimSpace(strings.Split(line, ",")[0]); f != "" {
			pts = append(pts, f)
		}
	}
	return pts
}

// TestSegmentWorkersJoinSeamlessly runs the pipeline with 1, 2 and 4
// segment workers on a clip whose face crosses the segment boundaries, and
// checks that the joined outputs have the same frames and timestamps as
// the input, that the face keeps one track id across every boundary, and
// that the crop path has no jump at a boundary.
func TestSegmentWorkersJoinSeamlessly(t *testing.T) {
	clip := testClip(t, "two_faces_360p")
	want := framePts(t, clip.Video)
	var base runResult
	for _, n := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("processes=%d", n), func(t *testing.T) {
			r := runWith(t, clip, func(c *config.Config) {
				c.Processes = n
				c.Segments = n
				c.EncodeWorkers = min(n, 2)
				c.MemoryBudget = 64 << 30
			})
			// The clip has a keyframe a second: three places to cut.
			if wantSegs := min(n, 3); n > 1 && r.m.Segments != wantSegs {
				t.Fatalf("%d segments, want %d", r.m.Segments, wantSegs)
			}
			if got := framePts(t, r.out); !reflect.DeepEqual(got, want) {
				t.Fatalf("output has %d frames, input %d; timestamps differ", len(got), len(want))
			}
			// The workers ran with their threads sized to the cores.
			if tp := r.m.Threads; n > 1 && (tp == nil || !tp.Sized || tp.Encoder != max(1, (tp.Cores+min(n, 2)-1)/min(n, 2))) {
				t.Fatalf("thread_plan %+v, want the workers' threads sized", tp)
			}
			if len(r.tracks.Frames) != clip.Frames {
				t.Fatalf("tracks.json has %d frames, want %d", len(r.tracks.Frames), clip.Frames)
			}
			// Two faces, present throughout: exactly two ids, each on
			// (almost) every frame, whatever the segmentation.
			seen := map[int]int{}
			for _, f := range r.tracks.Frames {
				for _, tr := range f.Tracks {
					seen[tr.ID]++
				}
			}
			if len(seen) != 2 {
				t.Errorf("track ids %v, want the two faces' ids only", seen)
			}
			maxStep := config.DefaultConfig().ReframeMaxSpeed*float64(r.m.CropWidth)/r.m.InputFPS + 2
			for i := 1; i < len(r.tracks.Frames); i++ {
				a, b := r.tracks.Frames[i-1].Crop, r.tracks.Frames[i].Crop
				if d := math.Hypot(float64(b.X-a.X), float64(b.Y-a.Y)); d > maxStep {
					t.Errorf("crop jumps %.1f px between frames %d and %d (limit %.1f)", d, i-1, i, maxStep)
				}
			}
			if r.m.Quality == nil || r.m.Quality.HitRate < 0.9 {
				t.Errorf("quality %+v, want hit_rate >= 0.9", r.m.Quality)
			}
			if n == 1 {
				base = r
			} else if base.m != nil {
				// The same faces in the same places: the segmentation changes
				// ids' numbering at most, not the crop path's course.
				for i := range r.tracks.Frames {
					a, b := base.tracks.Frames[i].Crop, r.tracks.Frames[i].Crop
					if d := math.Hypot(float64(b.X-a.X), float64(b.Y-a.Y)); d > 0.1*float64(r.m.CropWidth) {
						t.Errorf("frame %d: crop %+v with %d workers, %+v with one", i, b, n, a)
						break
					}
				}
			}
		})
	}
}

// TestStreamsDoNotChangeDetections checks that running detection batches
// on several streams gives exactly the detections of one stream.
func TestStreamsDoNotChangeDetections(t *testing.T) {
	clip := testClip(t, "face_360p")
	var want []track.FrameRecord
	for _, s := range []int{1, 2, 4} {
		r := runWith(t, clip, func(c *config.Config) { c.Streams = s; c.Batch = 4 })
		if want == nil {
			want = r.tracks.Frames
			continue
		}
		for i, f := range r.tracks.Frames {
			if !reflect.DeepEqual(f.Detections, want[i].Detections) {
				t.Fatalf("streams=%d: frame %d detections %v, with one stream %v", s, i, f.Detections, want[i].Detections)
			}
		}
	}
}

// TestOutOfMemoryBacksOff makes two workers fail as out of memory and
// checks that the run completes with fewer processes, records the
// scaling, and still produces every frame.
func TestOutOfMemoryBacksOff(t *testing.T) {
	clip := testClip(t, "face_360p")
	t.Setenv("FTBENCH_INJECT_OOM", "0,2")
	r := runWith(t, clip, func(c *config.Config) {
		c.Processes = 3
		c.Segments = 3
		c.MemoryBudget = 64 << 30
	})
	if len(r.m.Scaling) == 0 {
		t.Fatalf("no scaling recorded; workers: %+v", r.m.Workers)
	}
	if s := r.m.Scaling[0]; s.From != 3 || s.To != 1 || !strings.Contains(s.Reason, "out of memory") {
		t.Errorf("first scaling %+v, want 3 -> 1 for out of memory", s)
	}
	failed := 0
	for _, w := range r.m.Workers {
		if w.Error != "" {
			failed++
		}
	}
	if failed != 2 {
		t.Errorf("%d failed worker attempts recorded, want 2", failed)
	}
	if got := framePts(t, r.out); len(got) != clip.Frames {
		t.Errorf("output has %d frames, want %d", len(got), clip.Frames)
	}
	b, _ := json.Marshal(r.m)
	if !strings.Contains(string(b), `"scaling"`) {
		t.Error("metrics.json lacks the scaling record")
	}
}

// TestWorkerFailureLeavesNothing checks that a segment that fails on every
// attempt fails the run cleanly: an error, and no output files.
func TestWorkerFailureLeavesNothing(t *testing.T) {
	clip := testClip(t, "face_360p")
	dir := t.TempDir()
	cfg := config.DefaultConfig()
	cfg.Processes, cfg.Segments, cfg.MemoryBudget = 2, 2, 64<<30
	opt := pipeline.Options{Input: clip.Video, Output: filepath.Join(dir, "out.mp4"), Config: cfg,
		TracksPath: filepath.Join(dir, "tracks.json"), WorkerCommand: []string{"/bin/false"}}
	if _, err := pipeline.Run(context.Background(), opt); err == nil {
		t.Fatal("no error although every worker fails")
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

// BenchmarkRun runs the whole pipeline on a 6-second and a 12-second clip
// and reports frames/s and the steady state's heap allocations per frame:
// the difference between the two runs divided by the difference in frames,
// so start-up costs (the cascade, codec contexts, pools) cancel out. The
// buffer pools keep it low: decoded frames, luma planes and detection
// slices are reused.
func BenchmarkRun(b *testing.B) {
	dir := b.TempDir()
	spec, _ := catalog.Lookup("face_360p")
	spec.Audio = false
	spec.Name, spec.Frames = "face_360p_6s", 180
	short, err := fixtures.Generate(spec, dir)
	if err != nil {
		b.Fatal(err)
	}
	spec.Name, spec.Frames = "face_360p_12s", 360
	long, err := fixtures.Generate(spec, dir)
	if err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(dir, "out.mp4")
	measure := func(clip fixtures.Clip) (mallocs, bytes uint64, frames int) {
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		m, err := pipeline.Run(context.Background(), pipeline.Options{Input: clip.Video, Output: out, Config: config.DefaultConfig()})
		if err != nil {
			b.Fatal(err)
		}
		runtime.ReadMemStats(&ms1)
		return ms1.Mallocs - ms0.Mallocs, ms1.TotalAlloc - ms0.TotalAlloc, m.Frames
	}
	var dAllocs, dBytes float64
	frames := 0
	b.ResetTimer()
	for range b.N {
		a1, b1, f1 := measure(short)
		a2, b2, f2 := measure(long)
		dAllocs += (float64(a2) - float64(a1)) / float64(f2-f1)
		dBytes += (float64(b2) - float64(b1)) / float64(f2-f1)
		frames += f1 + f2
	}
	b.ReportMetric(float64(frames)/b.Elapsed().Seconds(), "frames/s")
	b.ReportMetric(dAllocs/float64(b.N), "allocs/frame")
	b.ReportMetric(dBytes/float64(b.N), "B/frame")
}

// TestBatchAutoShrinksOnOutOfMemory runs batch = "auto" on a "device" with
// room for 3 frames (FTBENCH_INJECT_DETECT_OOM): the batch is sized, then
// halved until it fits, the run completes with every frame and its face,
// and metrics.json says what happened. A fixed batch is not second-guessed:
// the same failure fails the run.
func TestBatchAutoShrinksOnOutOfMemory(t *testing.T) {
	clip := testClip(t, "face_360p")
	t.Setenv("FTBENCH_INJECT_DETECT_OOM", "3")
	for _, procs := range []int{1, 2} {
		r := runWith(t, clip, func(c *config.Config) {
			c.Batch = config.BatchAuto
			c.Processes = procs
			c.MemoryBudget = 64 << 30
		})
		p := r.m.Batch
		if p == nil {
			t.Fatalf("processes=%d: no batch_plan in the metrics", procs)
		}
		if p.Chosen <= 3 || p.Final > 3 || p.Final < 1 || len(p.Shrinks) == 0 || !strings.Contains(p.Shrinks[0].Error, "out of memory") {
			t.Errorf("processes=%d: plan %+v, want a batch > 3 halved to <= 3", procs, p)
		}
		if r.m.Config.Batch != config.BatchAuto {
			t.Errorf("processes=%d: metrics config batch %v, want auto (the plan holds the chosen one)", procs, r.m.Config.Batch)
		}
		if got := framePts(t, r.out); len(got) != clip.Frames {
			t.Errorf("processes=%d: output has %d frames, want %d", procs, len(got), clip.Frames)
		}
		if r.m.Quality == nil || r.m.Quality.HitRate < 0.9 {
			t.Errorf("processes=%d: quality %+v, want hit rate >= 0.9", procs, r.m.Quality)
		}
		b, _ := json.Marshal(r.m)
		if !strings.Contains(string(b), `"batch_plan":{"chosen":`) || !strings.Contains(string(b), `"batch":"auto"`) {
			t.Errorf("processes=%d: metrics.json lacks the batch plan: %.300s", procs, b)
		}
	}

	cfg := config.DefaultConfig()
	cfg.Batch = 16
	dir := t.TempDir()
	_, err := pipeline.Run(context.Background(), pipeline.Options{Input: clip.Video, Output: filepath.Join(dir, "out.mp4"), Config: cfg})
	if err == nil || !strings.Contains(err.Error(), "out of memory") {
		t.Errorf("fixed batch 16 with room for 3: %v, want out of memory", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("a failed run left %v", left)
	}
}

// TestNV12FramesEncodeAsIs runs the pipeline on the same video as yuv420p
// (H.264) and as NV12 (rawvideo, the layout NVDEC frames come back in):
// the NV12 frames go through the luma scaler, the crop and x264 without a
// conversion, and the outputs are frame-for-frame identical.
//
// Note: both runs encode losslessly (crf 0), so each output picture is
// exactly the crop x264 was given. At crf 23 the comparison failed about
// one time in five: Debian 12's x264 (0.164.3095) reads uninitialised heap
// memory in its MB-tree rate control, so the same frames encoded twice in
// one process can differ by a few bytes a frame (see the README's
// Reliability section); that is x264's, not the NV12 path's, difference.
func TestNV12FramesEncodeAsIs(t *testing.T) {
	clip := testClip(t, "face_360p")
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("the ffmpeg CLI is not installed (scripts/install-deps.sh installs it)")
	}
	// Note: NUT keeps the timestamps exact (Matroska rounds them to
	// milliseconds, and x264's rate control weighs frame durations).
	nv12 := filepath.Join(t.TempDir(), "face_360p_nv12.nut")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", clip.Video, "-pix_fmt", "nv12", "-c:v", "rawvideo", "-an", nv12).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	lossless := func(c *config.Config) { c.CRF = 0 }
	a := runWith(t, clip, lossless)
	nclip := clip
	nclip.Video = nv12
	b := runWith(t, nclip, lossless)
	if !strings.Contains(b.m.Decoder, "nv12") {
		t.Fatalf("decoder %q: the input did not decode as NV12", b.m.Decoder)
	}
	for i := range a.tracks.Frames {
		if !reflect.DeepEqual(a.tracks.Frames[i].Detections, b.tracks.Frames[i].Detections) || a.tracks.Frames[i].Crop != b.tracks.Frames[i].Crop {
			t.Fatalf("frame %d: detections or crop differ between yuv420p and NV12", i)
		}
	}
	// The pictures' checksums, in order.
	md5 := func(path string) []string {
		out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-map", "0:v", "-f", "framemd5", "-").Output()
		if err != nil {
			t.Fatalf("ffmpeg framemd5 %s: %v", path, err)
		}
		var sums []string
		for _, line := range strings.Split(string(out), "\n") {
			if f := strings.Split(line, ","); len(f) == 6 && !strings.HasPrefix(line, "#") {
				sums = append(sums, strings.TrimSpace(f[5]))
			}
		}
		return sums
	}
	if ma, mb := md5(a.out), md5(b.out); !reflect.DeepEqual(ma, mb) || len(ma) != clip.Frames {
		t.Errorf("outputs differ picture by picture, or lack frames: %d and %d frames, first %.3q and %.3q", len(ma), len(mb), ma, mb)
	}
}

// TestHWAccelCUDA asks for NVDEC decoding. Without a CUDA device the CPU
// decodes, and metrics.json says so and why; on a GPU host the frames come
// from NVDEC and the run is as complete as on the CPU.
func TestHWAccelCUDA(t *testing.T) {
	clip := testClip(t, "face_360p")
	r := runWith(t, clip, func(c *config.Config) { c.HWAccel = config.HWAccelCUDA })
	switch r.m.DecodeHWAccel {
	case "cuda":
		t.Log("decoded with NVDEC")
	case "none":
		if len(r.m.Notes) == 0 || !strings.HasPrefix(r.m.Notes[0], "hwaccel cuda: ") || !strings.Contains(r.m.Notes[0], "decoded on the CPU") {
			t.Errorf("CPU fallback without a note saying why: %q", r.m.Notes)
		}
		t.Logf("fell back: %s", r.m.Notes[0])
	default:
		t.Fatalf("decode_hwaccel %q", r.m.DecodeHWAccel)
	}
	if got := framePts(t, r.out); len(got) != clip.Frames {
		t.Errorf("output has %d frames, want %d", len(got), clip.Frames)
	}
	if r.m.Quality == nil || r.m.Quality.HitRate < 0.9 {
		t.Errorf("quality %+v", r.m.Quality)
	}
	// Segment workers carry the decision and the note to the run's metrics.
	r = runWith(t, clip, func(c *config.Config) { c.HWAccel = config.HWAccelCUDA; c.EncodeWorkers = 2 })
	if r.m.DecodeHWAccel == "" || r.m.DecodeHWAccel == "none" && len(r.m.Notes) == 0 {
		t.Errorf("phased run: decode_hwaccel %q, notes %q", r.m.DecodeHWAccel, r.m.Notes)
	}
}
