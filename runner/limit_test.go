package runner

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/runner/runnertest"
)

// TestMemoryLimit: a run under a generous limit succeeds, and its child
// really runs under that limit (read from /proc/PID/limits while it
// sleeps); a limit too small for the child to start fails the run, which
// is recorded as failed with the limit named.
func TestMemoryLimit(t *testing.T) {
	tests := []struct {
		name   string
		limit  int64
		status record.Status
	}{
		{name: "4 GiB", limit: 4 << 30, status: record.StatusOK},
		{name: "64 MiB", limit: 64 << 20, status: record.StatusFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := filepath.Join(t.TempDir(), "log")
			r := fakeRunner(t, "sleep=0.5;log="+log)
			r.MemoryLimitBytes = tt.limit
			tr := runnertest.Trial(t, 4)
			done := make(chan *record.Result, 1)
			go func() { done <- r.Run(context.Background(), record.Run{Trial: &tr}, time.Minute) }()
			var limits string
			if tt.status == record.StatusOK {
				waitForFile(t, log, "start ")
				data, _ := os.ReadFile(log)
				pid := strings.Fields(string(data))[1]
				b, err := os.ReadFile("/proc/" + pid + "/limits")
				if err != nil {
					t.Fatal(err)
				}
				limits = string(b)
			}
			res := <-done
			if res.Status != tt.status {
				t.Fatalf("status %s, error %q, stderr %q; want %s", res.Status, res.Error, res.StderrTail, tt.status)
			}
			if tt.status == record.StatusOK {
				want := strconv.FormatInt(tt.limit, 10) + " bytes"
				for _, line := range strings.Split(limits, "\n") {
					if strings.HasPrefix(line, "Max address space") && strings.Count(line, strconv.FormatInt(tt.limit, 10)) == 2 {
						return
					}
				}
				t.Errorf("the child's soft and hard limits are not %s:\n%s", want, limits)
				return
			}
			if !strings.Contains(res.Error, "memory limit of "+strconv.FormatInt(tt.limit, 10)+" bytes") {
				t.Errorf("error %q does not name the limit", res.Error)
			}
		})
	}
}
