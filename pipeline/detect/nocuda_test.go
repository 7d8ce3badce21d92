//go:build !cuda

package detect

import (
	"testing"

	"github.com/ftbench/ftbench/pipeline/config"
)

// TestCUDAParity stands in for the GPU parity test (cuda_test.go) in
// builds without CUDA; TestKernelReferenceMatchesCascade tests the
// kernel's arithmetic on the CPU everywhere.
func TestCUDAParity(t *testing.T) {
	t.Skip("built without -tags cuda: the CUDA parity test runs on a GPU host (scripts/gpu-check.sh)")
}

func TestCUDADetectorRefusesWithoutCUDA(t *testing.T) {
	cfg := config.DefaultConfig()
	cfg.Detector = "cuda"
	_, data, err := LoadCascade("")
	if err != nil {
		t.Skip(err)
	}
	if _, err := NewDetector(cfg, data); err == nil {
		t.Fatal("a build without CUDA made a cuda detector")
	}
}
