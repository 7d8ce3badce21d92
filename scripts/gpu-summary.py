#!/usr/bin/env python3
"""gpu-summary.py RESULTS.jsonl...: the compact summary gpu-check.sh prints
at its end (issue 18): the best config's frames/s, the ffmpeg CLI's best
variant and the ratio, NVDEC against CPU decoding, batch "auto" against
fixed, gpu_memory against NVML's per-process VRAM, and the scaling
curve's speedups with the parallel fraction an Amdahl fit implies. Counted
runs only; medians over repeats."""
import json
import statistics
import sys
from collections import defaultdict


def load(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                if r.get("status") == "ok" and not r.get("warmup") and r.get("metrics"):
                    out.append(r)
    except OSError as e:
        print(f"  {path}: {e}")
    return out


def med(rs, key=lambda r: r["metrics"].get("fps", 0)):
    v = [key(r) for r in rs]
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None


def by_label(rs):
    g = defaultdict(list)
    for r in rs:
        g[r["label"]].append(r)
    return g


def hit(rs):
    return med(rs, lambda r: (r["metrics"].get("quality") or {}).get("hit_rate"))


def gpu_sweep(path):
    rs = load(path)
    g = by_label(rs)
    refs = {l: v for l, v in g.items() if l.startswith("reference:")}
    trials = {l: v for l, v in g.items() if not l.startswith("reference:")}
    ok = {l: v for l, v in trials.items() if (hit(v) or 0) >= 0.9}
    print(f"gpu sweep ({path}): {len(trials)} trials, {len(refs)} CLI variants with runs")
    best = max(ok, key=lambda l: med(ok[l]), default=None)
    if best:
        r = ok[best][0]["metrics"]
        print(f"  best config: {best}: {med(ok[best]):.0f} f/s, hit_rate {hit(ok[best]):.3f}, frames {r.get('frames')}")
    for l in sorted(refs):
        print(f"  CLI {l}: {med(refs[l]):.0f} f/s")
    failed = [json.loads(x) for x in open(path) if '"reference:' in x]
    for r in failed:
        if r.get("status") != "ok":
            tail = [l for l in (r.get("stderr_tail") or "").splitlines() if l.strip() and not l.startswith("bench:")]
            why = tail[-1] if tail else (r.get("error") or "")
            print(f"  CLI {r['label']}: {r.get('status')} (unavailable here, not faked): {why[:160]}")
    if best and refs:
        cl = max(refs, key=lambda l: med(refs[l]))
        print(f"  ftbench / best CLI ({cl}): {med(ok[best]) / med(refs[cl]):.2f}x")
    pair("NVDEC vs CPU decode", trials, "hwaccel=none", "hwaccel=cuda")
    pair("batch auto vs 16", trials, "batch=16", "batch=auto")
    for l, v in sorted(trials.items()):
        m = v[0]["metrics"]
        gm = [w.get("gpu_memory") for w in (m.get("workers") or []) if w.get("gpu_memory")]
        gm = gm or ([m["gpu_memory"]] if m.get("gpu_memory") else [])
        nv = (v[0].get("resources") or {})
        if gm:
            print(f"  gpu_memory {l}: {json.dumps(gm[0])[:200]}; NVML {json.dumps({k: nv[k] for k in nv if 'vram' in k or 'gpu' in k})[:200]}")
            break


def pair(name, trials, a, b):
    ratios = []
    for l, v in trials.items():
        if a in l.split(","):
            o = l.replace(a, b)
            if o in trials and med(v):
                ratios.append((l, med(trials[o]) / med(v)))
    if ratios:
        rs = ", ".join(f"{r:.2f}x" for _, r in ratios)
        print(f"  {name}: {b} / {a} per config: {rs}")


def scaling(path):
    rs = [r for r in load(path) if not r["label"].startswith("reference:")]
    pts = []
    for l, v in by_label(rs).items():
        w = dict(kv.split("=", 1) for kv in l.split(",")).get("processes")
        if w:
            pts.append((int(w), med(v)))
    pts.sort()
    if not pts:
        print(f"scaling ({path}): no runs")
        return
    w0, f0 = pts[0]
    print(f"scaling ({path}): workers, f/s, speedup (ideal)")
    for w, f in pts:
        print(f"  {w:3d}  {f:7.0f}  {f / f0:5.2f}x ({w / w0:.0f}x)")
    # Amdahl: 1/S = (1-p) + p/n, least squares in 1/S over the points.
    xs = [1 / (w / w0) for w, _ in pts]
    ys = [f0 / f for _, f in pts]
    if len(pts) > 1:
        num = sum((1 - x) * (1 - y) for x, y in zip(xs, ys))
        den = sum((1 - x) ** 2 for x in xs)
        if den > 0:
            print(f"  Amdahl parallel fraction p = {num / den:.3f}")


if __name__ == "__main__":
    for p in sys.argv[1:]:
        (scaling if "scaling" in p else gpu_sweep)(p)
