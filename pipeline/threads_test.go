package pipeline

import (
	"testing"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/metrics"
)

func TestThreadPlan(t *testing.T) {
	t.Parallel()
	cfg := func(processes, workers, dec, enc int) config.Config {
		c := config.DefaultConfig()
		c.Processes, c.EncodeWorkers, c.DecoderThreads, c.EncodeThreads = processes, workers, dec, enc
		return c
	}
	tests := []struct {
		name  string
		cfg   config.Config
		cores int
		want  metrics.ThreadPlan
	}{
		{"16 workers on 16 cores get one thread each", cfg(16, 16, 0, 0), 16,
			metrics.ThreadPlan{Cores: 16, AnalyzeDecoder: 1, EncodeDecoder: 1, Encoder: 1, Sized: true}},
		{"shares round up", cfg(3, 6, 0, 0), 16,
			metrics.ThreadPlan{Cores: 16, AnalyzeDecoder: 6, EncodeDecoder: 3, Encoder: 3, Sized: true}},
		{"one analysis process keeps FFmpeg's choice", cfg(1, 4, 0, 0), 16,
			metrics.ThreadPlan{Cores: 16, AnalyzeDecoder: 0, EncodeDecoder: 4, Encoder: 4, Sized: true}},
		{"more workers than cores", cfg(8, 8, 0, 0), 2,
			metrics.ThreadPlan{Cores: 2, AnalyzeDecoder: 1, EncodeDecoder: 1, Encoder: 1, Sized: true}},
		{"counts the config sets are kept", cfg(4, 4, 2, 3), 16,
			metrics.ThreadPlan{Cores: 16, AnalyzeDecoder: 2, EncodeDecoder: 2, Encoder: 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := threadPlan(tc.cfg, tc.cores)
			if got != tc.want {
				t.Fatalf("threadPlan = %+v, want %+v", got, tc.want)
			}
			a, e := analyzeConfig(tc.cfg, got), encodeConfig(tc.cfg, got)
			if a.DecoderThreads != got.AnalyzeDecoder || e.DecoderThreads != got.EncodeDecoder || e.EncodeThreads != got.Encoder {
				t.Fatalf("configs do not carry the plan: analyze %d, encode %d/%d", a.DecoderThreads, e.DecoderThreads, e.EncodeThreads)
			}
			if a.EncodeThreads != tc.cfg.EncodeThreads || a.Processes != tc.cfg.Processes {
				t.Fatal("analyzeConfig changed more than the decoder threads")
			}
		})
	}
}
