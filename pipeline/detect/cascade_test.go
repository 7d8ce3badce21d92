package detect

import (
	"encoding/binary"
	_ "image/jpeg"
	"math"
	"math/rand"
	"reflect"
	"testing"

	pigo "github.com/esimov/pigo/core"

	"github.com/ftbench/ftbench/internal/testutil"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/geom"
)

// grayFixture loads pigo's sample photo as an 8-bit grey image scaled to
// width w (nearest neighbour), with a stride larger than the width so that
// stride handling is exercised.
func grayFixture(t testing.TB, w int) Luma {
	t.Helper()
	path, err := PigoModuleFile("testdata/sample.jpg")
	if err != nil {
		t.Skipf("pigo sample photo unavailable: %v", err)
	}
	full, fw, fh := testutil.Gray(t, path)
	h := fh * w / fw
	stride := w + 13
	pix := make([]byte, stride*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			pix[y*stride+x] = full[(y*fh/h)*fw+x*fw/w]
		}
	}
	return Luma{Pix: pix, W: w, H: h, Stride: stride, Scale: float64(fw) / float64(w)}
}

func loadTestCascade(t testing.TB) (*Cascade, *pigo.Pigo) {
	t.Helper()
	c, data, err := LoadCascade("")
	if err != nil {
		t.Skipf("cascade unavailable: %v", err)
	}
	ref, err := pigo.NewPigo().Unpack(data)
	if err != nil {
		t.Fatal(err)
	}
	return c, ref
}

// TestCascadeMatchesPigo checks that the precomputed-offset scan returns
// exactly pigo's raw detections, windows and scores alike.
func TestCascadeMatchesPigo(t *testing.T) {
	c, ref := loadTestCascade(t)
	for _, tc := range []struct {
		name         string
		width        int
		min, max     int
		shift, scale float64
	}{
		{"320 default", 320, 32, 400, 0.1, 1.1},
		{"160 fine", 160, 8, 200, 0.05, 1.05},
		{"240 coarse", 240, 40, 300, 0.15, 1.2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := grayFixture(t, tc.width)
			want := ref.RunCascade(pigo.CascadeParams{MinSize: tc.min, MaxSize: min(tc.max, img.H), ShiftFactor: tc.shift, ScaleFactor: tc.scale,
				ImageParams: pigo.ImageParams{Pixels: img.Pix, Rows: img.H, Cols: img.W, Dim: img.Stride}}, 0)
			got := c.Run(nil, img.Pix, img.H, img.W, img.Stride, tc.min, min(tc.max, img.H), tc.shift, tc.scale)
			if len(want) == 0 {
				t.Fatal("pigo found nothing on its own sample photo; the test proves nothing")
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %d raw detections, pigo %d; first differences: %v vs %v", len(got), len(want), head(got), head(want))
			}
		})
	}
}

// TestCascadeMatchesPigoOtherDepths checks the scan against pigo on random
// cascades of other depths than the face finder's 6, which take the
// general path of treeLeaf.
func TestCascadeMatchesPigoOtherDepths(t *testing.T) {
	img := grayFixture(t, 160)
	for _, depth := range []int{1, 3, 5, 6, 7} {
		data := randomCascade(depth, 40, int64(depth))
		c, err := ParseCascade(data)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := pigo.NewPigo().Unpack(data)
		if err != nil {
			t.Fatal(err)
		}
		want := ref.RunCascade(pigo.CascadeParams{MinSize: 10, MaxSize: img.H, ShiftFactor: 0.1, ScaleFactor: 1.1,
			ImageParams: pigo.ImageParams{Pixels: img.Pix, Rows: img.H, Cols: img.W, Dim: img.Stride}}, 0)
		got := c.Run(nil, img.Pix, img.H, img.W, img.Stride, 10, img.H, 0.1, 1.1)
		if len(want) == 0 {
			t.Fatalf("depth %d: pigo found no window; the test proves nothing", depth)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("depth %d: got %d raw detections, pigo %d; first: %v vs %v", depth, len(got), len(want), head(got), head(want))
		}
	}
}

// randomCascade returns a PICO cascade file of random trees whose stage
// thresholds pass some windows and reject others.
func randomCascade(depth, trees int, seed int64) []byte {
	rng := rand.New(rand.NewSource(seed))
	leaves := 1 << depth
	b := make([]byte, 8, 16+trees*(8*leaves))
	b = binary.LittleEndian.AppendUint32(b, uint32(depth))
	b = binary.LittleEndian.AppendUint32(b, uint32(trees))
	var sum float32
	for range trees {
		for range 4 * (leaves - 1) {
			b = append(b, byte(rng.Intn(256)))
		}
		for range leaves {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(rng.Float32()*2-0.9))
		}
		sum += 0.1
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(sum-0.6))
	}
	return b
}

func head(d []pigo.Detection) []pigo.Detection { return d[:min(len(d), 3)] }

func TestParseCascadeRejectsBadData(t *testing.T) {
	_, data, err := LoadCascade("")
	if err != nil {
		t.Skipf("cascade unavailable: %v", err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"short", data[:10]},
		{"truncated", data[:len(data)/2]},
		{"text", []byte("this is not a cascade, just some words of text")},
	} {
		if _, err := ParseCascade(tc.data); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func BenchmarkCascade(b *testing.B) {
	c, ref := loadTestCascade(b)
	img := grayFixture(b, 320)
	b.Run("pico", func(b *testing.B) {
		var dst []pigo.Detection
		for i := 0; i < b.N; i++ {
			dst = c.Run(dst[:0], img.Pix, img.H, img.W, img.Stride, 32, img.H, 0.1, 1.1)
		}
	})
	b.Run("pigo", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			ref.RunCascade(pigo.CascadeParams{MinSize: 32, MaxSize: img.H, ShiftFactor: 0.1, ScaleFactor: 1.1,
				ImageParams: pigo.ImageParams{Pixels: img.Pix, Rows: img.H, Cols: img.W, Dim: img.Stride}}, 0)
		}
	})
}

// TestRunRegionIsFullScanFiltered checks that a region scan visits exactly
// the full scan's windows that fall in the region.
func TestRunRegionIsFullScanFiltered(t *testing.T) {
	c, _ := loadTestCascade(t)
	img := grayFixture(t, 200)
	const minSize, maxSize = 10, 250
	full := c.Run(nil, img.Pix, img.H, img.W, img.Stride, minSize, maxSize, 0.1, 1.1)
	if len(full) == 0 {
		t.Fatal("full scan found nothing")
	}
	for _, reg := range []Region{
		{R0: 0, R1: img.H, C0: 0, C1: img.W, MinSize: minSize, MaxSize: maxSize},
		{R0: 100, R1: 160, C0: 70, C1: 130, MinSize: 60, MaxSize: 200},
		{R0: -50, R1: 40, C0: 150, C1: 400, MinSize: 10, MaxSize: 30},
		{R0: 120, R1: 121, C0: 100, C1: 101, MinSize: 100, MaxSize: 150},
	} {
		var want []pigo.Detection
		for _, d := range full {
			if d.Row >= reg.R0 && d.Row < reg.R1 && d.Col >= reg.C0 && d.Col < reg.C1 && d.Scale >= reg.MinSize && d.Scale <= reg.MaxSize {
				want = append(want, d)
			}
		}
		got := c.RunRegion(nil, img.Pix, img.H, img.W, img.Stride, minSize, maxSize, 0.1, 1.1, reg)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("region %+v: %d windows, want %d", reg, len(got), len(want))
		}
	}
}

// TestPicoRegionScanFindsTrackedFace checks that within a batch, after a
// full scan finds the face, region scans find it again, and that full scans
// come back every full_scan_interval frames.
func TestPicoRegionScanFindsTrackedFace(t *testing.T) {
	_, data, err := LoadCascade("")
	if err != nil {
		t.Skip(err)
	}
	cfg := config.DefaultConfig()
	cfg.FullScan = 4
	cfg.DetectInterval = 2
	det, err := NewDetector(cfg, data)
	if err != nil {
		t.Fatal(err)
	}
	img := grayFixture(t, 200)
	batch := []Luma{img, img, img, img, img}
	out := make([][]geom.Detection, len(batch))
	for round := range 2 {
		if err := det.Detect(batch, out); err != nil {
			t.Fatal(err)
		}
		for i, d := range out {
			if len(d) != 1 {
				t.Fatalf("round %d frame %d: %d faces, want 1", round, i, len(d))
			}
		}
		// Frames 0, 2 and 4 of every batch: 4 frames apart at detect_interval 2.
		if got := det.(*Pico).fullScans; got != 3*(round+1) {
			t.Errorf("after %d batches: %d full scans, want %d", round+1, got, 3*(round+1))
		}
	}
}

func TestSuppressOverlaps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   []pigo.Detection
		want []pigo.Detection
	}{
		{"one face twice keeps the stronger", []pigo.Detection{{Row: 100, Col: 100, Scale: 70, Q: 300}, {Row: 102, Col: 101, Scale: 72, Q: 320}},
			[]pigo.Detection{{Row: 102, Col: 101, Scale: 72, Q: 320}}},
		{"two faces apart stay", []pigo.Detection{{Row: 100, Col: 100, Scale: 50, Q: 30}, {Row: 100, Col: 200, Scale: 50, Q: 40}},
			[]pigo.Detection{{Row: 100, Col: 200, Scale: 50, Q: 40}, {Row: 100, Col: 100, Scale: 50, Q: 30}}},
		{"empty", nil, []pigo.Detection{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := suppressOverlaps(tc.in)
			if len(got) == 0 && len(tc.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestRunEdges checks the windows past the image's edges on the sample
// photo cut so that its face touches the bottom and right edges: none
// without overhang; with it, only windows Run does not visit, on Run's
// grid, reaching past an edge by no more than the overhang allows, each
// with the score classify gives the window at that place in the padded
// image; and a border too narrow for the overhang is refused.
func TestRunEdges(t *testing.T) {
	c, _ := loadTestCascade(t)
	img := grayFixture(t, 200) // 200x250, the face about 145 px, centred near (125, 97)
	// The image cut at row 190 and column 180: the face's lower lip and
	// right ear are past the edges.
	rows, cols := 190, 180
	const minSize, maxSize, shift, factor, over = 60, 200, 0.1, 1.1, 0.2
	pad := int(over * maxSize)
	var e edgeScan
	e.pad(Luma{Pix: img.Pix, W: cols, H: rows, Stride: img.Stride}, pad)
	stride, padded := cols+2*pad, e.padded
	all := Region{R0: -pad, R1: rows + pad, C0: -pad, C1: cols + pad, MinSize: minSize, MaxSize: maxSize}
	if got := c.RunEdges(nil, padded, rows, cols, stride, pad, minSize, maxSize, shift, factor, 0, all); len(got) != 0 {
		t.Errorf("no overhang: %d windows, want none", len(got))
	}
	edges := c.RunEdges(nil, padded, rows, cols, stride, pad, minSize, maxSize, shift, factor, over, all)
	if len(edges) == 0 {
		t.Fatal("no window past the edges fired on a face cut by them")
	}
	inside := map[[3]int]bool{}
	for _, d := range c.Run(nil, img.Pix, rows, cols, img.Stride, minSize, maxSize, shift, factor) {
		inside[[3]int{d.Row, d.Col, d.Scale}] = true
	}
	for _, d := range edges {
		step := int(math.Max(shift*float64(d.Scale), 1))
		offset := d.Scale/2 + 1
		out := int(over * float64(d.Scale))
		switch {
		case inside[[3]int{d.Row, d.Col, d.Scale}]:
			t.Errorf("window %+v is also Run's", d)
		case d.Row >= offset && d.Row <= rows-offset && d.Col >= offset && d.Col <= cols-offset:
			t.Errorf("window %+v lies inside the image", d)
		case d.Row < offset-out || d.Row > rows-offset+out || d.Col < offset-out || d.Col > cols-offset+out:
			t.Errorf("window %+v reaches past the edges by more than %d", d, out)
		case (d.Row-offset)%step != 0 || (d.Col-offset)%step != 0:
			t.Errorf("window %+v is off the grid (step %d)", d, step)
		}
		if q := c.classify((d.Row+pad)*stride+d.Col+pad, c.nodeOffsets(d.Scale, stride), padded); q != d.Q {
			t.Errorf("window %+v: score %v, classify gives %v", d, d.Q, q)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("a border one pixel too narrow was not refused")
		}
	}()
	c.RunEdges(nil, padded, rows, cols, stride, pad-1, minSize, maxSize, shift, factor, over, all)
}

func TestGridAtOrAfter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ offset, step, lo, want int }{
		{5, 3, 0, 2}, {5, 3, 5, 5}, {5, 3, 6, 8}, {5, 3, 9, 11}, {5, 1, 42, 42}, {5, 3, 8, 8}, {5, 3, 4, 5}, {5, 3, 2, 2}, {5, 3, 1, 2}, {5, 3, -1, -1}, {5, 3, -3, -1}, {5, 3, -4, -4}, {5, 1, -7, -7},
	} {
		if got := gridAtOrAfter(tc.offset, tc.step, tc.lo); got != tc.want {
			t.Errorf("gridAtOrAfter(%d, %d, %d) = %d, want %d", tc.offset, tc.step, tc.lo, got, tc.want)
		}
	}
}
