package record

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ftbench/ftbench/internal/testutil"
)

// FuzzDecoder feeds arbitrary bytes to the results decoder, as a torn,
// edited or hostile results.jsonl. It must never panic; every record it
// returns carries a version it reads, a trial id, a known status, an input
// and, when it has metrics, a finite fps >= 0; a line longer than the
// decoder's bound (set to 4 KiB here) is a warning, not an end; syntax
// errors name lines in increasing order; every record it returns can be
// written again (merge and resume do) and read back to the same record.
func FuzzDecoder(f *testing.F) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	good, _ := json.Marshal(&Result{Version: RecordVersion, Input: Input{Name: "clip"}, TrialID: "abc", Label: "batch=8", Axes: map[string]any{"batch": 8},
		Round: 1, Status: StatusOK, Start: start, End: start.Add(time.Second),
		Resources: Resources{CPUUtilMean: 0.5}, Series: &Series{Seconds: []float64{0.1}, CPUUtil: []float64{0.5}}})
	f.Add(append(append(good, '\n'), good[:len(good)/2]...))
	f.Add([]byte("\n\n{}\n{\"version\":2,\"trial_id\":\"x\",\"status\":\"ok\"}\n{\"version\":1,\"trial_id\":\"x\",\"status\":\"failed\",\"exit_code\":-1,\"signal\":\"killed\"}\n"))
	f.Add([]byte("{\"version\":1,\"trial_id\":\"x\",\"status\":\"ok\",\"input\":{\"name\":\"c\"},\"metrics\":{\"fps\":-0.5}}\n{\"version\":1,\"trial_id\":\"y\",\"status\":\"what\",\"input\":{\"video\":\"v\"}}\n"))
	f.Add([]byte("{\"version\":1,\"trial_id\":\"x\",\"status\":\"ok\",\"metrics\":{\"frames\":3,\"fps\":1e308},\"start\":\"bad\"}\n"))
	for _, dir := range []string{"../out/sweep", "testdata"} {
		if data, err := os.ReadFile(filepath.Join(dir, ResultsFile)); err == nil {
			// Seed with the first few records only: a real file is megabytes.
			sc := bufio.NewScanner(bytes.NewReader(data))
			sc.Buffer(nil, maxLine)
			for i := 0; i < 3 && sc.Scan(); i++ {
				f.Add(bytes.Clone(sc.Bytes()))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		defer testutil.Watchdog(10*time.Second, "Decoder")()
		d := NewDecoder(bytes.NewReader(data), "fuzz.jsonl")
		d.maxLine = 4096
		got, warns, err := DecodeAll(d)
		if err != nil {
			t.Fatalf("a byte stream gave an I/O error: %v", err)
		}
		last := 0
		for _, w := range warns {
			if w.Line <= last {
				t.Fatalf("syntax errors out of order: line %d after %d", w.Line, last)
			}
			last = w.Line
		}
		if len(got) == 0 {
			return
		}
		var buf bytes.Buffer
		for _, r := range got {
			if r.Version < 1 || r.Version > RecordVersion || r.TrialID == "" || !r.Status.Known() || r.Input.Name == "" && r.Input.Video == "" {
				t.Fatalf("accepted record version %d trial %q status %q input %+v", r.Version, r.TrialID, r.Status, r.Input)
			}
			if m := r.Metrics; m != nil && !(m.FPS >= 0 && !math.IsInf(m.FPS, 0)) {
				t.Fatalf("accepted record with fps %g", m.FPS)
			}
			if len(d.Raw()) > 4096 {
				t.Fatalf("a line of %d bytes was read past the bound", len(d.Raw()))
			}
			line, err := json.Marshal(r)
			if err != nil {
				t.Fatalf("accepted record does not encode again: %v", err)
			}
			buf.Write(line)
			buf.WriteByte('\n')
		}
		again, warns, err := DecodeAll(NewDecoder(&buf, "again.jsonl"))
		if err != nil || len(warns) > 0 || len(again) != len(got) {
			t.Fatalf("re-encoded records read back as %d of %d, warnings %v, error %v", len(again), len(got), warns, err)
		}
		for i := range got {
			a, _ := json.Marshal(got[i])
			b, _ := json.Marshal(again[i])
			if !bytes.Equal(a, b) {
				t.Fatalf("record %d changed in a round trip:\n%s\n%s", i, a, b)
			}
		}
	})
}

// TestDecoderTornTail: a record cut anywhere gives the records before it
// and at most one warning, never an error.
func TestDecoderTornTail(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	line, _ := json.Marshal(&Result{Version: RecordVersion, Input: Input{Name: "clip"}, TrialID: "abc", Status: StatusOK, Start: start, End: start})
	full := append(append(line, '\n'), line...)
	for cut := len(line) + 1; cut <= len(full); cut++ {
		got, warns, err := DecodeAll(NewDecoder(bytes.NewReader(full[:cut]), "r.jsonl"))
		want := 1
		if cut == len(full) {
			want = 2
		}
		if err != nil || len(got) != want || len(warns) > 1 {
			t.Fatalf("cut at %d: %d records, warnings %v, error %v", cut, len(got), warns, err)
		}
		var se *SyntaxError
		if len(warns) == 1 && (!errors.As(error(warns[0]), &se) || se.Line != 2) {
			t.Fatalf("cut at %d: warning %v", cut, warns[0])
		}
	}
	_ = io.EOF
}
