package progress

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
)

func TestNewOnlyOnATerminal(t *testing.T) {
	// Note: /dev/null is a character device, as a terminal is.
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer devNull.Close()
	pipeR, pipeW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pipeR.Close()
	defer pipeW.Close()
	tests := []struct {
		name string
		w    io.Writer
		term string
		want bool
	}{
		{"character device", devNull, "xterm", true},
		{"TERM=dumb", devNull, "dumb", false},
		{"pipe", pipeW, "xterm", false},
		{"buffer", &bytes.Buffer{}, "xterm", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("TERM", tt.term)
			if b := New(tt.w); (b != nil) != tt.want {
				t.Errorf("New = %v, want a bar: %v", b, tt.want)
			}
		})
	}
}

func TestNilBarDoesNothing(t *testing.T) {
	t.Parallel()
	var b *Bar
	b.Draw("x")
	b.Frames(1, 2, 3)
	b.Note("x")
	b.Clear()
}

func TestDraw(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	b := &Bar{w: &buf}
	b.Clear()
	if buf.Len() != 0 {
		t.Errorf("Clear before any Draw wrote %q", buf.String())
	}
	b.Draw(strings.Repeat("x", 200))
	want := "\r\033[K" + strings.Repeat("x", 107) + "..."
	if buf.String() != want {
		t.Errorf("Draw wrote %q, want %q", buf.String(), want)
	}
	buf.Reset()
	b.Clear()
	if buf.String() != "\r\033[K" {
		t.Errorf("Clear wrote %q", buf.String())
	}
}

func TestFramesLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		done, total int
		fps         float64
		want        string
	}{
		{"unknown total", 42, 0, 10, "    42 frames    10.0 frames/s"},
		{"half", 50, 100, 10, "[===============               ] 50/100  10.0 frames/s  ETA 5s"},
		{"no rate yet", 0, 100, 0, "[                              ] 0/100  0.0 frames/s  ETA ?"},
	}
	for _, tt := range tests {
		if got := FramesLine(tt.done, tt.total, tt.fps); got != tt.want {
			t.Errorf("%s: FramesLine = %q, want %q", tt.name, got, tt.want)
		}
	}
}
