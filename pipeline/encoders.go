package pipeline

import (
	"github.com/asticode/go-astiav"

	"github.com/ftbench/ftbench/pipeline/config"
)

// Note: config is cgo-free, so it cannot ask FFmpeg itself; the pipeline,
// which links FFmpeg, answers for it. A misspelt encoder is then an error
// of the config file or the spec that names it, not a run that silently
// falls back to libx264.
func init() {
	config.EncoderExists = func(name string) bool {
		c := astiav.FindEncoderByName(name)
		return c != nil && c.ID().MediaType() == astiav.MediaTypeVideo
	}
}
