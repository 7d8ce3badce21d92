package track_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/ftbench/ftbench/fixtures"
	"github.com/ftbench/ftbench/fixtures/catalog"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/detect"
	"github.com/ftbench/ftbench/pipeline/geom"
	"github.com/ftbench/ftbench/pipeline/track"
)

// stageFrames is one clip rendered in memory, as the detect and track
// stages see it: the detector's scaled luma on every detect_interval-th
// frame, and every frame's full-size luma for the tracker's following.
type stageFrames struct {
	detect []detect.Luma // frames 0, interval, 2*interval, ...
	full   []detect.Luma
}

func renderStageFrames(b *testing.B, name string, cfg config.Config) stageFrames {
	b.Helper()
	spec, ok := catalog.Lookup(name)
	if !ok {
		b.Fatalf("no fixture %s", name)
	}
	sc, err := fixtures.NewScene(spec)
	if err != nil {
		b.Fatal(err)
	}
	var f stageFrames
	dw := cfg.DetectWidth
	dh := spec.Height * dw / spec.Width
	for i := range spec.Frames {
		pic := sc.NewPicture()
		sc.Render(i, pic)
		full := detect.Luma{Pix: pic.Y, W: spec.Width, H: spec.Height, Stride: pic.YStride, Scale: 1}
		f.full = append(f.full, full)
		if i%cfg.DetectInterval == 0 {
			f.detect = append(f.detect, scaleLuma(full, dw, dh))
		}
	}
	return f
}

// scaleLuma returns l resampled to w x h by bilinear interpolation.
func scaleLuma(l detect.Luma, w, h int) detect.Luma {
	out := detect.Luma{Pix: make([]byte, w*h), W: w, H: h, Stride: w, Scale: float64(l.W) / float64(w)}
	sx, sy := float64(l.W)/float64(w), float64(l.H)/float64(h)
	for y := range h {
		fy := (float64(y)+0.5)*sy - 0.5
		y0 := min(max(int(fy), 0), l.H-1)
		y1 := min(y0+1, l.H-1)
		wy := fy - float64(y0)
		for x := range w {
			fx := (float64(x)+0.5)*sx - 0.5
			x0 := min(max(int(fx), 0), l.W-1)
			x1 := min(x0+1, l.W-1)
			wx := fx - float64(x0)
			top := float64(l.Pix[y0*l.Stride+x0])*(1-wx) + float64(l.Pix[y0*l.Stride+x1])*wx
			bot := float64(l.Pix[y1*l.Stride+x0])*(1-wx) + float64(l.Pix[y1*l.Stride+x1])*wx
			out.Pix[y*w+x] = byte(top*(1-wy) + bot*wy + 0.5)
		}
	}
	return out
}

// BenchmarkStages times the detect and track stages on their own, on
// clips rendered in memory with the default config: detect runs the PICO
// detector over the detected frames in batches of cfg.Batch; track runs
// the tracker, following included, over every frame with those
// detections. One op is one pass over the clip. Besides wall time it
// reports the process's CPU time per op (cpu-ns/op), which other
// processes on a shared machine disturb less; compare versions with
// benchstat (-count 10 or more, interleaved).
func BenchmarkStages(b *testing.B) {
	cfg := config.DefaultConfig()
	_, cascade, err := detect.LoadCascade("")
	if err != nil {
		b.Skip(err)
	}
	for _, name := range []string{"face_360p", "two_faces_cross_360p"} {
		frames := renderStageFrames(b, name, cfg)
		det, err := detect.NewDetector(cfg, cascade)
		if err != nil {
			b.Fatal(err)
		}
		dets := make([][]geom.Detection, len(frames.detect))
		batch := int(cfg.Batch)
		detectAll := func() {
			for i := 0; i < len(frames.detect); i += batch {
				end := min(i+batch, len(frames.detect))
				if err := det.Detect(frames.detect[i:end], dets[i:end]); err != nil {
					b.Fatal(err)
				}
			}
		}
		detectAll()
		b.Run(name+"/detect", func(b *testing.B) {
			defer reportCPU(b)()
			for range b.N {
				detectAll()
			}
		})
		// As the pipeline's output stage sets it up: with the frame's size.
		tc := track.TrackerConfigFrom(cfg)
		tc.FrameW, tc.FrameH = float64(frames.full[0].W), float64(frames.full[0].H)
		b.Run(name+"/track", func(b *testing.B) {
			defer reportCPU(b)()
			for range b.N {
				tr := track.NewTracker(tc)
				for i := range frames.full {
					detected := i%cfg.DetectInterval == 0
					var d []geom.Detection
					if detected {
						d = dets[i/cfg.DetectInterval]
					}
					tr.UpdateFrame(d, detected, &frames.full[i])
					tr.Primary()
				}
			}
		})
	}
}

// reportCPU starts measuring the process's CPU time; the function it
// returns reports it per op as cpu-ns/op.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// cpuTime returns the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
