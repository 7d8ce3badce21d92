package detect

import (
	"fmt"
	"os"
	"strconv"

	"github.com/ftbench/ftbench/pipeline/geom"
)

// SlowdownEnv names the fault injector that makes the pipeline slower by a
// known fraction of CPU work: FTBENCH_INJECT_SLOWDOWN=0.05 adds about 5%
// to the default config's work per frame. Trial children inherit it.
const SlowdownEnv = "FTBENCH_INJECT_SLOWDOWN"

// slowdownWorkPerPixel is the extra loop iterations per luma pixel the
// detector sees that add the default config's whole cost (a slowdown of
// 1.0).
//
// Note: calibrated once under cachegrind on face_360p with the default
// config: 22.5 M instructions a frame plain, and 23 iterations a pixel
// added 15.0 M (about 6.5 instructions an iteration), so 34.5 add 100%. The work is the
// same arithmetic over the frame's pixels every run, never a sleep or a
// timed spin, so instruction counts stay deterministic.
const slowdownWorkPerPixel = 34.5

// slowdownSink keeps the compiler from dropping the injected work.
var slowdownSink uint32

// slowdownFraction reads FTBENCH_INJECT_SLOWDOWN: 0 when unset.
func slowdownFraction() (float64, error) {
	s := os.Getenv(SlowdownEnv)
	if s == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(f >= 0 && f <= 100) {
		return 0, fmt.Errorf("%s=%q: want a fraction of extra work such as 0.05", SlowdownEnv, s)
	}
	return f, nil
}

// slowdownInjector does extra, deterministic work over every frame before
// detecting on it.
type slowdownInjector struct {
	Detector
	fraction float64
}

func (d slowdownInjector) Detect(frames []Luma, out [][]geom.Detection) error {
	for _, f := range frames {
		slowdownSink += burnPixels(f.Pix, int(d.fraction*slowdownWorkPerPixel*float64(f.W*f.H)))
	}
	return d.Detector.Detect(frames, out)
}

// burnPixels hashes pix, cycling over it, for n iterations.
func burnPixels(pix []byte, n int) uint32 {
	if len(pix) == 0 {
		return 0
	}
	h := uint32(2166136261)
	for i, j := 0, 0; i < n; i++ {
		h = (h ^ uint32(pix[j])) * 16777619
		if j++; j == len(pix) {
			j = 0
		}
	}
	return h
}
