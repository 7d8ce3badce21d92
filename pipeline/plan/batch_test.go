package plan

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftbench/ftbench/pipeline/config"
)

func TestSizeBatch(t *testing.T) {
	const gib = 1 << 30
	roomy := BatchInputs{RAM: 100 * gib, RAMBase: 100 << 20, RAMPerFrame: 10 << 20, Max: 1 << 16}
	with := func(edit func(*BatchInputs)) BatchInputs { in := roomy; edit(&in); return in }
	cases := []struct {
		name      string
		in        BatchInputs
		want      int
		limitedBy string
	}{
		// The plan's card: 28 GiB free after the model, 10% kept free, 13
		// processes x 4 streams, 1 MiB a frame: 28*0.9*1024/52 = 496.
		{"plan's 5090", with(func(in *BatchInputs) {
			in.Memory, in.Source, in.Margin, in.Shares, in.PerFrame = 28*gib, "VRAM free (driver)", 0.1, 52, 1<<20
		}), 496, "vram"},
		{"batch_max caps it", with(func(in *BatchInputs) {
			in.Memory, in.Source, in.Margin, in.Shares, in.PerFrame, in.Max = 28*gib, "VRAM free (driver)", 0.1, 52, 1<<20, 256
		}), 256, "batch_max"},
		{"RAM caps it", with(func(in *BatchInputs) {
			in.Memory, in.Source, in.Shares, in.PerFrame = 28*gib, "VRAM free (driver)", 1, 1<<20
			in.RAM, in.RAMBase, in.RAMPerFrame = 1*gib, 24<<20, 10<<20 // (1024-24)/10
		}), 100, "ram"},
		{"a short segment caps it", with(func(in *BatchInputs) {
			in.Memory, in.Source, in.Shares, in.PerFrame, in.Frames = 28*gib, "VRAM free (driver)", 1, 1<<20, 45
		}), 45, "frames"},
		{"L3 cache: 32 MiB over 2.8 MB frames", with(func(in *BatchInputs) {
			in.Memory, in.Source, in.Margin, in.Shares, in.PerFrame = 32<<20, "L3 cache (sysfs)", 0.1, 1, 2822400
		}), 10, "cache"},
		{"never below one frame", with(func(in *BatchInputs) {
			in.Memory, in.Source, in.Shares, in.PerFrame = 1<<20, "VRAM free (driver)", 8, 64<<20
		}), 1, "vram"},
		{"no RAM left still runs one frame", with(func(in *BatchInputs) {
			in.Memory, in.Source, in.Shares, in.PerFrame = 28*gib, "VRAM free (driver)", 1, 1<<20
			in.RAM = 10 << 20
		}), 1, "ram"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := SizeBatch(c.in)
			if p.Chosen != c.want || p.Final != c.want || p.LimitedBy != c.limitedBy {
				t.Errorf("chose %d (final %d) limited by %s, want %d by %s; plan %+v", p.Chosen, p.Final, p.LimitedBy, c.want, c.limitedBy, p)
			}
		})
	}
}

// TestBatchInputs gathers batch = "auto"'s figures on recorded machines:
// the last-level cache and the planner's RAM bound on the CPU, the free VRAM
// the driver reports and the detector's per-frame cost with the cuda
// detector.
func TestBatchInputs(t *testing.T) {
	cfg := config.DefaultConfig()
	cfg.Batch = config.BatchAuto
	cfg.MemoryBudget = 8 << 30
	cfg.Processes, cfg.Streams = 2, 3
	xeon := Machine{Root: filepath.Join("testdata", "xeon")}
	pass := Pass{Width: 1920, Height: 1080, ImageBytes: 320 * 180, Frames: 900}
	in, err := xeon.BatchInputs(cfg, pass)
	if err != nil {
		t.Fatal(err)
	}
	frame := int64(1920 * 1080 * 3 / 2)
	if in.Source != "L3 cache (sysfs)" || in.Memory != 107520<<10 || in.Shares != 6 || in.PerFrame != 2*frame+320*180 || in.Frames != 900 {
		t.Errorf("CPU inputs %+v", in)
	}
	if budget := float64(int64(8 << 30)); in.RAM != int64(budget*0.9)/2 || in.RAMPerFrame != 2*6*2*frame {
		t.Errorf("RAM bound %+v, want the planner's per-process estimate", in)
	}

	// With the CUDA detector the memory is the free VRAM the driver
	// reports, a frame costs what the detector says (its image and a score
	// per window), and RAM is what the machine has.
	xeon.GPU = func() (int64, int64, error) { return 70 << 30, 80 << 30, nil }
	cfg.Detector = "cuda"
	pass.GPUFrameBytes = 320*180 + 4*51200
	in, err = xeon.BatchInputs(cfg, pass)
	if err != nil {
		t.Fatal(err)
	}
	if in.Memory != 70<<30 || in.Source != "VRAM free (driver)" || in.PerFrame != pass.GPUFrameBytes {
		t.Errorf("CUDA inputs %+v", in)
	}
	if avail := float64(int64(498114236) << 10); in.RAM != int64(avail*0.9)/2 || in.RAMPerFrame != 2*6*2*frame+3*pass.GPUFrameBytes {
		t.Errorf("CUDA RAM bound %+v, want MemAvailable's share and the pinned buffers", in)
	}
	// 70 GiB over 6 streams holds ~44000 such frames: batch_max or the
	// machine's RAM decides.
	if p := SizeBatch(in); p.LimitedBy == "vram" || p.Chosen != max(min(256, p.RAMLimit), 1) {
		t.Errorf("70 GiB free: %+v, want batch_max or the RAM bound", p)
	}
	xeon.GPU = func() (int64, int64, error) { return 0, 0, errors.New("no CUDA device") }
	if _, err := xeon.BatchInputs(cfg, pass); err == nil || !strings.Contains(err.Error(), "no CUDA device") {
		t.Errorf("without a device: %v", err)
	}
	xeon.GPU = nil
	if _, err := xeon.BatchInputs(cfg, pass); err == nil || !strings.Contains(err.Error(), "built without CUDA") {
		t.Errorf("a build without CUDA: %v", err)
	}
	// A machine whose kernel does not say MemAvailable: an error, not a guess.
	old := Machine{Root: filepath.Join("testdata", "oldkernel"), GPU: func() (int64, int64, error) { return 70 << 30, 80 << 30, nil }}
	if _, err := old.BatchInputs(cfg, pass); err == nil || !strings.Contains(err.Error(), `batch = "auto": meminfo: no MemAvailable line`) {
		t.Errorf("no MemAvailable: %v", err)
	}
}

func TestParseCacheSize(t *testing.T) {
	for s, want := range map[string]int64{"32768K": 32 << 20, "2048K": 2 << 20, "1M": 1 << 20, "512": 512, "": 0, "K": 0, "-4K": 0} {
		if got, ok := parseCacheSize(s); got != want || ok != (want > 0) {
			t.Errorf("parseCacheSize(%q) = %d, %v", s, got, ok)
		}
	}
	if n, src := (Machine{}).LastLevelCache(); n <= 0 || src == "" {
		t.Errorf("LastLevelCache() on this machine = %d, %q", n, src)
	}
}

// TestProcessesOnGPU: with the cuda detector and no memory_budget the
// planner budgets the card's VRAM and a worker's VRAM (its CUDA context and
// its streams' batch buffers), not its RAM.
func TestProcessesOnGPU(t *testing.T) {
	m := Machine{Root: filepath.Join("testdata", "vm"), GPU: func() (int64, int64, error) { return 30 << 30, 32 << 30, nil }}
	cfg := config.DefaultConfig()
	cfg.Detector, cfg.Processes, cfg.Streams, cfg.Batch = "cuda", 64, 4, 64
	cfg.ModelMemory = 4 << 30
	frame := int64(320*180 + 4*51200)
	pass := Pass{Width: 1920, Height: 1080, GPUFrameBytes: frame}
	plan, err := m.Processes(cfg, pass)
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
	if plan, err = m.Processes(cfg, pass); err != nil || plan.MaxProcesses != 13 || plan.ProcessSource != "config" {
		t.Errorf("plan's 5090: %+v, %v", plan, err)
	}
	// On the CPU the estimate is RAM.
	cfg = config.DefaultConfig()
	cfg.MemoryBudget = 8 << 30
	if plan, err = m.Processes(cfg, pass); err != nil || plan.BudgetSource != "config" || plan.ProcessBytes != estimateProcessMemory(cfg, 1920, 1080) {
		t.Errorf("CPU plan %+v, %v", plan, err)
	}
	// Without a budget, the machine's MemAvailable.
	cfg.MemoryBudget = 0
	if plan, err = m.Processes(cfg, pass); err != nil || plan.BudgetSource != "MemAvailable" || plan.BudgetBytes != 23259372<<10 {
		t.Errorf("MemAvailable plan %+v, %v", plan, err)
	}
	old := Machine{Root: filepath.Join("testdata", "oldkernel")}
	if _, err := old.Processes(cfg, pass); err == nil || err.Error() != "memory planner: meminfo: no MemAvailable line (set memory_budget)" {
		t.Errorf("no MemAvailable: %v", err)
	}
}
