package quality

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftbench/ftbench/internal/testutil"
)

// FuzzParseGroundTruth feeds arbitrary text to the ground-truth parser. It
// must never panic nor allocate beyond the input's measure; an error is one
// line naming the file; accepted ground truth has a box list per frame and
// only finite boxes of positive size.
func FuzzParseGroundTruth(f *testing.F) {
	for _, s := range []string{
		"57\t21\t31\t45\n58\t22\t31\t43\n",
		"1,2,3,4\r\n5, 6, 7.5, 8\r\n 9 10\t11 ,12 \r\n",
		"0,0,0,0\nNaN,NaN,NaN,NaN\n1 2 3 4\n\n\n",
		"# ftbench-gt v1 frames=3\n0 0 10 20 30 40\n0 1 50 20 30 40\n2 0 1.5 2.5 3 4\n",
		"# ftbench-gt v1 frames=0\n# comment\n\n",
		"# ftbench-gt v1 frames=2\n5 0 1 2 3 4\n",
		"# ftbench-gt v2 frames=2\n",
		"1 2 3\n",
	} {
		f.Add([]byte(s))
	}
	if gts, _ := filepath.Glob("../../../shared/data/*/groundtruth_rect.txt"); len(gts) > 0 {
		for _, file := range gts {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		defer testutil.Watchdog(10*time.Second, "ParseGroundTruth")()
		gt, err := ParseGroundTruth(bytes.NewReader(data), "fuzz.gt")
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, "fuzz.gt") || strings.Contains(msg, "\n") {
				t.Fatalf("error is not one line naming the file: %q", msg)
			}
			return
		}
		if gt.Frames < 0 || len(gt.Boxes) != gt.Frames {
			t.Fatalf("frames %d, box lists %d", gt.Frames, len(gt.Boxes))
		}
		if gt.IDs != nil {
			if len(gt.IDs) != gt.Frames {
				t.Fatalf("frames %d, identity lists %d", gt.Frames, len(gt.IDs))
			}
			for i := range gt.IDs {
				if len(gt.IDs[i]) != len(gt.Boxes[i]) {
					t.Fatalf("frame %d: %d boxes, %d identities", i, len(gt.Boxes[i]), len(gt.IDs[i]))
				}
			}
		}
		for i, boxes := range gt.Boxes {
			for _, b := range boxes {
				for _, v := range []float64{b.X, b.Y, b.W, b.H} {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("frame %d: box %+v is not finite", i, b)
					}
				}
				if b.W <= 0 || b.H <= 0 {
					t.Fatalf("frame %d: box %+v has no area", i, b)
				}
			}
		}
	})
}
