package pipeline

import (
	"slices"

	"github.com/ftbench/ftbench/pipeline/metrics"
)

// addWorker records in m a finished worker: its figures, its batch plan, its
// notes (each once) and where it decoded.
func addWorker(m *metrics.Metrics, w metrics.WorkerMetrics) {
	m.Workers = append(m.Workers, w)
	m.Batch = mergeBatchPlans(m.Batch, w.Batch)
	if w.GPUMemory != nil && (m.GPUMemory == nil || w.GPUMemory.UsedBytes > m.GPUMemory.UsedBytes) {
		m.GPUMemory = w.GPUMemory // the worker that took the most
	}
	for _, n := range w.Notes {
		if !slices.Contains(m.Notes, n) {
			m.Notes = append(m.Notes, n)
		}
	}
	switch {
	case w.DecodeHWAccel == "":
	case m.DecodeHWAccel == "":
		m.DecodeHWAccel = w.DecodeHWAccel
	case m.DecodeHWAccel != w.DecodeHWAccel:
		m.DecodeHWAccel = "mixed"
	}
}
