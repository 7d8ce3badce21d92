package plan

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMachineSnapshots reads MemAvailable and the last-level cache from
// the recorded machines under testdata/ (see its README).
func TestMachineSnapshots(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		avail    int64
		availErr string
		cache    int64
		cacheSrc string
	}{
		{name: "vm", avail: 23259372 << 10, cache: 8 << 20, cacheSrc: "cache size assumed (no sysfs cache info)"},
		{name: "xeon", avail: 498114236 << 10, cache: 107520 << 10, cacheSrc: "L3 cache (sysfs)"},
		{name: "arm", avail: 61872012 << 10, cache: 1 << 20, cacheSrc: "L2 cache (sysfs)"},
		{name: "oldkernel", availErr: "meminfo: no MemAvailable line", cache: 8 << 20, cacheSrc: "cache size assumed (no sysfs cache info)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := Machine{Root: filepath.Join("testdata", tc.name)}
			avail, err := m.MemAvailable()
			if tc.availErr != "" {
				if err == nil || err.Error() != tc.availErr {
					t.Errorf("MemAvailable = %d, %v; want error %q", avail, err, tc.availErr)
				}
			} else if err != nil || avail != tc.avail {
				t.Errorf("MemAvailable = %d, %v; want %d", avail, err, tc.avail)
			}
			if n, src := m.LastLevelCache(); n != tc.cache || src != tc.cacheSrc {
				t.Errorf("LastLevelCache = %d, %q; want %d, %q", n, src, tc.cache, tc.cacheSrc)
			}
		})
	}
}

// TestMachineRoot: files are read under Root, and a missing one is the
// file system's error, naming the file.
func TestMachineRoot(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	_, err := Machine{Root: root}.MemAvailable()
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), filepath.Join(root, "proc", "meminfo")) {
		t.Errorf("MemAvailable under an empty root: %v", err)
	}
	if got := (Machine{}).path("proc/meminfo"); got != "/proc/meminfo" {
		t.Errorf("the default root reads %s", got)
	}
	// A cache folder the kernel left half written (no size) is skipped.
	dir := filepath.Join(root, filepath.FromSlash(cacheDir))
	for i, files := range []map[string]string{{"level": "2\n", "size": "512K\n"}, {"level": "3\n"}} {
		d := filepath.Join(dir, "index"+string(rune('0'+i)))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, v := range files {
			if err := os.WriteFile(filepath.Join(d, name), []byte(v), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n, src := (Machine{Root: root}).LastLevelCache(); n != 512<<10 || src != "L2 cache (sysfs)" {
		t.Errorf("LastLevelCache = %d, %q; want the L2's 512 KiB", n, src)
	}
}
