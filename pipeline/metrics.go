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

// addStages adds a pass's stage and queue times to the run's.
func addStages(m *metrics.Metrics, stages, waits map[string]float64) {
	for k, v := range stages {
		m.Stages[k] += v
	}
	for k, v := range waits {
		m.Waits[k] += v
	}
}

// mergeBatchPlans folds a segment worker's batch plan into the run's: the
// first worker's sizing, the smallest batch any worker chose and ended
// with, and every worker's shrinks.
func mergeBatchPlans(run, w *metrics.BatchPlan) *metrics.BatchPlan {
	if w == nil {
		return run
	}
	if run == nil {
		c := *w
		c.Shrinks = append([]metrics.BatchShrink(nil), w.Shrinks...)
		return &c
	}
	if w.Chosen < run.Chosen {
		run.Chosen, run.LimitedBy = w.Chosen, w.LimitedBy
	}
	run.Final = min(run.Final, w.Final)
	run.Shrinks = append(run.Shrinks, w.Shrinks...)
	return run
}
