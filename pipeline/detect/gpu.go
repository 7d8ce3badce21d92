package detect

import "github.com/ftbench/ftbench/pipeline/config"

// GPUFrameBytes is the device memory one frame of a batch costs the cuda
// detector on frameW x frameH frames: the detector's image (ImageSize, rows
// of LumaStride bytes) and a float32 score for every window of every scale.
func GPUFrameBytes(cfg config.Config, cascade []byte, frameW, frameH int) (int64, error) {
	c, err := ParseCascade(cascade)
	if err != nil {
		return 0, err
	}
	dw, dh := ImageSize(cfg, frameW, frameH)
	stride := LumaStride(dw)
	minSize, maxSize := windowRange(cfg, dw, dh)
	l := newGPULayout(c, dh, dw, stride, minSize, maxSize, cfg.ShiftFactor, cfg.ScaleFactor)
	return int64(stride)*int64(dh) + 4*l.windows, nil
}
