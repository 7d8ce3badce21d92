package pipeline

import (
	"runtime"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/metrics"
)

// Note: in a phased run, N analysis workers (processes) or M encode
// workers each open their own decoder, and each encode worker its own
// x264. Left at 0, FFmpeg gives every decoder one frame thread per core
// and x264 every encoder 1.5 per core, so 16 encode workers on 16 cores
// ran 16 x 24 x264 threads plus 16 x 17 decoder threads: frame threads
// each hold a frame in flight, x264's frame threads trade compression
// and CPU for latency, and the workers fought over the caches. The
// workers already split the cores between them, so each worker's
// decoder and encoder get the cores divided by the workers, rounded up,
// unless the config names a count. A one-pass run is left as it was.

// threadPlan sizes the decoder and encoder threads of a phased run's
// workers for cores cores: analysis workers split the cores processes
// ways, encode workers encode_workers ways; a count the config sets (not
// 0) is kept as it is.
func threadPlan(cfg config.Config, cores int) metrics.ThreadPlan {
	share := func(workers int) int { return config.ThreadShare(cores, workers) }
	tp := metrics.ThreadPlan{Cores: cores,
		AnalyzeDecoder: cfg.DecoderThreads, EncodeDecoder: cfg.DecoderThreads, Encoder: cfg.EncodeThreads}
	if cfg.DecoderThreads == 0 {
		if cfg.Processes > 1 {
			tp.AnalyzeDecoder = share(cfg.Processes)
		}
		tp.EncodeDecoder = share(cfg.EncodeWorkers)
		tp.Sized = true
	}
	if cfg.EncodeThreads == 0 {
		tp.Encoder = share(cfg.EncodeWorkers)
		tp.Sized = true
	}
	return tp
}

// analyzeConfig and encodeConfig are cfg as the analysis and encode
// workers run it under tp.
func analyzeConfig(cfg config.Config, tp metrics.ThreadPlan) config.Config {
	cfg.DecoderThreads = tp.AnalyzeDecoder
	return cfg
}

func encodeConfig(cfg config.Config, tp metrics.ThreadPlan) config.Config {
	cfg.DecoderThreads, cfg.EncodeThreads = tp.EncodeDecoder, tp.Encoder
	return cfg
}

// cores is the CPUs this process may run on (its affinity mask).
func cores() int { return runtime.NumCPU() }
