package record

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeShard(t *testing.T, dir, spec string, results ...*Result) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, SpecFile), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := OpenWriter(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, r := range results {
		if err := w.Append(r); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMerge(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := func(id string, sec int) *Result {
		return &Result{Version: RecordVersion, Input: Input{Name: "clip"}, TrialID: id, Status: StatusOK, Start: t0.Add(time.Duration(sec) * time.Second)}
	}
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
	writeShard(t, a, "name = \"s\"\n", rec("x", 3), rec("y", 1))
	writeShard(t, b, "name = \"s\"\n", rec("z", 2))
	// A line cut by a crash in one shard is reported and skipped.
	f, _ := os.OpenFile(filepath.Join(b, ResultsFile), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"version":1,"trial`)
	f.Close()

	out := filepath.Join(root, "out")
	sum, warns, err := Merge(out, []string{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Records != 3 || len(warns) != 1 || warns[0].Line != 2 {
		t.Errorf("summary %+v, warnings %v", sum, warns)
	}
	got, _, err := ReadResults(filepath.Join(out, ResultsFile))
	if err != nil || len(got) != 3 || got[0].TrialID != "y" || got[1].TrialID != "z" || got[2].TrialID != "x" {
		t.Errorf("merged records not in start order: %v %v", got, err)
	}

	c := filepath.Join(root, "c")
	writeShard(t, c, "name = \"other\"\n", rec("w", 1))
	_, _, err = Merge(filepath.Join(root, "out2"), []string{a, c})
	if err == nil || !strings.Contains(err.Error(), "not shards of one sweep") {
		t.Errorf("merging different sweeps: %v", err)
	}
}

func TestLock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	unlock, err := Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Lock(dir)
	var le *LockedError
	if !errors.As(err, &le) || le.PID != os.Getpid() || !strings.Contains(err.Error(), "another sweep is writing to this folder") {
		t.Fatalf("second lock: %v", err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	unlock, err = Lock(dir)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	unlock()
}
