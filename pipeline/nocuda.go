//go:build !cuda

package pipeline

import (
	"errors"

	"github.com/ftbench/ftbench/pipeline/config"
)

// CUDABuild reports whether this binary has the CUDA detector.
const CUDABuild = false

func newCUDADetector(config.Config, []byte) (Detector, error) {
	return nil, errors.New(`detector "cuda": this ftbench was built without CUDA; build it with ` +
		"`go build -tags cuda ./cmd/ftbench` on a machine with cuda.h and libcuda (see README)")
}
