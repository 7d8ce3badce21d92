package plan

import (
	"strings"
	"testing"
)

func TestPlanProcesses(t *testing.T) {
	t.Parallel()
	const gib = 1 << 30
	for _, tc := range []struct {
		name                       string
		budget, model, margin, per int64
		requested                  int
		clamp                      bool
		wantMax, wantPlanned       int
		wantErr                    string
	}{
		{"the plan's RTX 5090: (32-4-2)/2 = 13", 32 * gib, 4 * gib, 2 * gib, 2 * gib, 13, false, 13, 13, ""},
		{"asking for fewer runs as asked", 32 * gib, 4 * gib, 2 * gib, 2 * gib, 5, false, 13, 5, ""},
		{"too many, clamped", 32 * gib, 4 * gib, 2 * gib, 2 * gib, 16, true, 13, 13, ""},
		{"too many, refused", 32 * gib, 4 * gib, 2 * gib, 2 * gib, 16, false, 13, 16, "processes = 16 needs 38.0 GiB but the plan allows 13"},
		{"no room still allows one", 4 * gib, 4 * gib, 1 * gib, 2 * gib, 1, false, 1, 1, ""},
		{"24 GiB machine, 1.5 GiB workers", 24 * gib, 0, 2 * gib, 3 * gib / 2, 16, true, 14, 14, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := PlanProcesses(tc.budget, tc.model, tc.margin, tc.per, tc.requested, tc.clamp)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.MaxProcesses != tc.wantMax || p.Planned != tc.wantPlanned {
				t.Errorf("max %d planned %d, want %d and %d", p.MaxProcesses, p.Planned, tc.wantMax, tc.wantPlanned)
			}
			if (p.Planned < tc.requested) != (p.Note != "") {
				t.Errorf("note %q for planned %d of %d", p.Note, p.Planned, tc.requested)
			}
		})
	}
}

func TestBackOff(t *testing.T) {
	t.Parallel()
	// The plan's sequence, 13 -> 5 -> 3 -> 1, and its neighbours.
	for _, tc := range []struct{ n, want int }{{13, 5}, {5, 3}, {3, 1}, {2, 1}, {1, 1}, {16, 7}, {4, 3}} {
		if got := BackOff(tc.n); got != tc.want {
			t.Errorf("BackOff(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
}

func TestMemAvailable(t *testing.T) {
	t.Parallel()
	got, err := parseMemAvailable(strings.NewReader("MemTotal:       24608924 kB\nMemFree:        20000000 kB\nMemAvailable:   23000000 kB\n"))
	if err != nil || got != 23000000*1024 {
		t.Errorf("parseMemAvailable = %d, %v", got, err)
	}
	if _, err := parseMemAvailable(strings.NewReader("MemTotal: 1 kB\n")); err == nil {
		t.Error("no error without a MemAvailable line")
	}
}
