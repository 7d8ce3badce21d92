#!/usr/bin/python3
"""quality-breakdown.py: where a clip's success AUC is lost.

Reads one run's tracks.json and the clip's ground truth (OTB `x y w h`
per line, or ftbench's own `# ftbench-gt v1` format) and prints, for the
primary face against the ground-truth box it overlaps most (as
pipeline/quality scores it; a frame without a primary face is a miss):

  auc          success AUC (IoU thresholds 0, 0.05, ..., 1), as metrics.json
  auc_centre   the AUC if the box's centre were the truth's (its size kept)
  auc_size     the AUC if the box's size were the truth's (its centre kept)
  misses       frames with ground truth and no primary face
  size_ratio   median primary-box width / truth width, and its spread (sd)
  det_*        the detector's boxes against the truth they overlap (IoU >
               0.3), in detection widths: median truth width, truth height
               and centre offset (x, y; + is right and down); what a fixed
               calibration of the detection box would have to undo

A clip whose auc_centre is well above auc loses on position; one whose
auc_size is, on size. Not a test: a diagnostic for changing the box.

usage: scripts/quality-breakdown.py NAME TRACKS.json GROUNDTRUTH [NAME TRACKS GT ...]

e.g. for every clip of scripts/quality-table.sh, after
`ftbench run CLIP.mp4 --gt CLIP.gt --tracks CLIP.tracks.json`.
"""
import json
import statistics
import sys


def iou(a, b):
    ix = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    iy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if ix <= 0 or iy <= 0:
        return 0.0
    inter = ix * iy
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def success_auc(ious):
    return sum(sum(1 for k in range(21) if v > k / 20) for v in ious) / (len(ious) * 21)


def read_truth(path):
    """Frame index -> list of (x, y, w, h)."""
    truth, otb = {}, 0
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            f = line.replace(",", " ").split()
            if len(f) == 6:  # ftbench: frame id x y w h
                truth.setdefault(int(f[0]), []).append(tuple(map(float, f[2:])))
            else:  # OTB: x y w h, one line a frame
                truth[otb] = [tuple(map(float, f))]
                otb += 1
    return truth


def median(v):
    return statistics.median(v) if v else float("nan")


def breakdown(name, tracks_path, truth_path):
    with open(tracks_path) as f:
        frames = {r["frame"]: r for r in json.load(f)["frames"]}
    truth = read_truth(truth_path)
    actual, centred, sized, ratios, cal = [], [], [], [], []
    misses = 0
    for n, boxes in sorted(truth.items()):
        r = frames.get(n)
        if r is None:
            continue
        p = next(((t["x"], t["y"], t["w"], t["h"]) for t in r["tracks"] if t["id"] == r["primary"]), None)
        if p is None:
            misses += 1
            actual.append(0)
            centred.append(0)
            sized.append(0)
            continue
        g = max(boxes, key=lambda b: iou(b, p))
        gx, gy = g[0] + g[2] / 2, g[1] + g[3] / 2
        px, py = p[0] + p[2] / 2, p[1] + p[3] / 2
        actual.append(iou(p, g))
        centred.append(iou((gx - p[2] / 2, gy - p[3] / 2, p[2], p[3]), g))
        sized.append(iou((px - g[2] / 2, py - g[3] / 2, g[2], g[3]), g))
        ratios.append(p[2] / g[2])
        for d in r["detections"]:
            db = (d["x"], d["y"], d["w"], d["h"])
            if iou(db, g) > 0.3:
                w = d["w"]
                cal.append((g[2] / w, g[3] / w, (gx - d["x"] - w / 2) / w, (gy - d["y"] - d["h"] / 2) / w))
    if not actual:
        print(f"{name}: no frame of {tracks_path} has ground truth in {truth_path}", file=sys.stderr)
        return False
    sd = statistics.pstdev(ratios) if ratios else float("nan")
    col = lambda i: median([c[i] for c in cal])
    print(f"| {name} | {success_auc(actual):.3f} | {success_auc(centred):.3f} | {success_auc(sized):.3f} "
          f"| {misses}/{len(actual)} | {median(ratios):.3f} ({sd:.3f}) | {len(cal)} "
          f"| {col(0):.3f} | {col(1):.3f} | {col(2):+.3f}, {col(3):+.3f} |")
    return True


def main(args):
    if not args or len(args) % 3:
        print(__doc__.split("\n\n")[-2], file=sys.stderr)
        return 2
    print("| clip | auc | auc_centre | auc_size | misses | size_ratio (sd) | dets | det_truth_w | det_truth_h | det_offset x, y |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    ok = True
    for i in range(0, len(args), 3):
        try:
            ok = breakdown(*args[i:i + 3]) and ok
        except OSError as e:
            print(f"{e.filename}: {e.strerror}", file=sys.stderr)
            ok = False
        except (ValueError, KeyError, TypeError) as e:
            print(f"{args[i + 1]} or {args[i + 2]}: not a tracks file and ground truth: {e!r}", file=sys.stderr)
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
