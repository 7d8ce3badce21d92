package media

import (
	"fmt"
	"slices"

	"github.com/asticode/go-astiav"
)

// Conformer turns decoded frames into what every later stage expects:
// upright (the stream's display rotation applied) and 8-bit 4:2:0.
type Conformer struct {
	src  *Source
	rot  *rotator
	conv *astiav.SoftwareScaleContext
	// W and H are the conformed frames' size (Source.FrameSize).
	W, H int
	// Format is the conformed frames' pixel format.
	Format astiav.PixelFormat
}

// NewConformer sets up the turn and the conversion src's frames need on
// their way to encoder ("" when they go to none, as in an analysis pass).
func NewConformer(src *Source, encoder string) (*Conformer, error) {
	c := &Conformer{src: src, Format: src.PixelFormat}
	c.W, c.H = src.FrameSize()
	if src.Rotation != 0 {
		var err error
		if c.rot, err = newRotator(src, src.Rotation); err != nil {
			return nil, err
		}
	}
	// Frames reach the encoder as 8-bit 4:2:0; anything else is converted
	// once after decoding.
	pf := src.PixelFormat
	if !(pf == astiav.PixelFormatYuv420P || pf == astiav.PixelFormatYuvj420P ||
		pf == astiav.PixelFormatNv12 && (encoder == "" || EncoderTakes(encoder, pf))) {
		// Note: NV12 (NVDEC's frames) goes to x264 and NVENC as it is;
		// they take it, and a conversion would cost a pass over each frame.
		c.Format = astiav.PixelFormatYuv420P
		var err error
		c.conv, err = astiav.CreateSoftwareScaleContext(c.W, c.H, pf, c.W, c.H, c.Format,
			astiav.NewSoftwareScaleContextFlags(astiav.SoftwareScaleContextFlagBilinear))
		if err != nil {
			c.Free()
			return nil, fmt.Errorf("%s: cannot convert pixel format %s: %v", src.Path, pf, err)
		}
	}
	return c, nil
}

// Apply returns f conformed: f itself, or a frame from pool that replaces
// it (f then goes back to pool).
func (c *Conformer) Apply(f *astiav.Frame, pool *FramePool) (*astiav.Frame, error) {
	if c.rot != nil {
		rf := pool.Get()
		if err := c.rot.apply(f, rf); err != nil {
			return nil, fmt.Errorf("%s: %v", c.src.Path, err)
		}
		pool.Put(f)
		f = rf
	}
	if c.conv != nil {
		cf := pool.Get()
		cf.SetWidth(c.W)
		cf.SetHeight(c.H)
		cf.SetPixelFormat(c.Format)
		if err := cf.AllocBuffer(0); err != nil {
			return nil, err
		}
		if err := c.conv.ScaleFrame(f, cf); err != nil {
			return nil, fmt.Errorf("%s: converting pixel format: %v", c.src.Path, err)
		}
		pool.Put(f)
		f = cf
	}
	return f, nil
}

// Free releases the filter graph and the conversion context.
func (c *Conformer) Free() {
	if c.rot != nil {
		c.rot.free()
		c.rot = nil
	}
	if c.conv != nil {
		c.conv.Free()
		c.conv = nil
	}
}

// EncoderTakes reports whether the named encoder takes frames of pf.
func EncoderTakes(name string, pf astiav.PixelFormat) bool {
	e := astiav.FindEncoderByName(name)
	return e != nil && slices.Contains(e.PixelFormats(), pf)
}

// FramePool recycles AVFrame structs; the pixel buffers they reference are
// FFmpeg's own pooled buffers, returned by Unref.
type FramePool struct {
	ch chan *astiav.Frame
}

// NewFramePool returns a pool that keeps up to n spare frames.
func NewFramePool(n int) *FramePool { return &FramePool{ch: make(chan *astiav.Frame, n)} }

// Get returns a spare frame, or a new one.
func (p *FramePool) Get() *astiav.Frame {
	select {
	case f := <-p.ch:
		return f
	default:
		return astiav.AllocFrame()
	}
}

// Put unreferences f's buffers and keeps f for reuse (or frees it when the
// pool is full).
func (p *FramePool) Put(f *astiav.Frame) {
	f.Unref()
	select {
	case p.ch <- f:
	default:
		f.Free()
	}
}

// Free frees the spare frames.
func (p *FramePool) Free() {
	for {
		select {
		case f := <-p.ch:
			f.Free()
		default:
			return
		}
	}
}
