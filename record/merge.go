package record

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/ftbench/ftbench/internal/atomicfile"
)

// SpecFile is the name of the copy of the sweep spec in an output folder.
const SpecFile = "spec.toml"

// MergeSummary counts what Merge did.
type MergeSummary struct {
	Records    int // written
	Duplicates int // identical records seen in more than one folder, written once
}

// Merge joins the results of shard folders into dst: every record of every
// src's results.jsonl, written once each in start order, and the spec the
// shards share. Malformed lines are skipped and returned as warnings.
// dst must not hold results yet; the shards must have run the same spec.
func Merge(dst string, srcs []string) (MergeSummary, []*SyntaxError, error) {
	var sum MergeSummary
	if len(srcs) == 0 {
		return sum, nil, errors.New("no folders to merge")
	}
	out := filepath.Join(dst, ResultsFile)
	if _, err := os.Stat(out); err == nil {
		return sum, nil, fmt.Errorf("%s already exists; merge into a new folder", out)
	}
	var spec []byte
	specFrom := ""
	for _, src := range srcs {
		data, err := os.ReadFile(filepath.Join(src, SpecFile))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return sum, nil, err
		}
		if spec == nil {
			spec, specFrom = data, filepath.Join(src, SpecFile)
		} else if !bytes.Equal(spec, data) {
			return sum, nil, fmt.Errorf("%s differs from %s: these folders are not shards of one sweep", filepath.Join(src, SpecFile), specFrom)
		}
	}
	type rec struct {
		r    *Result
		line []byte
	}
	var (
		recs  []rec
		warns []*SyntaxError
		seen  = map[string]bool{}
	)
	for _, src := range srcs {
		path := filepath.Join(src, ResultsFile)
		f, err := os.Open(path)
		if err != nil {
			return sum, warns, err
		}
		d := NewDecoder(f, path)
		for {
			r, err := d.Decode()
			var se *SyntaxError
			if errors.As(err, &se) {
				warns = append(warns, se)
				continue
			}
			if err != nil {
				f.Close()
				if err == io.EOF {
					break
				}
				return sum, warns, err
			}
			if seen[string(d.Raw())] {
				sum.Duplicates++
				continue
			}
			seen[string(d.Raw())] = true
			recs = append(recs, rec{r, bytes.Clone(d.Raw())})
		}
	}
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].r.Start.Before(recs[j].r.Start) })
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return sum, warns, err
	}
	if spec != nil {
		if err := atomicfile.WriteFile(filepath.Join(dst, SpecFile), spec); err != nil {
			return sum, warns, err
		}
	}
	w, err := OpenWriter(out)
	if err != nil {
		return sum, warns, err
	}
	var buf bytes.Buffer
	for _, r := range recs {
		buf.Write(r.line)
		buf.WriteByte('\n')
	}
	if err := w.AppendLine(buf.Bytes()); err != nil {
		w.Close()
		return sum, warns, err
	}
	sum.Records = len(recs)
	return sum, warns, w.Close()
}
