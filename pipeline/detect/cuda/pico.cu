// pico.cu: the PICO cascade of github.com/esimov/pigo evaluated on the GPU,
// one thread per window, a batch of frames per launch (blockIdx.y is the
// frame). It computes exactly what pipeline.Cascade.classify computes on
// the CPU (the same precomputed node offsets, the same float32 additions in
// the same order, no fused multiply-adds), so scores are bit-identical.
//
// Regenerate pico.ptx with `go generate ./pipeline` (needs nvcc); the Go
// side embeds the committed PTX, which the driver compiles for the GPU it
// runs on.

// Per-scale layout of the window grid, filled by the host.
struct Scale {
    long long size;      // window size in pixels
    long long step;      // distance between window centres
    long long offset;    // first centre row and column (size/2 + 1)
    long long nrows;     // centre rows at this scale
    long long ncols;     // centre columns at this scale
    long long first;     // index of this scale's first window
    long long offs;      // index of this scale's node offsets in `offs`
};

extern "C" __global__ void pico_scan(
    const unsigned char* __restrict__ pix,  // frames, frameBytes apart
    long long frameBytes,
    long long stride,
    const int* __restrict__ offs,           // per scale: 2 offsets per node
    const float* __restrict__ preds,        // leaves per tree
    const float* __restrict__ thr,          // one per tree
    long long trees,
    long long depth,
    const Scale* __restrict__ scales,
    long long nscales,
    long long windows,                      // windows per frame
    float* __restrict__ out)                // per frame, per window: score or -1
{
    long long w = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (w >= windows) return;
    long long frame = blockIdx.y;
    int s = 0;
    while (s + 1 < nscales && scales[s + 1].first <= w) s++;
    const Scale sc = scales[s];
    long long k = w - sc.first;
    long long row = sc.offset + (k / sc.ncols) * sc.step;
    long long col = sc.offset + (k % sc.ncols) * sc.step;
    const unsigned char* img = pix + frame * frameBytes;
    long long center = row * stride + col;
    const int* o = offs + sc.offs;
    long long leaves = 1LL << depth;
    float acc = 0.0f;
    float score = -1.0f;
    for (long long t = 0; t < trees; t++) {
        const int* tree = o + 2 * leaves * t;
        long long idx = 1;
        for (long long j = 0; j < depth; j++) {
            int a = img[center + tree[2 * idx]];
            int b = img[center + tree[2 * idx + 1]];
            idx = 2 * idx + (a <= b ? 1 : 0);
        }
        acc = __fadd_rn(acc, preds[leaves * t + idx - leaves]);
        if (acc <= thr[t]) {
            out[frame * windows + w] = -1.0f;
            return;
        }
    }
    score = __fsub_rn(acc, thr[trees - 1]);
    out[frame * windows + w] = score;
}
