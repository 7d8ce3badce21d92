package metric

import (
	"slices"
	"strings"

	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/record"
)

// registry declares every metric, once. The plan's KPIs come first, in the
// order of its KPI table.
//
// Note: CPU utilisation has no direction: at the same frames/s less is
// cheaper, but a parallel config is meant to use more. GPU utilisation is
// higher-better, since keeping the accelerator fed is the point of the
// plan's GPU phases. Counts and settings (frames, width, samples) have no
// direction either; the gate takes absolute thresholds on them.
var registry = slices.Concat(
	[]Metric{
		pipeline(Metric{Name: "wall_seconds", Unit: Seconds, Better: Lower, Scale: Time,
			KPI: "time", Label: "total processing time",
			Description: "the pipeline's wall time, start to finish"},
			func(m *metrics.Metrics) float64 { return m.WallSeconds }),
		resource(Metric{Name: "gpu_util_mean", Unit: Fraction, Better: Higher, GPU: true,
			KPI: "gpu", Label: "GPU utilisation", Gobench: "gpu",
			Description: "mean utilisation of all GPUs together"},
			func(r *record.Resources) float64 { return r.GPUUtilMean }),
		resource(Metric{Name: "cpu_util_mean", Unit: Fraction,
			KPI: "cpu", Label: "CPU utilisation", Gobench: "cpu",
			Description: "mean CPU of the run's process tree, as a fraction of all cores"},
			func(r *record.Resources) float64 { return r.CPUUtilMean }),
		resource(Metric{Name: "vram_fraction", Unit: Fraction, Better: Lower, GPU: true,
			KPI: "vram", Label: "VRAM use",
			Description: "largest device memory in use over the device's total (vram_used_max_bytes / vram_total_bytes)"},
			func(r *record.Resources) float64 { return r.VRAMFraction }),
		pipeline(Metric{Name: "fps", Unit: FramesPerSecond, Better: Higher, Scale: Rate,
			KPI: "fps", Label: "frames/s", Gobench: "fps",
			Description: "frames processed per second of wall time"},
			func(m *metrics.Metrics) float64 { return m.FPS }),
		quality(Metric{Name: "hit_rate", Unit: Ratio, Better: Higher,
			KPI: "hit_rate", Label: "hit rate", Gobench: "hit-rate",
			Description: "fraction of ground-truth frames whose primary-face centre lies in a ground-truth box"},
			func(q *metrics.Quality) float64 { return q.HitRate }),
		otb(Metric{Name: "success_auc", Unit: Ratio, Better: Higher,
			KPI: "success_auc", Label: "success AUC",
			Description: "OTB success AUC: mean over IoU thresholds 0, 0.05, ..., 1 of the fraction of ground-truth frames whose primary-face IoU exceeds it"},
			func(q *metrics.Quality) float64 { return q.SuccessAUC }),

		// The run as the harness saw it.
		{Name: "elapsed_seconds", Unit: Seconds, Better: Lower, Scale: Time,
			Description: "the child's life as the harness saw it, start-up included",
			value:       func(r *record.Result) (float64, bool) { return r.ElapsedSeconds, true }},
		accounted(Metric{Name: "cpu_seconds", Unit: Seconds, Better: Lower, Scale: Time, Gobench: "cpu-s",
			Description: "user plus system CPU seconds of the run's process tree, from the kernel's accounting (wait4)"},
			func(r *record.Resources) float64 { return r.CPUSeconds }),
		{Name: "cpu_seconds_per_frame", Unit: Seconds, Better: Lower, Scale: Time, Gobench: "cpu-s/frame",
			Absent:      "no kernel accounting or no frames",
			Description: "cpu_seconds over the frames the run processed",
			value:       perFrame(func(r *record.Result) (float64, bool) { return r.Resources.CPUSeconds, accountedRun(r) })},
		{Name: "instructions", Better: Lower, Instrument: record.InstrumentInstructions, Deterministic: true, Absent: "not run under the instructions instrument",
			Description: "instructions the run's process tree executed, counted by valgrind's cachegrind (instrument = \"instructions\")",
			value:       instructions},
		{Name: "instructions_per_frame", Better: Lower, Instrument: record.InstrumentInstructions, Deterministic: true, Gobench: "instr/frame",
			Absent:      "not run under the instructions instrument, or no frames",
			Description: "instructions over the frames the run processed",
			value:       perFrame(instructions)},
		{Name: "cpu_cores", Unit: Cores, Label: "CPU cores used", Absent: "CPU count unknown",
			Description: "CPU the run's process tree used, in cores: cpu_util_mean times the machine's logical CPUs",
			value:       cpuCores},

		// The pipeline's metrics file.
		pipeline(Metric{Name: "peak_rss_bytes", Unit: Bytes, Better: Lower, Gobench: "peak-rss-B",
			Description: "the pipeline's peak resident memory, as it measured it"},
			func(m *metrics.Metrics) float64 { return float64(m.PeakRSSBytes) }),
		pipeline(Metric{Name: "frames", Description: "frames processed"},
			func(m *metrics.Metrics) float64 { return float64(m.Frames) }),
		pipeline(Metric{Name: "passes", Description: "times the run went through its input to last min_run_seconds (0: one plain pass)"},
			func(m *metrics.Metrics) float64 { return float64(m.Passes) }),
		pipeline(Metric{Name: "width", Description: "the input's width in pixels"},
			func(m *metrics.Metrics) float64 { return float64(m.Width) }),
		pipeline(Metric{Name: "height", Description: "the input's height in pixels"},
			func(m *metrics.Metrics) float64 { return float64(m.Height) }),
		pipeline(Metric{Name: "crop_width", Description: "the output crop's width in pixels"},
			func(m *metrics.Metrics) float64 { return float64(m.CropWidth) }),
		pipeline(Metric{Name: "crop_height", Description: "the output crop's height in pixels"},
			func(m *metrics.Metrics) float64 { return float64(m.CropHeight) }),
		pipeline(Metric{Name: "input_fps", Unit: FramesPerSecond, Description: "the input's frame rate"},
			func(m *metrics.Metrics) float64 { return m.InputFPS }),
		pipeline(Metric{Name: "detect_frames", Description: "frames the detector ran on"},
			func(m *metrics.Metrics) float64 { return float64(m.DetectFrames) }),
		pipeline(Metric{Name: "detections", Description: "faces the detector found"},
			func(m *metrics.Metrics) float64 { return float64(m.Detections) }),
		pipeline(Metric{Name: "tracks", Description: "distinct track ids"},
			func(m *metrics.Metrics) float64 { return float64(m.Tracks) }),
		pipeline(Metric{Name: "faces_frames", Description: "frames with a primary face"},
			func(m *metrics.Metrics) float64 { return float64(m.FacesFrames) }),
		pipeline(Metric{Name: "segments", Description: "segments a phased run split the input into"},
			func(m *metrics.Metrics) float64 { return float64(m.Segments) }),
	},

	stages(metrics.StageDecode, metrics.StageScale, metrics.StageDetect, metrics.StageTrack,
		metrics.StageReframe, metrics.StageEncode, metrics.StageMux),

	[]Metric{
		// Quality against ground truth.
		quality(Metric{Name: "recall", Unit: Ratio, Better: Higher,
			Description: "fraction of ground-truth boxes on detected frames matched by a detection"},
			func(q *metrics.Quality) float64 { return q.Recall }),
		quality(Metric{Name: "precision", Unit: Ratio, Better: Higher,
			Description: "fraction of detections on detected frames matched to a ground-truth box"},
			func(q *metrics.Quality) float64 { return q.Precision }),
		quality(Metric{Name: "hits", Better: Higher, Description: "ground-truth frames whose primary face hit a box"},
			func(q *metrics.Quality) float64 { return float64(q.Hits) }),
		quality(Metric{Name: "matches", Better: Higher, Description: "one-to-one detection/ground-truth matches"},
			func(q *metrics.Quality) float64 { return float64(q.Matches) }),
		quality(Metric{Name: "gt_frames", Description: "frames with at least one ground-truth box"},
			func(q *metrics.Quality) float64 { return float64(q.GTFrames) }),
		quality(Metric{Name: "gt_boxes", Description: "ground-truth boxes on detected frames"},
			func(q *metrics.Quality) float64 { return float64(q.GTBoxes) }),
		quality(Metric{Name: "detected_frames", Description: "frames within the ground truth where the detector ran"},
			func(q *metrics.Quality) float64 { return float64(q.DetectedFrames) }),
		quality(Metric{Name: "detections", Description: "detections on detected frames"},
			func(q *metrics.Quality) float64 { return float64(q.Detections) }),
		quality(Metric{Name: "iou_threshold", Unit: Ratio, Description: "the IoU a detection needs to match a box"},
			func(q *metrics.Quality) float64 { return q.IoU }),

		// The OTB one-pass measures of the primary face and the MOT
		// measures of every track; metrics.Quality defines them.
		otb(Metric{Name: "precision_20px", Unit: Ratio, Better: Higher,
			Description: "OTB precision: fraction of ground-truth frames whose primary-face centre is within 20 px of the truth's"},
			func(q *metrics.Quality) float64 { return q.Precision20 }),
		otb(Metric{Name: "mean_iou", Unit: Ratio, Better: Higher,
			Description: "mean IoU of the primary face with the ground truth, a frame without one counting 0"},
			func(q *metrics.Quality) float64 { return q.MeanIoU }),
		otb(Metric{Name: "center_error_median_px", Better: Lower,
			Description: "median centre error of the primary face in source pixels, a frame without one counting the frame's diagonal"},
			func(q *metrics.Quality) float64 { return q.CenterErrorMedian }),
		mot(Metric{Name: "idf1", Unit: Ratio, Better: Higher,
			Description: "IDF1 (Ristani 2016) of every track against ground truth with identities, correspondence at IoU >= 0.5"},
			func(q *metrics.Quality) float64 { return q.IDF1 }),
		mot(Metric{Name: "id_switches", Better: Lower,
			Description: "CLEAR MOT identity switches: a face matched to another track than the one it last matched"},
			func(q *metrics.Quality) float64 { return float64(q.IDSwitches) }),
		mot(Metric{Name: "mota", Unit: Ratio, Better: Higher,
			Description: "CLEAR MOT accuracy: 1 - (misses + false positives + switches) / ground-truth boxes, can be negative"},
			func(q *metrics.Quality) float64 { return q.MOTA }),
		mot(Metric{Name: "mot_gt_boxes", Description: "ground-truth boxes with an identity, every frame"},
			func(q *metrics.Quality) float64 { return float64(q.MOTGTBoxes) }),
		mot(Metric{Name: "mot_track_boxes", Description: "track boxes, one per track and frame"},
			func(q *metrics.Quality) float64 { return float64(q.MOTTrackBoxes) }),
		mot(Metric{Name: "mot_misses", Better: Lower, Description: "ground-truth boxes no track matched on their frame"},
			func(q *metrics.Quality) float64 { return float64(q.MOTMisses) }),
		mot(Metric{Name: "mot_false_positives", Better: Lower, Description: "track boxes that matched no ground-truth box"},
			func(q *metrics.Quality) float64 { return float64(q.MOTFalsePositives) }),
		gold(Metric{Name: "gold_iou", Unit: Ratio, Better: Higher,
			Description: "mean IoU of the primary face with the gold config's on the same input (pseudo ground truth), a frame without one counting 0"},
			func(g *record.Gold) float64 { return g.IoU }),
		gold(Metric{Name: "gold_center_px", Better: Lower,
			Description: "median distance of the primary face's centre from the gold config's, in source pixels"},
			func(g *record.Gold) float64 { return g.CenterPx }),
		gold(Metric{Name: "gold_frames", Description: "frames where the gold config has a primary face"},
			func(g *record.Gold) float64 { return float64(g.Frames) }),
		gold(Metric{Name: "crop_dev_px", Better: Lower,
			Description: "median distance of the crop window's centre from the gold config's, in source pixels"},
			func(g *record.Gold) float64 { return g.CropDevPx }),
		quality(Metric{Name: "idtp", Better: Higher, Description: "frames where a face and the track IDF1 assigned it correspond"},
			func(q *metrics.Quality) float64 { return float64(q.IDTP) }),

		// The resources sampled while the run's child lived.
		resource(Metric{Name: "cpu_util_max", Unit: Fraction, Description: "largest CPU sample of the process tree, as a fraction of all cores"},
			func(r *record.Resources) float64 { return r.CPUUtilMax }),
		resource(Metric{Name: "system_cpu_util_mean", Unit: Fraction, Description: "mean CPU of the whole machine"},
			func(r *record.Resources) float64 { return r.SystemCPUUtilMean }),
		resource(Metric{Name: "system_cpu_util_max", Unit: Fraction, Description: "largest CPU sample of the whole machine"},
			func(r *record.Resources) float64 { return r.SystemCPUUtilMax }),
		resource(Metric{Name: "rss_max_bytes", Unit: Bytes, Better: Lower, Description: "the process tree's resident memory, largest sample"},
			func(r *record.Resources) float64 { return float64(r.RSSMaxBytes) }),
		resource(Metric{Name: "processes_max", Label: "processes", Description: "the process tree's size, largest sample"},
			func(r *record.Resources) float64 { return float64(r.ProcessesMax) }),
		resource(Metric{Name: "samples", Description: "resource samples taken"},
			func(r *record.Resources) float64 { return float64(r.Samples) }),
		resource(Metric{Name: "interval_seconds", Unit: Seconds, Description: "time between resource samples"},
			func(r *record.Resources) float64 { return r.IntervalSeconds }),
		resource(Metric{Name: "sampler_cpu_seconds", Unit: Seconds, Better: Lower, Description: "CPU time of the sampler's own thread"},
			func(r *record.Resources) float64 { return r.SamplerCPUSeconds }),
		resource(Metric{Name: "sampler_overhead", Unit: Fraction, Better: Lower, Description: "the sampler's CPU time over the run's elapsed time, as a fraction of one core"},
			func(r *record.Resources) float64 { return r.SamplerOverhead }),
		resource(Metric{Name: "harness_cpu_seconds", Unit: Seconds, Better: Lower, Description: "CPU time of the whole sweep process during the run"},
			func(r *record.Resources) float64 { return r.HarnessCPUSeconds }),

		// The kernel's accounting of the run's process tree.
		accounted(Metric{Name: "cpu_user_seconds", Unit: Seconds, Better: Lower, Scale: Time, Description: "user-mode CPU seconds of the process tree"},
			func(r *record.Resources) float64 { return r.CPUUserSeconds }),
		accounted(Metric{Name: "cpu_sys_seconds", Unit: Seconds, Better: Lower, Scale: Time, Description: "kernel-mode CPU seconds of the process tree"},
			func(r *record.Resources) float64 { return r.CPUSysSeconds }),
		accounted(Metric{Name: "process_rss_max_bytes", Unit: Bytes, Better: Lower, Description: "the largest peak resident memory of any one process of the tree, from the kernel's accounting"},
			func(r *record.Resources) float64 { return float64(r.ProcessRSSMaxBytes) }),
		accounted(Metric{Name: "voluntary_ctx_switches", Description: "context switches of the tree where a process waited (I/O, locks, sleep)"},
			func(r *record.Resources) float64 { return float64(r.VoluntaryCtxSwitches) }),
		accounted(Metric{Name: "involuntary_ctx_switches", Description: "context switches of the tree where the scheduler took the CPU away (a busy machine)"},
			func(r *record.Resources) float64 { return float64(r.InvoluntaryCtxSwitches) }),
		accounted(Metric{Name: "minor_faults", Description: "page faults of the tree served without I/O"},
			func(r *record.Resources) float64 { return float64(r.MinorFaults) }),
		accounted(Metric{Name: "major_faults", Description: "page faults of the tree that read from disk"},
			func(r *record.Resources) float64 { return float64(r.MajorFaults) }),

		resource(Metric{Name: "gpu_util_max", Unit: Fraction, Better: Higher, GPU: true, Description: "largest utilisation sample of all GPUs together"},
			func(r *record.Resources) float64 { return r.GPUUtilMax }),
		resource(Metric{Name: "vram_used_max_bytes", Unit: Bytes, Better: Lower, GPU: true, Label: "VRAM used", Gobench: "vram-B",
			Description: "device memory in use by all processes, largest sample"},
			func(r *record.Resources) float64 { return float64(r.VRAMUsedMaxBytes) }),
		resource(Metric{Name: "vram_process_max_bytes", Unit: Bytes, Better: Lower, GPU: true, Description: "device memory of the run's process tree, largest sample"},
			func(r *record.Resources) float64 { return float64(r.VRAMProcessMaxBytes) }),
		resource(Metric{Name: "vram_total_bytes", Unit: Bytes, GPU: true, Description: "the devices' total memory"},
			func(r *record.Resources) float64 { return float64(r.VRAMTotalBytes) }),
		resource(Metric{Name: "sm_clock_mean_mhz", Unit: MHz, GPU: true, Description: "mean streaming-multiprocessor clock"},
			func(r *record.Resources) float64 { return r.SMClockMeanMHz }),
		resource(Metric{Name: "gpu_temp_max_c", Unit: Celsius, Better: Lower, GPU: true, Description: "highest GPU temperature sampled"},
			func(r *record.Resources) float64 { return r.GPUTempMaxC }),
		resource(Metric{Name: "gpu_power_mean_watts", Unit: Watts, Better: Lower, GPU: true, Description: "mean GPU power draw"},
			func(r *record.Resources) float64 { return r.GPUPowerMeanWatts }),
		resource(Metric{Name: "gpu_power_max_watts", Unit: Watts, Better: Lower, GPU: true, Description: "highest GPU power draw sampled"},
			func(r *record.Resources) float64 { return r.GPUPowerMaxWatts }),
	},
)

// pipeline declares a metric of the pipeline's metrics file, which a run
// that wrote none lacks.
func pipeline(m Metric, read func(*metrics.Metrics) float64) Metric {
	m.value = func(r *record.Result) (float64, bool) {
		if r.Metrics == nil {
			return 0, false
		}
		return read(r.Metrics), true
	}
	return m
}

// quality declares a metric of the pipeline's quality against ground
// truth: "quality." and the field's JSON name.
func quality(m Metric, read func(*metrics.Quality) float64) Metric {
	m.Name = "quality." + m.Name
	m.GroundTruth = true
	m.value = func(r *record.Result) (float64, bool) {
		if r.Metrics == nil || r.Metrics.Quality == nil {
			return 0, false
		}
		return read(r.Metrics.Quality), true
	}
	return m
}

// otb declares one of the OTB one-pass measures: a quality metric that
// records from before they existed (no success curve) lack, rather than
// read as zero.
func otb(m Metric, read func(*metrics.Quality) float64) Metric {
	return qualityIf(m, read, func(q *metrics.Quality) bool { return len(q.SuccessCurve) > 0 },
		"not recorded (the record predates it)")
}

// mot declares one of the MOT identity measures: a quality metric that only
// ground truth with identities has.
func mot(m Metric, read func(*metrics.Quality) float64) Metric {
	return qualityIf(m, read, func(q *metrics.Quality) bool { return q.MOTGTBoxes > 0 },
		"no identities in the ground truth")
}

// qualityIf is quality for a measure that only some quality blocks have.
func qualityIf(m Metric, read func(*metrics.Quality) float64, has func(*metrics.Quality) bool, absent string) Metric {
	m = quality(m, read)
	m.Absent = absent
	m.value = func(r *record.Result) (float64, bool) {
		if r.Metrics == nil || r.Metrics.Quality == nil || !has(r.Metrics.Quality) {
			return 0, false
		}
		return read(r.Metrics.Quality), true
	}
	return m
}

// gold declares a metric against the sweep's gold config: "quality." and
// its name, read from the record's Gold, which runs of a sweep without a
// gold config lack.
func gold(m Metric, read func(*record.Gold) float64) Metric {
	m.Name = "quality." + m.Name
	m.Absent = "no gold config in the sweep"
	m.value = func(r *record.Result) (float64, bool) {
		if r.Gold == nil {
			return 0, false
		}
		return read(r.Gold), true
	}
	return m
}

// stages declares the time spent in each pipeline stage, "stages." and the
// stage's name, in pipeline order.
func stages(names ...string) []Metric {
	var out []Metric
	for _, s := range names {
		out = append(out, Metric{Name: stagePrefix + s, Unit: Seconds, Better: Lower, Scale: Time,
			Description: "seconds of " + s + " work, summed over goroutines",
			value: func(r *record.Result) (float64, bool) {
				if r.Metrics == nil {
					return 0, false
				}
				v, ok := r.Metrics.Stages[s]
				return v, ok
			}})
	}
	return out
}

// resource declares a metric of the resources sampled while the run's
// child lived. Every run has them; GPU ones only where there is a GPU.
func resource(m Metric, read func(*record.Resources) float64) Metric {
	m.value = func(r *record.Result) (float64, bool) { return read(&r.Resources), true }
	return m
}

// accounted declares a metric of the kernel's accounting of the run's
// process tree, which records written before it existed lack.
func accounted(m Metric, read func(*record.Resources) float64) Metric {
	m.value = func(r *record.Result) (float64, bool) { return read(&r.Resources), accountedRun(r) }
	if m.Absent == "" {
		m.Absent = "no kernel accounting (an older record)"
	}
	return m
}

// accountedRun reports whether a run carries the kernel's accounting: any
// process that ran has a resident set.
func accountedRun(r *record.Result) bool { return r.Resources.ProcessRSSMaxBytes > 0 }

// instructions is the instruction count of an instrumented run.
func instructions(r *record.Result) (float64, bool) {
	if r.Instrument != record.InstrumentInstructions || r.Resources.Instructions <= 0 {
		return 0, false
	}
	return float64(r.Resources.Instructions), true
}

// perFrame divides a run's quantity by the frames it processed.
func perFrame(read func(*record.Result) (float64, bool)) func(*record.Result) (float64, bool) {
	return func(r *record.Result) (float64, bool) {
		v, ok := read(r)
		if !ok || r.Metrics == nil || r.Metrics.Frames <= 0 {
			return 0, false
		}
		return v / float64(r.Metrics.Frames), true
	}
}

// cpuCores is cpu_util_mean in cores, absent when the run's environment
// does not say how many CPUs its machine has.
func cpuCores(r *record.Result) (float64, bool) {
	cpus := r.Env.LogicalCPUs()
	if cpus == 0 {
		return 0, false
	}
	return r.Resources.CPUUtilMean * float64(cpus), true
}

// stagePrefix begins the names of the per-stage metrics.
const stagePrefix = "stages."

// Stages returns the pipeline's stages, in pipeline order; "stages." and a
// stage's name is the metric of the time spent in it.
func Stages() []string {
	var out []string
	for i := range registry {
		if s, ok := strings.CutPrefix(registry[i].Name, stagePrefix); ok {
			out = append(out, s)
		}
	}
	return out
}
