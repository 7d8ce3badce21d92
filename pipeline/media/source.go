// Package media is the pipeline's FFmpeg side, through go-astiav and a few
// cgo helpers: it opens and decodes the input (on the CPU or with NVDEC),
// turns frames upright and into a format the encoder takes, scales the
// luma plane the detector sees, crops without copying, encodes and muxes
// with the audio copied, probes keyframes, joins encoded segments without
// re-encoding, and reports the FFmpeg versions it runs on.
package media

import (
	"errors"
	"fmt"
	"os"

	"github.com/asticode/go-astiav"

	"github.com/ftbench/ftbench/internal/atomicfile"
	"github.com/ftbench/ftbench/pipeline/config"
)

// Source demuxes and decodes the input's video stream and hands over its
// first audio stream's packets untouched.
type Source struct {
	// Path is the input file.
	Path  string
	fc    *astiav.FormatContext
	video *astiav.Stream
	audio *astiav.Stream // nil when the input has none
	dec   *astiav.CodecContext
	pkt   *astiav.Packet
	// FPS is the video's frame rate (30 when the container does not say).
	FPS float64
	// Frames is the frame count the container lists, 0 when unknown.
	Frames int64
	// Rotation is the clockwise turn, in degrees, the display matrix asks
	// for; passes turn frames upright (Conformer) before anything else sees
	// them.
	Rotation int
	// The size of every frame, as the opened decoder announced it; a frame
	// that differs is an error (see Decode).
	width, height int
	// PixelFormat is every decoded frame's format (NV12 from NVDEC).
	PixelFormat astiav.PixelFormat
	// hwFmt is the decoder's hardware pixel format when it decodes on the
	// GPU (NVDEC), PixelFormatNone otherwise.
	hwFmt astiav.PixelFormat
	// HWNote says why a requested hwaccel is not used; "" when it is, or
	// none was asked for.
	HWNote string
	// hwFrame receives a GPU frame before it is downloaded.
	hwFrame *astiav.Frame
}

// OpenSource opens path for decoding with threads frame threads; hwaccel
// "cuda" decodes on the GPU (NVDEC) when the machine and the codec allow,
// and otherwise on the CPU, with the reason in HWNote.
func OpenSource(path string, threads int, hwaccel string) (*Source, error) {
	if st, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%s: %w", path, atomicfile.UnwrapPath(err))
	} else if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not a video", path)
	}
	s := &Source{Path: path, fc: astiav.AllocFormatContext(), hwFmt: astiav.PixelFormatNone}
	if s.fc == nil {
		return nil, errors.New("ffmpeg: cannot allocate a format context")
	}
	if err := s.fc.OpenInput(path, nil, nil); err != nil {
		s.fc.Free()
		s.fc = nil
		return nil, fmt.Errorf("%s: not a video FFmpeg can read: %v", path, err)
	}
	if err := s.fc.FindStreamInfo(nil); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: cannot read stream info: %v", path, err)
	}
	s.video, s.audio = firstStreams(s.fc)
	if s.video == nil {
		s.Close()
		return nil, fmt.Errorf("%s: has no video stream", path)
	}
	codec := astiav.FindDecoder(s.video.CodecParameters().CodecID())
	if codec == nil {
		s.Close()
		return nil, fmt.Errorf("%s: no decoder for its video codec %s", path, s.video.CodecParameters().CodecID())
	}
	s.dec = astiav.AllocCodecContext(codec)
	if err := s.video.CodecParameters().ToCodecContext(s.dec); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	rate := s.fc.GuessFrameRate(s.video, nil)
	s.dec.SetFramerate(rate)
	s.dec.SetTimeBase(s.video.TimeBase())
	s.dec.SetThreadCount(threads)
	s.dec.SetThreadType(astiav.ThreadTypeFrame)
	if hwaccel == config.HWAccelCUDA {
		s.setupCUDA(codec)
	}
	if err := s.dec.Open(codec, nil); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: cannot open the %s decoder: %v", path, codec.Name(), err)
	}
	if rate.Num() > 0 && rate.Den() > 0 {
		s.FPS = rate.Float64()
	}
	if s.FPS <= 0 || s.FPS > 1000 {
		s.FPS = 30
	}
	s.Frames = s.video.NbFrames()
	s.Rotation = streamRotation(s.video)
	s.width, s.height, s.PixelFormat = s.dec.Width(), s.dec.Height(), s.dec.PixelFormat()
	if s.hwFmt != astiav.PixelFormatNone {
		// Frames come back from the GPU as NV12 (setupCUDA only takes
		// 8-bit 4:2:0), which the scaler, the crop and x264 take as is.
		s.PixelFormat = astiav.PixelFormatNv12
		s.hwFrame = astiav.AllocFrame()
	}
	if s.PixelFormat == astiav.PixelFormatNone {
		// Note: FFmpeg could not decode a frame while probing (a file cut
		// short whose index came first): swscale asserts on this format.
		s.Close()
		return nil, fmt.Errorf("%s: truncated or corrupt: FFmpeg cannot tell its pixel format", path)
	}
	s.pkt = astiav.AllocPacket()
	return s, nil
}

// firstStreams returns fc's first video stream with a picture and its
// first audio stream; nil for either that it lacks.
func firstStreams(fc *astiav.FormatContext) (video, audio *astiav.Stream) {
	for _, st := range fc.Streams() {
		switch st.CodecParameters().MediaType() {
		case astiav.MediaTypeVideo:
			if video == nil && st.CodecParameters().Width() > 0 {
				video = st
			}
		case astiav.MediaTypeAudio:
			if audio == nil {
				audio = st
			}
		}
	}
	return video, audio
}

// HWAccel says where this source decodes: "cuda" or "none".
func (s *Source) HWAccel() string {
	if s.hwFmt != astiav.PixelFormatNone {
		return config.HWAccelCUDA
	}
	return config.HWAccelNone
}

// setupCUDA asks the decoder to decode on the GPU through FFmpeg's CUDA
// hwaccel (NVDEC), before it opens. When the codec, the stream or the
// machine cannot, decoding stays on the CPU and HWNote says why.
func (s *Source) setupCUDA(codec *astiav.Codec) {
	name := codec.Name()
	hwFmt := astiav.PixelFormatNone
	for _, hc := range codec.HardwareConfigs() {
		if hc.HardwareDeviceType() == astiav.HardwareDeviceTypeCUDA && hc.MethodFlags().Has(astiav.CodecHardwareConfigMethodFlagHwDeviceCtx) {
			hwFmt = hc.PixelFormat()
		}
	}
	if hwFmt == astiav.PixelFormatNone {
		s.HWNote = fmt.Sprintf("hwaccel cuda: FFmpeg's %s decoder has no CUDA hwaccel; decoded on the CPU", name)
		return
	}
	if pf := s.video.CodecParameters().PixelFormat(); pf != astiav.PixelFormatYuv420P && pf != astiav.PixelFormatYuvj420P {
		s.HWNote = fmt.Sprintf("hwaccel cuda: the video is %s; NVDEC decoding is used for 8-bit 4:2:0 only; decoded on the CPU", pf)
		return
	}
	hdc, err := astiav.CreateHardwareDeviceContext(astiav.HardwareDeviceTypeCUDA, "", nil)
	if err != nil {
		s.HWNote = fmt.Sprintf("hwaccel cuda: no CUDA device (%v); decoded on the CPU", err)
		return
	}
	s.dec.SetHardwareDeviceContext(hdc)
	s.dec.SetPixelFormatCallback(func(pfs []astiav.PixelFormat) astiav.PixelFormat {
		for _, pf := range pfs {
			if pf == hwFmt {
				return pf
			}
		}
		// Note: FFmpeg lists the software format last; a stream NVDEC
		// cannot take (a profile the GPU lacks) decodes on the CPU, and
		// Decode stops with an error that says so.
		return pfs[len(pfs)-1]
	})
	s.hwFmt = hwFmt
}

// Close frees the decoder and closes the input.
func (s *Source) Close() {
	if s.hwFrame != nil {
		s.hwFrame.Free()
		s.hwFrame = nil
	}
	if s.pkt != nil {
		s.pkt.Free()
		s.pkt = nil
	}
	if s.dec != nil {
		if s.hwFmt != astiav.PixelFormatNone {
			s.dec.SetPixelFormatCallback(nil)
		}
		s.dec.Free()
		s.dec = nil
	}
	if s.fc != nil {
		s.fc.CloseInput()
		s.fc.Free()
		s.fc = nil
	}
}

// Decode reads the whole input, from where SeekTo left it. onFrame
// receives each decoded video frame, which it owns (newFrame supplies the
// frames to decode into); onAudio receives a clone of each audio packet,
// which it owns.
func (s *Source) Decode(newFrame func() *astiav.Frame, release func(*astiav.Frame), onFrame func(*astiav.Frame) error, onAudio func(*astiav.Packet) error) error {
	receive := func() error { return s.receive(newFrame, release, onFrame) }
	for {
		err := s.fc.ReadFrame(s.pkt)
		if errors.Is(err, astiav.ErrEof) {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: cannot read: %v", s.Path, err)
		}
		switch {
		case s.pkt.StreamIndex() == s.video.Index():
			err = s.dec.SendPacket(s.pkt)
			s.pkt.Unref()
			if err != nil && !errors.Is(err, astiav.ErrEagain) {
				if errors.Is(err, astiav.ErrInvaliddata) {
					// Note: like the ffmpeg CLI, a damaged packet is skipped;
					// the frame count check at the end catches real loss.
					continue
				}
				return fmt.Errorf("%s: corrupt video: %v", s.Path, err)
			}
			if err := receive(); err != nil {
				return err
			}
		case s.audio != nil && s.pkt.StreamIndex() == s.audio.Index() && onAudio != nil:
			p := s.pkt.Clone()
			s.pkt.Unref()
			if err := onAudio(p); err != nil {
				return err
			}
		default:
			s.pkt.Unref()
		}
	}
	if err := s.dec.SendPacket(nil); err != nil && !errors.Is(err, astiav.ErrEof) {
		return fmt.Errorf("%s: flushing decoder: %v", s.Path, err)
	}
	return receive()
}

// Decoder names the video decoder and its settings, as FFmpeg describes
// the opened codec context.
func (s *Source) Decoder() string { return s.dec.String() }

// SeekTo moves to the keyframe at or before pts (in the video stream's time
// base), where Decode then starts.
func (s *Source) SeekTo(pts int64) error {
	if err := s.fc.SeekFrame(s.video.Index(), pts, astiav.NewSeekFlags(astiav.SeekFlagBackward)); err != nil {
		return fmt.Errorf("%s: cannot seek to pts %d: %v", s.Path, pts, err)
	}
	return nil
}

// FrameSize returns the size of the frames the pipeline works on: the
// decoder's, turned by the stream's rotation.
func (s *Source) FrameSize() (w, h int) {
	w, h = s.dec.Width(), s.dec.Height()
	if s.Rotation == 90 || s.Rotation == 270 {
		w, h = h, w
	}
	return w, h
}

// receive hands onFrame every frame the decoder has ready (see Decode).
func (s *Source) receive(newFrame func() *astiav.Frame, release func(*astiav.Frame), onFrame func(*astiav.Frame) error) error {
	for {
		f := newFrame()
		into := f
		if s.hwFrame != nil {
			into = s.hwFrame
		}
		err := s.dec.ReceiveFrame(into)
		if err != nil {
			release(f)
			if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
				return nil
			}
			return fmt.Errorf("%s: corrupt video: %v", s.Path, err)
		}
		if into != f {
			if pf := into.PixelFormat(); pf != s.hwFmt {
				// Note: get_format fell back to software decoding (a
				// profile the GPU lacks); the stages are set up for NV12.
				into.Unref()
				release(f)
				return fmt.Errorf(`%s: NVDEC cannot decode this stream (FFmpeg decoded it as %s on the CPU); set hwaccel = "none"`, s.Path, pf)
			}
			// Download the GPU frame (NV12) into f, with its timestamps.
			err := hwDownload(f, into)
			into.Unref()
			if err != nil {
				release(f)
				return fmt.Errorf("%s: downloading a frame from the GPU: %v", s.Path, err)
			}
		}
		if f.Width() != s.width || f.Height() != s.height || f.PixelFormat() != s.PixelFormat {
			// Note: the scaler, the crop and the encoder are set up for
			// the first frame's layout; a frame with another one would
			// be read out of bounds (a cut-together MPEG-TS does this).
			err := fmt.Errorf("%s: the video changes from %dx%d %s to %dx%d %s mid-stream; not supported",
				s.Path, s.width, s.height, s.PixelFormat, f.Width(), f.Height(), f.PixelFormat())
			release(f)
			return err
		}
		if err := onFrame(f); err != nil {
			return err
		}
	}

}
