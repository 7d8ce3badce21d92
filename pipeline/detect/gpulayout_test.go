package detect

import (
	"reflect"
	"testing"
)

// TestKernelReferenceMatchesCascade runs the CPU reference of the CUDA
// kernel's arithmetic (window indexing, node offsets, float32 sums) over
// every window and checks that it yields exactly Cascade.Run's raw
// detections: the kernel's logic is tested on machines without a GPU.
func TestKernelReferenceMatchesCascade(t *testing.T) {
	c, _ := loadTestCascade(t)
	for _, tc := range []struct {
		name         string
		width        int
		min, max     int
		shift, scale float64
	}{
		{"160 fine", 160, 8, 200, 0.05, 1.05},
		{"320 default", 320, 32, 400, 0.1, 1.1},
		{"240 coarse", 240, 40, 300, 0.15, 1.2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := grayFixture(t, tc.width)
			maxSize := min(tc.max, img.H)
			want := c.Run(nil, img.Pix, img.H, img.W, img.Stride, tc.min, maxSize, tc.shift, tc.scale)
			l := newGPULayout(c, img.H, img.W, img.Stride, tc.min, maxSize, tc.shift, tc.scale)
			scores := make([]float32, l.windows)
			for w := range scores {
				scores[w] = l.kernelScore(c, img.Pix, int64(w))
			}
			got := l.collect(nil, scores)
			if len(want) == 0 {
				t.Fatal("the full scan found nothing; the test proves nothing")
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("kernel reference: %d windows, cascade %d", len(got), len(want))
			}
		})
	}
}
