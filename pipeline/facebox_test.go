package pipeline_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ftbench/ftbench/internal/testutil"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/detect"
	"github.com/ftbench/ftbench/pipeline/geom"
)

// TestFaceBoxCalibrationHeldOut checks the default face box calibration
// (face_box_w, face_box_h) on faces it was not chosen on: dlib's example
// photos (PASCAL VOC, boxes in training.xml and testing.xml), when the
// shared real-data folder is there. Each annotated face's best-overlapping
// detection, as the window and as the calibrated box, is scored by IoU
// against the annotation: the calibrated box must fit better on average.
//
// Note: the calibration was chosen on the generated fixtures and OTB Girl;
// dlib's boxes follow a third convention (tight, about 0.86 of the window
// and centred lower), so this is the held-out check the issue asked of it.
// Measured: 43 faces, 38 found; mean IoU over the found 0.658 as the
// window, 0.688 calibrated.
func TestFaceBoxCalibrationHeldOut(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "shared", "data", "images", "dlib")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("../shared/data absent: %v (real-data tests need the repo's sibling shared/data folder)", err)
	}
	_, cascade, err := detect.LoadCascade("")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.DefaultConfig()
	cfg.DetectWidth = 0 // the photos as they are
	cfg.MinFace = 0.05  // their faces are 37-110 px in 332-500 px
	det, err := detect.NewDetector(cfg, cascade)
	if err != nil {
		t.Fatal(err)
	}
	var faces, found int
	var window, calibrated float64
	for _, list := range []string{"training.xml", "testing.xml"} {
		for _, im := range readDlibBoxes(t, filepath.Join(dir, list)) {
			l := lumaOf(t, filepath.Join(dir, im.File))
			out := make([][]geom.Detection, 1)
			if err := det.Detect([]detect.Luma{l}, out); err != nil {
				t.Fatal(err)
			}
			for _, b := range im.Boxes {
				truth := geom.Box{X: b.Left, Y: b.Top, W: b.Width, H: b.Height}
				faces++
				best, bestIoU := geom.Box{}, 0.0
				for _, d := range out[0] {
					if v := d.Box.IoU(truth); v > bestIoU {
						best, bestIoU = d.Box, v
					}
				}
				if bestIoU == 0 {
					continue
				}
				found++
				window += bestIoU
				calibrated += best.Scaled(cfg.FaceBoxW, cfg.FaceBoxH).IoU(truth)
			}
		}
	}
	if faces < 40 || found < faces*3/4 {
		t.Fatalf("%d of %d annotated faces found; want at least 40 faces, three quarters of them found", found, faces)
	}
	window /= float64(found)
	calibrated /= float64(found)
	t.Logf("%d faces, %d found; mean IoU %.3f as the window, %.3f as the %g x %g box", faces, found, window, calibrated, cfg.FaceBoxW, cfg.FaceBoxH)
	if calibrated <= window {
		t.Errorf("mean IoU %.3f calibrated, %.3f as the window: the calibration does not fit held-out faces better", calibrated, window)
	}
}

// dlibImage is one photo of dlib's example face boxes.
type dlibImage struct {
	File  string `xml:"file,attr"`
	Boxes []struct {
		Top    float64 `xml:"top,attr"`
		Left   float64 `xml:"left,attr"`
		Width  float64 `xml:"width,attr"`
		Height float64 `xml:"height,attr"`
	} `xml:"box"`
}

// readDlibBoxes reads one of dlib's image-metadata XML files.
func readDlibBoxes(t *testing.T, path string) []dlibImage {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ds struct {
		Images []dlibImage `xml:"images>image"`
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	// The files declare ISO-8859-1 and hold only ASCII.
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	if err := dec.Decode(&ds); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return ds.Images
}

// lumaOf decodes a photo to 8-bit luma.
func lumaOf(t *testing.T, path string) detect.Luma {
	pix, w, h := testutil.Gray(t, path)
	return detect.Luma{Pix: pix, W: w, H: h, Stride: w, Scale: 1}
}
