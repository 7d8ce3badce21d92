package runner

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func snapshotRoot(t *testing.T, name string) (Proc, int) {
	t.Helper()
	dir := filepath.Join("testdata", name)
	b, err := os.ReadFile(filepath.Join(dir, "ROOT"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return Proc{Root: dir}, pid
}

func TestParsePIDStat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    PIDStat
		wantErr bool
	}{
		{
			name: "plain",
			in:   "25836 (yes) R 25834 25828 5185 0 -1 4194304 97 0 1 0 23 50 2 3 20 0 1 0 91288 2990080 406 18446744073709551615 1 2 3",
			want: PIDStat{PID: 25836, PPID: 25834, PGRP: 25828, Comm: "yes", State: 'R', CPUTicks: 78, RSSPages: 406, NumThreads: 1},
		},
		{
			name: "comm with spaces and parentheses",
			in:   "7 (a) b (c)) S 1 7 7 0 -1 0 0 0 0 0 5 5 0 0 20 0 12 0 1 100 9 0",
			want: PIDStat{PID: 7, PPID: 1, PGRP: 7, Comm: "a) b (c)", State: 'S', CPUTicks: 10, RSSPages: 9, NumThreads: 12},
		},
		{name: "truncated", in: "7 (x) S 1 7 7", wantErr: true},
		{name: "no comm", in: "7 x S 1 7 7 0 -1 0 0 0 0 0 5 5 0 0 20 0 12 0 1 100 9 0", wantErr: true},
		{name: "garbage number", in: "7 (x) S 1 7 7 0 -1 0 0 0 0 0 zz 5 0 0 20 0 12 0 1 100 9 0", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePIDStat(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("got %+v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseStat(t *testing.T) {
	t.Parallel()
	got, err := parseStat("cpu  100 5 50 800 40 1 2 2 0 0\ncpu0 50 0 25 400 20 0 1 1 0 0\ncpu1 50 5 25 400 20 1 1 1 0 0\nintr 1 2\n")
	if err != nil {
		t.Fatal(err)
	}
	want := CPUTimes{Total: 1000, Busy: 160, CPUs: 2}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := parseStat("intr 1 2\n"); err == nil {
		t.Error("want an error without a cpu line")
	}
}

func TestSnapshots(t *testing.T) {
	t.Parallel()
	p0, root := snapshotRoot(t, "proc-t0")
	p1, _ := snapshotRoot(t, "proc-t1")

	tree0, err := p0.Tree(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(tree0) != 3 {
		t.Fatalf("tree has %d processes, want 3 (sh, yes, sleep): %+v", len(tree0), tree0)
	}
	comms := map[string]bool{}
	for _, p := range tree0 {
		comms[p.Comm] = true
	}
	for _, c := range []string{"sh", "yes", "sleep"} {
		if !comms[c] {
			t.Errorf("tree lacks %s: %+v", c, tree0)
		}
	}
	tree1, err := p1.Tree(root)
	if err != nil {
		t.Fatal(err)
	}
	ticks := func(tree []PIDStat) (n uint64) {
		for _, p := range tree {
			n += p.CPUTicks
		}
		return n
	}
	s0, err := p0.SystemCPU()
	if err != nil {
		t.Fatal(err)
	}
	s1, err := p1.SystemCPU()
	if err != nil {
		t.Fatal(err)
	}
	// The recorded tree burnt 73-24 = 49 ticks; over one second on two
	// CPUs that is 0.245 of the machine.
	if got := treeUtil(ticks(tree0), ticks(tree1), time.Second, s1.CPUs); !near(got, 0.245) {
		t.Errorf("tree utilisation %.4f, want 0.245", got)
	}
	if got := systemUtil(s0, s1); !near(got, 1) {
		t.Errorf("system utilisation %.4f, want 1 (idle did not move between the snapshots)", got)
	}
	if s1.CPUs != 2 {
		t.Errorf("CPUs %d, want 2", s1.CPUs)
	}
	mi, err := p0.MemInfo()
	if err != nil || mi.TotalBytes <= 0 || mi.AvailableBytes <= 0 || mi.AvailableBytes > mi.TotalBytes {
		t.Errorf("meminfo %+v, %v", mi, err)
	}
	ci, err := p0.CPUInfo()
	if err != nil || ci.CPUs != 2 || ci.Model == "" {
		t.Errorf("cpuinfo %+v, %v", ci, err)
	}
	if k, err := p0.KernelRelease(); err != nil || k == "" {
		t.Errorf("kernel %q, %v", k, err)
	}
	// Without children files the tree is found by process group.
	noKids := Proc{Root: t.TempDir()}
	copyTree(t, p0.Root, noKids.Root, func(path string) bool { return filepath.Base(path) != "children" })
	tree, err := noKids.Tree(root)
	if err != nil || len(tree) != 3 {
		t.Errorf("group scan found %d processes (%v), want 3", len(tree), err)
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func copyTree(t *testing.T, src, dst string, keep func(string) bool) {
	t.Helper()
	err := filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !keep(path) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestParseMemInfoAndCPUInfo(t *testing.T) {
	t.Parallel()
	mi, err := parseMemInfo("MemTotal:       16000 kB\nMemFree: 10 kB\nMemAvailable:    8000 kB\nHugePages_Total: 0\n")
	if err != nil || mi.TotalBytes != 16000*1024 || mi.AvailableBytes != 8000*1024 {
		t.Errorf("got %+v, %v", mi, err)
	}
	if _, err := parseMemInfo("MemFree: 10 kB\n"); err == nil {
		t.Error("want an error without MemTotal")
	}
	arm := "processor\t: 0\nBogoMIPS\t: 48.00\n\nprocessor\t: 1\n\nHardware\t: BCM2835\nModel\t: Raspberry Pi 4\n"
	if ci := parseCPUInfo(arm); ci.CPUs != 2 || ci.Model != "BCM2835" {
		t.Errorf("arm cpuinfo: %+v", ci)
	}
	if got := parseChildren("12 13  14\n"); len(got) != 3 || got[2] != 14 {
		t.Errorf("children: %v", got)
	}
}
