package metric

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/record"
)

// TestRegistryCoversRecord fails when the record grows a numeric field no
// registry entry reads, or an entry reads the wrong field: it sets every
// numeric field of the pipeline's metrics, its quality and the resources
// to a value of its own and reads each back by its JSON name.
func TestRegistryCoversRecord(t *testing.T) {
	t.Parallel()
	r := &record.Result{Metrics: &metrics.Metrics{Quality: &metrics.Quality{}, Stages: map[string]float64{}}}
	want := map[string]float64{}
	next := 1.0
	fill := func(v reflect.Value, prefix string) {
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" || !f.IsExported() {
				continue
			}
			fv := v.Field(i)
			switch {
			case fv.CanInt():
				fv.SetInt(int64(next))
			case fv.CanUint():
				fv.SetUint(uint64(next))
			case fv.CanFloat():
				fv.SetFloat(next + 0.5)
			default:
				continue
			}
			want[prefix+name] = next
			if fv.CanFloat() {
				want[prefix+name] = next + 0.5
			}
			next++
		}
	}
	fill(reflect.ValueOf(r.Metrics).Elem(), "")
	fill(reflect.ValueOf(r.Metrics.Quality).Elem(), "quality.")
	r.Metrics.Quality.SuccessCurve = []float64{1} // the OTB measures exist only beside their curves
	fill(reflect.ValueOf(&r.Resources).Elem(), "")
	r.ElapsedSeconds, want["elapsed_seconds"] = 7777, 7777
	r.Gold = &record.Gold{}
	fill(reflect.ValueOf(r.Gold).Elem(), "quality.gold_")
	// The registry names the crop's deviation without "gold_".
	want["quality.crop_dev_px"] = want["quality.gold_crop_dev_px"]
	delete(want, "quality.gold_crop_dev_px")
	for _, s := range []string{metrics.StageDecode, metrics.StageScale, metrics.StageDetect,
		metrics.StageTrack, metrics.StageReframe, metrics.StageEncode, metrics.StageMux} {
		r.Metrics.Stages[s], want["stages."+s] = next, next
		next++
	}
	for name, v := range want {
		m, ok := Lookup(name)
		if !ok {
			t.Errorf("the record has %q, which the registry does not declare: add an entry to registry.go", name)
			continue
		}
		rr := r
		if m.Deterministic {
			instrumented := *r // the instrument's counts exist only on its runs
			instrumented.Instrument = record.InstrumentInstructions
			rr = &instrumented
		}
		if got, ok := m.Value(rr); !ok || got != v {
			t.Errorf("%s reads %v, %t; want %v", name, got, ok, v)
		}
	}
	// A record from before the OTB measures (no curves) lacks them rather
	// than reading zero; one without identities lacks the MOT measures.
	old := &record.Result{Metrics: &metrics.Metrics{Quality: &metrics.Quality{HitRate: 0.9}}}
	for _, name := range []string{"quality.success_auc", "quality.precision_20px", "quality.mean_iou", "quality.idf1", "quality.mota"} {
		m, _ := Lookup(name)
		if v, ok := m.Value(old); ok {
			t.Errorf("%s on a record without it reads %v, want absent", name, v)
		}
	}
	derived := []string{"cpu_cores", "cpu_seconds_per_frame", "instructions_per_frame"}
	for _, m := range All() {
		if _, ok := want[m.Name]; !ok && !slices.Contains(derived, m.Name) {
			t.Errorf("the registry declares %q, which the record does not have", m.Name)
		}
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	names := Names()
	if !slices.IsSorted(names) {
		t.Errorf("Names are not sorted: %v", names)
	}
	for _, want := range []string{"fps", "wall_seconds", "quality.hit_rate", "cpu_util_mean", "vram_fraction", "stages.detect", "elapsed_seconds", "peak_rss_bytes", "cpu_cores"} {
		if !slices.Contains(names, want) || !Known(want) {
			t.Errorf("Names lacks %q", want)
		}
	}
	for _, bad := range []string{"config", "stages", "quality", "gpu", "input", "frames_per_second", "stages.", "quality."} {
		if Known(bad) {
			t.Errorf("%q is not a metric", bad)
		}
		m, ok := Lookup(bad)
		if ok || m.Name != bad || m.Unit != Number || m.Better != Neither || m.Scale != Fixed {
			t.Errorf("Lookup(%q) = %+v, %t; want a bare metric of that name", bad, m, ok)
		}
		if _, ok := Value(&record.Result{Metrics: &metrics.Metrics{}}, bad); ok {
			t.Errorf("Value(%q) is ok", bad)
		}
	}
}

func TestKPIs(t *testing.T) {
	t.Parallel()
	var got []string
	for _, k := range KPIs() {
		got = append(got, k.KPI+"="+k.Name+" ("+k.Label+")")
	}
	want := []string{
		"time=wall_seconds (total processing time)", "gpu=gpu_util_mean (GPU utilisation)",
		"cpu=cpu_util_mean (CPU utilisation)", "vram=vram_fraction (VRAM use)",
		"fps=fps (frames/s)", "hit_rate=quality.hit_rate (hit rate)", "success_auc=quality.success_auc (success AUC)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("KPIs:\n%s\nwant the plan's table:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestStages(t *testing.T) {
	t.Parallel()
	want := []string{"decode", "scale", "detect", "track", "reframe", "encode", "mux"}
	if got := Stages(); !slices.Equal(got, want) {
		t.Errorf("Stages() = %v, want %v", got, want)
	}
}

func TestValueAndWhyAbsent(t *testing.T) {
	t.Parallel()
	ok := &record.Result{ElapsedSeconds: 2,
		Metrics:   &metrics.Metrics{FPS: 300, Stages: map[string]float64{"detect": 1.5}},
		Resources: record.Resources{CPUUtilMean: 0.5, GPUUtilMean: 0.8},
		Env:       &record.Env{CPUs: 8}}
	failed := &record.Result{ElapsedSeconds: 1, Resources: record.Resources{GPU: "no GPU: NVML not found", CPUUtilMean: 0.25},
		Env: &record.Env{UsableCPUs: 2}}
	tests := []struct {
		name, metric string
		r            *record.Result
		want         float64
		ok           bool
		why          string
	}{
		{"pipeline metric", "fps", ok, 300, true, ""},
		{"stage", "stages.detect", ok, 1.5, true, ""},
		{"stage not run", "stages.encode", ok, 0, false, "not measured"},
		{"GPU metric", "gpu_util_mean", ok, 0.8, true, ""},
		{"derived", "cpu_cores", ok, 4, true, ""},
		{"derived from usable CPUs", "cpu_cores", failed, 0.5, true, ""},
		{"derived without CPU count", "cpu_cores", &record.Result{}, 0, false, "CPU count unknown"},
		{"no ground truth", "quality.hit_rate", ok, 0, false, "no ground truth"},
		{"failed run", "fps", failed, 0, false, "not measured"},
		{"failed run's elapsed time", "elapsed_seconds", failed, 1, true, ""},
		{"no GPU", "vram_fraction", failed, 0, false, "no GPU"},
		{"no GPU, zero not reported", "gpu_util_mean", failed, 0, false, "no GPU"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, got := Value(tt.r, tt.metric)
			if v != tt.want || got != tt.ok {
				t.Errorf("Value(%s) = %v, %t; want %v, %t", tt.metric, v, got, tt.want, tt.ok)
			}
			if !tt.ok {
				m, _ := Lookup(tt.metric)
				if why := m.WhyAbsent(tt.r); why != tt.why {
					t.Errorf("WhyAbsent(%s) = %q, want %q", tt.metric, why, tt.why)
				}
			}
		})
	}
}

// TestDeclarations checks what every entry must say.
func TestDeclarations(t *testing.T) {
	t.Parallel()
	gobench := map[string]bool{}
	for _, m := range All() {
		if m.Description == "" {
			t.Errorf("%s has no description", m.Name)
		}
		if m.Scale != Fixed && m.Better == Neither {
			t.Errorf("%s follows machine speed but has no direction", m.Name)
		}
		if m.KPI != "" && m.Label == "" {
			t.Errorf("KPI %s has no label", m.Name)
		}
		if m.Gobench != "" {
			if gobench[m.Gobench] || strings.ContainsAny(m.Gobench, " \t") {
				t.Errorf("%s: Go benchmark unit %q is used twice or has spaces", m.Name, m.Gobench)
			}
			gobench[m.Gobench] = true
		}
	}
}

// TestPerFrame checks the per-frame metrics divide by the run's frames and
// are absent where their numerator or the frames are.
func TestPerFrame(t *testing.T) {
	t.Parallel()
	accounted := record.Resources{CPUSeconds: 3, ProcessRSSMaxBytes: 1 << 20, Instructions: 6e9}
	tests := []struct {
		name   string
		r      record.Result
		metric string
		want   float64
		ok     bool
	}{
		{name: "cpu", r: record.Result{Resources: accounted, Metrics: &metrics.Metrics{Frames: 300}}, metric: "cpu_seconds_per_frame", want: 0.01, ok: true},
		{name: "cpu, old record", r: record.Result{Resources: record.Resources{CPUSeconds: 3}, Metrics: &metrics.Metrics{Frames: 300}}, metric: "cpu_seconds_per_frame"},
		{name: "cpu, no metrics", r: record.Result{Resources: accounted}, metric: "cpu_seconds_per_frame"},
		{name: "instructions", r: record.Result{Instrument: record.InstrumentInstructions, Resources: accounted, Metrics: &metrics.Metrics{Frames: 300}}, metric: "instructions_per_frame", want: 2e7, ok: true},
		{name: "instructions, plain run", r: record.Result{Resources: accounted, Metrics: &metrics.Metrics{Frames: 300}}, metric: "instructions_per_frame"},
		{name: "instructions, no frames", r: record.Result{Instrument: record.InstrumentInstructions, Resources: accounted, Metrics: &metrics.Metrics{}}, metric: "instructions_per_frame"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Value(&tt.r, tt.metric)
			if ok != tt.ok || math.Abs(got-tt.want) > 1e-12*max(1, tt.want) {
				t.Errorf("%s = %v, %t; want %v, %t", tt.metric, got, ok, tt.want, tt.ok)
			}
		})
	}
	if m, _ := Lookup("instructions_per_frame"); !m.Deterministic {
		t.Error("instructions_per_frame is not marked deterministic")
	}
}
