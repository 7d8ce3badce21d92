package reports

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/sweeps"
)

// regen rewrites the recorded results under testdata from the models
// below; the goldens are then refreshed with -update.
var regen = flag.Bool("regen", false, "rewrite the synthetic results files in testdata")

// scenarios are the recorded sweeps the golden tests read.
var scenarios = []string{"gpu", "cpu", "nofeasible"}

// runModel is what a synthetic run measures.
type runModel struct {
	fps, cv  float64 // median frames/s and its noise, as a coefficient of variation
	cpu      float64 // fraction of all cores
	gpu      float64 // fraction; < 0 for no GPU
	vram     float64 // fraction of the device's memory
	hitRate  float64
	fail     string // "failed" or "timeout" for the run this model describes, "" for ok
	stderr   string
	errorMsg string
}

type scenarioModel struct {
	env    record.Env
	frames int
	model  func(cfg config.Config, round int, warmup bool) runModel
}

const gib = 1 << 30

var models = map[string]scenarioModel{
	"gpu": {
		env: record.Env{Host: "gpu-box-01", OS: "linux", Arch: "amd64", Kernel: "6.8.0-60-generic",
			CPUModel: "AMD Ryzen 9 7950X3D 16-Core Processor", CPUs: 32, UsableCPUs: 32, MemoryBytes: 128 * gib,
			GPU: record.GPUEnv{Devices: []record.GPUDevice{{Name: "NVIDIA GeForce RTX 5090", UUID: "GPU-5b1f0c1e-2d7a-4c55-9a51-0e4b6f7d2c11", MemoryBytes: 32 * gib}},
				Driver: "575.51.02", CUDA: "12.9", NVML: "12.575.51.02"},
			FFmpeg: map[string]string{"libavcodec": "59.37.100", "libavformat": "59.27.100"}, GoVersion: "go1.26.8",
			Version: "(devel)", Revision: "f206ec1c0ffee5eed0000000000000000000000"},
		frames: 1800,
		model: func(cfg config.Config, round int, warmup bool) runModel {
			base := map[[2]int]float64{{1, 8}: 300, {1, 32}: 340, {2, 8}: 560, {2, 32}: 640, {4, 8}: 650, {4, 32}: 720}
			m := runModel{fps: base[[2]int{cfg.Processes, int(cfg.Batch)}], cv: 0.04,
				cpu: 0.04 * float64(cfg.Processes), gpu: math.Min(0.97, 0.22*float64(cfg.Processes)+0.02*float64(cfg.Batch)/8),
				vram: math.Min(0.93, 0.16+0.13*float64(cfg.Processes)*math.Pow(float64(cfg.Batch)/8, 0.35)), hitRate: 0.97}
			switch {
			case cfg.Processes == 1 && cfg.Batch == 32 && round == 3:
				m.fail, m.errorMsg = "failed", "exit status 2: detect: CUDA error: an illegal memory access was encountered"
				m.stderr = "ftbench run: detect batch 41 of 57\nftbench run: detect: CUDA error: an illegal memory access was encountered\n"
			case cfg.Processes == 4 && cfg.Batch == 32 && warmup:
				m.fail, m.errorMsg = "timeout", "timed out after 2m0s; process group killed"
			}
			return m
		},
	},
	"cpu": {
		env: record.Env{Host: "ci-runner", OS: "linux", Arch: "amd64", Kernel: "6.1.0-37-amd64", CPUModel: "AMD EPYC 7B13",
			CPUs: 2, UsableCPUs: 2, MemoryBytes: 8 * gib, GPU: record.GPUEnv{Error: "no GPU: NVML library (libnvidia-ml.so.1) not found"},
			FFmpeg: map[string]string{"libavcodec": "59.37.100"}, GoVersion: "go1.26.8", Version: "(devel)"},
		frames: 90,
		model: func(cfg config.Config, round int, warmup bool) runModel {
			fps := map[int]float64{1: 650, 2: 780, 4: 700}[cfg.DecoderThreads]
			return runModel{fps: fps, cv: 0.02, cpu: 0.55 + 0.05*float64(cfg.DecoderThreads), gpu: -1, hitRate: 0.958}
		},
	},
	"nofeasible": {
		env: record.Env{Host: "ci-runner", OS: "linux", Arch: "amd64", Kernel: "6.1.0-37-amd64", CPUModel: "AMD EPYC 7B13",
			CPUs: 2, UsableCPUs: 2, MemoryBytes: 8 * gib, GPU: record.GPUEnv{Error: "no GPU: NVML library (libnvidia-ml.so.1) not found"},
			GoVersion: "go1.26.8", Version: "(devel)"},
		frames: 90,
		model: func(cfg config.Config, round int, warmup bool) runModel {
			return runModel{fps: 900 + 40*float64(cfg.DetectInterval) - float64(cfg.Batch), cv: 0.03, cpu: 0.6, gpu: -1,
				hitRate: 1 - 0.035*float64(cfg.DetectInterval)}
		},
	},
}

// synthesize builds the records of a scenario's sweep: every run of the
// spec's plan, in the order a sweep runs them.
func synthesize(t *testing.T, name string, spec *sweeps.Spec) []*record.Result {
	t.Helper()
	sm := models[name]
	rng := rand.New(rand.NewPCG(uint64(len(name)), 42))
	start := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	var out []*record.Result
	for _, run := range spec.Plan().Runs() {
		tr := run.Trial
		m := sm.model(tr.Config, run.Round, run.Warmup)
		fps := m.fps * math.Exp(m.cv*rng.NormFloat64())
		if run.Warmup {
			fps *= 0.9
		}
		wall := float64(sm.frames) / fps
		env := sm.env
		axes := map[string]any{}
		for _, s := range tr.Axes {
			axes[s.Key] = s.Value
		}
		res := &record.Result{
			Version: record.RecordVersion, Sweep: spec.Name, TrialID: tr.ID, Label: tr.Label, Axes: axes,
			Config: tr.Config, Input: tr.Input, Round: run.Round, Repetition: run.Repetition, Warmup: run.Warmup,
			Start: start, Env: &env,
		}
		res.ElapsedSeconds = round6(wall + 0.35)
		res.End = start.Add(time.Duration(res.ElapsedSeconds * float64(time.Second)))
		start = res.End.Add(200 * time.Millisecond)
		interval := 0.25
		samples := max(1, int(res.ElapsedSeconds/interval))
		res.Resources = record.Resources{Samples: samples, IntervalSeconds: interval,
			CPUUtilMean: round6(m.cpu * (1 + 0.03*rng.NormFloat64())), SystemCPUUtilMean: round6(m.cpu*1.1 + 0.02),
			RSSMaxBytes: int64(180<<20 + tr.Config.Batch*(6<<20)), ProcessesMax: tr.Config.Processes + 1,
			SamplerCPUSeconds: 0.002, SamplerOverhead: 0.0004, HarnessCPUSeconds: 0.004}
		res.Resources.CPUUtilMax = round6(res.Resources.CPUUtilMean * 1.2)
		res.Resources.SystemCPUUtilMax = round6(res.Resources.SystemCPUUtilMean * 1.2)
		if m.gpu < 0 {
			res.Resources.GPU = env.GPU.Error
		} else {
			total := env.GPU.Devices[0].MemoryBytes
			res.Resources.GPUUtilMean = round6(m.gpu * (1 + 0.02*rng.NormFloat64()))
			res.Resources.GPUUtilMax = round6(math.Min(1, res.Resources.GPUUtilMean*1.1))
			res.Resources.VRAMFraction = round6(m.vram)
			res.Resources.VRAMUsedMaxBytes = int64(m.vram * float64(total))
			res.Resources.VRAMTotalBytes = total
			res.Resources.VRAMProcessMaxBytes = res.Resources.VRAMUsedMaxBytes - 600<<20
			res.Resources.SMClockMeanMHz, res.Resources.GPUTempMaxC = 2407, 71
			res.Resources.GPUPowerMeanWatts, res.Resources.GPUPowerMaxWatts = round6(180+300*m.gpu), round6(200+340*m.gpu)
		}
		res.Series = synthSeries(rng, res, m, samples, interval)
		switch m.fail {
		case "failed":
			res.Status, res.ExitCode, res.Error, res.StderrTail = record.StatusFailed, 2, m.errorMsg, m.stderr
		case "timeout":
			res.Status, res.ExitCode, res.Signal, res.Error = record.StatusTimeout, -1, "killed", m.errorMsg
		default:
			res.Status = record.StatusOK
			res.Metrics = synthMetrics(rng, tr, sm.frames, wall, fps, m)
		}
		out = append(out, res)
	}
	return out
}

func synthSeries(rng *rand.Rand, res *record.Result, m runModel, samples int, interval float64) *record.Series {
	s := &record.Series{StrideSamples: 1}
	for i := 0; i < samples; i++ {
		ramp := math.Min(1, float64(i+1)/3)
		s.Seconds = append(s.Seconds, round6(float64(i+1)*interval))
		s.CPUUtil = append(s.CPUUtil, round6(m.cpu*ramp*(1+0.05*rng.NormFloat64())))
		s.SystemCPUUtil = append(s.SystemCPUUtil, round6(math.Min(1, m.cpu*1.1*ramp+0.02)))
		s.RSSBytes = append(s.RSSBytes, int64(float64(res.Resources.RSSMaxBytes)*(0.6+0.4*ramp)))
		if m.gpu >= 0 {
			s.GPUUtil = append(s.GPUUtil, round6(math.Min(1, m.gpu*ramp*(1+0.04*rng.NormFloat64()))))
			s.VRAMUsedBytes = append(s.VRAMUsedBytes, int64(float64(res.Resources.VRAMUsedMaxBytes)*(0.5+0.5*ramp)))
		}
	}
	return s
}

func synthMetrics(rng *rand.Rand, tr *record.Trial, frames int, wall, fps float64, m runModel) *metrics.Metrics {
	share := map[string]float64{"decode": 0.22, "scale": 0.05, "detect": 0.48, "track": 0.03, "reframe": 0.01, "encode": 0.2, "mux": 0.01}
	stages := map[string]float64{}
	for k, v := range share {
		stages[k] = round6(wall * v * 1.3 * (1 + 0.05*rng.NormFloat64()))
	}
	hits := int(math.Round(m.hitRate * float64(frames)))
	return &metrics.Metrics{Input: tr.Input.Name + ".mp4", Frames: frames, WallSeconds: round6(wall), FPS: round6(fps), Stages: stages,
		PeakRSSBytes: 150 << 20, Config: tr.Config,
		Quality: &metrics.Quality{HitRate: float64(hits) / float64(frames), Recall: 0.95, Precision: 1, GTFrames: frames, Hits: hits},
		Width:   1920, Height: 1080, CropWidth: 606, CropHeight: 1080, InputFPS: 30, DetectFrames: frames / 2, Tracks: 1, FacesFrames: frames,
		Decoder: "h264", EncoderName: "libx264"}
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// loadScenario reads a scenario's spec and recorded results.
func loadScenario(t *testing.T, name string) (*sweeps.Spec, []*record.Result) {
	t.Helper()
	dir := filepath.Join("testdata", name)
	spec, err := sweeps.Load(filepath.Join(dir, "spec.toml"))
	if err != nil {
		t.Fatal(err)
	}
	results, warns, err := record.ReadResults(filepath.Join(dir, "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warns {
		t.Errorf("recorded results: %v", w)
	}
	return spec, results
}

// TestRegenerate rewrites the recorded results with -regen.
func TestRegenerate(t *testing.T) {
	if !*regen {
		t.Skip("run with -regen to rewrite testdata/*/results.jsonl")
	}
	for _, name := range scenarios {
		dir := filepath.Join("testdata", name)
		spec, err := sweeps.Load(filepath.Join(dir, "spec.toml"))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		for _, r := range synthesize(t, name, spec) {
			line, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			buf.Write(append(line, '\n'))
		}
		if err := os.WriteFile(filepath.Join(dir, "results.jsonl"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("wrote %s/results.jsonl\n", dir)
	}
}
