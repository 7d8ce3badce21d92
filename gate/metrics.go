package gate

import (
	"strings"

	"github.com/ftbench/ftbench/record"
)

// Better says which way a metric improves.
type Better int

// The directions of a metric.
const (
	// Neither: a count or a setting (frames, width, samples). Such a metric
	// takes absolute thresholds; a relative rule on it must say which way
	// is better.
	Neither Better = iota
	Higher
	Lower
)

func (b Better) String() string {
	switch b {
	case Higher:
		return "higher"
	case Lower:
		return "lower"
	}
	return "neither"
}

// Scale says how a metric follows the machine's speed, which decides what
// normalising by the reference workload does to it.
type Scale int

// The scales of a metric.
const (
	Fixed Scale = iota // machine speed leaves it alone: memory, quality, counts
	Rate               // frames per second: divided by the reference's frames/s
	Time               // seconds: multiplied by the reference's frames/s
)

// Metric is what the gate knows about a metric.
type Metric struct {
	Better Better
	Scale  Scale
	Unit   string // "frames/s", "s", "B", "" for fractions and counts
}

// metricTable is the one place that says which way each metric improves.
// Names ending in "." cover every metric with that prefix.
//
// Note: CPU utilisation has no direction: at the same frames/s less is
// cheaper, but a parallel config is meant to use more. GPU utilisation is
// higher-better, since keeping the accelerator fed is the point of the
// plan's GPU phases. TestMetricTableCoversMetricNames fails when the record
// grows a metric this table does not place.
var metricTable = map[string]Metric{
	"fps":             {Higher, Rate, "frames/s"},
	"wall_seconds":    {Lower, Time, "s"},
	"elapsed_seconds": {Lower, Time, "s"},
	"stages.":         {Lower, Time, "s"},

	"peak_rss_bytes":         {Lower, Fixed, "B"},
	"rss_max_bytes":          {Lower, Fixed, "B"},
	"vram_used_max_bytes":    {Lower, Fixed, "B"},
	"vram_process_max_bytes": {Lower, Fixed, "B"},
	"vram_fraction":          {Lower, Fixed, ""},
	"vram_total_bytes":       {Neither, Fixed, "B"},

	"cpu_util_mean":        {Neither, Fixed, ""},
	"cpu_util_max":         {Neither, Fixed, ""},
	"system_cpu_util_mean": {Neither, Fixed, ""},
	"system_cpu_util_max":  {Neither, Fixed, ""},
	"gpu_util_mean":        {Higher, Fixed, ""},
	"gpu_util_max":         {Higher, Fixed, ""},
	"sm_clock_mean_mhz":    {Neither, Fixed, "MHz"},
	"gpu_temp_max_c":       {Lower, Fixed, "°C"},
	"gpu_power_mean_watts": {Lower, Fixed, "W"},
	"gpu_power_max_watts":  {Lower, Fixed, "W"},

	"sampler_cpu_seconds": {Lower, Fixed, "s"},
	"sampler_overhead":    {Lower, Fixed, ""},
	"harness_cpu_seconds": {Lower, Fixed, "s"},
	"samples":             {Neither, Fixed, ""},
	"interval_seconds":    {Neither, Fixed, "s"},
	"processes_max":       {Neither, Fixed, ""},

	"quality.hit_rate":        {Higher, Fixed, ""},
	"quality.recall":          {Higher, Fixed, ""},
	"quality.precision":       {Higher, Fixed, ""},
	"quality.hits":            {Higher, Fixed, ""},
	"quality.matches":         {Higher, Fixed, ""},
	"quality.gt_frames":       {Neither, Fixed, ""},
	"quality.gt_boxes":        {Neither, Fixed, ""},
	"quality.detected_frames": {Neither, Fixed, ""},
	"quality.detections":      {Neither, Fixed, ""},
	"quality.iou_threshold":   {Neither, Fixed, ""},

	"frames":        {Neither, Fixed, ""},
	"width":         {Neither, Fixed, ""},
	"height":        {Neither, Fixed, ""},
	"crop_width":    {Neither, Fixed, ""},
	"crop_height":   {Neither, Fixed, ""},
	"input_fps":     {Neither, Fixed, "frames/s"},
	"detect_frames": {Neither, Fixed, ""},
	"detections":    {Neither, Fixed, ""},
	"tracks":        {Neither, Fixed, ""},
	"faces_frames":  {Neither, Fixed, ""},
	"segments":      {Neither, Fixed, ""},
}

// LookupMetric returns what the gate knows about a metric; ok is false
// for a name the records do not have (see record.MetricNames).
func LookupMetric(name string) (m Metric, ok bool) {
	if !record.IsMetric(name) {
		return Metric{}, false
	}
	if m, ok := metricTable[name]; ok {
		return m, true
	}
	if i := strings.IndexByte(name, '.'); i >= 0 {
		if m, ok := metricTable[name[:i+1]]; ok {
			return m, true
		}
	}
	return Metric{}, true // a new metric: no direction, not normalised
}
