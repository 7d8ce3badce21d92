package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/metrics"
)

// Note: the split variant of the reference workload (CLIVariant.Split) is
// what encode_workers does, done with the CLI: the input cut into n runs
// of frames, n ffmpeg processes decoding, cropping and encoding one each
// at once, then one more joining their outputs without re-encoding (the
// concat demuxer, -c copy) and copying the input's audio. Each process
// seeks to half a frame before its first frame (input -ss is exact: it
// decodes from the keyframe before and drops what comes earlier) and
// stops after its count (-frames:v), so every frame is encoded once. It
// is timed as one: the shell script's elapsed time, start-ups included,
// as the pipeline's time includes its workers' start-ups.

// splitScript returns the sh script of the split reference workload on
// input (frames frames at fps): n ffmpeg processes, each on its part of
// the frames with ReferenceArgs' crop and encoder settings, writing its
// progress to dir/progress-K.txt, then the join into output.
func splitScript(ffmpeg string, cfg config.Config, input string, frames int, fps float64, n, cropW, cropH int, output, dir string) string {
	var b strings.Builder
	b.WriteString("set -e\n")
	var list strings.Builder
	for k := range n {
		first, end := k*frames/n, (k+1)*frames/n
		if end <= first {
			continue
		}
		part := filepath.Join(dir, fmt.Sprintf("part-%03d.mp4", k))
		seg := cfg
		seg.CopyAudio = false
		args := ReferenceArgs(seg, input, 0, cropW, cropH, part, filepath.Join(dir, fmt.Sprintf("progress-%03d.txt", k)))
		// Seek before -i, count after it.
		i := slices.Index(args, "-i") // ReferenceArgs has one
		if first > 0 {
			ss := max(0, (float64(first)-0.5)/fps)
			args = append(args[:i:i], append([]string{"-ss", fmt.Sprintf("%.6f", ss)}, args[i:]...)...)
		}
		last := len(args) - 1
		args = append(args[:last:last], "-frames:v", fmt.Sprint(end-first), args[last])
		fmt.Fprintf(&b, "%s %s 2>%s &\npids=\"$pids $!\"\n", shellJoin([]string{ffmpeg}), shellJoin(args), shellJoin([]string{part + ".log"}))
		fmt.Fprintf(&list, "file %s\n", shellJoin([]string{part}))
	}
	b.WriteString("fail=0\nfor p in $pids; do wait $p || fail=1; done\n")
	b.WriteString("[ $fail = 0 ] || { cat " + shellJoin([]string{dir}) + "/part-*.log >&2; exit 1; }\n")
	listPath := filepath.Join(dir, "parts.txt")
	fmt.Fprintf(&b, "cat >%s <<'EOF'\n%sEOF\n", shellJoin([]string{listPath}), list.String())
	join := []string{"-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-f", "concat", "-safe", "0", "-i", listPath}
	if cfg.CopyAudio {
		join = append(join, "-i", input, "-map", "0:v:0", "-map", "1:a:0?")
	} else {
		join = append(join, "-map", "0:v:0")
	}
	join = append(join, "-c", "copy", output)
	fmt.Fprintf(&b, "%s %s\n", shellJoin([]string{ffmpeg}), shellJoin(join))
	return b.String()
}

// splitFrames sums the frames the split workload's processes encoded,
// from their progress files in dir.
func splitFrames(dir string) (int, error) {
	paths, _ := filepath.Glob(filepath.Join(dir, "progress-*.txt"))
	if len(paths) == 0 {
		return 0, fmt.Errorf("wrote no progress files")
	}
	total := 0
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return 0, err
		}
		n, _, _, err := parseReference(string(data), "", 1)
		if err != nil {
			return 0, fmt.Errorf("%s: %v", filepath.Base(p), err)
		}
		total += n
	}
	return total, nil
}

// splitMetrics is referenceMetrics for the split workload: the frames its
// processes encoded over the script's elapsed seconds.
func splitMetrics(dir string, elapsed float64) (*metrics.Metrics, error) {
	frames, err := splitFrames(dir)
	if err != nil {
		return nil, err
	}
	if elapsed <= 0 {
		return nil, fmt.Errorf("has no elapsed time")
	}
	return &metrics.Metrics{Frames: frames, WallSeconds: elapsed, FPS: float64(frames) / elapsed,
		Notes: []string{"timed by the script's elapsed time: its ffmpeg processes' start-ups and the join included"}}, nil
}
