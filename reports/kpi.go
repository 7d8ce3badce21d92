package reports

import (
	"strings"

	"github.com/ftbench/ftbench/record"
)

// Unit is how a metric's base-unit values are shown.
type Unit int

// The units of metrics. Values are always in base units (seconds, bytes,
// fractions); units are applied only when formatting.
const (
	UnitNumber   Unit = iota
	UnitSeconds       // seconds
	UnitFraction      // a fraction shown as a percentage
	UnitRate          // frames per second
	UnitBytes         // bytes
	UnitRatio         // a fraction in [0, 1] shown as is (hit rates)
	UnitCores         // CPU cores
)

// KPI is one column of the plan's KPI table.
type KPI struct {
	Key    string // stable identifier, used in the HTML (data-kpi) and in tests
	Name   string // as the plan names it
	Metric string // the runner metric it reads
	Unit   Unit
}

// KPIs are the plan's KPI table (../shared/seed/plan-en.md: total processing
// time, GPU, CPU and VRAM use, processing speed) plus the face hit rate that
// keeps speed from being bought with misses.
var KPIs = []KPI{
	{Key: "time", Name: "total processing time", Metric: "wall_seconds", Unit: UnitSeconds},
	{Key: "gpu", Name: "GPU utilisation", Metric: "gpu_util_mean", Unit: UnitFraction},
	{Key: "cpu", Name: "CPU utilisation", Metric: "cpu_util_mean", Unit: UnitFraction},
	{Key: "vram", Name: "VRAM use", Metric: "vram_fraction", Unit: UnitFraction},
	{Key: "fps", Name: "frames/s", Metric: "fps", Unit: UnitRate},
	{Key: "hit_rate", Name: "hit rate", Metric: "quality.hit_rate", Unit: UnitRatio},
}

// MetricCPUCores is a metric reports derive for every run: the CPU its
// process tree used, in cores (cpu_util_mean times the machine's CPUs).
const MetricCPUCores = "cpu_cores"

// stageNames are the pipeline's stages in pipeline order.
var stageNames = []string{"decode", "scale", "detect", "track", "reframe", "encode", "mux"}

// metricValue returns a run's metric, with the metrics reports derive.
func metricValue(r *record.Result, name string) (float64, bool) {
	if name == MetricCPUCores {
		cpus := envCPUs(r.Env)
		if cpus == 0 {
			return 0, false
		}
		return r.Resources.CPUUtilMean * float64(cpus), true
	}
	return r.Metric(name)
}

// envCPUs is the number of logical CPUs a run's machine has, 0 when unknown.
func envCPUs(e *record.Env) int {
	if e == nil {
		return 0
	}
	if e.CPUs > 0 {
		return e.CPUs
	}
	return e.UsableCPUs
}

// absentReason says why a run lacks a metric.
func absentReason(r *record.Result, name string) string {
	switch {
	case r.Resources.GPU != "" && isGPUMetric(name):
		return "no GPU"
	case strings.HasPrefix(name, "quality."):
		return "no ground truth"
	case name == MetricCPUCores:
		return "CPU count unknown"
	}
	return "not measured"
}

func isGPUMetric(name string) bool {
	return strings.HasPrefix(name, "gpu_") || strings.HasPrefix(name, "vram_") ||
		name == "sm_clock_mean_mhz"
}

// metricUnit guesses the unit of a metric from its name, for metrics
// outside the KPI table (objectives, constraints, cost terms).
func metricUnit(name string) Unit {
	for _, k := range KPIs {
		if k.Metric == name {
			return k.Unit
		}
	}
	switch {
	case name == MetricCPUCores:
		return UnitCores
	case strings.HasSuffix(name, "_bytes"):
		return UnitBytes
	case strings.HasSuffix(name, "seconds") || strings.HasPrefix(name, "stages."):
		return UnitSeconds
	case strings.HasSuffix(name, "_util_mean") || strings.HasSuffix(name, "_util_max") ||
		strings.HasSuffix(name, "_fraction") || name == "sampler_overhead":
		return UnitFraction
	case strings.HasPrefix(name, "quality."):
		return UnitRatio
	}
	return UnitNumber
}
