package metrics

import (
	"github.com/ftbench/ftbench/pipeline/config"
)

// Stage names used as keys of Metrics.Stages.
const (
	StageDecode  = "decode"
	StageScale   = "scale"
	StageDetect  = "detect"
	StageTrack   = "track"
	StageReframe = "reframe"
	StageEncode  = "encode"
	StageMux     = "mux"
)

// Metrics is what one pipeline run writes to its metrics file (metrics.json).
// The harness reads nothing else of a run.
//
// Note: the JSON names are a contract with the sweep runner, the reports and
// the gate, and with users' own scripts; add fields, never rename them.
type Metrics struct {
	Input       string             `json:"input"`
	Output      string             `json:"output,omitempty"`
	Frames      int                `json:"frames"`
	WallSeconds float64            `json:"wall_seconds"`
	FPS         float64            `json:"fps"`
	Stages      map[string]float64 `json:"stages"` // seconds of work per stage, summed over goroutines
	// Waits holds seconds each stage spent blocked on its queues:
	// "decode.out" (the next stage was full), "detect.in" (nothing decoded
	// yet), "detect.out", "encode.in" (nothing detected yet), ... (with
	// one CPU detector, detection runs in the decode stage, which has no
	// "detect.*" queues). A stage that
	// waits on its input is starved; one that waits on its output is
	// faster than what follows it.
	Waits        map[string]float64 `json:"waits,omitempty"`
	PeakRSSBytes int64              `json:"peak_rss_bytes"`
	Config       config.Config      `json:"config"`
	// Batch says how batch = "auto" was sized and shrunk; absent for a
	// fixed batch.
	Batch *BatchPlan `json:"batch_plan,omitempty"`
	// GPUMemory is the device memory from the CUDA driver, when the cuda
	// detector ran.
	GPUMemory *GPUMemory `json:"gpu_memory,omitempty"`
	Quality   *Quality   `json:"quality,omitempty"`

	Width        int     `json:"width"`
	Height       int     `json:"height"`
	CropWidth    int     `json:"crop_width"`
	CropHeight   int     `json:"crop_height"`
	InputFPS     float64 `json:"input_fps"`
	DetectFrames int     `json:"detect_frames"` // frames the detector ran on
	Detections   int     `json:"detections"`
	Tracks       int     `json:"tracks"`       // distinct track ids
	FacesFrames  int     `json:"faces_frames"` // frames with a primary face
	AudioCopied  bool    `json:"audio_copied"`
	Decoder      string  `json:"decoder"`
	// DecodeHWAccel is where the video was decoded: "cuda" (NVDEC),
	// "none" (the CPU), or "mixed" when the passes of a phased run differ;
	// Notes say why a requested hwaccel was not used.
	DecodeHWAccel string   `json:"decode_hwaccel"`
	EncoderName   string   `json:"encoder_name"`
	Notes         []string `json:"notes,omitempty"`

	// Phased runs (processes > 1 or encode_workers > 1).
	Workers  []WorkerMetrics `json:"workers,omitempty"` // one per segment attempt
	Scaling  []ScalingEvent  `json:"scaling,omitempty"` // process-count back-offs
	Plan     *MemoryPlan     `json:"memory_plan,omitempty"`
	Segments int             `json:"segments,omitempty"` // segments the input was split into
	Threads  *ThreadPlan     `json:"thread_plan,omitempty"`
	// PhaseSeconds is wall time per phase: "probe", "analyze", "stitch",
	// "encode", "join".
	PhaseSeconds map[string]float64 `json:"phase_seconds,omitempty"`
	// Passes is how many times the run went through the input when it was
	// made to last a minimum time (pipeline.RunFor); 0 for one plain pass.
	Passes int `json:"passes,omitempty"`
}

// ThreadPlan is the decoder and encoder threads each worker of a phased
// run used (0 = the library picks), sized from the cores the run could use
// when the config leaves them at 0.
type ThreadPlan struct {
	Cores          int  `json:"cores"`
	AnalyzeDecoder int  `json:"analyze_decoder_threads"` // each analysis pass's decoder
	EncodeDecoder  int  `json:"encode_decoder_threads"`  // each encode worker's decoder
	Encoder        int  `json:"encoder_threads"`         // each encode worker's encoder
	Sized          bool `json:"sized"`                   // some count was sized here, not set by the config
}

// WorkerMetrics is what one segment worker did.
type WorkerMetrics struct {
	Phase       string             `json:"phase"` // "analyze" or "encode"
	Segment     int                `json:"segment"`
	Attempt     int                `json:"attempt"`
	Frames      int                `json:"frames"`
	WallSeconds float64            `json:"wall_seconds"`
	Stages      map[string]float64 `json:"stages,omitempty"`
	Waits       map[string]float64 `json:"waits,omitempty"`
	PeakRSS     int64              `json:"peak_rss_bytes,omitempty"`
	Batch       *BatchPlan         `json:"batch_plan,omitempty"`
	GPUMemory   *GPUMemory         `json:"gpu_memory,omitempty"`
	// Notes and DecodeHWAccel are the worker's pass's, as in Metrics.
	Notes         []string `json:"notes,omitempty"`
	DecodeHWAccel string   `json:"decode_hwaccel,omitempty"`
	Error         string   `json:"error,omitempty"`
}

// ScalingEvent records the process count backing off after a worker ran
// out of memory.
type ScalingEvent struct {
	AtSeconds float64 `json:"at_seconds"`
	From      int     `json:"from"`
	To        int     `json:"to"`
	Segment   int     `json:"segment"`
	Reason    string  `json:"reason"`
}

// BatchPlan says how batch = "auto" was sized, for metrics.json: the
// memory the batch was fitted into, what one more frame of batch costs
// there, the RAM bound, and every halving after a failed allocation.
type BatchPlan struct {
	Chosen int `json:"chosen"` // the batch the pass started with
	Final  int `json:"final"`  // the batch in use at the end (smaller after shrinks)
	// LimitedBy names the bound that set Chosen: "vram" (free device
	// memory), "cache" (the CPU's last-level cache), "ram" (the memory
	// planner's share of RAM for one process), "batch_max" or "frames"
	// (the pass has fewer frames to detect).
	LimitedBy    string  `json:"limited_by"`
	MemorySource string  `json:"memory_source"` // "VRAM free (driver)", "L3 cache (sysfs)", ...
	MemoryBytes  int64   `json:"memory_bytes"`  // the free VRAM or the cache size
	Margin       float64 `json:"margin"`        // memory_margin, kept free of it
	// Shares is how many batches live in that memory at once: processes x
	// streams.
	Shares        int           `json:"shares"`
	PerFrameBytes int64         `json:"per_frame_bytes"` // what one more frame of batch costs there
	RAMLimit      int           `json:"ram_limit"`       // the largest batch one process's RAM share allows
	Shrinks       []BatchShrink `json:"shrinks,omitempty"`
}

// BatchShrink is one halving of the batch after an allocation failed.
type BatchShrink struct {
	From  int    `json:"from"`
	To    int    `json:"to"`
	Error string `json:"error"`
}

// MemoryPlan is the memory planner's arithmetic for one run: the plan's
// "(32 - 4 - 2) / 2 = 13 concurrent GPU processes", with the budget, the
// model counted once, the margin kept free and each process's share.
type MemoryPlan struct {
	BudgetBytes  int64  `json:"budget_bytes"`
	BudgetSource string `json:"budget_source"` // "config", "MemAvailable", "VRAM"
	ModelBytes   int64  `json:"model_bytes"`
	MarginBytes  int64  `json:"margin_bytes"`
	ProcessBytes int64  `json:"process_bytes"`
	// ProcessSource says where ProcessBytes came from: "config"
	// (process_memory) or the estimate used.
	ProcessSource string `json:"process_source,omitempty"`
	MaxProcesses  int    `json:"max_processes"`
	Requested     int    `json:"requested"`
	Planned       int    `json:"planned"`
	Note          string `json:"note,omitempty"`
}

// Quality measures how well a run found and followed faces against ground
// truth.
//
// Note: a ratio whose denominator is zero is never NaN (JSON cannot carry
// it) and never vacuously perfect where that could hide a mismatch between
// video and ground truth: HitRate and Recall are 0 when there is nothing to
// count. Precision with no detections is 1 when there were no ground-truth
// boxes either (nothing claimed, nothing missed) and 0 otherwise. The counts
// beside the ratios say which case applies.
type Quality struct {
	// HitRate is the fraction of ground-truth frames (frames passed to Add
	// that have at least one box) whose primary-face centre lies inside a
	// ground-truth box.
	HitRate float64 `json:"hit_rate"`
	// Recall is, over frames where the detector ran, the fraction of
	// ground-truth boxes matched by a detection with IoU >= the threshold.
	Recall float64 `json:"recall"`
	// Precision is, over the same frames, the fraction of detections
	// matched to a ground-truth box.
	Precision      float64 `json:"precision"`
	GTFrames       int     `json:"gt_frames"`       // frames with at least one ground-truth box
	Hits           int     `json:"hits"`            // of those, frames whose primary face hit a box
	DetectedFrames int     `json:"detected_frames"` // frames within the ground truth where the detector ran
	GTBoxes        int     `json:"gt_boxes"`        // ground-truth boxes on detected frames
	Detections     int     `json:"detections"`      // detections on detected frames
	Matches        int     `json:"matches"`         // one-to-one detection/ground-truth matches
	IoU            float64 `json:"iou_threshold"`

	// The OTB one-pass measures (Wu, Lim and Yang, "Object Tracking
	// Benchmark", TPAMI 2015), over the GTFrames frames: the primary
	// face's box against the ground-truth box it overlaps most (the one
	// nearest by centre when it overlaps none). A frame without a primary
	// face is a miss: IoU 0 and a centre error larger than any threshold.

	// Precision20 is the fraction of frames whose centre error is at most
	// 20 pixels (OTB's precision at its 20-pixel threshold).
	Precision20 float64 `json:"precision_20px"`
	// SuccessAUC is the area under OTB's success plot: the mean, over the
	// 21 IoU thresholds 0, 0.05, ..., 1, of the fraction of frames whose
	// IoU is strictly greater than the threshold, as the OTB toolkit
	// counts (so a frame with IoU 0 fails even threshold 0, and no frame
	// passes threshold 1).
	SuccessAUC float64 `json:"success_auc"`
	MeanIoU    float64 `json:"mean_iou"` // mean IoU, misses counting 0
	// CenterErrorMedian is the median centre distance in source pixels, a
	// miss counting as the frame's diagonal.
	CenterErrorMedian float64 `json:"center_error_median_px"`

	// The MOT measures, over every track the tracker reports (not only
	// the primary face) against ground truth that names identities
	// (ftbench's own format; all zero for OTB ground truth, whose
	// MOTGTBoxes is 0). A track and a ground-truth face correspond on a
	// frame when their IoU is at least 0.5.
	//
	// MOTA and IDSwitches follow CLEAR MOT (Bernardin and Stiefelhagen,
	// 2008) as py-motmetrics computes it: on each frame a face keeps the
	// track it last matched while their IoU is still >= 0.5, the rest are
	// paired by the Hungarian method (most pairs, then least total 1 -
	// IoU); a face matched to a different track than the one it last
	// matched is an identity switch. MOTA = 1 - (misses + false positives
	// + switches) / ground-truth boxes, which can be negative.
	//
	// IDF1 follows Ristani et al. (2016): each ground-truth identity is
	// assigned at most one track identity, and each track at most one
	// face, over the whole video so as to maximise the frames where
	// assigned pairs correspond (IDTP); IDF1 = 2 IDTP / (ground-truth
	// boxes + track boxes).
	IDF1              float64 `json:"idf1"`
	IDSwitches        int     `json:"id_switches"`
	MOTA              float64 `json:"mota"`
	MOTGTBoxes        int     `json:"mot_gt_boxes"`        // ground-truth boxes with an identity
	MOTTrackBoxes     int     `json:"mot_track_boxes"`     // track boxes, one per track and frame
	MOTMisses         int     `json:"mot_misses"`          // ground-truth boxes no track matched on their frame
	MOTFalsePositives int     `json:"mot_false_positives"` // track boxes that matched no ground-truth box
	IDTP              int     `json:"idtp"`                // frames where a face and its assigned track correspond

	// PrecisionCurve[k] is the fraction of the GTFrames frames whose
	// centre error is at most k pixels, k = 0..50: OTB's precision plot
	// (Precision20 is PrecisionCurve[20]). SuccessCurve[k] is the fraction
	// whose IoU is strictly greater than k/20, k = 0..20: OTB's success
	// plot (SuccessAUC is its mean). Both are empty without ground-truth
	// frames.
	PrecisionCurve []float64 `json:"precision_curve,omitempty"`
	SuccessCurve   []float64 `json:"success_curve,omitempty"`
}

// GPUMemory is the device memory as the CUDA driver reports it to this
// process (NVML's per-process figure is the sampler's, in the results).
type GPUMemory struct {
	Device     string `json:"device"`
	TotalBytes int64  `json:"total_bytes"`
	// FreeAtStartBytes is the device's free memory once this process's
	// context and kernel were loaded; FreeMinBytes the least free after
	// its detector buffers were allocated. UsedBytes, their difference,
	// is what its detectors took (plus what other processes took
	// meanwhile: the driver reports the device, not the process).
	FreeAtStartBytes int64 `json:"free_at_start_bytes"`
	FreeMinBytes     int64 `json:"free_min_bytes"`
	UsedBytes        int64 `json:"used_bytes"`
}
