package pipeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/asticode/go-astiav"

	"github.com/ftbench/ftbench/internal/atomicfile"
	"github.com/ftbench/ftbench/pipeline/config"
)

// source demuxes and decodes the input's video stream and hands over its
// first audio stream's packets untouched.
type source struct {
	path   string
	fc     *astiav.FormatContext
	video  *astiav.Stream
	audio  *astiav.Stream // nil when the input has none
	dec    *astiav.CodecContext
	pkt    *astiav.Packet
	fps    float64
	frames int64 // from the container, 0 when unknown
	// rotation is the clockwise turn, in degrees, the display matrix asks
	// for; passes turn frames upright before anything else sees them.
	rotation int
	// The size and pixel format of every frame, as the opened decoder
	// announced them; a frame that differs is an error (see decodeAll).
	width, height int
	pixFmt        astiav.PixelFormat
	// hwFmt is the decoder's hardware pixel format when it decodes on the
	// GPU (NVDEC), PixelFormatNone otherwise; hwNote says why a requested
	// hwaccel is not used.
	hwFmt  astiav.PixelFormat
	hwNote string
	// hwFrame receives a GPU frame before it is downloaded.
	hwFrame *astiav.Frame
}

// openSource opens path for decoding with threads frame threads; hwaccel
// "cuda" decodes on the GPU (NVDEC) when the machine and the codec allow,
// and otherwise on the CPU, with the reason in s.hwNote.
func openSource(path string, threads int, hwaccel string) (*source, error) {
	if st, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%s: %w", path, atomicfile.UnwrapPath(err))
	} else if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not a video", path)
	}
	s := &source{path: path, fc: astiav.AllocFormatContext(), hwFmt: astiav.PixelFormatNone}
	if s.fc == nil {
		return nil, errors.New("ffmpeg: cannot allocate a format context")
	}
	if err := s.fc.OpenInput(path, nil, nil); err != nil {
		s.fc.Free()
		s.fc = nil
		return nil, fmt.Errorf("%s: not a video FFmpeg can read: %v", path, err)
	}
	if err := s.fc.FindStreamInfo(nil); err != nil {
		s.close()
		return nil, fmt.Errorf("%s: cannot read stream info: %v", path, err)
	}
	for _, st := range s.fc.Streams() {
		switch st.CodecParameters().MediaType() {
		case astiav.MediaTypeVideo:
			if s.video == nil && st.CodecParameters().Width() > 0 {
				s.video = st
			}
		case astiav.MediaTypeAudio:
			if s.audio == nil {
				s.audio = st
			}
		}
	}
	if s.video == nil {
		s.close()
		return nil, fmt.Errorf("%s: has no video stream", path)
	}
	codec := astiav.FindDecoder(s.video.CodecParameters().CodecID())
	if codec == nil {
		s.close()
		return nil, fmt.Errorf("%s: no decoder for its video codec %s", path, s.video.CodecParameters().CodecID())
	}
	s.dec = astiav.AllocCodecContext(codec)
	if err := s.video.CodecParameters().ToCodecContext(s.dec); err != nil {
		s.close()
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
		s.close()
		return nil, fmt.Errorf("%s: cannot open the %s decoder: %v", path, codec.Name(), err)
	}
	if rate.Num() > 0 && rate.Den() > 0 {
		s.fps = rate.Float64()
	}
	if s.fps <= 0 || s.fps > 1000 {
		s.fps = 30
	}
	s.frames = s.video.NbFrames()
	s.rotation = streamRotation(s.video)
	s.width, s.height, s.pixFmt = s.dec.Width(), s.dec.Height(), s.dec.PixelFormat()
	if s.hwFmt != astiav.PixelFormatNone {
		// Frames come back from the GPU as NV12 (setupCUDA only takes
		// 8-bit 4:2:0), which the scaler, the crop and x264 take as is.
		s.pixFmt = astiav.PixelFormatNv12
		s.hwFrame = astiav.AllocFrame()
	}
	if s.pixFmt == astiav.PixelFormatNone {
		// Note: FFmpeg could not decode a frame while probing (a file cut
		// short whose index came first): swscale asserts on this format.
		s.close()
		return nil, fmt.Errorf("%s: truncated or corrupt: FFmpeg cannot tell its pixel format", path)
	}
	s.pkt = astiav.AllocPacket()
	return s, nil
}

// hwaccel says where this source decodes: "cuda" or "none".
func (s *source) hwaccel() string {
	if s.hwFmt != astiav.PixelFormatNone {
		return config.HWAccelCUDA
	}
	return config.HWAccelNone
}

// setupCUDA asks the decoder to decode on the GPU through FFmpeg's CUDA
// hwaccel (NVDEC), before it opens. When the codec, the stream or the
// machine cannot, decoding stays on the CPU and hwNote says why.
func (s *source) setupCUDA(codec *astiav.Codec) {
	name := codec.Name()
	hwFmt := astiav.PixelFormatNone
	for _, hc := range codec.HardwareConfigs() {
		if hc.HardwareDeviceType() == astiav.HardwareDeviceTypeCUDA && hc.MethodFlags().Has(astiav.CodecHardwareConfigMethodFlagHwDeviceCtx) {
			hwFmt = hc.PixelFormat()
		}
	}
	if hwFmt == astiav.PixelFormatNone {
		s.hwNote = fmt.Sprintf("hwaccel cuda: FFmpeg's %s decoder has no CUDA hwaccel; decoded on the CPU", name)
		return
	}
	if pf := s.video.CodecParameters().PixelFormat(); pf != astiav.PixelFormatYuv420P && pf != astiav.PixelFormatYuvj420P {
		s.hwNote = fmt.Sprintf("hwaccel cuda: the video is %s; NVDEC decoding is used for 8-bit 4:2:0 only; decoded on the CPU", pf)
		return
	}
	hdc, err := astiav.CreateHardwareDeviceContext(astiav.HardwareDeviceTypeCUDA, "", nil)
	if err != nil {
		s.hwNote = fmt.Sprintf("hwaccel cuda: no CUDA device (%v); decoded on the CPU", err)
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
		// decodeAll stops with an error that says so.
		return pfs[len(pfs)-1]
	})
	s.hwFmt = hwFmt
}

func (s *source) close() {
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

// decodeAll reads the whole input. onFrame receives each decoded video
// frame, which it owns (newFrame supplies the frames to decode into);
// onAudio receives a clone of each audio packet, which it owns.
func (s *source) decodeAll(newFrame func() *astiav.Frame, release func(*astiav.Frame), onFrame func(*astiav.Frame) error, onAudio func(*astiav.Packet) error) error {
	receive := func() error {
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
				return fmt.Errorf("%s: corrupt video: %v", s.path, err)
			}
			if into != f {
				if pf := into.PixelFormat(); pf != s.hwFmt {
					// Note: get_format fell back to software decoding (a
					// profile the GPU lacks); the stages are set up for NV12.
					into.Unref()
					release(f)
					return fmt.Errorf(`%s: NVDEC cannot decode this stream (FFmpeg decoded it as %s on the CPU); set hwaccel = "none"`, s.path, pf)
				}
				// Download the GPU frame (NV12) into f, with its timestamps.
				err := hwDownload(f, into)
				into.Unref()
				if err != nil {
					release(f)
					return fmt.Errorf("%s: downloading a frame from the GPU: %v", s.path, err)
				}
			}
			if f.Width() != s.width || f.Height() != s.height || f.PixelFormat() != s.pixFmt {
				// Note: the scaler, the crop and the encoder are set up for
				// the first frame's layout; a frame with another one would
				// be read out of bounds (a cut-together MPEG-TS does this).
				err := fmt.Errorf("%s: the video changes from %dx%d %s to %dx%d %s mid-stream; not supported",
					s.path, s.width, s.height, s.pixFmt, f.Width(), f.Height(), f.PixelFormat())
				release(f)
				return err
			}
			if err := onFrame(f); err != nil {
				return err
			}
		}
	}
	for {
		err := s.fc.ReadFrame(s.pkt)
		if errors.Is(err, astiav.ErrEof) {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: cannot read: %v", s.path, err)
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
				return fmt.Errorf("%s: corrupt video: %v", s.path, err)
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
		return fmt.Errorf("%s: flushing decoder: %v", s.path, err)
	}
	return receive()
}

// sink encodes cropped frames and muxes them, with the copied audio, into a
// temporary file that commit renames to the output path.
type sink struct {
	path, tmp string
	tmpFile   *atomicfile.Temp
	fc        *astiav.FormatContext
	io        *astiav.IOContext
	enc       *astiav.CodecContext
	vs        *astiav.Stream
	as        *astiav.Stream
	srcAudio  *astiav.Stream
	encTB     astiav.Rational
	pkt       *astiav.Packet
	header    bool
	name      string
	// encodeSeconds is encoder time spent outside the per-frame loop
	// (the final flush).
	encodeSeconds float64
}

func openSink(path string, src *source, cfg config.Config, w, h int, pf astiav.PixelFormat, audio bool) (*sink, error) {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("%s: output folder: %w", dir, atomicfile.UnwrapPath(err))
	} else if !st.IsDir() {
		return nil, fmt.Errorf("%s: output folder is not a directory", dir)
	}
	k := &sink{path: path}
	var err error
	k.fc, err = astiav.AllocOutputFormatContext(nil, "", path)
	if err != nil || k.fc == nil {
		return nil, fmt.Errorf("%s: cannot choose an output format from the name (use .mp4, .mkv or .mov): %v", path, err)
	}
	codec := astiav.FindEncoderByName(cfg.Encoder)
	if codec == nil {
		k.close()
		return nil, fmt.Errorf("encoder %q: not available in this FFmpeg build", cfg.Encoder)
	}
	k.name = codec.Name()
	k.enc = astiav.AllocCodecContext(codec)
	k.enc.SetWidth(w)
	k.enc.SetHeight(h)
	k.enc.SetPixelFormat(pf)
	k.encTB = src.video.TimeBase()
	k.enc.SetTimeBase(k.encTB)
	k.enc.SetFramerate(src.dec.Framerate())
	k.enc.SetSampleAspectRatio(src.dec.SampleAspectRatio())
	k.enc.SetThreadCount(cfg.EncodeThreads)
	if k.fc.OutputFormat().Flags().Has(astiav.IOFormatFlagGlobalheader) {
		k.enc.SetFlags(k.enc.Flags().Add(astiav.CodecContextFlagGlobalHeader))
	}
	opts := astiav.NewDictionary()
	defer opts.Free()
	if cfg.Preset != "" {
		opts.Set("preset", cfg.Preset, 0)
	}
	opts.Set("crf", fmt.Sprint(cfg.CRF), 0)
	if src.dec.ColorRange() == astiav.ColorRangeJpeg {
		// Keep full-range (JPEG) sources full-range.
		opts.Set("color_range", "pc", 0)
	}
	if err := k.enc.Open(codec, opts); err != nil {
		k.close()
		return nil, fmt.Errorf("encoder %s: cannot open with preset %q crf %d at %dx%d: %v", cfg.Encoder, cfg.Preset, cfg.CRF, w, h, err)
	}
	k.vs = k.fc.NewStream(nil)
	if err := k.vs.CodecParameters().FromCodecContext(k.enc); err != nil {
		k.close()
		return nil, err
	}
	k.vs.SetTimeBase(k.encTB)
	k.vs.SetAvgFrameRate(src.video.AvgFrameRate())
	k.vs.SetRFrameRate(src.video.RFrameRate())
	if audio && cfg.CopyAudio && src.audio != nil {
		k.srcAudio = src.audio
		k.as = k.fc.NewStream(nil)
		if err := src.audio.CodecParameters().Copy(k.as.CodecParameters()); err != nil {
			k.close()
			return nil, err
		}
		k.as.CodecParameters().SetCodecTag(0)
		k.as.SetTimeBase(src.audio.TimeBase())
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		k.close()
		return nil, err
	}
	k.tmpFile, k.tmp = f, f.Name()
	f.Close()
	k.io, err = astiav.OpenIOContext(k.tmp, astiav.NewIOContextFlags(astiav.IOContextFlagWrite))
	if err != nil {
		k.close()
		return nil, fmt.Errorf("%s: cannot write output: %v", path, err)
	}
	k.fc.SetPb(k.io)
	if err := k.fc.WriteHeader(nil); err != nil {
		k.close()
		return nil, fmt.Errorf("%s: cannot write output header: %v", path, err)
	}
	k.header = true
	k.pkt = astiav.AllocPacket()
	return k, nil
}

// encode sends one frame (nil flushes) and writes what the encoder returns.
func (k *sink) encode(f *astiav.Frame) error {
	if err := k.enc.SendFrame(f); err != nil {
		return fmt.Errorf("encoder %s: %v", k.name, err)
	}
	for {
		err := k.enc.ReceivePacket(k.pkt)
		if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("encoder %s: %v", k.name, err)
		}
		k.pkt.SetStreamIndex(k.vs.Index())
		k.pkt.RescaleTs(k.encTB, k.vs.TimeBase())
		if err := k.fc.WriteInterleavedFrame(k.pkt); err != nil {
			return k.writeErr(err)
		}
	}
}

// writeAudio muxes one copied audio packet and frees it.
func (k *sink) writeAudio(p *astiav.Packet) error {
	defer p.Free()
	if k.as == nil {
		return nil
	}
	p.SetStreamIndex(k.as.Index())
	p.RescaleTs(k.srcAudio.TimeBase(), k.as.TimeBase())
	p.SetPos(-1)
	if err := k.fc.WriteInterleavedFrame(p); err != nil {
		return k.writeErr(err)
	}
	return nil
}

func (k *sink) writeErr(err error) error {
	msg := err.Error()
	if strings.Contains(msg, "No space") {
		return fmt.Errorf("%s: disk full: %v", k.path, err)
	}
	return fmt.Errorf("%s: cannot write output: %v", k.path, err)
}

// commit flushes the encoder, writes the trailer and renames the temporary
// file to the output path.
func (k *sink) commit() error {
	if err := k.encode(nil); err != nil {
		return err
	}
	if err := k.fc.WriteTrailer(); err != nil {
		return k.writeErr(err)
	}
	k.header = false
	if err := k.io.Close(); err != nil {
		k.io = nil
		return k.writeErr(err)
	}
	k.io = nil
	if err := k.tmpFile.Commit(); err != nil {
		return err
	}
	k.tmp = ""
	return nil
}

// close frees everything and removes the temporary file if commit did not
// rename it.
func (k *sink) close() {
	if k.io != nil {
		k.io.Close()
		k.io = nil
	}
	if k.tmp != "" {
		os.Remove(k.tmp)
		k.tmp = ""
	}
	if k.pkt != nil {
		k.pkt.Free()
		k.pkt = nil
	}
	if k.enc != nil {
		k.enc.Free()
		k.enc = nil
	}
	if k.fc != nil {
		k.fc.Free()
		k.fc = nil
	}
}
