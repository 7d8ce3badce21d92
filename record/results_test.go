package record

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestResultsRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), ResultsFile)
	w, err := OpenWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := 0; i < 3; i++ {
		r := &Result{Version: RecordVersion, Input: Input{Name: "clip"}, TrialID: "abc", Round: i, Status: StatusOK, Start: start, End: start.Add(time.Second),
			Resources: Resources{CPUUtilMean: 0.5}, Series: &Series{Seconds: []float64{0.1}, CPUUtil: []float64{0.5}}}
		if err := w.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	got, warns, err := ReadResults(path)
	if err != nil || len(warns) > 0 || len(got) != 3 {
		t.Fatalf("got %d records, warnings %v, error %v", len(got), warns, err)
	}
	if got[2].Round != 2 || !got[0].Start.Equal(start) || got[1].Resources.CPUUtilMean != 0.5 || got[0].Series.CPUUtil[0] != 0.5 {
		t.Errorf("round trip lost data: %+v", got[2])
	}
}

func TestMalformedLines(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), ResultsFile)
	good := `{"version":1,"trial_id":"a","round":0,"status":"ok","input":{"name":"clip"}}`
	lines := []string{
		good,
		`{"version":1,"trial_id":"b","rou`, // cut by a power loss
		``,
		`{"version":99,"trial_id":"c","status":"ok"}`,
		`{"trial_id":"d","status":"ok"}`,
		`{"version":1,"status":"ok"}`,
		`not json at all`,
		strings.Replace(good, `"a"`, `"e"`, 1),
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, warns, err := ReadResults(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].TrialID != "a" || got[1].TrialID != "e" {
		t.Errorf("records %v, want a and e", got)
	}
	wantLines := []int{2, 4, 5, 6, 7}
	if len(warns) != len(wantLines) {
		t.Fatalf("warnings %v, want lines %v", warns, wantLines)
	}
	for i, w := range warns {
		if w.Line != wantLines[i] || !strings.HasPrefix(w.Error(), path+":") {
			t.Errorf("warning %d: %v, want line %d", i, w, wantLines[i])
		}
	}
	if !strings.Contains(warns[1].Msg, "newer") {
		t.Errorf("version warning: %v", warns[1])
	}
}

// TestAppendAfterCutLine: a line cut by a crash stays one malformed line;
// the next record is not glued to it.
func TestAppendAfterCutLine(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), ResultsFile)
	if err := os.WriteFile(path, []byte(`{"version":1,"trial_id":"a","round":0,"status":"ok","input":{"name":"clip"}}`+"\n"+`{"version":1,"tri`), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := OpenWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(&Result{Version: RecordVersion, Input: Input{Name: "clip"}, TrialID: "b", Status: StatusOK}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	got, warns, err := ReadResults(path)
	if err != nil || len(got) != 2 || len(warns) != 1 || warns[0].Line != 2 {
		t.Errorf("records %d, warnings %v, error %v; want 2 records and a warning at line 2", len(got), warns, err)
	}
}

func TestReadResultsMissing(t *testing.T) {
	t.Parallel()
	if _, _, err := ReadResults(filepath.Join(t.TempDir(), "nope.jsonl")); !os.IsNotExist(err) {
		t.Errorf("got %v, want not-exist", err)
	}
}

// TestDecoderSkipsBadLines: a line too long to read, and records with an
// unknown status, a negative or non-finite fps, or no input, are each one
// warning naming their line; the records around them are read.
func TestDecoderSkipsBadLines(t *testing.T) {
	t.Parallel()
	good := func(id string) string {
		return `{"version":1,"trial_id":"` + id + `","status":"ok","input":{"name":"clip"},"metrics":{"fps":10}}`
	}
	lines := []string{
		good("a"),
		`{"version":1,"trial_id":"b","status":"ok","input":{"name":"clip"},"x":"` + strings.Repeat("y", 3000) + `"}`,
		`{"version":1,"trial_id":"c","status":"done","input":{"name":"clip"}}`,
		`{"version":1,"trial_id":"d","status":"ok","input":{"name":"clip"},"metrics":{"fps":-1}}`,
		`{"version":1,"trial_id":"e","status":"ok","input":{"name":"clip"},"metrics":{"fps":1e999}}`,
		`{"version":1,"trial_id":"f","status":"ok"}`,
		good("g"),
	}
	d := NewDecoder(strings.NewReader(strings.Join(lines, "\n")), "r.jsonl")
	d.maxLine = 1024 // the real bound is 64 MiB; the rule is the same
	got, warns, err := DecodeAll(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].TrialID != "a" || got[1].TrialID != "g" {
		t.Fatalf("records %v, want a and g", got)
	}
	want := []string{"r.jsonl:2: line longer than 1024 bytes", "r.jsonl:3: record has an unknown status", "r.jsonl:4: record has fps -1",
		"r.jsonl:5: malformed record", "r.jsonl:6: record has no input"}
	if len(warns) != len(want) {
		t.Fatalf("warnings %v, want %d", warns, len(want))
	}
	for i, w := range warns {
		if !strings.HasPrefix(w.Error(), want[i]) {
			t.Errorf("warning %d: %q, want it to start %q", i, w, want[i])
		}
	}
}
