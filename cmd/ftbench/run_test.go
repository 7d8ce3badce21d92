package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ftbench/ftbench/fixtures"
	"github.com/ftbench/ftbench/fixtures/catalog"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/pipeline/track"
)

var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixtureErr  error
)

// clip generates (once per test binary) and returns a standard fixture.
func clip(t *testing.T, name string) fixtures.Clip {
	t.Helper()
	fixtureOnce.Do(func() {
		fixtureDir, fixtureErr = os.MkdirTemp("", "ftbench-cmd-fixtures")
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	spec, ok := catalog.Lookup(name)
	if !ok {
		t.Fatalf("no fixture %q", name)
	}
	c, err := fixtures.Generate(spec, fixtureDir)
	if err != nil {
		t.Fatalf("generating %s: %v", name, err)
	}
	return c
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

// ftbench runs the command in-process and returns its exit code and output.
func ftbench(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(&out, &errb, args)
	return code, out.String(), errb.String()
}

// probe returns ffprobe's counted frames, size and the pts of every frame.
type probeResult struct {
	frames        int
	width, height int
	pts           []string
	audio         bool
}

func ffprobe(t *testing.T, path string) probeResult {
	t.Helper()
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe not installed (scripts/install-deps.sh installs it)")
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames",
		"-show_entries", "stream=nb_read_frames,width,height", "-of", "default=nw=1", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var r probeResult
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		k, v, _ := strings.Cut(line, "=")
		n, _ := strconv.Atoi(v)
		switch k {
		case "nb_read_frames":
			r.frames = n
		case "width":
			r.width = n
		case "height":
			r.height = n
		}
	}
	pts, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time",
		"-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	r.pts = strings.Fields(string(pts))
	a, _ := exec.Command("ffprobe", "-v", "error", "-select_streams", "a", "-show_entries", "stream=index", "-of", "csv=p=0", path).Output()
	r.audio = len(bytes.TrimSpace(a)) > 0
	return r
}

func TestRunEndToEnd(t *testing.T) {
	for _, tc := range []struct {
		name        string
		fixture     string
		minHitRate  float64
		wantCrop    [2]int
		wantAudio   bool
		wantTracksN int // at least this many distinct tracks
	}{
		{"one face with audio", "face_360p", 0.9, [2]int{202, 360}, true, 1},
		{"two faces", "two_faces_360p", 0.9, [2]int{202, 360}, false, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := clip(t, tc.fixture)
			dir := t.TempDir()
			out := filepath.Join(dir, "out.mp4")
			metricsPath := filepath.Join(dir, "m.json")
			tracks := filepath.Join(dir, "tracks.json")
			code, stdout, stderr := ftbench("run", c.Video, "-o", out, "--gt", c.GroundTruth, "--metrics", metricsPath, "--tracks", tracks)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !strings.Contains(stdout, "frames") {
				t.Errorf("no summary line: %q", stdout)
			}
			var m metrics.Metrics
			readJSON(t, metricsPath, &m)
			if m.Frames != c.Frames {
				t.Errorf("metrics frames = %d, want %d", m.Frames, c.Frames)
			}
			if m.Quality == nil || m.Quality.HitRate < tc.minHitRate {
				t.Errorf("quality = %+v, want hit_rate >= %.2f", m.Quality, tc.minHitRate)
			}
			for _, st := range []string{"decode", "detect", "track", "reframe", "encode"} {
				if _, ok := m.Stages[st]; !ok {
					t.Errorf("stage %q missing from metrics: %v", st, m.Stages)
				}
			}
			if m.FPS <= 0 || m.WallSeconds <= 0 || m.PeakRSSBytes <= 0 {
				t.Errorf("implausible metrics: fps %v wall %v rss %v", m.FPS, m.WallSeconds, m.PeakRSSBytes)
			}
			if m.Tracks < tc.wantTracksN {
				t.Errorf("%d tracks, want >= %d", m.Tracks, tc.wantTracksN)
			}

			in, got := ffprobe(t, c.Video), ffprobe(t, out)
			if got.frames != in.frames || got.frames != c.Frames {
				t.Errorf("output has %d frames, input %d, fixture %d", got.frames, in.frames, c.Frames)
			}
			if got.width != tc.wantCrop[0] || got.height != tc.wantCrop[1] {
				t.Errorf("output is %dx%d, want %dx%d", got.width, got.height, tc.wantCrop[0], tc.wantCrop[1])
			}
			if strings.Join(got.pts, " ") != strings.Join(in.pts, " ") {
				t.Errorf("output timestamps differ from the input's:\n got %v\nwant %v", head(got.pts), head(in.pts))
			}
			if got.audio != tc.wantAudio {
				t.Errorf("output audio = %v, want %v", got.audio, tc.wantAudio)
			}

			var tr struct {
				Frames []track.FrameRecord `json:"frames"`
			}
			readJSON(t, tracks, &tr)
			if len(tr.Frames) != c.Frames {
				t.Fatalf("tracks.json has %d frames, want %d", len(tr.Frames), c.Frames)
			}
			for i, f := range tr.Frames {
				if f.Frame != i {
					t.Fatalf("tracks.json frame %d has index %d", i, f.Frame)
				}
				if f.Crop.W != tc.wantCrop[0] || f.Crop.H != tc.wantCrop[1] || f.Crop.X < 0 || f.Crop.X+f.Crop.W > c.Width {
					t.Fatalf("frame %d: crop %+v outside a %dx%d frame", i, f.Crop, c.Width, c.Height)
				}
			}
		})
	}
}

func head(s []string) []string { return s[:min(len(s), 8)] }

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestRunBadInput checks that each kind of bad input gives one error line
// naming the file, a non-zero exit, and leaves nothing at the output paths.
func TestRunBadInput(t *testing.T) {
	good := clip(t, "face_360p")
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	video, err := os.ReadFile(good.Video)
	if err != nil {
		t.Fatal(err)
	}
	notVideo := write("notes.mp4", []byte("these are meeting notes, not a video\n"))
	truncated := write("truncated.mp4", video[:len(video)*6/10])
	faststart := filepath.Join(dir, "faststart.mp4")
	if err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", good.Video, "-c", "copy", "-movflags", "+faststart", faststart).Run(); err != nil {
		t.Fatalf("making a faststart copy: %v", err)
	}
	fs, _ := os.ReadFile(faststart)
	truncatedFS := write("truncated_faststart.mp4", fs[:len(fs)*6/10])
	audioOnly := filepath.Join(dir, "audio_only.m4a")
	if err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", good.Video, "-vn", "-c", "copy", audioOnly).Run(); err != nil {
		t.Fatalf("making an audio-only file: %v", err)
	}
	// Note: a YUV4MPEG2 header alone is a valid video stream with no
	// frames; the ffmpeg CLI cannot write such a file in other containers.
	noFrames := write("no_frames.y4m", []byte("YUV4MPEG2 W64 H64 F30:1 Ip A1:1 C420jpeg\n"))
	badConfig := write("bad.toml", []byte("batch = 4\ndetect_intervall = 2\n"))
	blocker := write("blocker", []byte("a file where a folder should be"))

	for _, tc := range []struct {
		name    string
		input   string
		extra   []string
		out     string
		wantErr string
	}{
		{"missing file", filepath.Join(dir, "nope.mp4"), nil, "", "nope.mp4: no such file or directory"},
		{"not a video", notVideo, nil, "", "notes.mp4: not a video FFmpeg can read"},
		{"truncated", truncated, nil, "", "truncated.mp4: "},
		{"truncated with index first", truncatedFS, nil, "", "truncated_faststart.mp4: "},
		{"no video stream", audioOnly, nil, "", "audio_only.m4a: has no video stream"},
		{"no frames", noFrames, nil, "", "no_frames.y4m: no video frames"},
		{"bad config", good.Video, []string{"--config", badConfig}, "", "bad.toml:2: detect_intervall: unknown key"},
		{"missing config", good.Video, []string{"--config", filepath.Join(dir, "none.toml")}, "", "none.toml: cannot read config"},
		{"missing cascade", good.Video, []string{"--cascade", filepath.Join(dir, "none.cascade")}, "", "none.cascade: cannot read cascade"},
		{"bad cascade", good.Video, []string{"--cascade", notVideo}, "", "notes.mp4: not a PICO cascade"},
		{"missing ground truth", good.Video, []string{"--gt", filepath.Join(dir, "none.txt")}, "", "none.txt"},
		{"output folder missing", good.Video, nil, filepath.Join(dir, "no", "such", "dir", "out.mp4"), "no/such/dir"},
		{"output folder is a file", good.Video, nil, filepath.Join(blocker, "out.mp4"), "blocker"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			odir := t.TempDir()
			out := tc.out
			if out == "" {
				out = filepath.Join(odir, "out.mp4")
			}
			metricsPath := filepath.Join(odir, "m.json")
			tracks := filepath.Join(odir, "t.json")
			args := append([]string{"run", tc.input, "-o", out, "--metrics", metricsPath, "--tracks", tracks}, tc.extra...)
			code, _, stderr := ftbench(args...)
			if code == 0 {
				t.Fatalf("exit 0, want an error")
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(lines) != 1 || !strings.Contains(stderr, tc.wantErr) {
				t.Errorf("stderr = %q, want one line containing %q", stderr, tc.wantErr)
			}
			if left, _ := os.ReadDir(odir); len(left) != 0 {
				var names []string
				for _, e := range left {
					names = append(names, e.Name())
				}
				t.Errorf("left behind: %v", names)
			}
		})
	}
}

func TestPrintConfigIsValid(t *testing.T) {
	code, stdout, stderr := ftbench("run", "--print-config")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	cfg, err := config.ParseConfig([]byte(stdout), "printed")
	if err != nil {
		t.Fatal(err)
	}
	if cfg != config.DefaultConfig() {
		t.Errorf("printed config differs from the defaults")
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"no command", nil, exitUsage},
		{"unknown command", []string{"frobnicate"}, exitUsage},
		{"run without input", []string{"run"}, exitUsage},
		{"run with two inputs", []string{"run", "a.mp4", "b.mp4"}, exitUsage},
		{"unknown flag", []string{"run", "--frobnicate", "a.mp4"}, exitUsage},
		{"negative --min-seconds", []string{"run", "--min-seconds", "-1", "a.mp4"}, exitUsage},
		{"--min-seconds with --instrument", []string{"run", "--min-seconds", "1", "--instrument", "instructions", "a.mp4"}, exitUsage},
		{"help", []string{"run", "-h"}, exitOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, _, _ := ftbench(tc.args...); code != tc.want {
				t.Errorf("exit %d, want %d", code, tc.want)
			}
		})
	}
}
