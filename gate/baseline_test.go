package gate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftbench/ftbench/record"
)

func TestBaselines(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := side(envA, 1500, steady...)
	a[0].Series = &record.Series{Seconds: []float64{0, 0.1}}
	a[1].StderrTail = "noise"
	old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	saved, err := SaveBaselines(dir, append(a, side(envB, 0, steady...)...), "out/x/results.jsonl", old)
	if err != nil {
		t.Fatal(err)
	}
	if len(saved) != 2 {
		t.Fatalf("%d baselines, want one per machine", len(saved))
	}
	// Saving again for machine A replaces its baseline only.
	if _, err := SaveBaselines(dir, a, "out/y/results.jsonl", old.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	list, err := ListBaselines(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Machine.CPUModel != "Test CPU A" || list[0].From != "out/y/results.jsonl" || list[0].References != 10 || list[0].Counted != 10 {
		t.Fatalf("list: %+v", list)
	}
	rs, _, err := record.ReadResults(list[0].ResultsPath())
	if err != nil || len(rs) != 20 || rs[0].Series != nil || rs[1].StderrTail != "" {
		t.Errorf("stored records: %d, %v", len(rs), err)
	}
	if !strings.HasPrefix(filepath.Base(list[0].Dir), "test-cpu-a-2cpu-nogpu-") {
		t.Errorf("folder %s", list[0].Dir)
	}
	// Picking: the exact machine; else the newest with references.
	if b, exact, ok := PickBaseline(list, MachineOf(envB)); !ok || !exact || b.Machine.CPUModel != "Test CPU B" {
		t.Errorf("pick B: %+v %v %v", b, exact, ok)
	}
	other := MachineOf(&record.Env{CPUModel: "Other", CPUs: 4, UsableCPUs: 4})
	if b, exact, ok := PickBaseline(list, other); !ok || exact || b.Machine.CPUModel != "Test CPU A" {
		t.Errorf("pick for another machine: %+v %v %v", b, exact, ok)
	}
	if _, err := ListBaselines(t.TempDir()); err == nil || !strings.Contains(err.Error(), "holds no baseline") {
		t.Errorf("empty folder: %v", err)
	}
	if _, err := os.Stat(filepath.Join(list[0].Dir, BaselineInfo)); err != nil {
		t.Error(err)
	}
}
