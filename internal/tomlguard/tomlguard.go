// Package tomlguard checks a TOML file's size and nesting before it reaches
// the decoder: specs, configs and gate rules are small and flat, and the
// decoder's time and memory grow badly with nesting (10,000 nested inline
// tables, a 40 KB file, took 12.5 s and 4 GB; 20,000 killed the process).
package tomlguard

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Error is a file too large or too deep: Line is where the nesting went
// too deep (0 for the size).
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// MaxBytes is the largest TOML file ftbench reads. The shipped specs are a
// few KiB; a 1 MiB spec is a mistake or an attack.
const MaxBytes = 1 << 20

// MaxDepth is the deepest nesting accepted: table-header segments plus
// dotted-key segments plus open arrays and inline tables. ftbench's files
// need 4 (a gate rule's [trial."x"] max_regression = { fps = "10%" }).
const MaxDepth = 32

// Check returns an *Error when data is larger than
// MaxBytes or nests deeper than MaxDepth; nil otherwise. It reads the text
// as TOML's lexer would (strings, literal strings, multi-line strings and
// comments are skipped), without building anything, so its cost is linear
// in the file's size. A file it accepts may still be invalid TOML: the
// decoder says so.
func Check(data []byte) *Error {
	if len(data) > MaxBytes {
		return &Error{Msg: fmt.Sprintf("the file is %d bytes; at most %d are read", len(data), MaxBytes)}
	}
	var (
		line    = 1
		header  int   // segments of the last [table] header
		inHead  bool  // inside a [table] or [[table]] header
		cur     int   // dots in the key of the key-value being read
		outer   []int // cur of each enclosing array or inline table
		sum     int   // the sum of outer
		atStart = true
	)
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '\n':
			line++
			if len(outer) == 0 {
				cur = 0
			}
			atStart = true
			continue
		case c == '#':
			for i < len(data) && data[i] != '\n' {
				i++
			}
			i--
			continue
		case c == '"' || c == '\'':
			end, lines := skipString(data, i)
			line += lines
			i = end
			atStart = false
			continue
		case c == ' ' || c == '\t' || c == '\r':
			continue
		}
		switch c {
		case '[', '{':
			if c == '[' && atStart && len(outer) == 0 {
				inHead, header = true, 1
				if i+1 < len(data) && data[i+1] == '[' {
					i++
				}
				break
			}
			outer = append(outer, cur)
			sum += cur
			cur = 0
		case ']', '}':
			if c == ']' && inHead {
				inHead = false
				if i+1 < len(data) && data[i+1] == ']' {
					i++
				}
			} else if n := len(outer); n > 0 {
				cur = outer[n-1]
				sum -= cur
				outer = outer[:n-1]
			}
		case '.':
			if inHead {
				header++
			} else {
				cur++
			}
		case ',':
			cur = 0
		}
		atStart = false
		if depth := header + sum + cur + len(outer); depth > MaxDepth {
			return &Error{Line: line, Msg: fmt.Sprintf("nested more than %d levels deep", MaxDepth)}
		}
	}
	return nil
}

// skipString returns the index of the last byte of the string starting at
// data[i] (a quote), and the newlines inside it. An unterminated string
// runs to the end; the decoder reports it.
func skipString(data []byte, i int) (end, lines int) {
	q := data[i]
	multi := i+2 < len(data) && data[i+1] == q && data[i+2] == q
	j := i + 1
	if multi {
		j = i + 3
	}
	for ; j < len(data); j++ {
		c := data[j]
		switch {
		case c == '\\' && q == '"':
			j++
			if j < len(data) && data[j] == '\n' {
				lines++
			}
		case c == '\n':
			lines++
			if !multi {
				return j - 1, lines - 1
			}
		case c == q && !multi:
			return j, lines
		case c == q && multi && j+2 < len(data) && data[j+1] == q && data[j+2] == q:
			// Up to two more quotes may close it ("""a"""" ends with a quote).
			for j+3 < len(data) && data[j+3] == q {
				j++
			}
			return j + 2, lines
		}
	}
	return len(data) - 1, lines
}

// ReadFile reads a TOML file that Check may then take: it refuses what is
// not a regular file (a FIFO would block forever, a device never end) and
// reads at most MaxBytes+1 bytes, so a huge file is refused without being
// read whole. Errors name the file.
func ReadFile(path, what string) ([]byte, error) {
	// Note: stat before open: open(2) of a FIFO blocks until a writer
	// comes, where no signal but SIGKILL reaches the process.
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: cannot read %s: not a regular file", path, what)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read %s: %w", path, what, unwrapPath(err))
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, fmt.Errorf("%s: cannot read %s: %w", path, what, unwrapPath(err))
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: cannot read %s: not a regular file", path, what)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read %s: %w", path, what, unwrapPath(err))
	}
	return data, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
