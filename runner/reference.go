package runner

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/ftbench/ftbench/internal/atomicfile"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/geom"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/record"
)

// FFmpegEnv names the environment variable that points at the ffmpeg
// binary the reference workload runs; unset, it is "ffmpeg" on PATH, and
// ffprobe is looked for beside it.
const FFmpegEnv = "FTBENCH_FFMPEG"

// ReferenceMinSeconds is how much video the reference workload encodes at
// the least: a shorter input is looped (ffmpeg -stream_loop) up to it.
//
// Note: a 3 s fixture at 1600 frames/s is over in 60 ms, and a sample
// that short is mostly scheduling noise: measured on this project's shared
// 2-core machine under load, the reference's frames/s had a CV of 26% over
// one pass of face_360p and 16% over five. Looping repeats the same
// decode, crop and encode, so frames/s means the same.
const ReferenceMinSeconds = 10

// ReferenceLoops returns how many extra times an input of the given
// duration (seconds; 0 when unknown) is looped to last
// ReferenceMinSeconds.
func ReferenceLoops(duration float64) int {
	if duration <= 0 || duration >= ReferenceMinSeconds {
		return 0
	}
	return int(math.Ceil(ReferenceMinSeconds/duration)) - 1
}

// ReferenceArgs returns the ffmpeg arguments of the reference workload:
// decode input (played loops extra times), crop the centre cropW x cropH,
// encode into output as cfg says, and write progress (frame counts) to
// progress. -benchmark makes ffmpeg print its own real time
// ("bench: ... rtime=0.123s") on stderr.
func ReferenceArgs(cfg config.Config, input string, loops, cropW, cropH int, output, progress string) []string {
	args := []string{"-hide_banner", "-nostdin", "-y", "-benchmark", "-nostats", "-progress", progress}
	if cfg.DecoderThreads > 0 {
		args = append(args, "-threads", strconv.Itoa(cfg.DecoderThreads))
	}
	if cfg.HWAccel == config.HWAccelCUDA {
		// NVDEC, frames downloaded to host memory: what the pipeline does.
		args = append(args, "-hwaccel", "cuda")
	}
	if loops > 0 {
		args = append(args, "-stream_loop", strconv.Itoa(loops))
	}
	args = append(args, "-i", input, "-map", "0:v:0")
	if cfg.CopyAudio {
		args = append(args, "-map", "0:a:0?", "-c:a", "copy")
	} else {
		args = append(args, "-an")
	}
	args = append(args, "-vf", fmt.Sprintf("crop=%d:%d", cropW, cropH), "-c:v", cfg.Encoder)
	if cfg.Preset != "" {
		args = append(args, "-preset", cfg.Preset)
	}
	args = append(args, "-crf", strconv.Itoa(cfg.CRF), "-pix_fmt", "yuv420p")
	if cfg.EncodeThreads > 0 {
		args = append(args, "-threads", strconv.Itoa(cfg.EncodeThreads))
	}
	return append(args, output)
}

// Run executes one run of a plan and returns its result: the reference
// workload's (record.IsReferenceTrial) through RunReference, any other
// trial's as a pipeline child. It never fails, whatever the child does: a
// failure is a result with a failed status. Canceling ctx kills the child
// and records the run as interrupted; timeout (0 for none) kills it and
// records a timeout. Either way the child's whole process group is killed.
func (r *Runner) Run(ctx context.Context, run record.Run, timeout time.Duration) *record.Result {
	if record.IsReferenceTrial(run.Trial) {
		return r.RunReference(ctx, run, timeout)
	}
	return r.runTrial(ctx, run, timeout)
}

// RunReference runs the reference workload as its own child process, like
// runTrial does a trial (process group, sampling, timeout, interruption), and
// returns its result: frames/s in Metrics.FPS, from the frames ffmpeg
// reports and its own real time. A missing ffmpeg is a failed result with
// an error that says so; it never stops a sweep.
func (r *Runner) RunReference(ctx context.Context, run record.Run, timeout time.Duration) *record.Result {
	t := run.Trial
	cfg := t.Config
	res := &record.Result{
		Version: record.RecordVersion, Sweep: r.SweepName, Shard: r.Shard,
		TrialID: t.ID, Label: t.Label, Config: cfg, Input: t.Input,
		Round: run.Round, Repetition: run.Repetition, Warmup: run.Warmup, Env: r.Env,
	}
	fail := func(err error) *record.Result { return failed(res, err) }
	ffmpeg, ffprobe, err := findFFmpeg()
	if err != nil {
		return fail(err)
	}
	media, err := probe(ctx, ffprobe, t.Input.Video)
	if err != nil {
		return fail(err)
	}
	aw, ah, err := config.ParseAspect(cfg.Aspect)
	if err != nil {
		return fail(fmt.Errorf("aspect: %v", err))
	}
	cw, ch := geom.CropSize(media.width, media.height, aw, ah)
	harness := func(err error) *record.Result { res.HarnessErr = err; return res }
	dir := r.RunDir(run)
	if err := os.RemoveAll(dir); err != nil {
		return harness(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return harness(err)
	}
	outPath := filepath.Join(dir, "out.mp4")
	progressPath := filepath.Join(dir, "progress.txt")
	variant := record.CLIVariantOf(t)
	prog, args := ffmpeg, ReferenceArgs(cfg, t.Input.Video, ReferenceLoops(media.duration), cw, ch, outPath, progressPath)
	line := ffmpeg + " " + shellJoin(args)
	if variant.Split > 1 {
		if media.frames <= 0 || media.fps <= 0 {
			return fail(fmt.Errorf("reference workload %s: ffprobe gave no frame count or frame rate for %s to split it by", variant.Name(), t.Input.Video))
		}
		scfg := cfg
		share := config.ThreadShare(runtime.NumCPU(), variant.Split)
		if scfg.DecoderThreads == 0 {
			scfg.DecoderThreads = share
		}
		if scfg.EncodeThreads == 0 {
			scfg.EncodeThreads = share
		}
		line = splitScript(ffmpeg, scfg, t.Input.Video, media.frames, media.fps, variant.Split, cw, ch, outPath, dir)
		prog, args = "sh", []string{"-c", line}
	}
	if err := os.WriteFile(filepath.Join(dir, "command.txt"), []byte(line+"\n"), 0o666); err != nil {
		return harness(err)
	}
	sup, err := r.supervise(ctx, res, dir, prog, args, nil, timeout)
	var he *harnessError
	if errors.As(err, &he) {
		return harness(he.err)
	} else if err != nil {
		return fail(fmt.Errorf("cannot start %s: %w", ffmpeg, err))
	}
	waitErr, tail := sup.waitErr, sup.tail
	if err := harnessWriteFailure(waitErr, tail, dir); err != nil {
		return harness(err)
	}
	switch {
	case sup.killed(res, "reference workload ", timeout):
	case waitErr != nil:
		res.Status = record.StatusFailed
		res.Error = "reference workload (ffmpeg): " + waitErr.Error()
		if l := lastLine(tail); l != "" {
			res.Error += ": " + l
		}
	default:
		var m *metrics.Metrics
		var err error
		if variant.Split > 1 {
			m, err = splitMetrics(dir, res.ElapsedSeconds)
		} else {
			m, err = referenceMetrics(progressPath, filepath.Join(dir, "stderr.log"), res.ElapsedSeconds)
		}
		if err != nil {
			res.Status = record.StatusFailed
			res.Error = "reference workload (ffmpeg) exited 0 but " + err.Error()
			break
		}
		m.Input, m.Config, m.EncoderName = t.Input.Video, cfg, cfg.Encoder
		m.Width, m.Height, m.CropWidth, m.CropHeight = media.width, media.height, cw, ch
		m.AudioCopied = cfg.CopyAudio && media.audio
		m.Notes = append(m.Notes, line)
		if r.KeepOutputs {
			m.Output = outPath
		}
		res.Status = record.StatusOK
		res.Metrics = m
	}
	if res.Status != record.StatusOK {
		res.StderrTail = tail
	}
	if !r.KeepOutputs {
		os.Remove(outPath)
	}
	return res
}

// findFFmpeg returns the ffmpeg and ffprobe binaries, or an error saying
// how to get them.
func findFFmpeg() (ffmpeg, ffprobe string, err error) {
	ffmpeg = os.Getenv(FFmpegEnv)
	if ffmpeg == "" {
		if ffmpeg, err = exec.LookPath("ffmpeg"); err != nil {
			return "", "", errors.New("the reference workload needs the ffmpeg CLI, and there is no ffmpeg on PATH: install it (scripts/install-deps.sh), name it in " + FFmpegEnv + ", or set calibrate = false in the spec")
		}
	} else if st, err := os.Stat(ffmpeg); err != nil || st.IsDir() {
		return "", "", fmt.Errorf("%s=%s: no such ffmpeg binary", FFmpegEnv, ffmpeg)
	}
	ffprobe = filepath.Join(filepath.Dir(ffmpeg), "ffprobe")
	if _, err := os.Stat(ffprobe); err != nil {
		if ffprobe, err = exec.LookPath("ffprobe"); err != nil {
			return "", "", fmt.Errorf("the reference workload needs ffprobe beside %s or on PATH to read the input's frame size", ffmpeg)
		}
	}
	return ffmpeg, ffprobe, nil
}

type mediaInfo struct {
	width, height int
	audio         bool
	duration      float64 // seconds; 0 when unknown
	fps           float64 // the video's average frame rate; 0 when unknown
	frames        int     // the video's frame count; 0 when unknown
}

// probe reads an input's frame size and whether it has audio.
func probe(ctx context.Context, ffprobe, input string) (mediaInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, ffprobe, "-v", "error", "-show_entries", "stream=codec_type,width,height,avg_frame_rate,nb_frames:format=duration", "-of", "json", input).Output()
	if err != nil {
		msg := err.Error()
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			msg = lastLine(string(ee.Stderr))
		}
		return mediaInfo{}, fmt.Errorf("reference workload: ffprobe %s: %s", input, msg)
	}
	return parseProbe(out, input)
}

// parseProbe parses ffprobe's JSON: the first video stream's size, whether
// any audio stream exists, and the duration.
func parseProbe(data []byte, input string) (mediaInfo, error) {
	var p struct {
		Streams []struct {
			Type   string `json:"codec_type"`
			Width  int    `json:"width"`
			Height int    `json:"height"`
			Rate   string `json:"avg_frame_rate"`
			Frames string `json:"nb_frames"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return mediaInfo{}, fmt.Errorf("reference workload: ffprobe %s: unreadable output: %v", input, err)
	}
	var m mediaInfo
	m.duration, _ = strconv.ParseFloat(p.Format.Duration, 64)
	for _, s := range p.Streams {
		switch {
		case s.Type == "video" && m.width == 0 && s.Width > 0 && s.Height > 0:
			m.width, m.height = s.Width, s.Height
			m.frames, _ = strconv.Atoi(s.Frames)
			if num, den, ok := strings.Cut(s.Rate, "/"); ok {
				n, _ := strconv.ParseFloat(num, 64)
				d, _ := strconv.ParseFloat(den, 64)
				if n > 0 && d > 0 {
					m.fps = n / d
				}
			}
		case s.Type == "audio":
			m.audio = true
		}
	}
	if m.width == 0 {
		return m, fmt.Errorf("reference workload: ffprobe %s: no video stream with a frame size", input)
	}
	return m, nil
}

var (
	rtimeRE  = regexp.MustCompile(`bench: .*rtime=([0-9.]+)s`)
	maxrssRE = regexp.MustCompile(`bench: maxrss=([0-9]+)kB`)
)

// referenceMetrics reads the frames encoded from ffmpeg's progress file and
// its real time from the -benchmark line on stderr (elapsed, the child's
// whole life, when that line is missing).
//
// Note: ffmpeg's rtime, like the pipeline's wall_seconds, leaves out the
// process's start-up, so the two frames/s compare like for like.
func referenceMetrics(progressPath, stderrPath string, elapsed float64) (*metrics.Metrics, error) {
	prog, err := os.ReadFile(progressPath)
	if err != nil {
		return nil, fmt.Errorf("wrote no progress file: %v", atomicfile.UnwrapPath(err))
	}
	stderr, _ := os.ReadFile(stderrPath)
	frames, seconds, note, err := parseReference(string(prog), string(stderr), elapsed)
	if err != nil {
		return nil, err
	}
	m := &metrics.Metrics{Frames: frames, WallSeconds: seconds, FPS: float64(frames) / seconds}
	if sm := maxrssRE.FindStringSubmatch(string(stderr)); sm != nil {
		kb, _ := strconv.ParseInt(sm[1], 10, 64)
		m.PeakRSSBytes = kb << 10
	}
	if note != "" {
		m.Notes = append(m.Notes, note)
	}
	return m, nil
}

// parseReference reads the last "frame=N" of a progress file and the
// rtime of a -benchmark line.
func parseReference(progress, stderr string, elapsed float64) (frames int, seconds float64, note string, err error) {
	frames = -1
	sc := bufio.NewScanner(strings.NewReader(progress))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "frame="); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				frames = n
			}
		}
	}
	if frames <= 0 {
		return 0, 0, "", errors.New("reported no frames encoded in its progress file")
	}
	if m := rtimeRE.FindAllStringSubmatch(stderr, -1); len(m) > 0 {
		if s, err := strconv.ParseFloat(m[len(m)-1][1], 64); err == nil && s > 0 {
			return frames, s, "", nil
		}
	}
	if elapsed <= 0 {
		return 0, 0, "", errors.New("printed no -benchmark real time")
	}
	return frames, elapsed, "ffmpeg printed no -benchmark real time; timed by the process's elapsed time", nil
}

// shellJoin quotes args for a command line a person can paste.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`?*[]{}();&|<>!#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}
