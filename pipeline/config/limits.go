package config

import "fmt"

// The ceilings of the knobs that have no natural one: every numeric knob
// has a range that Validate checks before anything is allocated.
const (
	MaxThreads = 256      // decoder_threads, encode_threads
	MaxFrames  = 1 << 20  // intervals and counts in frames
	MaxBytes   = 16 << 40 // memory_budget, model_memory, process_memory
)

// EncoderExists reports whether this build's FFmpeg has the named video
// encoder; nil (the default: this package is cgo-free) skips the check.
// The pipeline sets it, so every binary that can run the pipeline checks
// encoder names when a config is read or a sweep is expanded.
var EncoderExists func(name string) bool

// CheckEncoder returns a *FieldError when EncoderExists says FFmpeg has no
// encoder of c.Encoder's name. It is separate from Validate because a
// record read on another machine (a report, the gate) was valid where it
// ran, whatever this machine's FFmpeg has.
func (c Config) CheckEncoder() error {
	if EncoderExists != nil && c.Encoder != "" && !EncoderExists(c.Encoder) {
		return &FieldError{Key: "encoder", Msg: fmt.Sprintf("this FFmpeg has no video encoder %q (`ffmpeg -encoders` lists them)", c.Encoder)}
	}
	return nil
}
