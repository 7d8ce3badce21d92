package gate

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/stats"
)

// GobenchSummary counts what WriteGobench wrote and left out.
type GobenchSummary struct {
	Lines   int // benchmark lines: counted ok runs
	Skipped int // counted runs that did not end ok
	Warmups int // warm-ups, never written
}

// gobenchMetrics are the extra values of each line, in order; the metric
// registry names each one's unit there and says which way is better.
var gobenchMetrics = []string{"fps", "cpu_util_mean", "peak_rss_bytes", "gpu_util_mean", "vram_used_max_bytes", "quality.hit_rate"}

// WriteGobench writes results in the Go benchmark format, one line per
// counted run that ended ok, so that benchstat and the CI benchmark tools
// that read `go test -bench` output can read ftbench results:
//
//	BenchmarkPipeline/input=face_360p/batch=16-2  1  285714286 ns/op  315.0 fps  0.93 cpu  123456789 peak-rss-B ...
//
// The name holds the input and the trial's label, its "k=v" settings as
// sub-benchmark keys (so `benchstat -col /batch` works), and ends in the
// usable CPU count as -GOMAXPROCS does. The reference workload appears as
// .../reference=ffmpeg; when a file holds it, each trial line also
// carries ref-ratio, its frames/s over the file's median reference
// frames/s on the input (comparable across machines). A run is one
// iteration, so ns/op is the run's wall time. Configuration lines (goos,
// goarch, cpu, pkg, ftbench-sweep, ...) precede the lines they describe.
func WriteGobench(w io.Writer, results []*record.Result) (GobenchSummary, error) {
	var sum GobenchSummary
	var b strings.Builder
	refs := map[string][]float64{}
	for _, r := range results {
		if record.IsCalibration(r) && !r.Warmup && r.Status == record.StatusOK && r.Metrics != nil && r.Metrics.FPS > 0 {
			refs[r.Input.Name] = append(refs[r.Input.Name], r.Metrics.FPS)
		}
	}
	refMedian := map[string]float64{}
	for in, xs := range refs {
		refMedian[in] = stats.Median(xs)
	}
	b.WriteString("pkg: github.com/ftbench/ftbench/pipeline\n")
	for _, name := range gobenchMetrics {
		if m, _ := metric.Lookup(name); m.Better != metric.Neither {
			fmt.Fprintf(&b, "Unit %s better=%s\n", m.Gobench, m.Better)
		}
	}
	if len(refMedian) > 0 {
		b.WriteString("Unit ref-ratio better=higher\n")
	}
	config := map[string]string{}
	for _, r := range results {
		switch {
		case r.Warmup:
			sum.Warmups++
			continue
		case r.Status != record.StatusOK || r.Metrics == nil:
			sum.Skipped++
			continue
		}
		for _, kv := range gobenchConfig(r) {
			if config[kv[0]] != kv[1] {
				config[kv[0]] = kv[1]
				fmt.Fprintf(&b, "%s: %s\n", kv[0], kv[1])
			}
		}
		procs := 1
		if r.Env != nil && r.Env.UsableCPUs > 0 {
			procs = r.Env.UsableCPUs
		}
		fmt.Fprintf(&b, "%s-%d\t1\t%.0f ns/op", GobenchName(r), procs, r.Metrics.WallSeconds*1e9)
		for _, name := range gobenchMetrics {
			m, _ := metric.Lookup(name)
			if v, ok := m.Value(r); ok && !math.IsNaN(v) {
				fmt.Fprintf(&b, "\t%s %s", strconv.FormatFloat(v, 'g', 6, 64), m.Gobench)
			}
		}
		if ref := refMedian[r.Input.Name]; ref > 0 && !record.IsReference(r) {
			fmt.Fprintf(&b, "\t%s ref-ratio", strconv.FormatFloat(r.Metrics.FPS/ref, 'g', 6, 64))
		}
		b.WriteString("\n")
		sum.Lines++
	}
	_, err := io.WriteString(w, b.String())
	return sum, err
}

// gobenchConfig returns a record's configuration lines, as key and value.
func gobenchConfig(r *record.Result) [][2]string {
	var out [][2]string
	add := func(k, v string) {
		v = strings.Join(strings.Fields(v), " ")
		if v != "" {
			out = append(out, [2]string{k, v})
		}
	}
	if e := r.Env; e != nil {
		add("goos", e.OS)
		add("goarch", e.Arch)
		add("cpu", e.CPUModel)
		var gpus []string
		for _, d := range e.GPU.Devices {
			gpus = append(gpus, d.Name)
		}
		add("gpu", strings.Join(gpus, " + "))
		add("ftbench-version", e.Version)
		add("vcs-revision", e.Revision)
	}
	add("ftbench-sweep", r.Sweep)
	return out
}

// GobenchName returns a record's benchmark name, without the -procs
// suffix: "BenchmarkPipeline/input=face_360p/batch=16/decoder_threads=0".
func GobenchName(r *record.Result) string {
	parts := []string{"BenchmarkPipeline", "input=" + gobenchPart(r.Input.Name)}
	if record.IsReference(r) {
		parts = append(parts, "reference=ffmpeg")
		if v := record.CLIVariantOf(&record.Trial{Label: r.Label}); v.Name() != "" {
			parts = append(parts, gobenchPart(v.Name()))
		}
	} else {
		for _, kv := range strings.Split(r.Label, ",") {
			parts = append(parts, gobenchPart(kv))
		}
	}
	return strings.Join(parts, "/")
}

// gobenchPart makes one name part safe: no spaces (they end the name), no
// slashes (they separate parts), nothing outside printable ASCII.
func gobenchPart(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '/' || r == ' ' || r < 0x21 || r > 0x7e:
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}
