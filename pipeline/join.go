package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/asticode/go-astiav"

	"github.com/ftbench/ftbench/internal/atomicfile"
	"github.com/ftbench/ftbench/pipeline/metrics"
)

// packetReader reads one stream's packets from a file.
type packetReader struct {
	fc     *astiav.FormatContext
	stream *astiav.Stream
	pkt    *astiav.Packet
}

func openPacketReader(path string, media astiav.MediaType) (*packetReader, error) {
	fc := astiav.AllocFormatContext()
	if err := fc.OpenInput(path, nil, nil); err != nil {
		fc.Free()
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	r := &packetReader{fc: fc, pkt: astiav.AllocPacket()}
	if err := fc.FindStreamInfo(nil); err != nil {
		r.close()
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	for _, s := range fc.Streams() {
		if s.CodecParameters().MediaType() == media {
			r.stream = s
			break
		}
	}
	return r, nil
}

// next returns the stream's next packet (the caller frees it), or nil at
// the end of the file.
func (r *packetReader) next() (*astiav.Packet, error) {
	for {
		err := r.fc.ReadFrame(r.pkt)
		if errors.Is(err, astiav.ErrEof) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if r.pkt.StreamIndex() == r.stream.Index() {
			p := r.pkt.Clone()
			r.pkt.Unref()
			return p, nil
		}
		r.pkt.Unref()
	}
}

func (r *packetReader) close() {
	if r.pkt != nil {
		r.pkt.Free()
		r.pkt = nil
	}
	if r.fc != nil {
		r.fc.CloseInput()
		r.fc.Free()
		r.fc = nil
	}
}

// joinSegments writes the encoded parts, in order and without re-encoding,
// with the input's audio copied, to opt.Output (through a temporary file).
func joinSegments(opt Options, parts []string, m *metrics.Metrics) error {
	first, err := openPacketReader(parts[0], astiav.MediaTypeVideo)
	if err != nil {
		return err
	}
	extradata := first.stream.CodecParameters().ExtraData()
	fc, err := astiav.AllocOutputFormatContext(nil, "", opt.Output)
	if err != nil || fc == nil {
		first.close()
		return fmt.Errorf("%s: cannot choose an output format from the name (use .mp4, .mkv or .mov): %v", opt.Output, err)
	}
	defer fc.Free()
	vs := fc.NewStream(nil)
	if err := first.stream.CodecParameters().Copy(vs.CodecParameters()); err != nil {
		first.close()
		return err
	}
	vs.CodecParameters().SetCodecTag(0)
	vtb := first.stream.TimeBase()
	vs.SetTimeBase(vtb)
	first.close()

	var audio *packetReader
	var as *astiav.Stream
	if opt.Config.CopyAudio {
		if audio, err = openPacketReader(opt.Input, astiav.MediaTypeAudio); err != nil {
			return err
		}
		defer func() {
			if audio != nil {
				audio.close()
			}
		}()
		if audio.stream != nil {
			as = fc.NewStream(nil)
			if err := audio.stream.CodecParameters().Copy(as.CodecParameters()); err != nil {
				return err
			}
			as.CodecParameters().SetCodecTag(0)
			as.SetTimeBase(audio.stream.TimeBase())
		} else {
			audio.close()
			audio = nil
		}
	}
	f, err := atomicfile.Create(opt.Output)
	if err != nil {
		return err
	}
	tmp := f.Name()
	f.Close()
	ok := false
	defer func() {
		if !ok {
			os.Remove(tmp)
		}
	}()
	io, err := astiav.OpenIOContext(tmp, astiav.NewIOContextFlags(astiav.IOContextFlagWrite))
	if err != nil {
		return fmt.Errorf("%s: cannot write output: %v", opt.Output, err)
	}
	fc.SetPb(io)
	closed := false
	defer func() {
		if !closed {
			io.Close()
		}
	}()
	if err := fc.WriteHeader(nil); err != nil {
		return fmt.Errorf("%s: cannot write output header: %v", opt.Output, err)
	}
	writeErr := func(err error) error {
		return fmt.Errorf("%s: cannot write output: %v", opt.Output, err)
	}
	var apkt *astiav.Packet
	if audio != nil {
		if apkt, err = audio.next(); err != nil {
			return fmt.Errorf("%s: %v", opt.Input, err)
		}
	}
	// writeAudioUntil writes the audio packets that come before t seconds.
	writeAudioUntil := func(t float64) error {
		for apkt != nil && (t < 0 || tsSeconds(apkt.Dts(), audio.stream.TimeBase()) <= t) {
			apkt.SetStreamIndex(as.Index())
			apkt.RescaleTs(audio.stream.TimeBase(), as.TimeBase())
			apkt.SetPos(-1)
			err := fc.WriteInterleavedFrame(apkt)
			apkt.Free()
			if err != nil {
				return writeErr(err)
			}
			if apkt, err = audio.next(); err != nil {
				return fmt.Errorf("%s: %v", opt.Input, err)
			}
		}
		return nil
	}
	frames := 0
	for i, part := range parts {
		r, err := openPacketReader(part, astiav.MediaTypeVideo)
		if err != nil {
			return err
		}
		if !bytes.Equal(r.stream.CodecParameters().ExtraData(), extradata) {
			r.close()
			return fmt.Errorf("segment %d was encoded with other parameters than segment 0; cannot join without re-encoding", i)
		}
		for {
			p, err := r.next()
			if err != nil {
				r.close()
				return fmt.Errorf("%s: %v", part, err)
			}
			if p == nil {
				break
			}
			if audio != nil {
				if err := writeAudioUntil(tsSeconds(p.Dts(), r.stream.TimeBase())); err != nil {
					p.Free()
					r.close()
					return err
				}
			}
			p.SetStreamIndex(vs.Index())
			p.RescaleTs(r.stream.TimeBase(), vs.TimeBase())
			p.SetPos(-1)
			err = fc.WriteInterleavedFrame(p)
			p.Free()
			if err != nil {
				r.close()
				return writeErr(err)
			}
			frames++
		}
		r.close()
	}
	if audio != nil {
		if err := writeAudioUntil(-1); err != nil {
			return err
		}
		m.AudioCopied = true
	}
	if err := fc.WriteTrailer(); err != nil {
		return writeErr(err)
	}
	closed = true
	if err := io.Close(); err != nil {
		return writeErr(err)
	}
	if err := f.Commit(); err != nil {
		return err
	}
	ok = true
	return nil
}

func tsSeconds(ts int64, tb astiav.Rational) float64 {
	if ts == astiav.NoPtsValue {
		return 0
	}
	return float64(ts) * tb.Float64()
}
