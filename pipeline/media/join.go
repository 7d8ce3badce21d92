package media

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/asticode/go-astiav"

	"github.com/ftbench/ftbench/internal/atomicfile"
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

// Join writes the encoded parts, in order and without re-encoding, to
// output (through a temporary file), with input's audio copied when
// copyAudio says so and input has any; it reports whether audio was copied.
func Join(parts []string, input, output string, copyAudio bool) (audioCopied bool, err error) {
	j := &joiner{input: input, output: output}
	if err := j.openOutput(parts[0]); err != nil {
		return false, err
	}
	defer j.fc.Free()
	if copyAudio {
		if j.audio, err = openPacketReader(input, astiav.MediaTypeAudio); err != nil {
			return false, err
		}
		defer func() {
			if j.audio != nil {
				j.audio.close()
			}
		}()
		if err := j.addAudio(); err != nil {
			return false, err
		}
	}
	f, err := os.CreateTemp(filepath.Dir(output), "."+filepath.Base(output)+".tmp*"+filepath.Ext(output))
	if err != nil {
		return false, fmt.Errorf("%s: cannot write output: %w", output, atomicfile.UnwrapPath(err))
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
		return false, fmt.Errorf("%s: cannot write output: %v", output, err)
	}
	j.fc.SetPb(io)
	closed := false
	defer func() {
		if !closed {
			io.Close()
		}
	}()
	if err := j.write(parts); err != nil {
		return false, err
	}
	closed = true
	if err := io.Close(); err != nil {
		return false, j.writeErr(err)
	}
	if err := os.Rename(tmp, output); err != nil {
		return false, fmt.Errorf("%s: cannot write output: %w", output, atomicfile.UnwrapPath(err))
	}
	ok = true
	return j.audio != nil, nil
}

// joiner is Join's state: the output's muxer and streams, and the input's
// audio packets still to write.
type joiner struct {
	input, output string
	fc            *astiav.FormatContext
	vs, as        *astiav.Stream
	extradata     []byte // the first part's, which every part must share
	audio         *packetReader
	apkt          *astiav.Packet // the next audio packet; nil at the end
}

// openOutput chooses the muxer from the output's name and gives it the
// first part's video stream.
func (j *joiner) openOutput(first string) error {
	r, err := openPacketReader(first, astiav.MediaTypeVideo)
	if err != nil {
		return err
	}
	defer r.close()
	j.extradata = r.stream.CodecParameters().ExtraData()
	fc, err := astiav.AllocOutputFormatContext(nil, "", j.output)
	if err != nil || fc == nil {
		return fmt.Errorf("%s: cannot choose an output format from the name (use .mp4, .mkv or .mov): %v", j.output, err)
	}
	j.fc = fc
	j.vs = fc.NewStream(nil)
	if err := r.stream.CodecParameters().Copy(j.vs.CodecParameters()); err != nil {
		fc.Free()
		return err
	}
	j.vs.CodecParameters().SetCodecTag(0)
	j.vs.SetTimeBase(r.stream.TimeBase())
	return nil
}

// addAudio gives the muxer the input's audio stream; without one, there is
// no audio to copy.
func (j *joiner) addAudio() error {
	if j.audio.stream == nil {
		j.audio.close()
		j.audio = nil
		return nil
	}
	j.as = j.fc.NewStream(nil)
	if err := j.audio.stream.CodecParameters().Copy(j.as.CodecParameters()); err != nil {
		return err
	}
	j.as.CodecParameters().SetCodecTag(0)
	j.as.SetTimeBase(j.audio.stream.TimeBase())
	return nil
}

// write writes the header, every part's packets with the audio
// interleaved, and the trailer.
func (j *joiner) write(parts []string) error {
	if err := j.fc.WriteHeader(nil); err != nil {
		return fmt.Errorf("%s: cannot write output header: %v", j.output, err)
	}
	if j.audio != nil {
		var err error
		if j.apkt, err = j.audio.next(); err != nil {
			return fmt.Errorf("%s: %v", j.input, err)
		}
	}
	for i, part := range parts {
		if err := j.copyPart(i, part); err != nil {
			return err
		}
	}
	if j.audio != nil {
		if err := j.writeAudioUntil(-1); err != nil {
			return err
		}
	}
	if err := j.fc.WriteTrailer(); err != nil {
		return j.writeErr(err)
	}
	return nil
}

// copyPart writes part i's video packets, each after the audio that comes
// before it.
func (j *joiner) copyPart(i int, part string) error {
	r, err := openPacketReader(part, astiav.MediaTypeVideo)
	if err != nil {
		return err
	}
	defer r.close()
	if !bytes.Equal(r.stream.CodecParameters().ExtraData(), j.extradata) {
		return fmt.Errorf("segment %d was encoded with other parameters than segment 0; cannot join without re-encoding", i)
	}
	for {
		p, err := r.next()
		if err != nil {
			return fmt.Errorf("%s: %v", part, err)
		}
		if p == nil {
			return nil
		}
		if j.audio != nil {
			if err := j.writeAudioUntil(tsSeconds(p.Dts(), r.stream.TimeBase())); err != nil {
				p.Free()
				return err
			}
		}
		p.SetStreamIndex(j.vs.Index())
		p.RescaleTs(r.stream.TimeBase(), j.vs.TimeBase())
		p.SetPos(-1)
		err = j.fc.WriteInterleavedFrame(p)
		p.Free()
		if err != nil {
			return j.writeErr(err)
		}
	}
}

// writeAudioUntil writes the audio packets that come before t seconds (all
// that are left when t < 0).
func (j *joiner) writeAudioUntil(t float64) error {
	for j.apkt != nil && (t < 0 || tsSeconds(j.apkt.Dts(), j.audio.stream.TimeBase()) <= t) {
		j.apkt.SetStreamIndex(j.as.Index())
		j.apkt.RescaleTs(j.audio.stream.TimeBase(), j.as.TimeBase())
		j.apkt.SetPos(-1)
		err := j.fc.WriteInterleavedFrame(j.apkt)
		j.apkt.Free()
		if err != nil {
			return j.writeErr(err)
		}
		if j.apkt, err = j.audio.next(); err != nil {
			return fmt.Errorf("%s: %v", j.input, err)
		}
	}
	return nil
}

func (j *joiner) writeErr(err error) error {
	return fmt.Errorf("%s: cannot write output: %v", j.output, err)
}

func tsSeconds(ts int64, tb astiav.Rational) float64 {
	if ts == astiav.NoPtsValue {
		return 0
	}
	return float64(ts) * tb.Float64()
}
