package runner

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/runner/runnertest"
)

func TestParseCachegrind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		text   string
		want   int64
		errHas string
	}{
		{name: "instructions only", text: "desc: I1 cache: 32768 B\ncmd: ls\nevents: Ir\nfl=x.c\n1 5\nsummary: 529523\n", want: 529523},
		{name: "with cache events", text: "events: Dr Ir D1mr\nsummary: 10 2000 3\n", want: 2000},
		{name: "no Ir", text: "events: Dr\nsummary: 10\n", errHas: "no Ir"},
		{name: "summary first", text: "summary: 10\nevents: Ir\n", errHas: "before any events"},
		{name: "short summary", text: "events: Dr Ir\nsummary: 10\n", errHas: "no column 2"},
		{name: "not a count", text: "events: Ir\nsummary: many\n", errHas: "not a count"},
		{name: "truncated", text: "events: Ir\nfl=x.c\n", errHas: "no summary line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseCachegrind(strings.NewReader(tt.text))
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("err %v, want one with %q", err, tt.errHas)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestCountInstructionsSumsTree(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, n := range map[string]string{"cachegrind.out.11": "100", "cachegrind.out.12": "23", "other.txt": "9999"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("events: Ir\nsummary: "+n+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := CountInstructions(dir); err != nil || n != 123 {
		t.Errorf("CountInstructions = %d, %v; want 123", n, err)
	}
	if _, err := CountInstructions(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no cachegrind.out") {
		t.Errorf("an empty folder: %v", err)
	}
}

// TestRunInstrumented runs the fake pipeline under the real cachegrind and
// checks the record: marked instrumented, a positive instruction count,
// instructions_per_frame, no wall-clock metrics, and no count files left.
func TestRunInstrumented(t *testing.T) {
	if _, err := exec.LookPath("valgrind"); err != nil {
		t.Skip("valgrind is not installed (scripts/install-deps.sh valgrind)")
	}
	r := fakeRunner(t, "sleep=0")
	r.Instrument = record.InstrumentInstructions
	tr := runnertest.Trial(t, 4)
	run := record.Run{Trial: &tr}
	res := r.Run(context.Background(), run, 2*time.Minute)
	if res.Status != record.StatusOK {
		t.Fatalf("status %s, error %q, stderr %q", res.Status, res.Error, res.StderrTail)
	}
	if res.Instrument != record.InstrumentInstructions || res.Resources.Instructions < 1e6 {
		t.Errorf("instrument %q, instructions %d", res.Instrument, res.Resources.Instructions)
	}
	if v, ok := metric.Value(res, "instructions_per_frame"); !ok || v != float64(res.Resources.Instructions)/90 {
		t.Errorf("instructions_per_frame = %v, %t", v, ok)
	}
	for _, name := range []string{"fps", "wall_seconds", "cpu_seconds", "cpu_util_mean", "elapsed_seconds"} {
		if v, ok := metric.Value(res, name); ok {
			t.Errorf("%s = %v on an instrumented run; want it absent", name, v)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(r.RunDir(run), "cachegrind.out.*")); len(left) > 0 {
		t.Errorf("count files left: %v", left)
	}
}
