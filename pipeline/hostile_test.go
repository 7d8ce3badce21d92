package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftbench/ftbench/pipeline"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/pipeline/track"
)

// hostileTimeout bounds one hostile run; a run that takes longer is a hang.
const hostileTimeout = 30 * time.Second

// ffmpegMake runs the ffmpeg CLI to write out, skipping the test when
// ffmpeg is not installed.
func ffmpegMake(t *testing.T, out string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not installed (scripts/install-deps.sh installs it)")
	}
	full := append([]string{"-nostdin", "-v", "error", "-y"}, args...)
	if b, err := exec.Command("ffmpeg", append(full, out)...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", strings.Join(full, " "), err, b)
	}
	return out
}

// decodableFrames counts the frames of path's first video stream that
// FFmpeg decodes, or -1 when ffprobe finds no video stream it can read.
func decodableFrames(t *testing.T, path string) int {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "quiet", "-select_streams", "v:0", "-count_frames",
		"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path).Output()
	if err != nil {
		return -1
	}
	// Note: ffprobe prints a stream once per program that holds it (MPEG-TS).
	first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	n, err := strconv.Atoi(strings.TrimSpace(strings.Split(first, ",")[0]))
	if err != nil {
		return -1
	}
	return n
}

// hostileOutcome is what a hostile input may do: be processed, be
// rejected, or either (as long as it does one of them cleanly).
type hostileOutcome int

const (
	mustProcess hostileOutcome = iota
	mustReject
	processOrReject
)

// runHostile runs the pipeline on input and checks the contract: either
// the output has exactly the input's decodable frames and every crop lies
// inside the frame, or the run fails with one line naming the input and
// leaves nothing behind. Never a panic (it would end the test binary), and
// never a hang (the run's context has a deadline; tripping it fails).
func runHostile(t *testing.T, input string, want hostileOutcome) {
	t.Helper()
	dir := t.TempDir()
	opt := pipeline.Options{Input: input, Output: filepath.Join(dir, "out.mp4"), Config: config.DefaultConfig(),
		TracksPath: filepath.Join(dir, "tracks.json")}
	ctx, cancel := context.WithTimeout(context.Background(), hostileTimeout)
	defer cancel()
	type result struct {
		m   *metrics.Metrics
		err error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		m, err := pipeline.Run(ctx, opt)
		done <- result{m, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(hostileTimeout + 10*time.Second):
		t.Fatalf("%s: still running %v after its context's deadline: a hang", input, hostileTimeout+10*time.Second)
	}
	if errors.Is(r.err, context.DeadlineExceeded) || ctx.Err() != nil {
		t.Fatalf("%s: ran past %v (a hang): %v", input, hostileTimeout, r.err)
	}
	if r.err != nil {
		msg := r.err.Error()
		t.Logf("rejected in %.2fs: %s", time.Since(start).Seconds(), msg)
		if want == mustProcess {
			t.Errorf("want it processed, got an error: %s", msg)
		}
		if strings.Contains(msg, "\n") || !strings.Contains(msg, input) {
			t.Errorf("error is not one line naming %s: %q", input, msg)
		}
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			var names []string
			for _, e := range left {
				names = append(names, e.Name())
			}
			t.Errorf("a failed run left %v behind", names)
		}
		return
	}
	t.Logf("processed in %.2fs: %d frames %dx%d, crop %dx%d", time.Since(start).Seconds(), r.m.Frames, r.m.Width, r.m.Height, r.m.CropWidth, r.m.CropHeight)
	if want == mustReject {
		t.Errorf("want an error, got %d frames processed", r.m.Frames)
	}
	in := decodableFrames(t, input)
	out := decodableFrames(t, opt.Output)
	if r.m.Frames != in || out != in {
		t.Errorf("input has %d decodable frames; the run counted %d and wrote %d", in, r.m.Frames, out)
	}
	tf, err := track.ReadTracks(opt.TracksPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(tf.Frames) != r.m.Frames {
		t.Errorf("tracks.json has %d frames, the run %d", len(tf.Frames), r.m.Frames)
	}
	for _, f := range tf.Frames {
		c := f.Crop
		if c.W <= 0 || c.H <= 0 || c.X < 0 || c.Y < 0 || c.X+c.W > tf.Width || c.Y+c.H > tf.Height {
			t.Fatalf("frame %d: crop %+v is not inside the %dx%d frame", f.Frame, c, tf.Width, tf.Height)
		}
	}
}

// TestHostileVideos: unusual but valid videos are processed, and inputs
// without a video are rejected, each cleanly (see runHostile).
func TestHostileVideos(t *testing.T) {
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe not installed (scripts/install-deps.sh installs it)")
	}
	face := testClip(t, "face_360p").Video
	dir := t.TempDir()
	in := func(name string) string { return filepath.Join(dir, name) }
	srt := in("subs.srt")
	if err := os.WriteFile(srt, []byte("1\n00:00:00,000 --> 00:00:01,000\nno video here\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Note: x264 refuses odd sizes in 4:2:0, so odd and tiny frames are
	// FFV1 (lossless, any size) in Matroska.
	odd := func(w, h int) []string {
		return []string{"-i", face, "-frames:v", "12", "-vf", fmt.Sprintf("scale=%d:%d", w, h), "-pix_fmt", "yuv420p", "-c:v", "ffv1", "-an"}
	}
	x264 := func(extra ...string) []string {
		return append([]string{"-c:v", "libx264", "-preset", "ultrafast"}, extra...)
	}
	tests := []struct {
		name string
		file string
		args []string
		want hostileOutcome
	}{
		{"odd width", "odd_w.mkv", odd(321, 240), mustProcess},
		{"odd height", "odd_h.mkv", odd(320, 241), mustProcess},
		{"odd both", "odd_wh.mkv", odd(333, 187), mustProcess},
		{"1x1", "one.mkv", odd(1, 1), processOrReject},
		{"2x2", "two.mkv", odd(2, 2), processOrReject},
		{"3x5", "three.mkv", odd(3, 5), processOrReject},
		{"8K", "8k.mp4", append([]string{"-i", face, "-frames:v", "3", "-vf", "scale=7680:4320", "-an"}, x264()...), mustProcess},
		{"variable frame rate", "vfr.mp4", append([]string{"-i", face, "-frames:v", "45", "-an",
			"-vf", "setpts='if(lt(N,15),N,if(lt(N,30),15+(N-15)*3,60+(N-30)/2))/30/TB'", "-fps_mode", "passthrough"}, x264()...), mustProcess},
		{"rotated 90", "rotated.mp4", []string{"-i", face, "-c", "copy", "-metadata:s:v:0", "rotate=90"}, mustProcess},
		{"10-bit 4:2:0", "10bit.mp4", append([]string{"-i", face, "-frames:v", "30", "-pix_fmt", "yuv420p10le"}, x264()...), mustProcess},
		{"4:4:4", "444.mp4", append([]string{"-i", face, "-frames:v", "30", "-pix_fmt", "yuv444p"}, x264()...), mustProcess},
		{"4:2:2 10-bit", "422_10.mkv", append([]string{"-i", face, "-frames:v", "20", "-pix_fmt", "yuv422p10le"}, x264()...), mustProcess},
		{"RGB", "rgb.mkv", []string{"-i", face, "-frames:v", "12", "-pix_fmt", "bgr0", "-c:v", "ffv1", "-an"}, mustProcess},
		{"audio only", "audio.m4a", []string{"-i", face, "-vn", "-c:a", "copy"}, mustReject},
		{"no video stream (subtitles only)", "subs.mkv", []string{"-i", srt, "-c:s", "copy"}, mustReject},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			runHostile(t, ffmpegMake(t, in(tt.file), tt.args...), tt.want)
		})
	}
	// MPEG-TS files joined byte for byte: the stream changes size or pixel
	// format in the middle, as a cut-together broadcast does.
	changes := []struct {
		name   string
		second []string
	}{
		{"size changes mid-stream", []string{"-vf", "scale=320:180", "-pix_fmt", "yuv420p"}},
		{"pixel format changes mid-stream", []string{"-pix_fmt", "yuv444p"}},
		{"bit depth changes mid-stream", []string{"-pix_fmt", "yuv420p10le"}},
	}
	for i, tt := range changes {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			part := func(n int, extra ...string) []byte {
				f := ffmpegMake(t, in(fmt.Sprintf("change%d_%d.ts", i, n)), append(append([]string{"-i", face, "-frames:v", "15", "-an"}, extra...), x264()...)...)
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			joined := in(fmt.Sprintf("change%d.ts", i))
			if err := os.WriteFile(joined, append(part(0, "-pix_fmt", "yuv420p"), part(1, tt.second...)...), 0o644); err != nil {
				t.Fatal(err)
			}
			runHostile(t, joined, processOrReject)
		})
	}
}

// TestTruncatedVideos: a clip cut at every tenth of its length, in MP4
// with the index at the end (the usual layout), in MP4 with the index first
// (faststart), and in Matroska (no index needed), is processed up to its
// last whole frame or rejected, each cleanly.
func TestTruncatedVideos(t *testing.T) {
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe not installed (scripts/install-deps.sh installs it)")
	}
	face := testClip(t, "face_360p").Video
	dir := t.TempDir()
	layouts := map[string]string{
		"mp4":           face,
		"faststart.mp4": ffmpegMake(t, filepath.Join(dir, "full_faststart.mp4"), "-i", face, "-c", "copy", "-movflags", "+faststart"),
		"mkv":           ffmpegMake(t, filepath.Join(dir, "full.mkv"), "-i", face, "-c", "copy"),
	}
	for layout, full := range layouts {
		data, err := os.ReadFile(full)
		if err != nil {
			t.Fatal(err)
		}
		for tenth := 1; tenth <= 9; tenth++ {
			name := fmt.Sprintf("%s cut at %d%%", layout, tenth*10)
			cut := filepath.Join(dir, fmt.Sprintf("cut%d0_%s", tenth, layout))
			if err := os.WriteFile(cut, data[:len(data)*tenth/10], 0o644); err != nil {
				t.Fatal(err)
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				runHostile(t, cut, processOrReject)
			})
		}
	}
}
