package sweeps

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ftbench/ftbench/pipeline/config"
)

// Error is a problem in a spec, located at a line and a field.
type Error struct {
	File  string
	Line  int    // 0 when unknown
	Field string // dotted key path: "axes.batch", "input.0.video"; empty for the whole file
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %q", e.Field)
	}
	b.WriteString(": " + config.OneLine(e.Msg))
	return b.String()
}

// ErrorList is every problem found in a spec, in line order.
type ErrorList []*Error

func (l ErrorList) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Unwrap lets errors.As find the individual errors.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// parser reads the values of a decoded spec, collecting an Error, located
// at the field's line, for every value that is not what the spec wants.
type parser struct {
	file  string
	dir   string
	lines keyLines
	errs  ErrorList
	// recorded: the spec is a sweep folder's copy; inputs may be gone.
	recorded bool
}

func (p *parser) errf(field, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: p.lines.line(field), Field: field, Msg: fmt.Sprintf(format, args...)})
}

// sorted returns the errors in line order (errors on one line keep the
// order they were found in).
func (p *parser) sorted() ErrorList {
	sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].Line < p.errs[j].Line })
	return p.errs
}

func (p *parser) str(field string, v any) string {
	s, ok := v.(string)
	if !ok {
		p.errf(field, "want a string, got %s", describe(v))
	}
	return s
}

func (p *parser) boolean(field string, v any) bool {
	b, ok := v.(bool)
	if !ok {
		p.errf(field, "want true or false, got %s", describe(v))
	}
	return b
}

// duration reads a positive Go duration ("90s"); want says what is wanted
// when it is not one.
func (p *parser) duration(field string, v any, want string) (time.Duration, bool) {
	txt := p.str(field, v)
	d, err := time.ParseDuration(txt)
	if err != nil || d <= 0 {
		p.errf(field, "%q is not %s", txt, want)
		return 0, false
	}
	return d, true
}

func (p *parser) integer(field string, v any) (int64, bool) {
	n, ok := v.(int64)
	if !ok {
		p.errf(field, "want an integer, got %s", describe(v))
	}
	return n, ok
}

// minMemoryLimit is the smallest memory limit a spec may set: below it
// ftbench cannot even load.
const minMemoryLimit = 256 << 20

// size parses a byte size: an integer of bytes, or a number with a B, KiB,
// MiB or GiB suffix.
func (p *parser) size(field string, v any) int64 {
	var n float64
	switch x := v.(type) {
	case int64:
		n = float64(x)
	case string:
		f, ok := sizeText(x)
		if !ok {
			p.errf(field, "%q is not a size such as \"4GiB\"", x)
			return 0
		}
		n = f
	default:
		p.errf(field, "want a size such as \"4GiB\", got %s", describe(v))
		return 0
	}
	if n != 0 && n < minMemoryLimit {
		p.errf(field, "%.0f bytes is too little for ftbench to run; give at least 256MiB (4GiB for 1080p)", n)
		return 0
	}
	if n > math.MaxInt64/2 {
		p.errf(field, "%.0f bytes is too large", n)
		return 0
	}
	return int64(n)
}

// sizeText reads the bytes a size such as "4GiB" or "512" says.
func sizeText(s string) (float64, bool) {
	t := strings.TrimSpace(s)
	mult := 1.0
	for _, u := range []struct {
		suffix string
		m      float64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.m
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f * mult, true
}

// ParseSize parses a byte size as a spec's memory_limit does ("4GiB",
// "512MiB", a plain number of bytes; "0" = no limit).
func ParseSize(text string) (int64, error) {
	p := &parser{file: "--memory-limit"}
	n := p.size("memory_limit", text)
	if len(p.errs) > 0 {
		return 0, errors.New(p.errs[0].Msg)
	}
	return n, nil
}

// describe names a TOML value's type and value for messages.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", x)
	case int64:
		return fmt.Sprintf("the integer %d", x)
	case float64:
		return fmt.Sprintf("the float %g", x)
	case bool:
		return fmt.Sprintf("the boolean %t", x)
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	case []map[string]any:
		return "an array of tables"
	default:
		return fmt.Sprintf("%T", v)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// closest returns the names within a small edit distance of s.
func closest(s string, names []string) []string {
	var out []string
	limit := max(2, len(s)/4)
	for _, n := range names {
		if editDistance(s, n) <= limit {
			out = append(out, n)
		}
	}
	if len(out) > 5 {
		return nil
	}
	return out
}

// editDistance is the Levenshtein distance between a and b, counting an
// adjacent transposition as one edit (the common typo).
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
