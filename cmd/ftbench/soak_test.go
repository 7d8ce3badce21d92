package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftbench/ftbench/fixtures"
	"github.com/ftbench/ftbench/fixtures/catalog"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/pipeline/track"
)

// soakBase is the one-minute clip a soak video loops: the face photo
// moving, zooming, leaving and re-entering a 256x144 frame.
var soakBase = catalog.Spec{Name: "soak_144p", Width: 256, Height: 144, FPS: 30, Frames: 1800, Faces: 1, Seed: 7}

// Soak thresholds. The fits run over the second half of the samples (less
// the last 5%, the shutdown), once the pipeline's pools and the Go heap have
// reached their steady state.
const (
	// soakRSSPerVideoHour is the largest RSS growth allowed per hour of
	// video processed (about 10 bytes a frame at 30 frames/s).
	soakRSSPerVideoHour = 1 << 20
	// soakRSSFloor is the smallest growth the fit may show and still be
	// noise: short runs have too few samples to resolve 1 MiB an hour.
	soakRSSFloor = 2 << 20
	// soakFDGrowth is the largest descriptor growth over the second half:
	// less than one descriptor.
	soakFDGrowth = 1.0
)

// TestSoak runs `ftbench run` (default config, --tracks, --metrics) on a
// long low-resolution video, sampling the process's RSS, threads and open
// descriptors from /proc into samples.csv, and checks that the output has
// every frame, that tracks.json has every frame, and that RSS and
// descriptors stay flat: the least-squares fit over the second half grows
// RSS by less than max(1 MiB per hour of video, 2 MiB) and descriptors by
// less than one.
//
// By default the video is 10 minutes long (about half a minute here); it
// is skipped with -short. FTBENCH_SOAK_HOURS sets the length (the plan's
// soak is 6) and FTBENCH_SOAK_DIR keeps the files; scripts/soak.sh sets
// both.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak: skipped with -short")
	}
	hours := 1.0 / 6
	if v := os.Getenv("FTBENCH_SOAK_HOURS"); v != "" {
		var err error
		if hours, err = strconv.ParseFloat(v, 64); err != nil || hours <= 0 {
			t.Fatalf("FTBENCH_SOAK_HOURS=%q: want a positive number of hours", v)
		}
	}
	dir := os.Getenv("FTBENCH_SOAK_DIR")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe not installed (scripts/install-deps.sh installs it)")
	}
	bin := ftbenchBinary(t, t.TempDir())
	input, frames := soakVideo(t, dir, hours)
	videoHours := float64(frames) / float64(soakBase.FPS) / 3600
	t.Logf("soak: %s, %d frames (%.2f hours of video at %dx%d)", input, frames, videoHours, soakBase.Width, soakBase.Height)

	o := newRunOutputs(dir)
	// Note: MP4 keeps an index entry per frame in memory until it writes
	// its moov atom at the end (64 bytes a frame in FFmpeg 5.1's muxer,
	// 6.6 MiB per hour of 30 frames/s video): growth by design, which would
	// hide a leak of ftbench's own. Matroska indexes keyframes only, so the
	// soak writes it; FTBENCH_SOAK_FORMAT=mp4 measures the MP4 case.
	format := "mkv"
	if v := os.Getenv("FTBENCH_SOAK_FORMAT"); v != "" {
		format = v
	}
	o.video = filepath.Join(dir, "out."+format)
	os.Remove(o.video)
	os.Remove(o.tracks)
	os.Remove(o.metrics)
	// Every few seconds on a long run, a few times a second on a short one.
	interval := min(max(time.Duration(videoHours*float64(2*time.Second)/6), 200*time.Millisecond), 5*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(max(hours, 0.5)*float64(2*time.Hour)))
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, o.args(input, "")...)
	// Note: the Go heap grows to its GC goal (about twice the live heap)
	// before the first collection, some 40 s into a run here: longer than
	// the whole 10-minute variant. A short run collects often, so that its
	// second half shows growth, not the heap's first climb.
	gogc := os.Getenv("FTBENCH_SOAK_GOGC")
	if gogc == "" && hours < 1 {
		gogc = "5"
	}
	cmd.Env = os.Environ()
	if gogc != "" {
		cmd.Env = append(cmd.Env, "GOGC="+gogc)
	}
	stderr, err := os.Create(filepath.Join(dir, "stderr.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	cmd.Stderr = stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	csvPath := filepath.Join(dir, "samples.csv")
	stop, samplesDone := sampleProcess(t, cmd.Process.Pid, interval, csvPath)
	runErr := cmd.Wait()
	wall := time.Since(start)
	close(stop)
	samples := <-samplesDone
	if runErr != nil {
		tail, _ := os.ReadFile(stderr.Name())
		t.Fatalf("ftbench run: %v after %v: %s", runErr, wall.Round(time.Second), tail)
	}

	// Every frame in, every frame out.
	var m metrics.Metrics
	readJSON(t, o.metrics, &m)
	if got := packets(t, o.video); got != frames || m.Frames != frames {
		t.Errorf("output has %d frames, metrics say %d; the input has %d", got, m.Frames, frames)
	}
	if got, err := countTrackFrames(o.tracks); err != nil || got != frames {
		t.Errorf("tracks.json: %d consecutive frames, want %d (%v)", got, frames, err)
	}

	// Flat RSS and descriptors over the second half.
	rep := analyzeSoak(samples, wall, videoHours)
	summary := fmt.Sprintf("output     %s, child GOGC=%s\n", filepath.Base(o.video), cmp.Or(gogc, "default")) + rep.String(frames, wall)
	t.Log("\n" + summary)
	if err := os.WriteFile(filepath.Join(dir, "summary.txt"), []byte(summary), 0o644); err != nil {
		t.Error(err)
	}
	if len(samples) < 10 {
		t.Fatalf("only %d samples", len(samples))
	}
	if rep.rssGrowth >= rep.rssLimit {
		t.Errorf("RSS grows %.2f MiB over the second half (%.2f MiB per video hour); the limit is %.2f MiB",
			rep.rssGrowth/(1<<20), rep.rssSlopeVideo/(1<<20), rep.rssLimit/(1<<20))
	}
	if rep.fdGrowth >= soakFDGrowth {
		t.Errorf("open descriptors grow %.2f over the second half; the limit is %.0f", rep.fdGrowth, soakFDGrowth)
	}
}

// soakVideo makes DIR/soak_input.mp4, the base clip looped to the given
// length without re-encoding (the loops join at keyframes), and returns it
// with its frame count.
func soakVideo(t *testing.T, dir string, hours float64) (string, int) {
	t.Helper()
	base, err := fixtures.Generate(soakBase, dir)
	if err != nil {
		t.Fatal(err)
	}
	loops := max(1, int(math.Round(hours*3600/soakBase.Duration())))
	out := filepath.Join(dir, "soak_input.mp4")
	frames := loops * soakBase.Frames
	if packets(t, out) == frames {
		return out, frames // made by an earlier run
	}
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y", "-stream_loop", strconv.Itoa(loops-1), "-i", base.Video, "-c", "copy", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("looping %s %d times: %v\n%s", base.Video, loops, err, b)
	}
	if got := packets(t, out); got != frames {
		t.Fatalf("%s has %d frames, want %d", out, got, frames)
	}
	return out, frames
}

// packets counts the video packets of path (one per frame), or -1 when
// ffprobe cannot read it.
func packets(t *testing.T, path string) int {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
		"-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", path).Output()
	if err != nil {
		return -1
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.Split(string(out), "\n")[0]))
	if err != nil {
		return -1
	}
	return n
}

// countTrackFrames streams a tracks.json (a six-hour one does not fit in
// memory comfortably) and returns how many frames it holds, checking that
// they are numbered 0, 1, 2, ... and each has a crop.
func countTrackFrames(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	for {
		tok, err := dec.Token()
		if err != nil {
			return 0, fmt.Errorf("no frames array: %v", err)
		}
		if tok == "frames" {
			break
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return 0, fmt.Errorf("frames is not an array: %v %v", tok, err)
	}
	n := 0
	for dec.More() {
		var rec track.FrameRecord
		if err := dec.Decode(&rec); err != nil {
			return n, err
		}
		if rec.Frame != n || rec.Crop.W <= 0 || rec.Crop.H <= 0 {
			return n, fmt.Errorf("record %d is frame %d with crop %+v", n, rec.Frame, rec.Crop)
		}
		n++
	}
	return n, nil
}

// soakSample is one row of samples.csv.
type soakSample struct {
	seconds  float64
	rssBytes int64
	threads  int
	fds      int
}

// sampleProcess samples pid every interval until stop is closed or the
// process is gone, writing each sample to csvPath as it goes; the channel
// returned delivers every sample at the end.
func sampleProcess(t *testing.T, pid int, interval time.Duration, csvPath string) (chan<- struct{}, <-chan []soakSample) {
	t.Helper()
	f, err := os.Create(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan []soakSample, 1)
	go func() {
		defer f.Close()
		w := bufio.NewWriter(f)
		defer w.Flush()
		fmt.Fprintln(w, "seconds,rss_bytes,threads,fds")
		var out []soakSample
		start := time.Now()
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			s, err := readSample(pid)
			if err == nil {
				s.seconds = time.Since(start).Seconds()
				out = append(out, s)
				fmt.Fprintf(w, "%.3f,%d,%d,%d\n", s.seconds, s.rssBytes, s.threads, s.fds)
				w.Flush()
			}
			select {
			case <-stop:
				done <- out
				return
			case <-tick.C:
			}
		}
	}()
	return stop, done
}

// readSample reads a process's RSS and threads from /proc/PID/status and
// counts its open descriptors in /proc/PID/fd.
func readSample(pid int) (soakSample, error) {
	root := "/proc/" + strconv.Itoa(pid)
	status, err := os.ReadFile(root + "/status")
	if err != nil {
		return soakSample{}, err
	}
	s, err := parseStatus(string(status))
	if err != nil {
		return s, err
	}
	fds, err := os.ReadDir(root + "/fd")
	if err != nil {
		return s, err
	}
	s.fds = len(fds)
	return s, nil
}

// parseStatus reads VmRSS and Threads from /proc/PID/status (proc(5)).
func parseStatus(text string) (soakSample, error) {
	var s soakSample
	found := 0
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "VmRSS": // in kB
			s.rssBytes = n << 10
			found++
		case "Threads":
			s.threads = int(n)
			found++
		}
	}
	if found != 2 {
		return s, errors.New("status: no VmRSS or Threads (a zombie?)")
	}
	return s, nil
}

// soakReport holds the figures of a soak run.
type soakReport struct {
	samples, half                   int
	rssFirst, rssHalf, rssLast      int64
	rssMax                          int64
	rssSlopeWall, rssSlopeVideo     float64 // bytes per wall hour, per video hour
	rssGrowth, rssLimit             float64 // fitted growth over the second half, and its limit, bytes
	fdMin, fdMax, threadMin, thrMax int
	fdSlopeWall, fdGrowth           float64
	halfHours, videoHours           float64
}

// analyzeSoak fits lines through the second half of the samples.
func analyzeSoak(samples []soakSample, wall time.Duration, videoHours float64) soakReport {
	r := soakReport{samples: len(samples), videoHours: videoHours, fdMin: math.MaxInt, threadMin: math.MaxInt}
	if len(samples) == 0 {
		return r
	}
	r.rssFirst, r.rssLast = samples[0].rssBytes, samples[len(samples)-1].rssBytes
	var xs, rss, fds []float64
	for _, s := range samples {
		r.rssMax = max(r.rssMax, s.rssBytes)
		// The fit window: the second half, less the last 5% (the run's
		// end closes files and stops threads).
		if s.seconds < wall.Seconds()/2 || s.seconds > wall.Seconds()*0.95 {
			continue
		}
		if len(xs) == 0 {
			r.rssHalf = s.rssBytes
		}
		xs = append(xs, s.seconds/3600)
		rss = append(rss, float64(s.rssBytes))
		fds = append(fds, float64(s.fds))
		r.fdMin, r.fdMax = min(r.fdMin, s.fds), max(r.fdMax, s.fds)
		r.threadMin, r.thrMax = min(r.threadMin, s.threads), max(r.thrMax, s.threads)
	}
	r.half = len(xs)
	if len(xs) < 2 {
		return r
	}
	r.halfHours = xs[len(xs)-1] - xs[0]
	wallHours := wall.Hours()
	r.rssSlopeWall = slope(xs, rss)
	r.rssSlopeVideo = r.rssSlopeWall * wallHours / videoHours
	r.rssGrowth = r.rssSlopeWall * r.halfHours
	halfVideoHours := r.halfHours * videoHours / wallHours
	r.rssLimit = max(soakRSSFloor, soakRSSPerVideoHour*halfVideoHours)
	r.fdSlopeWall = slope(xs, fds)
	r.fdGrowth = r.fdSlopeWall * r.halfHours
	return r
}

// slope is the least-squares slope of y over x.
func slope(x, y []float64) float64 {
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(len(x))
	my /= float64(len(y))
	var num, den float64
	for i := range x {
		num += (x[i] - mx) * (y[i] - my)
		den += (x[i] - mx) * (x[i] - mx)
	}
	if den == 0 {
		return 0
	}
	return num / den
}

// String formats the report, units at the edge.
func (r soakReport) String(frames int, wall time.Duration) string {
	mib := func(b float64) float64 { return b / (1 << 20) }
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("video      %d frames, %.2f hours at 30 frames/s", frames, r.videoHours)
	w("wall       %s (%.0f frames/s)", wall.Round(time.Second), float64(frames)/wall.Seconds())
	w("samples    %d (%d in the fit window: the second half less the last 5%%)", r.samples, r.half)
	w("rss        first %.1f MiB, at half %.1f MiB, last %.1f MiB, max %.1f MiB", mib(float64(r.rssFirst)), mib(float64(r.rssHalf)), mib(float64(r.rssLast)), mib(float64(r.rssMax)))
	w("rss slope  %+.3f MiB per video hour (%+.3f MiB per wall hour); fitted growth over the window %+.3f MiB, limit %.2f MiB",
		mib(r.rssSlopeVideo), mib(r.rssSlopeWall), mib(r.rssGrowth), mib(r.rssLimit))
	w("fds        %d..%d in the fit window; slope %+.3f per wall hour, fitted growth %+.3f, limit %.0f", r.fdMin, r.fdMax, r.fdSlopeWall, r.fdGrowth, soakFDGrowth)
	w("threads    %d..%d in the fit window", r.threadMin, r.thrMax)
	return b.String()
}

// TestSoakAnalysis checks the soak's reading of /proc/PID/status and its
// fits on made-up samples: a flat run, a leaking one, a descriptor leak.
func TestSoakAnalysis(t *testing.T) {
	t.Parallel()
	status := "Name:\tftbench\nState:\tS (sleeping)\nVmPeak:\t 2362516 kB\nVmRSS:\t  113152 kB\nThreads:\t15\n"
	s, err := parseStatus(status)
	if err != nil || s.rssBytes != 113152<<10 || s.threads != 15 {
		t.Errorf("parseStatus = %+v, %v", s, err)
	}
	if _, err := parseStatus("Name:\tzombie\nState:\tZ (zombie)\nThreads:\t1\n"); err == nil {
		t.Error("a zombie's status (no VmRSS) parsed")
	}
	run := func(rss func(sec float64) float64, fds func(sec float64) int) soakReport {
		var samples []soakSample
		for sec := 0.0; sec <= 600; sec += 2 {
			samples = append(samples, soakSample{seconds: sec, rssBytes: int64(rss(sec)), threads: 15, fds: fds(sec)})
		}
		// 600 s of wall for 6 hours of video.
		return analyzeSoak(samples, 600*time.Second, 6)
	}
	tests := []struct {
		name         string
		rss          func(float64) float64
		fds          func(float64) int
		rssOK, fdsOK bool
	}{
		{"flat", func(float64) float64 { return 120 << 20 }, func(float64) int { return 12 }, true, true},
		{"sawtooth", func(s float64) float64 { return 120<<20 + float64(int(s)%40)*(256<<10) }, func(float64) int { return 12 }, true, true},
		{"leaks 2 MiB per video hour", func(s float64) float64 { return 120<<20 + s*20*1024 }, func(float64) int { return 12 }, false, true},
		{"leaks a descriptor a minute", func(float64) float64 { return 120 << 20 }, func(s float64) int { return 12 + int(s/60) }, true, false},
	}
	for _, tt := range tests {
		r := run(tt.rss, tt.fds)
		if ok := r.rssGrowth < r.rssLimit; ok != tt.rssOK {
			t.Errorf("%s: RSS growth %.2f MiB against %.2f MiB: ok = %v", tt.name, r.rssGrowth/(1<<20), r.rssLimit/(1<<20), ok)
		}
		if ok := r.fdGrowth < soakFDGrowth; ok != tt.fdsOK {
			t.Errorf("%s: descriptor growth %.2f: ok = %v", tt.name, r.fdGrowth, ok)
		}
	}
}
