package config

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/BurntSushi/toml"

	"github.com/ftbench/ftbench/internal/tomlguard"
)

// Config holds every knob of the pipeline. Each field maps to one top-level
// TOML key (the toml tag) so that sweeps can name any of them as an axis.
//
// Note: the config is flat on purpose. Sweep axes, trial ids, best.toml and
// gate rules all address a knob by one name; nested tables would make every
// one of them invent a path syntax.
type Config struct {
	// Parallelism (the plan's phases 1A, 1B and 2).
	Processes     int `toml:"processes" json:"processes" doc:"Segment worker processes for the analysis phase (decode, detect, track); 1 = one pass in this process."`
	Segments      int `toml:"segments" json:"segments" doc:"Segments the input is split into, at keyframes, for the workers to take from a queue (0 = one per worker process or encode worker)."`
	Streams       int `toml:"streams" json:"streams" doc:"Detection batches in flight per process, each on its own detector (CPU threads; CUDA streams on the GPU backend)."`
	EncodeWorkers int `toml:"encode_workers" json:"encode_workers" doc:"Segments cropped and encoded in parallel in the post-processing phase; 1 with processes = 1 = one pass."`

	// Memory planner: the largest safe process count is
	// (budget - model - margin) / per-process.
	MemoryBudget   int64   `toml:"memory_budget" json:"memory_budget" doc:"Bytes the workers may use in all (0 = MemAvailable of this machine; VRAM on the GPU backend)."`
	ModelMemory    int64   `toml:"model_memory" json:"model_memory" doc:"Bytes of model weights, counted once (shared between workers)."`
	ProcessMemory  int64   `toml:"process_memory" json:"process_memory" doc:"Bytes one worker needs for its frame batches and buffers (0 = estimated from the frame size and queue depth)."`
	MemoryMargin   float64 `toml:"memory_margin" json:"memory_margin" doc:"Fraction of the budget kept free as a safety margin."`
	ClampProcesses bool    `toml:"clamp_processes" json:"clamp_processes" doc:"When processes exceeds what the memory plan allows: true = run with the planned count and say so, false = refuse."`

	// Decode.
	DecoderThreads int    `toml:"decoder_threads" json:"decoder_threads" doc:"FFmpeg decoder threads (0 = FFmpeg picks, usually one per core)."`
	HWAccel        string `toml:"hwaccel" json:"hwaccel" doc:"Video decoding: \"none\" (the CPU) or \"cuda\" (NVDEC through FFmpeg's CUDA hwaccel; frames come back to host memory as NV12). Without a CUDA device, or for a codec or pixel format NVDEC cannot take, the CPU decodes and metrics.json says why."`

	// Detect.
	Detector       string    `toml:"detector" json:"detector" doc:"Face detector backend: \"pico\" (CPU, PICO cascade, fast scan), \"pigo\" (the same cascade through pigo's own RunCascade, for reference) or \"cuda\" (the cascade on the GPU; needs a build with -tags cuda)."`
	Cascade        string    `toml:"cascade" json:"cascade" doc:"Path of the PICO cascade file; empty = cascade/facefinder of the pigo module go.mod pins."`
	DetectWidth    int       `toml:"detect_width" json:"detect_width" doc:"Width in pixels of the scaled luma plane the detector sees (0 = source width; larger than the source upscales small videos)."`
	DetectInterval int       `toml:"detect_interval" json:"detect_interval" doc:"Run the detector on every Nth frame; the tracker carries boxes in between."`
	FullScan       int       `toml:"full_scan_interval" json:"full_scan_interval" doc:"Frames between full-frame scans while faces are tracked (the first frame of every batch is always scanned whole); in between the detector scans only around the faces it last found (0 = always scan the whole frame)."`
	Batch          BatchSize `toml:"batch" json:"batch" doc:"Frames handed to the detector per call, or \"auto\": sized from the free VRAM the driver reports (cuda) or the CPU's last-level cache (pico, pigo), and from the memory planner's RAM share, never above batch_max; with cuda, halved whenever a GPU allocation fails."`
	BatchMax       int       `toml:"batch_max" json:"batch_max" doc:"Largest batch that batch = \"auto\" may choose."`
	MinFace        float64   `toml:"min_face" json:"min_face" doc:"Smallest face searched, as a fraction of the detection image's shorter side."`
	MaxFace        float64   `toml:"max_face" json:"max_face" doc:"Largest face searched, as a fraction of the detection image's shorter side."`
	ShiftFactor    float64   `toml:"shift_factor" json:"shift_factor" doc:"PICO window step as a fraction of the window size."`
	ScaleFactor    float64   `toml:"scale_factor" json:"scale_factor" doc:"PICO scale step between window sizes (> 1)."`
	ClusterIoU     float64   `toml:"cluster_iou" json:"cluster_iou" doc:"IoU above which raw PICO windows are merged into one detection."`
	MinScore       float64   `toml:"min_score" json:"min_score" doc:"Smallest clustered PICO score kept as a face."`
	EdgeOverhang   float64   `toml:"edge_overhang" json:"edge_overhang" doc:"Part of a window, 0..0.5, that may lie past the frame's edges when a face found near them is measured again (the edge pixels are repeated outside), so a face cut by the edge keeps its size; 0 = windows stay inside the frame, as pigo's scan."`

	// Track.
	TrackIoU       float64 `toml:"track_iou" json:"track_iou" doc:"Smallest IoU for a detection to continue a track."`
	TrackMaxDist   float64 `toml:"track_max_dist" json:"track_max_dist" doc:"Largest centre distance, in track widths, for a detection to continue a track when IoU is too small."`
	TrackMaxMissed int     `toml:"track_max_missed" json:"track_max_missed" doc:"Frames a track survives without a matching detection."`
	TrackMinHits   int     `toml:"track_min_hits" json:"track_min_hits" doc:"Detections a track needs before it can become the primary face."`
	TrackFollow    float64 `toml:"track_follow" json:"track_follow" doc:"Smallest appearance match (normalised cross-correlation, 0..1) for a track to follow its face between detections; 0 = coast on velocity only."`
	TrackSmoothing float64 `toml:"track_smoothing" json:"track_smoothing" doc:"Weight of the new detection in a track's smoothed box (0..1]; 1 = no smoothing."`
	FaceBoxW       float64 `toml:"face_box_w" json:"face_box_w" doc:"Width of a face's box as a fraction of the detector's square window, about its centre: the calibration from the window to the face's extent, applied to the tracks' boxes (tracks.json, the primary face that quality scores and the crop follows) but not to the detections (1 = the window)."`
	FaceBoxH       float64 `toml:"face_box_h" json:"face_box_h" doc:"Height of a face's box as a fraction of the detector's square window (see face_box_w)."`

	// Reframe.
	Aspect           string  `toml:"aspect" json:"aspect" doc:"Aspect ratio W:H of the crop window, as large as the frame allows (\"9:16\" = full-height vertical)."`
	ReframeSmoothing float64 `toml:"reframe_smoothing" json:"reframe_smoothing" doc:"Time constant in seconds of the crop centre's smoothing filter."`
	ReframeDeadzone  float64 `toml:"reframe_deadzone" json:"reframe_deadzone" doc:"Fraction of the crop width the face may move before the crop follows."`
	ReframeMaxSpeed  float64 `toml:"reframe_max_speed" json:"reframe_max_speed" doc:"Largest crop movement, in crop widths per second."`

	// Encode.
	Encoder       string `toml:"encoder" json:"encoder" doc:"FFmpeg video encoder name (libx264 by default)."`
	Preset        string `toml:"preset" json:"preset" doc:"Encoder preset (libx264: ultrafast .. veryslow)."`
	CRF           int    `toml:"crf" json:"crf" doc:"Constant rate factor (0..51, lower is better quality)."`
	EncodeThreads int    `toml:"encode_threads" json:"encode_threads" doc:"Encoder threads (0 = encoder picks)."`
	CopyAudio     bool   `toml:"copy_audio" json:"copy_audio" doc:"Copy the input's first audio stream into the output without re-encoding."`
}

// DefaultConfig returns the configuration `ftbench run` uses when no file is
// given; `ftbench run --print-config` prints it.
func DefaultConfig() Config {
	return Config{
		Processes:      1,
		Segments:       0,
		Streams:        1,
		EncodeWorkers:  1,
		MemoryBudget:   0,
		ModelMemory:    0,
		ProcessMemory:  0,
		MemoryMargin:   0.1,
		ClampProcesses: true,

		DecoderThreads: 0,
		HWAccel:        HWAccelNone,
		Detector:       "pico",
		DetectWidth:    320,
		DetectInterval: 2,
		FullScan:       30,
		Batch:          16,
		BatchMax:       256,
		MinFace:        0.15,
		MaxFace:        0.9,
		ShiftFactor:    0.1,
		ScaleFactor:    1.1,
		ClusterIoU:     0.2,
		MinScore:       5,
		EdgeOverhang:   0.2,

		TrackIoU:       0.2,
		TrackMaxDist:   1.0,
		TrackMaxMissed: 90,
		TrackMinHits:   1,
		TrackSmoothing: 0.5,
		TrackFollow:    0.6,
		FaceBoxW:       0.92,
		FaceBoxH:       0.95,

		Aspect:           "9:16",
		ReframeSmoothing: 0.25,
		ReframeDeadzone:  0.05,
		ReframeMaxSpeed:  1.5,

		Encoder:       "libx264",
		Preset:        "veryfast",
		CRF:           23,
		EncodeThreads: 0,
		CopyAudio:     true,
	}
}

// FieldError is a problem with one config key, located in its file when the
// config came from one.
type FieldError struct {
	File string // empty when the config did not come from a file
	Line int    // 0 when unknown
	Key  string
	Msg  string
}

func (e *FieldError) Error() string {
	loc := e.File
	if loc != "" && e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	if loc != "" {
		return fmt.Sprintf("%s: %s: %s", loc, OneLine(e.Key), OneLine(e.Msg))
	}
	return fmt.Sprintf("%s: %s", OneLine(e.Key), OneLine(e.Msg))
}

// OneLine escapes the control characters in s, Go style, so that a message
// quoting the input (a TOML key or string holding a newline) stays one
// line. Sweep specs' errors use it too.
func OneLine(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Field describes one config key for documentation and for sweep validation.
type Field struct {
	Key  string       // TOML key
	Kind reflect.Kind // reflect.Int, reflect.Float64, reflect.String or reflect.Bool
	Doc  string
	// Auto marks an integer field that also takes the string "auto".
	Auto bool
}

// Fields lists every config key in declaration order.
func Fields() []Field {
	t := reflect.TypeOf(Config{})
	out := make([]Field, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		kind := f.Type.Kind()
		if kind == reflect.Int64 {
			kind = reflect.Int // byte counts: integers like any other
		}
		out = append(out, Field{Key: f.Tag.Get("toml"), Kind: kind, Doc: f.Tag.Get("doc"), Auto: f.Type == batchSizeType})
	}
	return out
}

// LookupField returns the field with the given TOML key.
func LookupField(key string) (Field, bool) {
	for _, f := range Fields() {
		if f.Key == key {
			return f, true
		}
	}
	return Field{}, false
}

// LoadConfig reads a TOML config file over the defaults: keys the file does
// not set keep their default values.
func LoadConfig(path string) (Config, error) {
	data, err := tomlguard.ReadFile(path, "config")
	if err != nil {
		return Config{}, err
	}
	return ParseConfig(data, path)
}

// ParseConfig decodes TOML config text over the defaults and validates the
// result. name is used in error messages (usually the file's path).
func ParseConfig(data []byte, name string) (Config, error) {
	if err := tomlguard.Check(data); err != nil {
		if err.Line > 0 {
			return Config{}, fmt.Errorf("%s:%d: %s", name, err.Line, err.Msg)
		}
		return Config{}, fmt.Errorf("%s: %s", name, err.Msg)
	}
	cfg := DefaultConfig()
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&cfg)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return Config{}, fmt.Errorf("%s:%d: %s", name, pe.Position.Line, OneLine(pe.Message))
		}
		// Type mismatches come back as plain errors naming the key.
		return Config{}, fmt.Errorf("%s: %s", name, OneLine(err.Error()))
	}
	if und := md.Undecoded(); len(und) > 0 {
		key := und[0].String()
		return Config{}, &FieldError{File: name, Line: keyLine(data, key), Key: key, Msg: "unknown key (see `ftbench run --print-config` for the valid ones)"}
	}
	err = cfg.Validate()
	if err == nil {
		err = cfg.CheckEncoder()
	}
	if err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			fe.File = name
			fe.Line = keyLine(data, fe.Key)
			return Config{}, fe
		}
		return Config{}, fmt.Errorf("%s: %w", name, err)
	}
	return cfg, nil
}

// keyLine finds the 1-based line on which a top-level key is assigned, or 0.
func keyLine(data []byte, key string) int {
	last := key
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		last = key[i+1:]
	}
	re := regexp.MustCompile(`^\s*("?` + regexp.QuoteMeta(last) + `"?\s*=|\[+\s*"?` + regexp.QuoteMeta(last) + `"?\s*\]+)`)
	for i, line := range strings.Split(string(data), "\n") {
		if re.MatchString(line) {
			return i + 1
		}
	}
	return 0
}

// MaxInFlight bounds batch x detect_interval, the frames between stages.
const MaxInFlight = 1 << 16

// Validate checks every field's range and returns the first problem as a
// *FieldError.
func (c Config) Validate() error {
	bad := func(key, format string, args ...any) error {
		return &FieldError{Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	// Note: TOML has inf and nan, and "x >= 0" holds for +inf; but a
	// config travels as JSON (metrics.json, results.jsonl, trial ids),
	// which has neither: track_max_dist = inf made trial ids panic.
	v := reflect.ValueOf(c)
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.Float64 && (math.IsInf(f.Float(), 0) || math.IsNaN(f.Float())) {
			return bad(v.Type().Field(i).Tag.Get("toml"), "must be a finite number, got %g", f.Float())
		}
	}
	switch {
	case c.Processes < 1 || c.Processes > 256:
		return bad("processes", "must be in 1..256, got %d", c.Processes)
	case c.Segments < 0 || c.Segments > 100000:
		return bad("segments", "must be in 0..100000, got %d", c.Segments)
	case c.Streams < 1 || c.Streams > 64:
		return bad("streams", "must be in 1..64, got %d", c.Streams)
	case c.EncodeWorkers < 1 || c.EncodeWorkers > 256:
		return bad("encode_workers", "must be in 1..256, got %d", c.EncodeWorkers)
	case c.MemoryBudget < 0 || c.MemoryBudget > MaxBytes:
		return bad("memory_budget", "must be in 0..%d bytes (16 TiB), got %d", int64(MaxBytes), c.MemoryBudget)
	case c.ModelMemory < 0 || c.ModelMemory > MaxBytes:
		return bad("model_memory", "must be in 0..%d bytes (16 TiB), got %d", int64(MaxBytes), c.ModelMemory)
	case c.ProcessMemory < 0 || c.ProcessMemory > MaxBytes:
		return bad("process_memory", "must be in 0..%d bytes (16 TiB), got %d", int64(MaxBytes), c.ProcessMemory)
	case !(c.MemoryMargin >= 0 && c.MemoryMargin < 1):
		return bad("memory_margin", "must be in [0, 1), got %g", c.MemoryMargin)
	case c.DecoderThreads < 0 || c.DecoderThreads > MaxThreads:
		// Note: decoder_threads = 1000000 ran 65 s and took 23.6 GB
		// before the kernel killed it: FFmpeg allocates per thread.
		return bad("decoder_threads", "must be in 0..%d, got %d", MaxThreads, c.DecoderThreads)
	case c.HWAccel != HWAccelNone && c.HWAccel != HWAccelCUDA:
		return bad("hwaccel", "unknown hwaccel %q (want \"none\" or \"cuda\")", c.HWAccel)
	case c.Detector != "pico" && c.Detector != "pigo" && c.Detector != "cuda":
		return bad("detector", "unknown detector %q (want \"pico\", \"pigo\" or \"cuda\")", c.Detector)
	case c.DetectWidth != 0 && (c.DetectWidth < 32 || c.DetectWidth > 4096):
		return bad("detect_width", "must be 0 (full width) or in 32..4096, got %d", c.DetectWidth)
	case c.DetectInterval < 1 || c.DetectInterval > MaxInFlight:
		return bad("detect_interval", "must be in 1..%d, got %d", MaxInFlight, c.DetectInterval)
	case c.FullScan < 0 || c.FullScan > MaxFrames:
		return bad("full_scan_interval", "must be in 0..%d, got %d", MaxFrames, c.FullScan)
	case c.Batch < 0:
		return bad("batch", "must be >= 1 or \"auto\", got %d", c.Batch)
	case c.BatchMax < 1 || c.BatchMax > MaxInFlight:
		return bad("batch_max", "must be in 1..%d, got %d", MaxInFlight, c.BatchMax)
	case c.Batch.Max(c.BatchMax) > MaxInFlight || c.DetectInterval > MaxInFlight || c.Batch.Max(c.BatchMax)*c.DetectInterval > MaxInFlight:
		// Note: the queues between stages hold batch x detect_interval
		// frames and are allocated up front: batch = 100000000 died out of
		// memory before the first frame.
		key, b := "batch", c.Batch.Max(c.BatchMax)
		if c.Batch == BatchAuto {
			key = "batch_max"
		}
		if c.DetectInterval > b {
			key = "detect_interval"
		}
		return bad(key, "batch x detect_interval (%d x %d) frames are held in flight; at most %d", b, c.DetectInterval, MaxInFlight)
	case !(c.MinFace > 0 && c.MinFace <= 1):
		return bad("min_face", "must be in (0, 1], got %g", c.MinFace)
	case !(c.MaxFace >= c.MinFace && c.MaxFace <= 1):
		return bad("max_face", "must be in [min_face, 1], got %g", c.MaxFace)
	case !(c.ShiftFactor > 0 && c.ShiftFactor <= 1):
		return bad("shift_factor", "must be in (0, 1], got %g", c.ShiftFactor)
	case !(c.ScaleFactor > 1 && c.ScaleFactor <= 2):
		return bad("scale_factor", "must be in (1, 2], got %g", c.ScaleFactor)
	case !(c.ClusterIoU >= 0 && c.ClusterIoU < 1):
		return bad("cluster_iou", "must be in [0, 1), got %g", c.ClusterIoU)
	case !(c.MinScore >= -1000 && c.MinScore <= 1000):
		return bad("min_score", "must be in [-1000, 1000], got %g", c.MinScore)
	case !(c.EdgeOverhang >= 0 && c.EdgeOverhang <= 0.5):
		return bad("edge_overhang", "must be in [0, 0.5], got %g", c.EdgeOverhang)
	case !(c.FaceBoxW > 0 && c.FaceBoxW <= 2):
		return bad("face_box_w", "must be in (0, 2], got %g", c.FaceBoxW)
	case !(c.FaceBoxH > 0 && c.FaceBoxH <= 2):
		return bad("face_box_h", "must be in (0, 2], got %g", c.FaceBoxH)
	case !(c.TrackIoU >= 0 && c.TrackIoU <= 1):
		return bad("track_iou", "must be in [0, 1], got %g", c.TrackIoU)
	case !(c.TrackMaxDist >= 0 && c.TrackMaxDist <= 1000):
		return bad("track_max_dist", "must be in [0, 1000], got %g", c.TrackMaxDist)
	case c.TrackMaxMissed < 0 || c.TrackMaxMissed > MaxFrames:
		return bad("track_max_missed", "must be in 0..%d, got %d", MaxFrames, c.TrackMaxMissed)
	case c.TrackMinHits < 1 || c.TrackMinHits > MaxFrames:
		return bad("track_min_hits", "must be in 1..%d, got %d", MaxFrames, c.TrackMinHits)
	case !(c.TrackFollow >= 0 && c.TrackFollow <= 1):
		return bad("track_follow", "must be in [0, 1], got %g", c.TrackFollow)
	case !(c.TrackSmoothing > 0 && c.TrackSmoothing <= 1):
		return bad("track_smoothing", "must be in (0, 1], got %g", c.TrackSmoothing)
	case !(c.ReframeSmoothing >= 0 && c.ReframeSmoothing <= 3600):
		return bad("reframe_smoothing", "must be in [0, 3600] seconds, got %g", c.ReframeSmoothing)
	case !(c.ReframeDeadzone >= 0 && c.ReframeDeadzone < 0.5):
		return bad("reframe_deadzone", "must be in [0, 0.5), got %g", c.ReframeDeadzone)
	case !(c.ReframeMaxSpeed > 0 && c.ReframeMaxSpeed <= 1000):
		return bad("reframe_max_speed", "must be in (0, 1000], got %g", c.ReframeMaxSpeed)
	case c.Encoder == "":
		return bad("encoder", "must name an FFmpeg encoder")
	case c.CRF < 0 || c.CRF > 51:
		return bad("crf", "must be in 0..51, got %d", c.CRF)
	case c.EncodeThreads < 0 || c.EncodeThreads > MaxThreads:
		return bad("encode_threads", "must be in 0..%d, got %d", MaxThreads, c.EncodeThreads)
	}
	if w, h, err := ParseAspect(c.Aspect); err != nil {
		return bad("aspect", "%v", err)
	} else if w > 1000 || h > 1000 {
		return bad("aspect", "W and H must be in 1..1000, got %q", c.Aspect)
	}
	return nil
}

// ParseAspect parses "W:H" into two positive integers.
func ParseAspect(s string) (w, h int, err error) {
	a, b, ok := strings.Cut(s, ":")
	if ok {
		w, err1 := strconv.Atoi(strings.TrimSpace(a))
		h, err2 := strconv.Atoi(strings.TrimSpace(b))
		if err1 == nil && err2 == nil && w > 0 && h > 0 {
			return w, h, nil
		}
	}
	return 0, 0, fmt.Errorf("want W:H with positive integers, got %q", s)
}

// With returns a copy of c with the given keys set, for sweeps that build a
// trial's config from axis values. Values are converted where lossless
// (TOML integers to float fields; integral floats to int fields).
func (c Config) With(values map[string]any) (Config, error) {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	v := reflect.ValueOf(&c).Elem()
	t := v.Type()
	index := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		index[t.Field(i).Tag.Get("toml")] = i
	}
	for _, k := range keys {
		i, ok := index[k]
		if !ok {
			return c, &FieldError{Key: k, Msg: "the pipeline has no such config field"}
		}
		if err := setField(v.Field(i), values[k]); err != nil {
			return c, &FieldError{Key: k, Msg: err.Error()}
		}
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, c.CheckEncoder()
}

func setField(f reflect.Value, val any) error {
	if f.Type() == batchSizeType {
		switch x := val.(type) {
		case BatchSize:
			f.SetInt(int64(x))
			return nil
		case string:
			b, err := parseBatch(x)
			if err != nil {
				return err
			}
			f.SetInt(int64(b))
			return nil
		case int, int64, float64:
			// Note: 0 is how a Config holds "auto"; a file or an axis
			// that says 0 means a batch of nothing, an error.
			if val == 0 || val == int64(0) || val == float64(0) {
				return fmt.Errorf(`must be >= 1 or "auto", got 0`)
			}
		}
	}
	switch f.Kind() {
	case reflect.Int, reflect.Int64:
		switch x := val.(type) {
		case int:
			f.SetInt(int64(x))
		case int64:
			f.SetInt(x)
		case float64:
			if x != float64(int64(x)) {
				return fmt.Errorf("want an integer, got %v", x)
			}
			f.SetInt(int64(x))
		default:
			return fmt.Errorf("want an integer, got %T %v", val, val)
		}
	case reflect.Float64:
		switch x := val.(type) {
		case int:
			f.SetFloat(float64(x))
		case int64:
			f.SetFloat(float64(x))
		case float64:
			f.SetFloat(x)
		default:
			return fmt.Errorf("want a number, got %T %v", val, val)
		}
	case reflect.String:
		s, ok := val.(string)
		if !ok {
			return fmt.Errorf("want a string, got %T %v", val, val)
		}
		f.SetString(s)
	case reflect.Bool:
		b, ok := val.(bool)
		if !ok {
			return fmt.Errorf("want true or false, got %T %v", val, val)
		}
		f.SetBool(b)
	default:
		return fmt.Errorf("unsupported field kind %s", f.Kind())
	}
	return nil
}

// Map returns the config as key -> value, in the TOML key space.
func (c Config) Map() map[string]any {
	v := reflect.ValueOf(c)
	t := v.Type()
	m := make(map[string]any, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		m[t.Field(i).Tag.Get("toml")] = v.Field(i).Interface()
	}
	return m
}

// WriteTOML renders the config as a complete TOML file, each key preceded by
// its documentation, that ParseConfig reads back to the same Config.
func (c Config) WriteTOML(header string) []byte {
	var b bytes.Buffer
	for _, line := range strings.Split(strings.TrimRight(header, "\n"), "\n") {
		if line != "" || header != "" {
			b.WriteString("# " + OneLine(line) + "\n") // TOML comments hold no control characters
		}
	}
	if header != "" {
		b.WriteString("\n")
	}
	v := reflect.ValueOf(c)
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		fmt.Fprintf(&b, "# %s\n%s = %s\n", f.Tag.Get("doc"), f.Tag.Get("toml"), tomlValue(v.Field(i).Interface()))
	}
	return b.Bytes()
}

func tomlValue(v any) string {
	switch x := v.(type) {
	case BatchSize:
		if x == BatchAuto {
			return `"auto"`
		}
		return strconv.Itoa(int(x))
	case string:
		return tomlString(x)
	case float64:
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") {
			s += ".0"
		}
		return s
	default:
		return fmt.Sprint(x)
	}
}

// tomlString quotes s as a TOML basic string.
//
// Note: not strconv.Quote, whose Go escapes (\a, \v, \x01) TOML lacks:
// preset = "\u0007" was written back as "\a", which no TOML reader takes
// (found by FuzzParseConfig), so a sweep trial with it could not read its
// own config.toml.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// ThreadShare returns one worker's share of cores threads when workers
// workers split them: the cores divided by the workers, rounded up, at
// least 1. A phased run's workers size their decoder and x264 threads
// with it, and so does the split reference workload's ffmpeg processes.
func ThreadShare(cores, workers int) int { return max(1, (cores+workers-1)/workers) }

// The values of hwaccel.
const (
	HWAccelNone = "none"
	HWAccelCUDA = "cuda"
)
