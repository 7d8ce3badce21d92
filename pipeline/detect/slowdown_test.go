package detect

import (
	"strings"
	"testing"

	"github.com/ftbench/ftbench/pipeline/geom"
)

// countingDetector counts the frames it is asked to detect on.
type countingDetector struct {
	Detector
	frames int
}

func (d *countingDetector) Detect(frames []Luma, out [][]geom.Detection) error {
	d.frames += len(frames)
	return nil
}

func TestSlowdownFraction(t *testing.T) {
	tests := []struct {
		name, value string
		want        float64
		errHas      string
	}{
		{name: "unset", value: "", want: 0},
		{name: "five percent", value: "0.05", want: 0.05},
		{name: "not a number", value: "fast", errHas: "want a fraction"},
		{name: "negative", value: "-0.1", errHas: "want a fraction"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(SlowdownEnv, tt.value)
			got, err := slowdownFraction()
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("err %v, want %q", err, tt.errHas)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// TestSlowdownDeterministic checks the injected work is the same for the
// same frame, grows with the fraction, and still detects every frame.
func TestSlowdownDeterministic(t *testing.T) {
	pix := make([]byte, 64*48)
	for i := range pix {
		pix[i] = byte(i * 7)
	}
	if a, b := burnPixels(pix, 10000), burnPixels(pix, 10000); a != b {
		t.Errorf("the same work gave %d and %d", a, b)
	}
	if a, b := burnPixels(pix, 10000), burnPixels(pix, 10001); a == b {
		t.Error("more work gave the same hash: is the loop running?")
	}
	inner := &countingDetector{}
	d := slowdownInjector{inner, 0.05}
	frames := []Luma{{Pix: pix, W: 64, H: 48, Stride: 64}, {Pix: pix, W: 64, H: 48, Stride: 64}}
	if err := d.Detect(frames, make([][]geom.Detection, 2)); err != nil || inner.frames != 2 {
		t.Errorf("Detect: %v, %d frames reached the detector", err, inner.frames)
	}
}
