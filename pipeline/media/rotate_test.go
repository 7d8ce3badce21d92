package media

import (
	"testing"

	"github.com/asticode/go-astiav"
)

// TestDisplayRotation reads the turn players give the picture from a
// display matrix, as the ffmpeg CLI's autorotate does.
func TestDisplayRotation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		side []byte
		want int
	}{
		{"none", nil, 0},
		{"cut short", make([]byte, 35), 0},
		// av_display_rotation_set describes a clockwise turn; the
		// end-to-end test (TestRotatedStreamIsTurnedUpright) checks the
		// direction against the ffmpeg CLI's own autorotation.
		{"a quarter clockwise", astiav.NewDisplayMatrixFromRotation(90).Bytes(), 90},
		{"half", astiav.NewDisplayMatrixFromRotation(180).Bytes(), 180},
		{"a quarter counterclockwise", astiav.NewDisplayMatrixFromRotation(-90).Bytes(), 270},
		{"identity", astiav.NewDisplayMatrixFromRotation(0).Bytes(), 0},
		{"nearly a quarter", astiav.NewDisplayMatrixFromRotation(88).Bytes(), 90},
		{"a full turn", astiav.NewDisplayMatrixFromRotation(-360).Bytes(), 0},
		{"all zero", make([]byte, 36), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := displayRotation(tc.side); got != tc.want {
				t.Errorf("displayRotation = %d, want %d", got, tc.want)
			}
		})
	}
}
