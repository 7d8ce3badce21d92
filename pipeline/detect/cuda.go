//go:build cuda

package detect

/*
#cgo LDFLAGS: -lcuda
#include <cuda.h>
static void *ft_host_alloc(size_t n, CUresult *r) { void *p = NULL; *r = cuMemHostAlloc(&p, n, 0); return p; }
static CUresult ft_host_free(void *p) { return cuMemFreeHost(p); }
*/
import "C"

import (
	_ "embed"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	pigo "github.com/esimov/pigo/core"
	"gorgonia.org/cu"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/geom"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/pipeline/plan"
)

// Note: the kernel is CUDA C in cuda/pico.cu, compiled to PTX by
// `go generate ./pipeline/detect` (nvcc) and committed, so building this side
// needs only cuda.h and libcuda; the driver compiles the PTX for the GPU it
// finds.
//
//go:embed cuda/pico.ptx
var picoPTX string

// CUDABuild reports whether this binary has the CUDA detector.
const CUDABuild = true

// cudaProcess is the one CUDA context of this process, shared by every
// detector (stream) in it, and the loaded kernel.
var cudaProcess struct {
	once sync.Once
	ctx  cu.CUContext
	fn   cu.Function
	name string
	err  error

	mu                     sync.Mutex
	total, freeAt, freeMin int64 // device memory, from the driver
}

// noteFree records the device's free memory after this process allocated.
func noteFree() {
	p := &cudaProcess
	free, total, err := cu.MemInfo()
	if err != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.total == 0 {
		p.total, p.freeAt, p.freeMin = total, free, free
	}
	p.freeMin = min(p.freeMin, free)
}

// GPUUsage returns what the driver says of this process's device memory;
// nil when the process has not used the GPU.
func GPUUsage() *metrics.GPUMemory {
	p := &cudaProcess
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.total == 0 {
		return nil
	}
	return &metrics.GPUMemory{Device: p.name, TotalBytes: p.total, FreeAtStartBytes: p.freeAt, FreeMinBytes: p.freeMin, UsedBytes: p.freeAt - p.freeMin}
}

func cudaInit() error {
	p := &cudaProcess
	p.once.Do(func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		n, err := cu.NumDevices()
		if err != nil || n == 0 {
			p.err = fmt.Errorf("detector cuda: no CUDA device (%v)", err)
			return
		}
		dev, err := cu.GetDevice(0)
		if err != nil {
			p.err = fmt.Errorf("detector cuda: %v", err)
			return
		}
		p.name, _ = dev.Name()
		if p.ctx, err = dev.MakeContext(cu.SchedAuto); err != nil {
			p.err = fmt.Errorf("detector cuda: creating a context: %v", err)
			return
		}
		mod, err := cu.LoadData(picoPTX)
		if err != nil {
			p.err = fmt.Errorf("detector cuda: loading the kernel: %v", err)
			return
		}
		if p.fn, err = mod.Function("pico_scan"); err != nil {
			p.err = fmt.Errorf("detector cuda: %v", err)
			return
		}
		noteFree() // with the context and the kernel loaded
	})
	return p.err
}

// withContext runs f on a locked OS thread with the process's context
// current (CUDA contexts are per thread; goroutines move between threads).
func withContext(f func() error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := cu.SetCurrentContext(cudaProcess.ctx); err != nil {
		return fmt.Errorf("detector cuda: %v", err)
	}
	return f()
}

// GPUMemory returns the device's free and total memory. The memory
// planner budgets VRAM with it.
func GPUMemory() (free, total int64, err error) {
	if err := cudaInit(); err != nil {
		return 0, 0, err
	}
	err = withContext(func() error {
		var e error
		free, total, e = cu.MemInfo()
		return e
	})
	return free, total, err
}

// CUDA is the GPU detector: the PICO cascade evaluated by pico_scan, one
// thread per window and scale, a batch of frames per launch, on its own
// CUDA stream with its own pinned host buffers; clustering runs on the CPU
// (a few hundred windows per frame, cheaper there than a second kernel).
type CUDA struct {
	cfg     config.Config
	cascade *Cascade
	stream  cu.Stream

	layout    *gpuLayout
	layoutKey [5]int

	dPreds, dThr, dOffs, dScales cu.DevicePtr
	dPix, dOut                   cu.DevicePtr
	dPixCap, dOutCap             int64
	hPix, hOut                   unsafe.Pointer // pinned
	hPixCap, hOutCap             int64

	raw   []pigo.Detection
	faces []pigo.Detection
	// edges refines faces cut by the frame's edges on the CPU, from the
	// frame in host memory: a few hundred windows for a face at an edge.
	edges edgeScan
}

var _ Detector = (*CUDA)(nil)

func newCUDADetector(cfg config.Config, cascadeData []byte) (Detector, error) {
	c, err := ParseCascade(cascadeData)
	if err != nil {
		return nil, err
	}
	if err := cudaInit(); err != nil {
		return nil, err
	}
	d := &CUDA{cfg: cfg, cascade: c}
	err = withContext(func() error {
		var err error
		if d.stream, err = cu.MakeStream(cu.NonBlocking); err != nil {
			return err
		}
		if d.dPreds, err = upload(unsafe.Pointer(&c.preds[0]), int64(4*len(c.preds))); err != nil {
			return err
		}
		d.dThr, err = upload(unsafe.Pointer(&c.thr[0]), int64(4*len(c.thr)))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("detector cuda: %v", err)
	}
	runtime.SetFinalizer(d, (*CUDA).free)
	return d, nil
}

func upload(src unsafe.Pointer, n int64) (cu.DevicePtr, error) {
	p, err := cu.MemAlloc(n)
	if err != nil {
		return 0, err
	}
	if err := cu.MemcpyHtoD(p, src, n); err != nil {
		cu.MemFree(p)
		return 0, err
	}
	return p, nil
}

// Name returns "cuda".
func (d *CUDA) Name() string { return "cuda" }

// Detect scans a batch of frames of one size in one launch.
func (d *CUDA) Detect(frames []Luma, out [][]geom.Detection) error {
	if len(frames) == 0 {
		return nil
	}
	return withContext(func() error { return d.detect(frames, out) })
}

func (d *CUDA) detect(frames []Luma, out [][]geom.Detection) error {
	f0 := frames[0]
	if err := d.ensureLayout(f0); err != nil {
		return err
	}
	l := d.layout
	n := int64(len(frames))
	frameBytes := int64(f0.Stride * f0.H)
	if err := d.ensureBuffers(n*frameBytes, n*l.windows*4); err != nil {
		return err
	}
	host := unsafe.Slice((*byte)(d.hPix), n*frameBytes)
	for i, f := range frames {
		if f.W != f0.W || f.H != f0.H || f.Stride != f0.Stride || int64(len(f.Pix)) < frameBytes {
			return fmt.Errorf("detector cuda: frames of a batch differ in size")
		}
		copy(host[int64(i)*frameBytes:], f.Pix[:frameBytes])
	}
	if err := cu.MemcpyHtoDAsync(d.dPix, d.hPix, n*frameBytes, d.stream); err != nil {
		return fmt.Errorf("detector cuda: upload: %v", err)
	}
	args := []int64{int64(d.dPix), frameBytes, int64(f0.Stride), int64(d.dOffs), int64(d.dPreds), int64(d.dThr),
		int64(d.cascade.trees), int64(d.cascade.depth), int64(d.dScales), int64(len(l.scales)), l.windows, int64(d.dOut)}
	params := make([]unsafe.Pointer, len(args))
	for i := range args {
		params[i] = unsafe.Pointer(&args[i])
	}
	const block = 256
	grid := int((l.windows + block - 1) / block)
	if err := cudaProcess.fn.Launch(grid, len(frames), 1, block, 1, 1, 0, d.stream, params); err != nil {
		return fmt.Errorf("detector cuda: launch: %v", err)
	}
	if err := cu.MemcpyDtoHAsync(d.hOut, d.dOut, n*l.windows*4, d.stream); err != nil {
		return fmt.Errorf("detector cuda: download: %v", err)
	}
	if err := d.stream.Synchronize(); err != nil {
		return fmt.Errorf("detector cuda: %v", err)
	}
	scores := unsafe.Slice((*float32)(d.hOut), n*l.windows)
	for i, f := range frames {
		d.raw = l.collect(d.raw[:0], scores[int64(i)*l.windows:int64(i+1)*l.windows])
		d.faces = findFaces(d.cfg, d.cascade, &d.edges, f, d.raw, d.faces[:0])
		out[i] = toDetections(d.faces, f.Scale, out[i][:0])
	}
	return nil
}

// ensureLayout lays out the scan for frames of f's size and uploads the
// node offsets and the scale table.
func (d *CUDA) ensureLayout(f Luma) error {
	minSize, maxSize := windowRange(d.cfg, f.W, f.H)
	key := [5]int{f.W, f.H, f.Stride, minSize, maxSize}
	if d.layout != nil && key == d.layoutKey {
		return nil
	}
	l := newGPULayout(d.cascade, f.H, f.W, f.Stride, minSize, maxSize, d.cfg.ShiftFactor, d.cfg.ScaleFactor)
	if l.windows == 0 {
		return fmt.Errorf("detector cuda: a %dx%d image has no window of %d..%d pixels", f.W, f.H, minSize, maxSize)
	}
	for _, p := range []cu.DevicePtr{d.dOffs, d.dScales} {
		if p != 0 {
			cu.MemFree(p)
		}
	}
	var err error
	if d.dOffs, err = upload(unsafe.Pointer(&l.offs[0]), int64(4*len(l.offs))); err != nil {
		return fmt.Errorf("detector cuda: %v", err)
	}
	if d.dScales, err = upload(unsafe.Pointer(&l.scales[0]), int64(unsafe.Sizeof(gpuScale{}))*int64(len(l.scales))); err != nil {
		return fmt.Errorf("detector cuda: %v", err)
	}
	d.layout, d.layoutKey = l, key
	return nil
}

// ensureBuffers grows the device and pinned host buffers to hold pix bytes
// of frames and out bytes of scores.
func (d *CUDA) ensureBuffers(pix, out int64) error {
	grow := func(dp *cu.DevicePtr, dcap *int64, hp *unsafe.Pointer, hcap *int64, n int64) error {
		if n <= *dcap {
			return nil
		}
		if *dp != 0 {
			cu.MemFree(*dp)
			*dp = 0
		}
		if *hp != nil {
			C.ft_host_free(*hp)
			*hp = nil
		}
		*dcap, *hcap = 0, 0 // a failed allocation below leaves nothing
		// Note: out of memory is ErrOutOfMemory, so that batch = "auto"
		// halves the batch and tries again, and a worker that fails even
		// at one frame makes the planner back off the process count.
		var err error
		if *dp, err = cu.MemAlloc(n); err != nil {
			*dp = 0
			if errors.Is(err, cu.OutOfMemory) {
				err = fmt.Errorf("%v: %w", err, ErrOutOfMemory)
			}
			return fmt.Errorf("detector cuda: allocating %s on the GPU: %w", plan.FormatBytes(n), err)
		}
		var r C.CUresult
		if *hp = C.ft_host_alloc(C.size_t(n), &r); r != C.CUDA_SUCCESS {
			*hp = nil
			cu.MemFree(*dp)
			*dp = 0
			err := fmt.Errorf("error %d", int(r))
			if r == C.CUDA_ERROR_OUT_OF_MEMORY {
				err = fmt.Errorf("OutOfMemory: %w", ErrOutOfMemory)
			}
			return fmt.Errorf("detector cuda: allocating %s of pinned memory: %w", plan.FormatBytes(n), err)
		}
		*dcap, *hcap = n, n
		return nil
	}
	grown := pix > d.dPixCap || out > d.dOutCap
	if err := grow(&d.dPix, &d.dPixCap, &d.hPix, &d.hPixCap, pix); err != nil {
		return err
	}
	if err := grow(&d.dOut, &d.dOutCap, &d.hOut, &d.hOutCap, out); err != nil {
		return err
	}
	if grown {
		noteFree()
	}
	return nil
}

func (d *CUDA) free() {
	_ = withContext(func() error {
		for _, p := range []cu.DevicePtr{d.dPreds, d.dThr, d.dOffs, d.dScales, d.dPix, d.dOut} {
			if p != 0 {
				cu.MemFree(p)
			}
		}
		for _, p := range []unsafe.Pointer{d.hPix, d.hOut} {
			if p != nil {
				C.ft_host_free(p)
			}
		}
		return d.stream.Destroy()
	})
}
