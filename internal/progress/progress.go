// Package progress draws one status line on a terminal: the frame bar of
// `ftbench run` and the run counter of `ftbench sweep`.
//
// A Bar is drawn only where a person watches: stderr must be a terminal
// and TERM must not be "dumb". Everywhere else New returns nil, and every
// method of a nil *Bar does nothing, so callers never test for it.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// maxWidth is the longest line Draw writes; longer ones end in "...".
const maxWidth = 110

// Bar redraws one line in place on a terminal.
type Bar struct {
	w     io.Writer
	drawn bool
}

// New returns a Bar on w, or nil when w is not a terminal or TERM is
// "dumb" (a CI log or an editor's shell would keep every redraw).
func New(w io.Writer) *Bar {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return nil
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return &Bar{w: w}
}

// Draw replaces the line with line, cut to maxWidth characters.
func (b *Bar) Draw(line string) {
	if b == nil {
		return
	}
	if len(line) > maxWidth {
		line = line[:maxWidth-3] + "..."
	}
	fmt.Fprintf(b.w, "\r\033[K%s", line)
	b.drawn = true
}

// Frames draws a frame counter: a bar with the ETA when total is known
// (> 0), else the frames done and the rate.
func (b *Bar) Frames(done, total int, fps float64) {
	if b == nil {
		return
	}
	b.Draw(FramesLine(done, total, fps))
}

// FramesLine is the line Frames draws.
func FramesLine(done, total int, fps float64) string {
	const width = 30
	if total <= 0 {
		return fmt.Sprintf("%6d frames  %6.1f frames/s", done, fps)
	}
	frac := min(float64(done)/float64(total), 1)
	n := int(frac * width)
	eta := "?"
	if fps > 0 {
		eta = (time.Duration(float64(total-done) / fps * float64(time.Second))).Round(time.Second).String()
	}
	return fmt.Sprintf("[%s%s] %d/%d  %.1f frames/s  ETA %s", strings.Repeat("=", n), strings.Repeat(" ", width-n), done, total, fps, eta)
}

// Note writes a line of its own, only when the bar is shown (a remark
// meant for the person watching, such as what is not sampled).
func (b *Bar) Note(line string) {
	if b != nil {
		fmt.Fprintln(b.w, line)
	}
}

// Clear erases the line, if anything was drawn.
func (b *Bar) Clear() {
	if b != nil && b.drawn {
		fmt.Fprint(b.w, "\r\033[K")
	}
}
