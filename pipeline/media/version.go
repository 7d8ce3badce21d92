package media

//#cgo pkg-config: libavcodec libavformat libavfilter libavutil libswscale libswresample
//#include <libavcodec/avcodec.h>
//#include <libavformat/avformat.h>
//#include <libavfilter/avfilter.h>
//#include <libavutil/avutil.h>
//#include <libswscale/swscale.h>
//#include <libswresample/swresample.h>
import "C"

import "fmt"

// FFmpegVersions returns the versions of the FFmpeg libraries this binary is
// linked with, as the libraries themselves report them at run time: "ffmpeg"
// (the release, for example "5.1.6-0+deb12u1") and one "libNAME" entry per
// library ("libavcodec": "59.37.100").
//
// Note: asked of the loaded libraries rather than of the headers or of the
// ffmpeg command, because a shared library upgraded under a built binary
// changes what is measured; the environment fingerprint of every sweep
// result carries these.
func FFmpegVersions() map[string]string {
	v := func(n C.uint) string {
		return fmt.Sprintf("%d.%d.%d", n>>16, (n>>8)&0xff, n&0xff)
	}
	return map[string]string{
		"ffmpeg":        C.GoString(C.av_version_info()),
		"libavcodec":    v(C.avcodec_version()),
		"libavformat":   v(C.avformat_version()),
		"libavfilter":   v(C.avfilter_version()),
		"libavutil":     v(C.avutil_version()),
		"libswscale":    v(C.swscale_version()),
		"libswresample": v(C.swresample_version()),
	}
}
