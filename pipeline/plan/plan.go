// Package plan sizes a run to the machine it runs on. The memory planner
// chooses how many segment worker processes fit in memory and how far to
// back off when one runs out (Machine.Processes, PlanProcesses, BackOff);
// batch = "auto" chooses how many frames a detector batch takes
// (Machine.BatchInputs, SizeBatch). The machine is read through a Machine,
// whose Root may point at a recorded /proc and /sys (see testdata/), and
// the arithmetic is kept apart from the reading, so both are tested
// without the machine.
package plan

import "fmt"

// Pass is what the planners are told about the frames of the pass they
// size, besides its config.
type Pass struct {
	Width, Height int // the decoded frames
	// ImageBytes is one detector image (its row stride times its rows).
	ImageBytes int64
	// GPUFrameBytes is what one frame of batch costs the cuda detector on
	// the device (detect.GPUFrameBytes); 0 for the CPU detectors.
	GPUFrameBytes int64
	// Frames is the number of frames the pass detects on; 0 when unknown.
	Frames int
}

// FormatBytes renders a byte count with a binary unit ("1.5 GiB").
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
