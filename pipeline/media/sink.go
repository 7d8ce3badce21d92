package media

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

// Sink encodes cropped frames and muxes them, with the copied audio, into a
// temporary file that Commit renames to the output path.
type Sink struct {
	path, tmp string
	fc        *astiav.FormatContext
	io        *astiav.IOContext
	enc       *astiav.CodecContext
	vs        *astiav.Stream
	as        *astiav.Stream
	srcAudio  *astiav.Stream
	encTB     astiav.Rational
	pkt       *astiav.Packet
	header    bool
	// Name is the encoder's FFmpeg name.
	Name string
	// EncodeSeconds is encoder time spent outside the per-frame loop (the
	// final flush); the caller adds it.
	EncodeSeconds float64
}

// EncoderError says that the configured encoder cannot be used: this
// FFmpeg lacks it, or it does not open (a hardware encoder the machine
// lacks).
type EncoderError struct{ msg string }

// Error returns the message, which names the encoder.
func (e *EncoderError) Error() string { return e.msg }

// OpenSink opens an encoder of cfg's for w x h frames of format pf and a
// muxer writing to a temporary file beside path, with src's audio stream
// copied when audio and cfg.CopyAudio say so. A configured encoder that
// cannot be used is an *EncoderError.
func OpenSink(path string, src *Source, cfg config.Config, w, h int, pf astiav.PixelFormat, audio bool) (*Sink, error) {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("%s: output folder: %w", dir, atomicfile.UnwrapPath(err))
	} else if !st.IsDir() {
		return nil, fmt.Errorf("%s: output folder is not a directory", dir)
	}
	k := &Sink{path: path}
	var err error
	k.fc, err = astiav.AllocOutputFormatContext(nil, "", path)
	if err != nil || k.fc == nil {
		return nil, fmt.Errorf("%s: cannot choose an output format from the name (use .mp4, .mkv or .mov): %v", path, err)
	}
	codec := astiav.FindEncoderByName(cfg.Encoder)
	if codec == nil {
		k.Close()
		return nil, &EncoderError{fmt.Sprintf("encoder %q: not available in this FFmpeg build", cfg.Encoder)}
	}
	k.Name = codec.Name()
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
		k.Close()
		return nil, &EncoderError{fmt.Sprintf("encoder %s: cannot open with preset %q crf %d at %dx%d: %v", cfg.Encoder, cfg.Preset, cfg.CRF, w, h, err)}
	}
	k.vs = k.fc.NewStream(nil)
	if err := k.vs.CodecParameters().FromCodecContext(k.enc); err != nil {
		k.Close()
		return nil, err
	}
	k.vs.SetTimeBase(k.encTB)
	k.vs.SetAvgFrameRate(src.video.AvgFrameRate())
	k.vs.SetRFrameRate(src.video.RFrameRate())
	if audio && cfg.CopyAudio && src.audio != nil {
		if err := k.copyAudio(src.audio); err != nil {
			k.Close()
			return nil, err
		}
	}
	if err := k.start(dir); err != nil {
		k.Close()
		return nil, err
	}
	return k, nil
}

// copyAudio adds a stream that copies audio's packets.
func (k *Sink) copyAudio(audio *astiav.Stream) error {
	k.srcAudio = audio
	k.as = k.fc.NewStream(nil)
	if err := audio.CodecParameters().Copy(k.as.CodecParameters()); err != nil {
		return err
	}
	k.as.CodecParameters().SetCodecTag(0)
	k.as.SetTimeBase(audio.TimeBase())
	return nil
}

// start opens the temporary file in dir and writes the header.
func (k *Sink) start(dir string) error {
	f, err := os.CreateTemp(dir, "."+filepath.Base(k.path)+".tmp*"+filepath.Ext(k.path))
	if err != nil {
		return fmt.Errorf("%s: cannot write output: %w", k.path, atomicfile.UnwrapPath(err))
	}
	k.tmp = f.Name()
	f.Close()
	k.io, err = astiav.OpenIOContext(k.tmp, astiav.NewIOContextFlags(astiav.IOContextFlagWrite))
	if err != nil {
		return fmt.Errorf("%s: cannot write output: %v", k.path, err)
	}
	k.fc.SetPb(k.io)
	if err := k.fc.WriteHeader(nil); err != nil {
		return fmt.Errorf("%s: cannot write output header: %v", k.path, err)
	}
	k.header = true
	k.pkt = astiav.AllocPacket()
	return nil
}

// Encode sends one frame (nil flushes) and writes what the encoder returns.
func (k *Sink) Encode(f *astiav.Frame) error {
	if err := k.enc.SendFrame(f); err != nil {
		return fmt.Errorf("encoder %s: %v", k.Name, err)
	}
	for {
		err := k.enc.ReceivePacket(k.pkt)
		if errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("encoder %s: %v", k.Name, err)
		}
		k.pkt.SetStreamIndex(k.vs.Index())
		k.pkt.RescaleTs(k.encTB, k.vs.TimeBase())
		if err := k.fc.WriteInterleavedFrame(k.pkt); err != nil {
			return k.writeErr(err)
		}
	}
}

// HasAudio reports whether the sink copies an audio stream.
func (k *Sink) HasAudio() bool { return k.as != nil }

// WriteAudio muxes one copied audio packet and frees it.
func (k *Sink) WriteAudio(p *astiav.Packet) error {
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

func (k *Sink) writeErr(err error) error {
	msg := err.Error()
	if strings.Contains(msg, "No space") {
		return fmt.Errorf("%s: disk full: %v", k.path, err)
	}
	return fmt.Errorf("%s: cannot write output: %v", k.path, err)
}

// Commit flushes the encoder, writes the trailer and renames the temporary
// file to the output path.
func (k *Sink) Commit() error {
	if err := k.Encode(nil); err != nil {
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
	if err := os.Rename(k.tmp, k.path); err != nil {
		return fmt.Errorf("%s: cannot write output: %w", k.path, atomicfile.UnwrapPath(err))
	}
	k.tmp = ""
	return nil
}

// Close frees everything and removes the temporary file if Commit did not
// rename it.
func (k *Sink) Close() {
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
