package termsafe

import (
	"bytes"
	"testing"
)

// TestString: escape sequences, carriage returns and NULs are shown, not
// obeyed; newlines, tabs and non-ASCII text pass.
func TestString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"plain name", "plain name"},
		{"\x1b[2Jcleared", `\x1b[2Jcleared`},
		{"over\rwrite", `over\rwrite`},
		{"nul\x00", `nul\x00`},
		{"two\nlines\tand tab", "two\nlines\tand tab"},
		{"visage é", "visage é"},
	} {
		if got := String(tc.in); got != tc.want {
			t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
		}
		var b bytes.Buffer
		if n, err := Writer(&b).Write([]byte(tc.in)); err != nil || n != len(tc.in) || b.String() != tc.want {
			t.Errorf("Writer(%q) wrote %q (%d, %v)", tc.in, b.String(), n, err)
		}
	}
}
