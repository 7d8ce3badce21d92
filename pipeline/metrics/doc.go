// Package metrics is the schema of metrics.json, what one pipeline run
// reports: its throughput, stage and queue times, memory, the batch and
// memory plans, detection and tracking counts, quality against ground
// truth, and the workers of a phased run. It builds without cgo, so the
// harness reads it anywhere.
package metrics
