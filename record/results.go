package record

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// ResultsFile is the name of the record file in a sweep's output folder.
const ResultsFile = "results.jsonl"

// maxLine bounds one record line; a run's time series is thinned well
// below it.
const maxLine = 64 << 20

// Writer appends results to a results.jsonl file, one line each, and syncs
// the file to disk before returning so that a power loss or a SIGKILL right
// after Append loses nothing that Append reported written.
type Writer struct {
	f *os.File
}

// OpenWriter opens (creating it if needed) a results file for appending.
//
// Note: if the file's last line was cut (a crash mid-write), a newline is
// added first so the cut line stays one malformed line instead of swallowing
// the next record.
func OpenWriter(path string) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o666)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: cannot append records: not a regular file", path)
	} else if err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if last[0] != '\n' {
			if _, err := f.Write([]byte("\n")); err != nil {
				f.Close()
				return nil, fmt.Errorf("%s: %w", path, err)
			}
		}
	}
	return &Writer{f: f}, nil
}

// Append writes r as one line and syncs the file.
func (w *Writer) Append(r *Result) error {
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encoding result %s round %d: %w", r.TrialID, r.Round, err)
	}
	return w.AppendLine(line)
}

// AppendLine writes one already encoded record and syncs the file.
func (w *Writer) AppendLine(line []byte) error {
	line = append(bytes.TrimRight(line, "\n"), '\n')
	end, err := w.f.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("%s: %w", w.f.Name(), err)
	}
	if _, err := w.f.Write(line); err != nil {
		// Note: a full disk takes the part of the line that fits (ENOSPC
		// comes with the next write); cut it off so the file holds whole
		// records only.
		w.f.Truncate(end)
		return fmt.Errorf("%s: %w", w.f.Name(), err)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("%s: %w", w.f.Name(), err)
	}
	return nil
}

// Close closes the file.
func (w *Writer) Close() error { return w.f.Close() }

// SyntaxError is a malformed record: reported with its place and skipped.
type SyntaxError struct {
	File string
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// Decoder reads result records from a results.jsonl stream.
type Decoder struct {
	name    string
	r       *bufio.Reader
	line    int
	raw     []byte
	maxLine int
}

// NewDecoder returns a decoder reading r; name is used in SyntaxErrors.
func NewDecoder(r io.Reader, name string) *Decoder {
	return &Decoder{name: name, r: bufio.NewReaderSize(r, 64<<10), maxLine: maxLine}
}

// Decode returns the next record. At the end it returns io.EOF. A line
// that is not a record it reads (malformed, too long, of a newer version,
// or with an unknown status, a negative or non-finite fps, or no input)
// gives a *SyntaxError naming its line, after which decoding goes on; any
// other error is an I/O failure.
func (d *Decoder) Decode() (*Result, error) {
	for {
		line, tooLong, err := d.next()
		if err != nil {
			return nil, err
		}
		d.line++
		if tooLong {
			return nil, d.syntax("line longer than %d bytes, skipped", d.maxLine)
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		d.raw = append(d.raw[:0], line...)
		var r Result
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, d.syntax("malformed record: %v", err)
		}
		if msg := check(&r); msg != "" {
			return nil, d.syntax("%s", msg)
		}
		return &r, nil
	}
}

// check returns why a decoded record is not one ftbench can use, or "".
func check(r *Result) string {
	switch {
	case r.Version == 0:
		return "record has no version"
	case r.Version > RecordVersion:
		return fmt.Sprintf("record version %d is newer than this ftbench reads (%d)", r.Version, RecordVersion)
	case r.TrialID == "":
		return "record has no trial_id"
	case r.Status == "":
		return "record has no status"
	case !r.Status.Known():
		return fmt.Sprintf("record has an unknown status %q", r.Status)
	case r.Input.Name == "" && r.Input.Video == "":
		return "record has no input"
	case r.Metrics != nil && (r.Metrics.FPS < 0 || math.IsInf(r.Metrics.FPS, 0) || math.IsNaN(r.Metrics.FPS)):
		return fmt.Sprintf("record has fps %g; want a finite number >= 0", r.Metrics.FPS)
	}
	return ""
}

// next returns the next line without its newline, or io.EOF after the
// last. A line longer than maxLine is read to its end and dropped:
// tooLong says so, and memory stays bounded by maxLine.
func (d *Decoder) next() (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		part, err := d.r.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(part) > d.maxLine+1 {
				tooLong, buf = true, nil
			} else {
				buf = append(buf, part...)
			}
		}
		switch {
		case err == nil:
			return bytes.TrimSuffix(buf, []byte("\n")), tooLong, nil
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF:
			if len(buf) == 0 && !tooLong {
				return nil, false, io.EOF
			}
			return buf, tooLong, nil
		default:
			return nil, false, fmt.Errorf("%s: %w", d.name, err)
		}
	}
}

// Raw returns the bytes of the line the last Decode read, valid until the
// next call.
func (d *Decoder) Raw() []byte { return d.raw }

func (d *Decoder) syntax(format string, args ...any) error {
	return &SyntaxError{File: d.name, Line: d.line, Msg: fmt.Sprintf(format, args...)}
}

// ReadResults reads every well-formed record of a results file. Malformed
// lines come back as warnings; only failing to read the file is an error.
// A missing file is an error satisfying errors.Is(err, fs.ErrNotExist).
func ReadResults(path string) ([]*Result, []*SyntaxError, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return DecodeAll(NewDecoder(f, path))
}

// DecodeAll reads every record of d, collecting syntax errors as warnings.
func DecodeAll(d *Decoder) ([]*Result, []*SyntaxError, error) {
	var (
		out  []*Result
		warn []*SyntaxError
	)
	for {
		r, err := d.Decode()
		var se *SyntaxError
		switch {
		case err == io.EOF:
			return out, warn, nil
		case errors.As(err, &se):
			warn = append(warn, se)
		case err != nil:
			return out, warn, err
		default:
			out = append(out, r)
		}
	}
}
