package testutil

import (
	"image"
	_ "image/jpeg" // the photos tests read
	_ "image/png"
	"os"
	"testing"
)

// Gray decodes the photo at path to 8-bit luma (BT.601 weights), w x h,
// row by row without padding. A missing file fails the test.
func Gray(t testing.TB, path string) (pix []byte, w, h int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := img.Bounds()
	w, h = b.Dx(), b.Dy()
	pix = make([]byte, w*h)
	for y := range h {
		for x := range w {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			pix[y*w+x] = uint8((299*r + 587*g + 114*bl) / 1000 >> 8)
		}
	}
	return pix, w, h
}
