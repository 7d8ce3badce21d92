package plan

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Machine is where the planners read the machine's memory and caches.
//
// Note: as node_exporter's --path.procfs, every file is read under Root,
// and reading is kept apart from parsing (parseMemAvailable,
// parseCacheSize), so the planners are tested on recorded snapshots.
type Machine struct {
	// Root is the folder proc/ and sys/ are read under: "/" (or "") for
	// this machine, a recorded snapshot in tests.
	Root string
	// GPU returns the device's free and total memory; nil when the build
	// has no GPU backend.
	GPU func() (free, total int64, err error)
}

// cacheDir is where the kernel describes cpu0's caches, one index*
// folder per cache.
const cacheDir = "sys/devices/system/cpu/cpu0/cache"

// path returns the machine's file rel (a slash path without the leading
// slash) under Root.
func (m Machine) path(rel string) string {
	root := m.Root
	if root == "" {
		root = "/"
	}
	return filepath.Join(root, filepath.FromSlash(rel))
}

// MemAvailable returns the machine's MemAvailable, from proc/meminfo.
func (m Machine) MemAvailable() (int64, error) {
	f, err := os.Open(m.path("proc/meminfo"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseMemAvailable(f)
}

// parseMemAvailable reads MemAvailable from a /proc/meminfo-formatted
// reader.
func parseMemAvailable(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemAvailable:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("meminfo: bad MemAvailable %q", f[1])
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("meminfo: no MemAvailable line")
}

// LastLevelCache returns the size of the CPU's largest cache, from sysfs,
// or 8 MiB when the kernel does not say, and where the figure came from.
func (m Machine) LastLevelCache() (int64, string) {
	dirs, _ := filepath.Glob(filepath.Join(m.path(cacheDir), "index*"))
	best, level := int64(0), 0
	for _, d := range dirs {
		lv, err1 := os.ReadFile(filepath.Join(d, "level"))
		sz, err2 := os.ReadFile(filepath.Join(d, "size"))
		if err1 != nil || err2 != nil {
			continue
		}
		l, _ := strconv.Atoi(strings.TrimSpace(string(lv)))
		n, ok := parseCacheSize(strings.TrimSpace(string(sz)))
		if ok && (l > level || l == level && n > best) {
			best, level = n, l
		}
	}
	if best == 0 {
		return 8 << 20, "cache size assumed (no sysfs cache info)"
	}
	return best, fmt.Sprintf("L%d cache (sysfs)", level)
}

// parseCacheSize reads sysfs cache sizes: "32768K", "2048K", "1M".
func parseCacheSize(s string) (int64, bool) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, s[:len(s)-1]
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, s[:len(s)-1]
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n * mult, true
}
