//go:build cuda

package detect

import (
	"reflect"
	"testing"

	pigo "github.com/esimov/pigo/core"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/geom"
)

// TestCUDAParity runs the kernel on batches of frames and checks, frame by
// frame, that it finds exactly the CPU scan's raw windows and scores (the
// stated tolerance is zero: the kernel's float32 sums are the CPU's), and
// that the CUDA detector's faces equal the pico detector's with full scans.
func TestCUDAParity(t *testing.T) {
	if err := cudaInit(); err != nil {
		t.Skipf("no GPU: %v", err)
	}
	c, _ := loadTestCascade(t)
	_, cascadeData, err := LoadCascade("")
	if err != nil {
		t.Fatal(err)
	}
	for _, width := range []int{160, 240, 320} {
		img := grayFixture(t, width)
		// A batch: the photo, and the photo shifted, so frames differ.
		batch := []Luma{img, shifted(img, 7, 3), shifted(img, -5, 9), img}
		cfg := config.DefaultConfig()
		cfg.Detector, cfg.FullScan, cfg.MinFace, cfg.MaxFace = "cuda", 0, 0.1, 1
		gpu, err := NewDetector(cfg, cascadeData)
		if err != nil {
			t.Fatal(err)
		}
		cpuCfg := cfg
		cpuCfg.Detector = "pico"
		cpu, _ := NewDetector(cpuCfg, cascadeData)
		got := make([][]geom.Detection, len(batch))
		want := make([][]geom.Detection, len(batch))
		if err := gpu.Detect(batch, got); err != nil {
			t.Fatal(err)
		}
		if err := cpu.Detect(batch, want); err != nil {
			t.Fatal(err)
		}
		for i := range batch {
			if len(want[i]) == 0 {
				t.Fatalf("width %d frame %d: pico found nothing; the test proves nothing", width, i)
			}
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("width %d frame %d: cuda found %v, pico %v", width, i, got[i], want[i])
			}
		}
		// The raw windows and scores of the batch's last frame, exactly.
		last := batch[len(batch)-1]
		minSize, maxSize := windowRange(cfg, last.W, last.H)
		wantRaw := c.Run(nil, last.Pix, last.H, last.W, last.Stride, minSize, maxSize, cfg.ShiftFactor, cfg.ScaleFactor)
		// Clustering sorted the detector's copy by score; compare as sets.
		gotRaw := dedupeWindows(append([]pigo.Detection(nil), gpu.(*CUDA).raw...))
		if wantRaw = dedupeWindows(wantRaw); !reflect.DeepEqual(gotRaw, wantRaw) {
			t.Errorf("width %d: the kernel found %d raw windows, the CPU scan %d", width, len(gotRaw), len(wantRaw))
		}
	}
}

func shifted(l Luma, dx, dy int) Luma {
	out := l
	out.Pix = make([]byte, len(l.Pix))
	for y := 0; y < l.H; y++ {
		for x := 0; x < l.W; x++ {
			sx, sy := min(max(x-dx, 0), l.W-1), min(max(y-dy, 0), l.H-1)
			out.Pix[y*l.Stride+x] = l.Pix[sy*l.Stride+sx]
		}
	}
	return out
}
