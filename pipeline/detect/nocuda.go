//go:build !cuda

package detect

import (
	"errors"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/metrics"
)

// CUDABuild reports whether this binary has the CUDA detector.
const CUDABuild = false

// errNoCUDA is what the CUDA functions of a build without CUDA say.
var errNoCUDA = errors.New(`detector "cuda": this ftbench was built without CUDA; build it with ` +
	"`go build -tags cuda ./cmd/ftbench` on a machine with cuda.h and libcuda (see README)")

func newCUDADetector(config.Config, []byte) (Detector, error) {
	return nil, errNoCUDA
}

// GPUMemory returns the GPU's free and total memory; in a build without
// CUDA it always fails (check CUDABuild first).
func GPUMemory() (free, total int64, err error) { return 0, 0, errNoCUDA }

// GPUUsage returns what the driver says of this process's device memory:
// nil in a build without CUDA.
func GPUUsage() *metrics.GPUMemory { return nil }
