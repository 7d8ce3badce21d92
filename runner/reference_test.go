package runner

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftbench/ftbench/fixtures"
	"github.com/ftbench/ftbench/fixtures/catalog"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/geom"
	"github.com/ftbench/ftbench/record"
)

func TestReferenceArgs(t *testing.T) {
	t.Parallel()
	cfg := config.DefaultConfig()
	cfg.Preset, cfg.DecoderThreads, cfg.EncodeThreads = "ultrafast", 2, 1
	got := strings.Join(ReferenceArgs(cfg, "in.mp4", 3, 202, 360, "out.mp4", "p.txt"), " ")
	want := "-hide_banner -nostdin -y -benchmark -nostats -progress p.txt -threads 2 -stream_loop 3 -i in.mp4 -map 0:v:0 -map 0:a:0? -c:a copy -vf crop=202:360 -c:v libx264 -preset ultrafast -crf 23 -pix_fmt yuv420p -threads 1 out.mp4"
	if got != want {
		t.Errorf("args\n%s\nwant\n%s", got, want)
	}
	cfg.CopyAudio, cfg.DecoderThreads, cfg.EncodeThreads = false, 0, 0
	got = strings.Join(ReferenceArgs(cfg, "in.mp4", 0, 202, 360, "out.mp4", "p.txt"), " ")
	if !strings.Contains(got, "-map 0:v:0 -an -vf") || strings.Contains(got, "-threads") || strings.Contains(got, "stream_loop") {
		t.Errorf("args without audio or threads: %s", got)
	}
	cfg.HWAccel = config.HWAccelCUDA
	got = strings.Join(ReferenceArgs(cfg, "in.mp4", 0, 202, 360, "out.mp4", "p.txt"), " ")
	if !strings.Contains(got, "-progress p.txt -hwaccel cuda -i in.mp4") {
		t.Errorf("args with hwaccel = cuda: %s", got)
	}
}

func TestReferenceLoops(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		duration float64
		loops    int
	}{{3, 3}, {3.01, 3}, {0, 0}, {10, 0}, {60, 0}, {0.5, 19}} {
		if n := ReferenceLoops(tt.duration); n != tt.loops {
			t.Errorf("ReferenceLoops(%g) = %d, want %d", tt.duration, n, tt.loops)
		}
	}
}

func TestParseProbe(t *testing.T) {
	t.Parallel()
	m, err := parseProbe([]byte(`{"streams":[{"codec_type":"audio"},{"codec_type":"video","width":640,"height":360}],"format":{"duration":"3.008000"}}`), "x.mp4")
	if err != nil || m.width != 640 || m.height != 360 || !m.audio || m.duration != 3.008 {
		t.Errorf("%+v %v", m, err)
	}
	if _, err := parseProbe([]byte(`{"streams":[{"codec_type":"audio"}]}`), "x.mp4"); err == nil || !strings.Contains(err.Error(), "no video stream") {
		t.Errorf("audio only: %v", err)
	}
}

func TestParseReference(t *testing.T) {
	t.Parallel()
	progress := "frame=45\nfps=0.00\nprogress=continue\nframe=360\nprogress=end\n"
	stderr := "[libx264 @ 0x1] kb/s:122.73\nbench: utime=0.166s stime=0.024s rtime=0.240s\nbench: maxrss=68040kB\n"
	frames, secs, note, err := parseReference(progress, stderr, 0.3)
	if err != nil || frames != 360 || secs != 0.24 || note != "" {
		t.Errorf("frames %d seconds %g note %q err %v", frames, secs, note, err)
	}
	_, secs, note, err = parseReference(progress, "no bench line\n", 0.3)
	if err != nil || secs != 0.3 || !strings.Contains(note, "elapsed") {
		t.Errorf("without -benchmark: %g %q %v", secs, note, err)
	}
	if _, _, _, err := parseReference("progress=end\n", stderr, 0.3); err == nil {
		t.Error("no frames: no error")
	}
}

func TestWithReference(t *testing.T) {
	t.Parallel()
	cfg := config.DefaultConfig()
	a, b := record.Input{Name: "a.mp4", Size: 1}, record.Input{Name: "b.mp4", Size: 2}
	p := record.Plan{Warmups: 1, Repeats: 2, Trials: []record.Trial{
		{ID: "t1", Label: "batch=1", Input: a}, {ID: "t2", Label: "batch=2", Input: a}, {ID: "t3", Label: "batch=1", Input: b},
	}}
	q := record.WithReference(p, cfg)
	var labels []string
	for _, tr := range q.Trials {
		labels = append(labels, tr.Input.Name+" "+tr.Label)
	}
	want := "a.mp4 reference:ffmpeg|a.mp4 batch=1|a.mp4 batch=2|b.mp4 reference:ffmpeg|b.mp4 batch=1"
	if got := strings.Join(labels, "|"); got != want {
		t.Errorf("trials %s, want %s", got, want)
	}
	// Every round, warm-ups included, runs each input's reference once.
	refs := map[int]int{}
	for _, r := range q.Runs() {
		if record.IsReferenceTrial(r.Trial) {
			refs[r.Round]++
		}
	}
	if len(refs) != 3 || refs[0] != 2 || refs[2] != 2 {
		t.Errorf("reference runs per round: %v", refs)
	}
	// The id depends on what the ffmpeg command does, not on other knobs.
	r1 := record.ReferenceTrial(cfg, a)
	cfg2 := cfg
	cfg2.Batch = 64
	if record.ReferenceTrial(cfg2, a).ID != r1.ID {
		t.Error("the batch size changed the reference's id")
	}
	cfg2.Preset = "slow"
	if record.ReferenceTrial(cfg2, a).ID == r1.ID || record.ReferenceTrial(cfg, b).ID == r1.ID {
		t.Error("the preset or the input did not change the reference's id")
	}
	cfg2 = cfg
	cfg2.HWAccel = config.HWAccelCUDA
	if record.ReferenceTrial(cfg2, a).ID == r1.ID {
		t.Error("NVDEC decoding did not change the reference's id")
	}
}

// TestRunReferenceMissingFFmpeg: without ffmpeg the run is a failed
// record that says what to do; nothing panics or stops.
func TestRunReferenceMissingFFmpeg(t *testing.T) {
	t.Setenv(FFmpegEnv, filepath.Join(t.TempDir(), "no-ffmpeg"))
	r := &Runner{Dir: t.TempDir()}
	tr := record.ReferenceTrial(config.DefaultConfig(), record.Input{Name: "x.mp4", Video: "x.mp4"})
	res := r.Run(context.Background(), record.Run{Trial: &tr, Round: 2, Repetition: 1}, time.Minute)
	if res.Status != record.StatusFailed || !strings.Contains(res.Error, "no such ffmpeg binary") || !record.IsReference(res) || res.Round != 2 {
		t.Errorf("%s: %q", res.Status, res.Error)
	}
	t.Setenv(FFmpegEnv, "")
	t.Setenv("PATH", t.TempDir())
	res = r.RunReference(context.Background(), record.Run{Trial: &tr}, time.Minute)
	if res.Status != record.StatusFailed || !strings.Contains(res.Error, "no ffmpeg on PATH") || !strings.Contains(res.Error, "calibrate = false") {
		t.Errorf("%s: %q", res.Status, res.Error)
	}
}

// referenceInput generates face_360p for a test of the real ffmpeg CLI
// (skipped without it) and returns the config the reference reads.
func referenceInput(t *testing.T) (config.Config, record.Input) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("no ffmpeg CLI")
	}
	spec, _ := catalog.Lookup("face_360p")
	clip, err := fixtures.Generate(spec, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.DefaultConfig()
	cfg.Preset = "ultrafast"
	in := record.Input{Name: "face_360p", Video: clip.Video, Fixture: "face_360p"}
	return cfg, in
}

// TestRunReference runs the real ffmpeg CLI on a generated clip.
func TestRunReference(t *testing.T) {
	t.Parallel()
	cfg, in := referenceInput(t)
	tr := record.ReferenceTrial(cfg, in)
	env := record.Env{CPUs: 2}
	r := &Runner{Dir: t.TempDir(), Env: &env, SweepName: "t"}
	res := r.RunReference(context.Background(), record.Run{Trial: &tr, Round: 1}, time.Minute)
	if res.Status != record.StatusOK {
		t.Fatalf("%s: %s\n%s", res.Status, res.Error, res.StderrTail)
	}
	m := res.Metrics
	cw, ch := geom.CropSize(640, 360, 9, 16)
	// 3 s looped to 12 s: 4 x 90 frames (ffmpeg may repeat one at a seam).
	if m.Frames < 358 || m.Frames > 362 || m.CropWidth != cw || m.CropHeight != ch || !m.AudioCopied || m.FPS <= 0 || m.WallSeconds <= 0 || m.PeakRSSBytes <= 0 {
		t.Errorf("metrics %+v", m)
	}
	if res.Label != record.ReferenceLabel || res.ElapsedSeconds < m.WallSeconds || res.Resources.CPUUtilMean <= 0 {
		t.Errorf("record %+v", res)
	}
	if len(m.Notes) == 0 || !strings.Contains(m.Notes[0], "-stream_loop 3") {
		t.Errorf("notes %q", m.Notes)
	}
}

// TestRunReferenceSplit runs the split variant: three ffmpeg processes on
// three parts, joined; the output must hold every frame of the input once.
func TestRunReferenceSplit(t *testing.T) {
	t.Parallel()
	cfg, in := referenceInput(t)
	v, err := record.ParseCLIVariant("split=3")
	if err != nil {
		t.Fatal(err)
	}
	tr := record.VariantTrial(cfg, in, v)
	if !record.IsReferenceTrial(&tr) || record.CLIVariantOf(&tr) != v || tr.ID == record.ReferenceTrial(cfg, in).ID {
		t.Fatalf("variant trial %+v", tr)
	}
	env := record.Env{CPUs: 2}
	r := &Runner{Dir: t.TempDir(), Env: &env, SweepName: "t", KeepOutputs: true}
	res := r.RunReference(context.Background(), record.Run{Trial: &tr, Round: 1}, time.Minute)
	if res.Status != record.StatusOK {
		t.Fatalf("%s: %s\n%s", res.Status, res.Error, res.StderrTail)
	}
	if res.Metrics.Frames != 90 || res.Metrics.FPS <= 0 {
		t.Errorf("metrics %+v", res.Metrics)
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", res.Metrics.Output).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != "90" {
		t.Errorf("the joined output has %s frames, want 90", got)
	}
}
