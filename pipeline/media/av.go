package media

// Note: go-astiav v0.16.0 exposes an AVFrame's pointer but not its planes
// without a copy, nor av_frame_apply_cropping, nor sws_scale on a single
// plane. These few helpers fill that gap so the luma plane reaches the
// detector and the crop reaches the encoder without copying whole frames.

/*
#cgo pkg-config: libavutil libswscale libavcodec libavformat
#include <libavutil/frame.h>
#include <libavutil/hwcontext.h>
#include <libavutil/avutil.h>
#include <libswscale/swscale.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

// ft_crop makes dst a reference to src cropped to (x, y, w, h) by moving the
// plane pointers (no pixel copy), the way FFmpeg's crop filter does.
static int ft_crop(AVFrame *dst, const AVFrame *src, int x, int y, int w, int h) {
	int ret = av_frame_ref(dst, src);
	if (ret < 0) return ret;
	dst->crop_left = x;
	dst->crop_top = y;
	dst->crop_right = src->width - x - w;
	dst->crop_bottom = src->height - y - h;
	ret = av_frame_apply_cropping(dst, AV_FRAME_CROP_UNALIGNED);
	if (ret < 0) { av_frame_unref(dst); return ret; }
	// The decoder's picture type must not force the encoder's frame types.
	dst->pict_type = AV_PICTURE_TYPE_NONE;
	return 0;
}

static struct SwsContext *ft_luma_ctx(struct SwsContext *c, int sw, int sh, int dw, int dh) {
	return sws_getCachedContext(c, sw, sh, AV_PIX_FMT_GRAY8, dw, dh, AV_PIX_FMT_GRAY8, SWS_FAST_BILINEAR, NULL, NULL, NULL);
}

// ft_luma scales plane 0 of an 8-bit planar YUV frame into dst.
static int ft_luma(struct SwsContext *c, const AVFrame *src, uint8_t *dst, int dstStride) {
	const uint8_t *sp[4] = { src->data[0], NULL, NULL, NULL };
	int ss[4] = { src->linesize[0], 0, 0, 0 };
	uint8_t *dp[4] = { dst, NULL, NULL, NULL };
	int ds[4] = { dstStride, 0, 0, 0 };
	return sws_scale(c, sp, ss, 0, src->height, dp, ds);
}

// ft_hw_download copies a GPU frame into dst (allocated in the hardware
// frames' software format) with its properties.
static int ft_hw_download(AVFrame *dst, const AVFrame *src) {
	int ret = av_hwframe_transfer_data(dst, src, 0);
	if (ret < 0) return ret;
	return av_frame_copy_props(dst, src);
}

static uint8_t *ft_plane(const AVFrame *f, int i) { return f->data[i]; }
static int ft_linesize(const AVFrame *f, int i) { return f->linesize[i]; }
static int64_t ft_best_effort_ts(const AVFrame *f) { return f->best_effort_timestamp; }
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/asticode/go-astiav"

	"github.com/ftbench/ftbench/pipeline/geom"
)

func cFrame(f *astiav.Frame) *C.AVFrame { return (*C.AVFrame)(f.UnsafePointer()) }

// CropRef makes dst a zero-copy reference to the crop c of src.
func CropRef(dst, src *astiav.Frame, c geom.Crop) error {
	if ret := C.ft_crop(cFrame(dst), cFrame(src), C.int(c.X), C.int(c.Y), C.int(c.W), C.int(c.H)); ret < 0 {
		return fmt.Errorf("cropping frame to %dx%d+%d+%d: %w", c.W, c.H, c.X, c.Y, astiav.Error(ret))
	}
	return nil
}

// hwDownload copies the GPU frame src into dst, timestamps included.
func hwDownload(dst, src *astiav.Frame) error {
	if ret := C.ft_hw_download(cFrame(dst), cFrame(src)); ret < 0 {
		return astiav.Error(ret)
	}
	return nil
}

// BestEffortPts returns the frame's best-effort timestamp in stream units.
func BestEffortPts(f *astiav.Frame) int64 { return int64(C.ft_best_effort_ts(cFrame(f))) }

// LumaScaler downsamples the luma plane into a detector buffer with
// swscale's fast bilinear filter.
//
// Note: the area filter cost three times as much (1.3 s against 0.5 s per
// minute of 1080p on two cores) for the same detection quality on the
// fixtures and OTB Girl.
type LumaScaler struct {
	ctx        *C.struct_SwsContext
	srcW, srcH int
	dstW, dstH int
	// Stride is the row stride of the buffers it writes.
	Stride int
}

// NewLumaScaler returns a scaler from srcW x srcH frames to dstW x dstH
// images with rows of stride bytes.
func NewLumaScaler(srcW, srcH, dstW, dstH, stride int) (*LumaScaler, error) {
	ctx := C.ft_luma_ctx(nil, C.int(srcW), C.int(srcH), C.int(dstW), C.int(dstH))
	if ctx == nil {
		return nil, fmt.Errorf("swscale: cannot scale luma %dx%d to %dx%d", srcW, srcH, dstW, dstH)
	}
	return &LumaScaler{ctx: ctx, srcW: srcW, srcH: srcH, dstW: dstW, dstH: dstH, Stride: stride}, nil
}

// BufSize returns the bytes a destination buffer needs.
func (s *LumaScaler) BufSize() int { return s.Stride*s.dstH + 64 }

// Scale writes the downsampled luma of f into dst (len >= BufSize()).
func (s *LumaScaler) Scale(f *astiav.Frame, dst []byte) error {
	if len(dst) < s.BufSize() {
		return fmt.Errorf("luma buffer too small: %d < %d", len(dst), s.BufSize())
	}
	if ret := C.ft_luma(s.ctx, cFrame(f), (*C.uint8_t)(unsafe.Pointer(&dst[0])), C.int(s.Stride)); ret < 0 {
		return fmt.Errorf("swscale luma: %w", astiav.Error(ret))
	}
	return nil
}

// Free releases the scaler.
func (s *LumaScaler) Free() {
	if s.ctx != nil {
		C.sws_freeContext(s.ctx)
		s.ctx = nil
	}
}

// PlaneBytes returns plane i of f as a slice aliasing FFmpeg's memory (no
// copy), rows*linesize bytes long, and the linesize. Valid while f holds its
// reference.
func PlaneBytes(f *astiav.Frame, i, rows int) ([]byte, int) {
	p := C.ft_plane(cFrame(f), C.int(i))
	ls := int(C.ft_linesize(cFrame(f), C.int(i)))
	if p == nil || ls <= 0 || rows <= 0 {
		return nil, 0
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), ls*rows), ls
}
