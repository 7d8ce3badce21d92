package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/metrics"
)

func TestSizeBatch(t *testing.T) {
	const gib = 1 << 30
	roomy := batchInputs{RAM: 100 * gib, RAMBase: 100 << 20, RAMPerFrame: 10 << 20, Max: 1 << 16}
	with := func(edit func(*batchInputs)) batchInputs { in := roomy; edit(&in); return in }
	cases := []struct {
		name      string
		in        batchInputs
		want      int
		limitedBy string
	}{
		// The plan's card: 28 GiB free after the model, 10% kept free, 13
		// processes x 4 streams, 1 MiB a frame: 28*0.9*1024/52 = 496.
		{"plan's 5090", with(func(in *batchInputs) {
			in.Memory, in.Source, in.Margin, in.Shares, in.PerFrame = 28*gib, "VRAM free (driver)", 0.1, 52, 1<<20
		}), 496, "vram"},
		{"batch_max caps it", with(func(in *batchInputs) {
			in.Memory, in.Source, in.Margin, in.Shares, in.PerFrame, in.Max = 28*gib, "VRAM free (driver)", 0.1, 52, 1<<20, 256
		}), 256, "batch_max"},
		{"RAM caps it", with(func(in *batchInputs) {
			in.Memory, in.Source, in.Shares, in.PerFrame = 28*gib, "VRAM free (driver)", 1, 1<<20
			in.RAM, in.RAMBase, in.RAMPerFrame = 1*gib, 24<<20, 10<<20 // (1024-24)/10
		}), 100, "ram"},
		{"a short segment caps it", with(func(in *batchInputs) {
			in.Memory, in.Source, in.Shares, in.PerFrame, in.Frames = 28*gib, "VRAM free (driver)", 1, 1<<20, 45
		}), 45, "frames"},
		{"L3 cache: 32 MiB over 2.8 MB frames", with(func(in *batchInputs) {
			in.Memory, in.Source, in.Margin, in.Shares, in.PerFrame = 32<<20, "L3 cache (sysfs)", 0.1, 1, 2822400
		}), 10, "cache"},
		{"never below one frame", with(func(in *batchInputs) {
			in.Memory, in.Source, in.Shares, in.PerFrame = 1<<20, "VRAM free (driver)", 8, 64<<20
		}), 1, "vram"},
		{"no RAM left still runs one frame", with(func(in *batchInputs) {
			in.Memory, in.Source, in.Shares, in.PerFrame = 28*gib, "VRAM free (driver)", 1, 1<<20
			in.RAM = 10 << 20
		}), 1, "ram"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := sizeBatch(c.in)
			if p.Chosen != c.want || p.Final != c.want || p.LimitedBy != c.limitedBy {
				t.Errorf("chose %d (final %d) limited by %s, want %d by %s; plan %+v", p.Chosen, p.Final, p.LimitedBy, c.want, c.limitedBy, p)
			}
		})
	}
}

func TestBatchAutoInConfigFiles(t *testing.T) {
	cfg, err := config.ParseConfig([]byte("batch = \"auto\"\nbatch_max = 64\n"), "cfg.toml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Batch != config.BatchAuto || cfg.BatchMax != 64 {
		t.Fatalf("batch %v, batch_max %d", cfg.Batch, cfg.BatchMax)
	}
	// The written config reads back the same, "auto" and numbers alike.
	for _, b := range []config.BatchSize{config.BatchAuto, 24} {
		c := cfg
		c.Batch = b
		back, err := config.ParseConfig(c.WriteTOML("header"), "written.toml")
		if err != nil || back != c {
			t.Errorf("batch %v: WriteTOML then config.ParseConfig = %v, %v", b, back.Batch, err)
		}
		js, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf(`"batch":%s`, map[config.BatchSize]string{config.BatchAuto: `"auto"`, 24: "24"}[b])
		if !strings.Contains(string(js), want) {
			t.Errorf("JSON %s lacks %s", js, want)
		}
		var fromJSON config.Config
		if err := json.Unmarshal(js, &fromJSON); err != nil || fromJSON != c {
			t.Errorf("batch %v: JSON round trip = %v, %v", b, fromJSON.Batch, err)
		}
	}
	// Sweep axes set it through With, as the string or as the value Map
	// gives back.
	for _, v := range []any{"auto", config.BatchAuto, int64(8), config.BatchSize(8)} {
		c, err := config.DefaultConfig().With(map[string]any{"batch": v})
		want := map[bool]config.BatchSize{true: config.BatchAuto, false: 8}[v == "auto" || v == config.BatchAuto]
		if err != nil || c.Batch != want {
			t.Errorf("With(batch = %#v) = %v, %v; want %v", v, c.Batch, err, want)
		}
	}
	for v, msg := range map[any]string{"big": `want a number of frames or "auto", got "big"`, int64(0): `must be >= 1 or "auto", got 0`, true: "want an integer"} {
		if _, err := config.DefaultConfig().With(map[string]any{"batch": v}); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("With(batch = %#v) = %v, want an error with %q", v, err, msg)
		}
	}
	f, _ := config.LookupField("batch")
	if !f.Auto || f.Kind != reflect.Int {
		t.Errorf("field batch = %+v, want an integer that takes \"auto\"", f)
	}
	if f, _ := config.LookupField("streams"); f.Auto {
		t.Error("streams takes \"auto\"?")
	}
}

// fakeDetector fails batches larger than room, with err.
type fakeDetector struct {
	room  int
	err   error
	calls []int
}

func (d *fakeDetector) Name() string { return "fake" }
func (d *fakeDetector) Detect(frames []Luma, out [][]Detection) error {
	d.calls = append(d.calls, len(frames))
	if len(frames) > d.room {
		return d.err
	}
	for i, f := range frames {
		out[i] = []Detection{{Box: Box{X: float64(f.W)}}}
	}
	return nil
}

func TestShrinkingDetector(t *testing.T) {
	frames := make([]Luma, 16)
	for i := range frames {
		frames[i].W = i // tells the frames apart in the results
	}
	oom := fmt.Errorf("detector cuda: allocating 9 MiB on the GPU: OutOfMemory: %w", ErrOutOfMemory)

	plan := &metrics.BatchPlan{Chosen: 16, Final: 16}
	lim := &batchLimiter{limit: 16, plan: plan}
	inner := &fakeDetector{room: 3, err: oom}
	d := shrinkingDetector{inner, lim}
	out := make([][]Detection, len(frames))
	if err := d.Detect(frames, out); err != nil {
		t.Fatal(err)
	}
	for i := range out {
		if len(out[i]) != 1 || out[i][0].Box.X != float64(i) {
			t.Fatalf("frame %d got %v: results out of place", i, out[i])
		}
	}
	want := []metrics.BatchShrink{{From: 16, To: 8, Error: oom.Error()}, {From: 8, To: 4, Error: oom.Error()}, {From: 4, To: 2, Error: oom.Error()}}
	if !reflect.DeepEqual(plan.Shrinks, want) || plan.Final != 2 || lim.get() != 2 {
		t.Errorf("shrinks %+v final %d, want 16 -> 8 -> 4 -> 2", plan.Shrinks, plan.Final)
	}
	// Later batches start from the shrunk size: no failed call again.
	inner.calls = nil
	if err := d.Detect(frames[:5], out[:5]); err != nil || !reflect.DeepEqual(inner.calls, []int{2, 2, 1}) {
		t.Errorf("next batch: calls %v, err %v; want 2, 2, 1", inner.calls, err)
	}

	// A device with no room at all: the error, after shrinking to one.
	plan = &metrics.BatchPlan{Chosen: 4, Final: 4}
	d = shrinkingDetector{&fakeDetector{room: 0, err: oom}, &batchLimiter{limit: 4, plan: plan}}
	if err := d.Detect(frames[:4], out[:4]); !errors.Is(err, ErrOutOfMemory) || plan.Final != 1 {
		t.Errorf("no room: err %v, final %d; want out of memory at 1", err, plan.Final)
	}
	// Any other error is not a reason to shrink.
	plan = &metrics.BatchPlan{Chosen: 4, Final: 4}
	other := errors.New("launch failed")
	d = shrinkingDetector{&fakeDetector{room: 0, err: other}, &batchLimiter{limit: 4, plan: plan}}
	if err := d.Detect(frames[:4], out[:4]); err != other || len(plan.Shrinks) != 0 {
		t.Errorf("other error: %v, shrinks %v", err, plan.Shrinks)
	}
}

func TestAutoBatchInputs(t *testing.T) {
	_, cascade, err := LoadCascade("")
	if err != nil {
		t.Skip(err)
	}
	cfg := config.DefaultConfig()
	cfg.Batch = config.BatchAuto
	cfg.MemoryBudget = 8 << 30
	cfg.Processes, cfg.Streams = 2, 3
	in, err := autoBatchInputs(cfg, cascade, 1920, 1080, 320, 180, 320, 900)
	if err != nil {
		t.Fatal(err)
	}
	frame := int64(1920 * 1080 * 3 / 2)
	if !strings.Contains(in.Source, "cache") || in.Shares != 6 || in.PerFrame != 2*frame+320*180 || in.Frames != 900 {
		t.Errorf("CPU inputs %+v", in)
	}
	if budget := float64(int64(8 << 30)); in.RAM != int64(budget*0.9)/2 || in.RAMPerFrame != 2*6*2*frame {
		t.Errorf("RAM bound %+v, want the planner's per-process estimate", in)
	}

	// With the CUDA detector the memory is the free VRAM the driver
	// reports, and a frame costs its image and a score per window.
	saved := gpuMemory
	defer func() { gpuMemory = saved }()
	gpuMemory = func() (int64, int64, error) { return 70 << 30, 80 << 30, nil }
	cfg.Detector = "cuda"
	in, err = autoBatchInputs(cfg, cascade, 1920, 1080, 320, 180, 320, 900)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := ParseCascade(cascade)
	lo, hi := windowRange(cfg, 320, 180)
	windows := newGPULayout(c, 180, 320, 320, lo, hi, cfg.ShiftFactor, cfg.ScaleFactor).windows
	if in.Memory != 70<<30 || in.Source != "VRAM free (driver)" || in.PerFrame != 320*180+4*windows || windows == 0 {
		t.Errorf("CUDA inputs %+v (windows %d)", in, windows)
	}
	// 70 GiB over 6 streams holds ~44000 such frames: batch_max or this
	// machine's RAM decides.
	if p := sizeBatch(in); p.LimitedBy == "vram" || p.Chosen != max(min(256, p.RAMLimit), 1) {
		t.Errorf("70 GiB free: %+v, want batch_max or the RAM bound", p)
	}
	gpuMemory = func() (int64, int64, error) { return 0, 0, errors.New("no CUDA device") }
	if _, err := autoBatchInputs(cfg, cascade, 1920, 1080, 320, 180, 320, 900); err == nil || !strings.Contains(err.Error(), "no CUDA device") {
		t.Errorf("without a device: %v", err)
	}
}

func TestParseCacheSize(t *testing.T) {
	for s, want := range map[string]int64{"32768K": 32 << 20, "2048K": 2 << 20, "1M": 1 << 20, "512": 512, "": 0, "K": 0, "-4K": 0} {
		if got, ok := parseCacheSize(s); got != want || ok != (want > 0) {
			t.Errorf("parseCacheSize(%q) = %d, %v", s, got, ok)
		}
	}
	if n, src := lastLevelCache(); n <= 0 || src == "" {
		t.Errorf("lastLevelCache() = %d, %q", n, src)
	}
}

// TestPlanMemoryOnGPU: with the cuda detector and no memory_budget the
// planner budgets the card's VRAM and a worker's VRAM (its CUDA context and
// its streams' batch buffers), not its RAM.
func TestPlanMemoryOnGPU(t *testing.T) {
	_, cascade, err := LoadCascade("")
	if err != nil {
		t.Skip(err)
	}
	saved := gpuMemory
	defer func() { gpuMemory = saved }()
	gpuMemory = func() (int64, int64, error) { return 30 << 30, 32 << 30, nil }
	cfg := config.DefaultConfig()
	cfg.Detector, cfg.Processes, cfg.Streams, cfg.Batch = "cuda", 64, 4, 64
	cfg.ModelMemory = 4 << 30
	plan, err := planMemory(cfg, cascade, 1920, 1080)
	if err != nil {
		t.Fatal(err)
	}
	frame, err := gpuFrameBytes(cfg, cascade, 320, 180, 320)
	if err != nil {
		t.Fatal(err)
	}
	per := int64(cudaContextBytes) + 4*64*frame
	card := int64(32 << 30)
	free := card - 4<<30 - int64(float64(card)*0.1)
	if plan.BudgetSource != "VRAM" || plan.ProcessBytes != per || !strings.Contains(plan.ProcessSource, "CUDA context") ||
		plan.MaxProcesses != int(free/per) || plan.Planned != plan.MaxProcesses || plan.Note == "" {
		t.Errorf("plan %+v, want %d processes of %d bytes in the VRAM", plan, free/per, per)
	}
	// The plan's own figures: 2 GiB a process given, (32-4-2)/2 = 13.
	cfg.ProcessMemory, cfg.MemoryMargin, cfg.Processes = 2<<30, 2.0/32, 13
	if plan, err = planMemory(cfg, cascade, 1920, 1080); err != nil || plan.MaxProcesses != 13 || plan.ProcessSource != "config" {
		t.Errorf("plan's 5090: %+v, %v", plan, err)
	}
	// On the CPU the estimate is RAM.
	cfg = config.DefaultConfig()
	cfg.MemoryBudget = 8 << 30
	if plan, err = planMemory(cfg, cascade, 1920, 1080); err != nil || plan.BudgetSource != "config" || plan.ProcessBytes != estimateProcessMemory(cfg, 1920, 1080) {
		t.Errorf("CPU plan %+v, %v", plan, err)
	}
}
