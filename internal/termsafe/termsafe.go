// Package termsafe escapes control characters in text bound for a
// terminal: a spec's name, description, labels or input names could
// otherwise move the cursor, recolour the screen or hide lines.
package termsafe

import (
	"io"
	"strconv"
	"strings"
	"unicode"
)

// String returns s with every control character but newline and tab
// written as a Go escape ("\x1b", "\r").
func String(s string) string {
	if !strings.ContainsFunc(s, unsafe) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unsafe(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func unsafe(r rune) bool { return r != '\n' && r != '\t' && unicode.IsControl(r) }

// Writer returns a writer that escapes, as String does, what it passes
// on to w. It reports len(p) written when w took all of the escaped text.
func Writer(w io.Writer) io.Writer { return writer{w} }

type writer struct{ w io.Writer }

func (e writer) Write(p []byte) (int, error) {
	// Note: a rune split across two writes is escaped as two invalid
	// bytes: harmless, and the writers here print whole lines.
	if _, err := io.WriteString(e.w, String(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
