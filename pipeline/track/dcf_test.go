package track

import (
	"math"
	"math/cmplx"
	"testing"

	"github.com/ftbench/ftbench/pipeline/geom"
)

// TestFFTMatchesDFT checks the radix-2 transform against the textbook sum,
// both ways.
func TestFFTMatchesDFT(t *testing.T) {
	t.Parallel()
	const n = 16
	p := newFFTPlan(n)
	x := make([]complex128, n)
	for i := range x {
		x[i] = complex(math.Sin(float64(i)*1.3)+float64(i%3), math.Cos(float64(i)*0.7))
	}
	got := append([]complex128(nil), x...)
	p.transform(got, 1, false)
	for k := range n {
		var want complex128
		for j := range n {
			want += x[j] * cmplx.Exp(complex(0, -2*math.Pi*float64(j*k)/n))
		}
		if cmplx.Abs(got[k]-want) > 1e-9 {
			t.Fatalf("X[%d] = %v, want %v", k, got[k], want)
		}
	}
	p.transform(got, 1, true)
	for i := range x {
		if cmplx.Abs(got[i]-x[i]) > 1e-9 {
			t.Fatalf("inverse: x[%d] = %v, want %v", i, got[i], x[i])
		}
	}
}

// TestRealFFT2MatchesComplex checks the real-input two-dimensional
// transform's kept columns against the complex transform of the same grid,
// and its inverse against the grid.
func TestRealFFT2MatchesComplex(t *testing.T) {
	t.Parallel()
	const n = 8
	p := newFFTPlan(n)
	h := p.halfSpectrum()
	in := make([]float64, n*n)
	full := make([]complex128, n*n)
	for i := range in {
		in[i] = math.Sin(float64(i)*0.37) + float64(i%5)
		full[i] = complex(in[i], 0)
	}
	p.transform2(full, false)
	half := make([]complex128, n*h)
	scratch := make([]complex128, n)
	p.realForward2(in, half, scratch)
	for u := range n {
		for v := range h {
			if got, want := half[u*h+v], full[u*n+v]; cmplx.Abs(got-want) > 1e-9 {
				t.Fatalf("F[%d][%d] = %v, want %v", u, v, got, want)
			}
		}
	}
	out := make([]float64, n*n)
	p.realInverse2(half, out, scratch)
	for i := range in {
		if math.Abs(out[i]-in[i]) > 1e-9 {
			t.Fatalf("inverse: x[%d] = %v, want %v", i, out[i], in[i])
		}
	}
}

// TestScaleTransformMatchesDFT checks the scale transform's kept bins
// against the textbook sum.
func TestScaleTransformMatchesDFT(t *testing.T) {
	t.Parallel()
	var x [scaleCount]float64
	for i := range x {
		x[i] = math.Cos(float64(i)*0.9) + float64(i%4)
	}
	var got [scaleHalf]complex128
	dcfTables.scaleTransform(x[:], got[:])
	for m := range scaleHalf {
		var want complex128
		for j, v := range x {
			want += complex(v, 0) * cmplx.Exp(complex(0, -2*math.Pi*float64(j*m)/scaleCount))
		}
		if cmplx.Abs(got[m]-want) > 1e-9 {
			t.Fatalf("X[%d] = %v, want %v", m, got[m], want)
		}
	}
}

// TestDCFFollowsTranslationAndScale trains the filter on a textured patch
// and checks that it finds the patch moved, and moved and resized.
func TestDCFFollowsTranslationAndScale(t *testing.T) {
	t.Parallel()
	const s = 48.0
	start := geom.Box{X: 130, Y: 90, W: s, H: s}
	tests := []struct {
		name          string
		dx, dy, scale float64
	}{
		{"still", 0, 0, 1},
		{"right", 7, 0, 1},
		{"up left", -9, -6, 1},
		{"grown", 0, 0, 1.12},
		{"shrunk", 0, 0, 0.9},
		{"moved and grown", 5, 4, 1.08},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var f dcf
			if !f.train(texturedLuma(320, 240, start.X, start.Y, s), start, 1) {
				t.Fatal("could not train")
			}
			ns := s * tc.scale
			cx, cy := start.CenterX()+tc.dx, start.CenterY()+tc.dy
			l := texturedLuma(320, 240, cx-ns/2, cy-ns/2, ns)
			b := start
			// The scale filter moves at most scaleMid steps a frame; a real
			// face changes size over several frames, so search a few times.
			var psr float64
			for range 3 {
				b, psr = f.locate(l, b)
			}
			t.Logf("centre off by (%.2f, %.2f) px, width ratio %.3f, psr %.1f", b.CenterX()-cx, b.CenterY()-cy, b.W/ns, psr)
			if psr < 8 {
				t.Errorf("peak-to-sidelobe ratio %.1f, want >= 8", psr)
			}
			if d := math.Hypot(b.CenterX()-cx, b.CenterY()-cy); d > 1 {
				t.Errorf("centre (%.1f, %.1f), want (%.1f, %.1f): %.2f px off", b.CenterX(), b.CenterY(), cx, cy, d)
			}
			if r := b.W / ns; math.Abs(r-1) > 0.03 {
				t.Errorf("width %.1f, want %.1f (ratio %.3f)", b.W, ns, r)
			}
		})
	}
}

// TestTrackerFollowsGrowingFace checks that a track whose detections stop
// while its face grows (a head coming closer or turning) grows with it.
func TestTrackerFollowsGrowingFace(t *testing.T) {
	t.Parallel()
	cfg := testTrackerConfig()
	cfg.MaxMissed = 100
	cfg.FollowNCC = 0.6
	tr := NewTracker(cfg)
	const cx, cy, s0 = 160.0, 120.0, 40.0
	for range 3 {
		tr.UpdateFrame([]geom.Detection{faceAt(cx, cy, s0)}, true, texturedLuma(320, 240, cx-s0/2, cy-s0/2, s0))
	}
	// 20 frames without a detection, the face growing 1.5% a frame.
	s := s0
	var tracks []Track
	for range 20 {
		s *= 1.015
		tracks = tr.UpdateFrame(nil, true, texturedLuma(320, 240, cx-s/2, cy-s/2, s))
	}
	if len(tracks) != 1 {
		t.Fatalf("tracks = %+v, want one", tracks)
	}
	b := tracks[0].Box
	t.Logf("box %.1f x %.1f at (%.1f, %.1f); face %.1f at (%.0f, %.0f)", b.W, b.H, b.CenterX(), b.CenterY(), s, cx, cy)
	if r := b.W / s; math.Abs(r-1) > 0.05 {
		t.Errorf("box width %.1f, face %.1f (ratio %.3f), want within 5%%", b.W, s, r)
	}
	if d := math.Hypot(b.CenterX()-cx, b.CenterY()-cy); d > 2 {
		t.Errorf("box centre %.1f px from the face's, want <= 2", d)
	}
}
