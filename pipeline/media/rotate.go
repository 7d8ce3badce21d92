package media

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/asticode/go-astiav"
)

// streamRotation returns the clockwise rotation, 0, 90, 180 or 270 degrees,
// that the stream's display matrix asks players to apply (what the ffmpeg
// CLI's autorotate applies), or 0 without one.
func streamRotation(s *astiav.Stream) int {
	return displayRotation(s.SideData(astiav.PacketSideDataTypeDisplaymatrix))
}

// displayRotation is streamRotation for a display matrix's side data.
func displayRotation(side []byte) int {
	m, err := astiav.NewDisplayMatrixFromBytes(side)
	if err != nil {
		return 0 // no display matrix (or not a whole one)
	}
	// Note: Rotation is the clockwise angle (the opposite of FFmpeg's
	// av_display_rotation_get), the turn players give the picture.
	theta := m.Rotation()
	if math.IsNaN(theta) {
		return 0
	}
	theta = math.Mod(math.Mod(theta, 360)+360, 360)
	switch r := int(math.Round(theta/90)) * 90 % 360; r {
	case 90, 180, 270:
		return r
	}
	return 0
}

// rotator turns decoded frames upright with FFmpeg's transpose (or
// hflip,vflip) filter, so detection, reframing and the output see the
// picture as players show it.
//
// Note: the display matrix is not copied to the output: its frames are
// upright already, and a 9:16 crop must be taken from the picture as it is
// seen, not as it is stored.
type rotator struct {
	graph     *astiav.FilterGraph
	src, sink *astiav.FilterContext
}

func newRotator(src *Source, degrees int) (*rotator, error) {
	chain := map[int]string{90: "transpose=clock", 180: "hflip,vflip", 270: "transpose=cclock"}[degrees]
	r := &rotator{graph: astiav.AllocFilterGraph()}
	outputs, inputs := astiav.AllocFilterInOut(), astiav.AllocFilterInOut()
	defer outputs.Free()
	defer inputs.Free()
	var err error
	r.src, err = r.graph.NewFilterContext(astiav.FindFilterByName("buffer"), "in", astiav.FilterArgs{
		"pix_fmt":      strconv.Itoa(int(src.PixelFormat)),
		"pixel_aspect": src.dec.SampleAspectRatio().String(),
		"time_base":    src.video.TimeBase().String(),
		"video_size":   strconv.Itoa(src.dec.Width()) + "x" + strconv.Itoa(src.dec.Height()),
	})
	if err == nil {
		r.sink, err = r.graph.NewFilterContext(astiav.FindFilterByName("buffersink"), "out", nil)
	}
	if err == nil {
		outputs.SetName("in")
		outputs.SetFilterContext(r.src)
		outputs.SetPadIdx(0)
		outputs.SetNext(nil)
		inputs.SetName("out")
		inputs.SetFilterContext(r.sink)
		inputs.SetPadIdx(0)
		inputs.SetNext(nil)
		err = r.graph.Parse(chain, inputs, outputs)
	}
	if err == nil {
		err = r.graph.Configure()
	}
	if err != nil {
		r.free()
		return nil, fmt.Errorf("%s: cannot set up rotating the picture by %d degrees: %v", src.Path, degrees, err)
	}
	return r, nil
}

// apply writes in, turned upright, into out.
func (r *rotator) apply(in, out *astiav.Frame) error {
	if err := r.src.BuffersrcAddFrame(in, astiav.NewBuffersrcFlags(astiav.BuffersrcFlagKeepRef)); err != nil {
		return fmt.Errorf("rotating a frame: %v", err)
	}
	if err := r.sink.BuffersinkGetFrame(out, astiav.NewBuffersinkFlags()); err != nil {
		if errors.Is(err, astiav.ErrEagain) {
			return errors.New("rotating a frame: the filter held it back")
		}
		return fmt.Errorf("rotating a frame: %v", err)
	}
	return nil
}

func (r *rotator) free() {
	if r.graph != nil {
		r.graph.Free()
		r.graph = nil
	}
}
