#!/usr/bin/env python3
"""measure-noise.py OUT: the spreads behind scripts/measure-noise.sh.

Reads OUT/{instructions,cpu}/{aN,sN}/results.jsonl and prints, per config,
the coefficient of variation (stdev / mean) of instructions_per_frame,
cpu_seconds_per_frame, raw fps and fps over its own round's reference
(paired per round), over the plain sweeps' counted runs, and the slowed
sweeps' median over the plain ones'.
"""
import glob
import json
import os
import statistics as st
import sys


def cv(xs):
    return 100 * st.stdev(xs) / st.mean(xs) if len(xs) > 1 else float("nan")


def per_frame(r, v):
    frames = (r.get("metrics") or {}).get("frames") or 0
    return v / frames if frames and v else None


def metric(r, name, refs):
    m, res = r.get("metrics") or {}, r.get("resources") or {}
    if name == "instructions_per_frame":
        return per_frame(r, res.get("instructions"))
    if name == "cpu_seconds_per_frame":
        return per_frame(r, res.get("cpu_seconds"))
    if name == "fps":
        return m.get("fps")
    if name == "fps/reference":
        ref = refs.get((r.get("_file"), r.get("round")))
        return m.get("fps") / ref if ref and m.get("fps") else None
    if name == "elapsed_seconds":
        return r.get("elapsed_seconds")
    if name == "samples":
        return res.get("samples")
    if name == "passes":
        return m.get("passes", 1)


def runs(out, kind, side):
    recs = []
    for path in sorted(glob.glob(os.path.join(out, kind, side + "*", "results.jsonl"))):
        with open(path) as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    r["_file"] = path
                    recs.append(r)
    refs = {(r["_file"], r.get("round")): r["metrics"]["fps"]
            for r in recs if r.get("label") == "reference:ffmpeg" and r.get("status") == "ok" and not r.get("warmup")}
    counted = [r for r in recs if r.get("label") != "reference:ffmpeg" and r.get("status") == "ok" and not r.get("warmup")]
    return counted, refs


def main(out):
    for kind, names in (("instructions", ["instructions_per_frame"]),
                        ("cpu", ["cpu_seconds_per_frame", "fps", "fps/reference", "elapsed_seconds", "samples", "passes"])):
        plain, prefs = runs(out, kind, "a")
        slowed, srefs = runs(out, kind, "s")
        if not plain:
            continue
        print(f"{kind}: {len(plain)} plain counted runs, {len(slowed)} slowed")
        for label in sorted({r["label"] for r in plain}):
            for name in names:
                a = [v for r in plain if r["label"] == label for v in [metric(r, name, prefs)] if v is not None]
                s = [v for r in slowed if r["label"] == label for v in [metric(r, name, srefs)] if v is not None]
                if not a:
                    continue
                line = f"  {label:12s} {name:24s} n={len(a):3d} median {st.median(a):.6g} CV {cv(a):6.3f}% range {min(a):.6g}..{max(a):.6g}"
                if s:
                    line += f"; slowed n={len(s)} median/plain {st.median(s) / st.median(a):.4f}"
                print(line)


if __name__ == "__main__":
    main(sys.argv[1])
