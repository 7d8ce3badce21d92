package pipeline

import (
	"sync"
	"time"

	"github.com/ftbench/ftbench/pipeline/metrics"
)

// stageClock sums the busy time of each stage, and the time each stage
// waits on its input and output queues, across goroutines.
type stageClock struct {
	mu sync.Mutex
	d  map[string]time.Duration
}

func newStageClock() *stageClock { return &stageClock{d: map[string]time.Duration{}} }

func (c *stageClock) add(stage string, d time.Duration) {
	c.mu.Lock()
	c.d[stage] += d
	c.mu.Unlock()
}

func (c *stageClock) seconds(prefix string) map[string]float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]float64{}
	for k, v := range c.d {
		if len(k) > len(prefix) && k[:len(prefix)] == prefix {
			out[k[len(prefix):]] = v.Seconds()
		}
	}
	return out
}

// Keys of stageClock: busy time under "busy.", queue waits under "wait.".
// Note: constants, not concatenations, so that timing a frame allocates
// nothing.
const (
	busyDecode    = "busy." + metrics.StageDecode
	busyScale     = "busy." + metrics.StageScale
	busyDetect    = "busy." + metrics.StageDetect
	busyTrack     = "busy." + metrics.StageTrack
	busyReframe   = "busy." + metrics.StageReframe
	busyEncode    = "busy." + metrics.StageEncode
	busyMux       = "busy." + metrics.StageMux
	waitDecodeOut = "wait." + metrics.StageDecode + ".out"
	waitDetectIn  = "wait." + metrics.StageDetect + ".in"
	waitDetectOut = "wait." + metrics.StageDetect + ".out"
	waitEncodeIn  = "wait." + metrics.StageEncode + ".in"
	waitForwardIn = "wait.forward.in"
	waitBatchOut  = "wait.batch.out"
)

// since adds the time since t to key k and returns now.
func (c *stageClock) since(k string, t time.Time) time.Time {
	now := time.Now()
	c.add(k, now.Sub(t))
	return now
}

// bufferPool recycles fixed-size byte buffers (the detector's luma planes).
type bufferPool struct {
	size int
	ch   chan []byte
}

func newBufferPool(size, n int) *bufferPool { return &bufferPool{size: size, ch: make(chan []byte, n)} }

func (p *bufferPool) get() []byte {
	select {
	case b := <-p.ch:
		return b
	default:
		return make([]byte, p.size)
	}
}

func (p *bufferPool) put(b []byte) {
	select {
	case p.ch <- b:
	default:
	}
}
