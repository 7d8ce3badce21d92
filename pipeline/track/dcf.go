package track

import (
	"math"
	"math/cmplx"

	"github.com/ftbench/ftbench/pipeline/detect"
	"github.com/ftbench/ftbench/pipeline/geom"
)

// The correlation filter's geometry and learning constants, after DSST
// (Danelljan, Häger, Khan and Felsberg, "Accurate scale estimation for
// robust visual tracking", BMVC 2014).
const (
	// dcfGrid is the side, in samples, of the translation filter's window.
	dcfGrid  = 32
	dcfCells = dcfGrid * dcfGrid
	// dcfPadding widens the window around the box: its side is (1 +
	// dcfPadding) times the box's, so the filter sees the face's
	// surroundings and can find it up to half a box away.
	dcfPadding = 1.0
	// dcfSigma is the desired response's spread, in window samples (a
	// sixteenth of the box's side, as DSST).
	dcfSigma = dcfGrid / (1 + dcfPadding) / 16
	// dcfLambda regularises the filter's division by the sample's energy.
	dcfLambda = 1e-2

	// scaleCount scales, scaleStep apart, around the current size are
	// compared by the scale filter each frame.
	scaleCount = 17
	scaleStep  = 1.03
	scaleMid   = scaleCount / 2
	// scaleSide is the side, in samples, of the box's patch at each scale;
	// its scaleFeatures samples are the scale filter's features.
	//
	// Note: 8 x 8 patches cost an eighth of the track stage more than 7 x 7
	// (two_faces_cross_360p) for the same boxes within 0.003 success AUC
	// on every fixture (OTB Girl 0.694 with 8, 0.704 with 7); 6 x 6 lost
	// the scale of a patch grown 12% (TestDCFFollowsTranslationAndScale).
	scaleSide     = 7
	scaleFeatures = scaleSide * scaleSide
	scaleSigma    = 1.0 // desired response's spread, in scale steps

	// dcfRate is the weight of each new sample, from a detection or from
	// where the filter found the face, in the filter: DSST's learning
	// rate.
	//
	// Note: detections drive the box on half the frames at the default
	// detect_interval, so the filter learns from the detector's boxes about
	// every other frame. Learning them faster (0.05, 0.1) kept a face's
	// look of the last few detections and lost more of a head that turned
	// away: OTB Girl's success AUC 0.64 and 0.60 against 0.67, the fixtures
	// within 0.012 either way.
	dcfRate = 0.025
	// dcfMinPSR is the smallest peak-to-sidelobe ratio at which the filter
	// moves the box; below it the template follower is asked instead.
	dcfMinPSR = 5

	// dcfPeakExclude is the half-side, in samples, of the square around the
	// response's peak left out of its sidelobe (peak-to-sidelobe ratio).
	dcfPeakExclude = 3
)

// dcfHalf is the number of columns of a window's transform the filter
// keeps: the window is real, so the other columns are their conjugates.
const dcfHalf = dcfGrid/2 + 1

// dcfBins is the number of transform bins the translation filter keeps.
const dcfBins = dcfGrid * dcfHalf

// scaleHalf is the number of scale-transform bins the scale filter keeps:
// its samples are real, so the others are their conjugates (scaleCount is
// odd, so there is no unpaired middle bin).
const scaleHalf = scaleCount/2 + 1

// dcfConsts are the constants every filter shares: windows, the desired
// responses' transforms and the scale transform's cosines and sines.
type dcfConsts struct {
	plan  *fftPlan
	hann  [dcfCells]float64
	g     [dcfBins]complex128 // transform of the desired translation response
	scale [scaleCount]float64 // size factor of each scale sample
	hannS [scaleCount]float64
	gs    [scaleHalf]complex128 // transform of the desired scale response
	// cosS and sinS are cos and -sin of 2 pi m n / scaleCount at
	// [m*scaleCount+n]: the scale transform's kernel, bin m, sample n.
	cosS, sinS [scaleHalf * scaleCount]float64
}

// dcfTables holds the filters' constants, computed once.
var dcfTables = newDCFConsts()

func newDCFConsts() *dcfConsts {
	t := new(dcfConsts)
	t.plan = newFFTPlan(dcfGrid)
	var g [dcfCells]float64
	for y := range dcfGrid {
		hy := 0.5 - 0.5*math.Cos(2*math.Pi*(float64(y)+0.5)/dcfGrid)
		// The desired response peaks at shift 0, wrapped around.
		dy := float64(min(y, dcfGrid-y))
		for x := range dcfGrid {
			hx := 0.5 - 0.5*math.Cos(2*math.Pi*(float64(x)+0.5)/dcfGrid)
			t.hann[y*dcfGrid+x] = hx * hy
			dx := float64(min(x, dcfGrid-x))
			g[y*dcfGrid+x] = math.Exp(-(dx*dx + dy*dy) / (2 * dcfSigma * dcfSigma))
		}
	}
	var scratch [dcfGrid]complex128
	t.plan.realForward2(g[:], t.g[:], scratch[:])
	var gs [scaleCount]float64
	for n := range scaleCount {
		d := float64(n - scaleMid)
		t.scale[n] = math.Pow(scaleStep, d)
		t.hannS[n] = 0.5 - 0.5*math.Cos(2*math.Pi*(float64(n)+0.5)/scaleCount)
		gs[n] = math.Exp(-d * d / (2 * scaleSigma * scaleSigma))
		for m := range scaleHalf {
			s, c := math.Sincos(2 * math.Pi * float64(m*n) / scaleCount)
			t.cosS[m*scaleCount+n], t.sinS[m*scaleCount+n] = c, -s
		}
	}
	t.scaleTransform(gs[:], t.gs[:])
	return t
}

// scaleTransform writes the first scaleHalf bins of the transform of the
// real scaleCount samples x to out.
func (t *dcfConsts) scaleTransform(x []float64, out []complex128) {
	// Samples n and scaleCount-n share a cosine and have opposite sines.
	var even, odd [scaleHalf]float64
	x = x[:scaleCount]
	even[0] = x[0]
	for n := 1; n < scaleHalf; n++ {
		even[n], odd[n] = x[n]+x[scaleCount-n], x[n]-x[scaleCount-n]
	}
	for m := range out[:scaleHalf] {
		c, s := t.cosS[m*scaleCount:][:scaleHalf], t.sinS[m*scaleCount:][:scaleHalf]
		re, im := even[0], 0.0
		for n := 1; n < scaleHalf; n++ {
			re += even[n] * c[n]
			im += odd[n] * s[n]
		}
		out[m] = complex(re, im)
	}
}

// dcf is a face's discriminative correlation filter: a translation filter
// over a padded window around its box and a one-dimensional scale filter
// over scaleCount sizes, both learned in the Fourier domain and updated
// online.
type dcf struct {
	num   [dcfBins]complex128 // translation filter's numerator, conj(G) F
	den   [dcfBins]float64    // its denominator, |F|^2
	snum  [scaleFeatures * scaleHalf]complex128
	sden  [scaleHalf]float64
	ready bool

	spec  [dcfBins]complex128 // a window's transform
	rspec [dcfBins]complex128 // the translation response's transform
	found [3]float64          // where the last locate found the face: sy, sx, d
	resp  [dcfCells]float64   // the translation response
	row   [dcfGrid]complex128 // the transforms' scratch row
	win   [dcfCells]float64
	sbuf  [scaleFeatures * scaleHalf]complex128
	patch [scaleFeatures]float64
}

// train folds the appearance under box b into the filter with weight rate
// (1 replaces it); it returns false, leaving the filter as it was, when the
// box is empty or there is no image.
func (f *dcf) train(l *detect.Luma, b geom.Box, rate float64) bool {
	if l == nil || b.W <= 0 || b.H <= 0 {
		return false
	}
	f.sampleWindow(l, b)
	f.sampleScales(l, b)
	f.fold(rate, 0, 0, 0)
	return true
}

// trainLocated folds into the filter, with weight rate, the samples the
// last locate took: the face found (sy, sx) window samples and d scale
// steps from where they were taken, so that they train the filter towards
// a response peaking there rather than at the centre.
//
// Note: sampling the frame again around the box locate returned, as DSST
// does, cost a third of the track stage (the window and the scales are
// most of the filter's work, and a found frame sampled them twice); the
// samples in hand with the desired response moved to the face, by the
// shift theorem, train the same filter but for the cosine window's
// centre, which lags the face by that shift.
func (f *dcf) trainLocated(rate float64) {
	f.fold(rate, f.found[0], f.found[1], f.found[2])
}

// fold folds the samples in f.spec and f.sbuf into the filter with weight
// rate, the desired responses moved by (sy, sx) window samples and d scale
// steps.
func (f *dcf) fold(rate, sy, sx, d float64) {
	if !f.ready {
		rate = 1
	}
	t := dcfTables
	keep := 1 - rate
	// Moving the desired response by s multiplies its transform by
	// exp(-2 pi i k s / n); conj(G) by the conjugate. Frequencies above
	// n/2 are the negative ones.
	var phY [dcfGrid]complex128
	var phX [dcfHalf]complex128
	for u := range dcfGrid {
		k := float64(u)
		if u > dcfGrid/2 {
			k -= dcfGrid
		}
		sn, c := math.Sincos(2 * math.Pi * k * sy / dcfGrid)
		phY[u] = complex(c, sn)
	}
	for v := range dcfHalf {
		sn, c := math.Sincos(2 * math.Pi * float64(v) * sx / dcfGrid)
		phX[v] = complex(c, sn)
	}
	for u := range dcfGrid {
		for v := range dcfHalf {
			i := u*dcfHalf + v
			x := f.spec[i]
			a := conjMul(t.g[i]*cmplx.Conj(phY[u]*phX[v]), x)
			n := f.num[i]
			f.num[i] = complex(keep*real(n)+rate*real(a), keep*imag(n)+rate*imag(a))
			f.den[i] = keep*f.den[i] + rate*(real(x)*real(x)+imag(x)*imag(x))
		}
	}
	var gs [scaleHalf]complex128
	for m := range gs {
		sn, c := math.Sincos(-2 * math.Pi * float64(m) * d / scaleCount)
		gs[m] = t.gs[m] * complex(c, sn)
	}
	var energy [scaleHalf]float64
	for k := range scaleFeatures {
		row := f.sbuf[k*scaleHalf : (k+1)*scaleHalf]
		num := f.snum[k*scaleHalf : (k+1)*scaleHalf]
		for m, x := range row {
			a := conjMul(gs[m], x)
			num[m] = complex(keep*real(num[m])+rate*real(a), keep*imag(num[m])+rate*imag(a))
			energy[m] += real(x)*real(x) + imag(x)*imag(x)
		}
	}
	for m := range f.sden {
		f.sden[m] = keep*f.sden[m] + rate*energy[m]
	}
	f.ready = true
}

// locate finds the face near box b: the box moved to the translation
// filter's peak and resized by the scale filter's, and the translation
// response's peak-to-sidelobe ratio, which says how sure the match is.
func (f *dcf) locate(l *detect.Luma, b geom.Box) (geom.Box, float64) {
	t := dcfTables
	f.sampleWindow(l, b)
	for i, x := range f.spec {
		inv := 1 / (f.den[i] + dcfLambda)
		a := conjMul(f.num[i], x)
		f.rspec[i] = complex(real(a)*inv, imag(a)*inv)
	}
	t.plan.realInverse2(f.rspec[:], f.resp[:], f.row[:])
	peak, py, px := math.Inf(-1), 0, 0
	for i, r := range f.resp {
		if r > peak {
			peak, py, px = r, i/dcfGrid, i%dcfGrid
		}
	}
	psr := f.sidelobeRatio(peak, py, px)
	at := func(y, x int) float64 {
		return f.resp[((y+dcfGrid)%dcfGrid)*dcfGrid+(x+dcfGrid)%dcfGrid]
	}
	sy := float64(wrap(py)) + parabolaPeak(at(py-1, px), peak, at(py+1, px))
	sx := float64(wrap(px)) + parabolaPeak(at(py, px-1), peak, at(py, px+1))
	cell := (1 + dcfPadding) / dcfGrid
	nb := b
	nb.X += sx * cell * b.W
	nb.Y += sy * cell * b.H

	f.sampleScales(l, nb)
	var resp [scaleHalf]complex128
	for k := range scaleFeatures {
		num := f.snum[k*scaleHalf : (k+1)*scaleHalf]
		for m, x := range f.sbuf[k*scaleHalf : (k+1)*scaleHalf] {
			resp[m] += conjMul(num[m], x)
		}
	}
	for m := range resp {
		resp[m] /= complex(f.sden[m]+dcfLambda, 0)
	}
	// The response over the scales is real: bin 0 plus twice the real part
	// of each other kept bin's term (its conjugate's is the same).
	var r [scaleCount]float64
	best := 0
	for n := range scaleCount {
		v := real(resp[0])
		for m := 1; m < scaleHalf; m++ {
			// Re(resp[m] exp(2 pi i m n / scaleCount))
			v += 2 * (real(resp[m])*t.cosS[m*scaleCount+n] + imag(resp[m])*t.sinS[m*scaleCount+n])
		}
		r[n] = v / scaleCount
		if r[n] > r[best] {
			best = n
		}
	}
	d := float64(best - scaleMid)
	if best > 0 && best < scaleCount-1 {
		d += parabolaPeak(r[best-1], r[best], r[best+1])
	}
	f.found = [3]float64{sy, sx, d}
	s := math.Pow(scaleStep, d)
	return nb.Scaled(s, s), psr
}

// conjMul returns conj(a) b, the product every correlation in the
// Fourier domain takes.
func conjMul(a, b complex128) complex128 {
	return complex(real(a)*real(b)+imag(a)*imag(b), real(a)*imag(b)-imag(a)*real(b))
}

// wrap turns a circular index of the response into a signed shift.
func wrap(i int) int {
	if i >= dcfGrid/2 {
		return i - dcfGrid
	}
	return i
}

// parabolaPeak returns the offset, in (-0.5, 0.5), of the vertex of the
// parabola through (-1, l), (0, c), (1, r), c being the largest.
func parabolaPeak(l, c, r float64) float64 {
	den := l - 2*c + r
	if den >= 0 {
		return 0
	}
	return math.Max(-0.5, math.Min(0.5, 0.5*(l-r)/den))
}

// sidelobeRatio is the response's peak-to-sidelobe ratio: the peak's
// height above the mean of the response outside a square around it, in
// that sidelobe's standard deviations.
func (f *dcf) sidelobeRatio(peak float64, py, px int) float64 {
	var sum, sq float64
	for _, v := range f.resp {
		sum += v
		sq += v * v
	}
	// Take out the square around the peak, wrapped around the window.
	for dy := -dcfPeakExclude; dy <= dcfPeakExclude; dy++ {
		row := f.resp[((py+dy+dcfGrid)%dcfGrid)*dcfGrid:][:dcfGrid]
		for dx := -dcfPeakExclude; dx <= dcfPeakExclude; dx++ {
			v := row[(px+dx+dcfGrid)%dcfGrid]
			sum -= v
			sq -= v * v
		}
	}
	const n = dcfCells - (2*dcfPeakExclude+1)*(2*dcfPeakExclude+1)
	mean := sum / n
	sd := math.Sqrt(math.Max(sq/n-mean*mean, 1e-12))
	return (peak - mean) / sd
}

// sampleWindow fills f.spec with the transform of the translation features
// of the padded window around box b: luma, zero-mean, cosine-windowed.
func (f *dcf) sampleWindow(l *detect.Luma, b geom.Box) {
	t := dcfTables
	mean := sampleGrid(l, b.Scaled(1+dcfPadding, 1+dcfPadding), dcfGrid, f.win[:]) / dcfCells
	for i, v := range f.win {
		f.win[i] = (v - mean) * t.hann[i]
	}
	t.plan.realForward2(f.win[:], f.spec[:], f.row[:])
}

// sampleScales fills f.sbuf with the scale filter's features of box b at
// every scale, transformed over the scales: row k holds feature k's
// transform.
func (f *dcf) sampleScales(l *detect.Luma, b geom.Box) {
	t := dcfTables
	var x [scaleFeatures * scaleCount]float64
	for n, s := range t.scale {
		mean := sampleGrid(l, b.Scaled(s, s), scaleSide, f.patch[:]) / scaleFeatures
		for k, v := range f.patch {
			x[k*scaleCount+n] = (v - mean) * t.hannS[n]
		}
	}
	for k := range scaleFeatures {
		t.scaleTransform(x[k*scaleCount:(k+1)*scaleCount], f.sbuf[k*scaleHalf:(k+1)*scaleHalf])
	}
}

// sampleGrid samples box b, in source pixels, on a side x
// side grid of the luma plane into out, row by row, one bilinear tap at
// each cell's centre, in [0, 1], the image's edge repeated outside it, and
// returns the samples' sum.
//
// Note: a tap per cell aliases a large window, and the mean of four taps
// per cell was tried against it: the same success AUC on every clip
// within 0.01 (Girl and face_1080p lower), at four times the cost.
func sampleGrid(l *detect.Luma, b geom.Box, side int, out []float64) float64 {
	sx, sy := b.W/float64(side)/l.Scale, b.H/float64(side)/l.Scale
	lx, ly := b.X/l.Scale+sx/2-0.5, b.Y/l.Scale+sy/2-0.5
	maxX, maxY := float64(l.W-1), float64(l.H-1)
	// The columns' taps and weights are the same on every row. The
	// weights are in 1/256 steps, so that a tap is integer arithmetic and
	// one conversion.
	var xi0, xi1, ax [dcfGrid]int
	for i := range side {
		x := min(max(lx+float64(i)*sx, 0), maxX)
		xi0[i] = int(x)
		xi1[i] = min(xi0[i]+1, l.W-1)
		ax[i] = int((x - float64(xi0[i])) * 256)
	}
	const unit = 1.0 / (255 * 256 * 256)
	var sum float64
	for j := range side {
		y := min(max(ly+float64(j)*sy, 0), maxY)
		y0 := int(y)
		y1 := min(y0+1, l.H-1)
		ay := int((y - float64(y0)) * 256)
		r0, r1 := l.Pix[y0*l.Stride:y0*l.Stride+l.W], l.Pix[y1*l.Stride:y1*l.Stride+l.W]
		row := out[j*side : (j+1)*side]
		for i := range row {
			a, c := xi0[i], xi1[i]
			top := int(r0[a])<<8 + (int(r0[c])-int(r0[a]))*ax[i]
			bot := int(r1[a])<<8 + (int(r1[c])-int(r1[a]))*ax[i]
			v := float64(top<<8+(bot-top)*ay) * unit
			row[i] = v
			sum += v
		}
	}
	return sum
}
