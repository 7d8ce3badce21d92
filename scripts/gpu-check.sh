#!/usr/bin/env bash
# gpu-check.sh: the one-shot GPU check of issue 7. Runs on a GPU host with
# no network, no Go toolchain and no FFmpeg, from the repository root and
# the bundle/ folder that scripts/gpu-bundle.sh built elsewhere:
#
#   1. nvidia-smi (when present) and the bundle's manifest, into the log
#   2. `ftbench env`                         -> env.json
#   3. the CUDA parity test (bundle/detect.test -test.run CUDA)
#                                            -> parity.log
#   4. `ftbench fixtures`: the one-minute 1080p30 clip
#   5. `ftbench sweep sweeps/gpu.toml`: workers x streams x batch x hwaccel, with
#      the cuda detector when the bundle has the cuda build, else pico, and
#      the ffmpeg CLI beside it (plain, -hwaccel cuda, split into segments)
#                                            -> results.jsonl, report.html,
#                                               best.toml, summary.md
#   6. `ftbench sweep sweeps/scaling.toml`: the CPU-only (pico) scaling
#      curve, 1-16 workers cut to the host's cores
#                                            -> scaling-results.jsonl,
#                                               scaling-report.html,
#                                               scaling-summary.md
#   7. the compact summary (scripts/gpu-summary.py, when python3 is there)
#      and everything it printed             -> gpu-check.log
#
# Those files, and nothing else, go into OUTDIR (the first argument,
# else $OUT, else out/gpu-check); clips and per-run folders stay in a work
# folder under $TMPDIR. Each step has a time limit and the whole script a
# budget (default 450 s: it is designed for 8 minutes on one H100); the
# sweep gets what the earlier steps left and is stopped, recording what
# finished, at the deadline. A failed step is reported and the later steps
# still run when they can; the exit status is 1 if any step failed.
#
# usage: scripts/gpu-check.sh [OUTDIR]
#
# Environment:
#   FTBENCH_GPU_CHECK_BUDGET=450   seconds for the whole check
#   FTBENCH_GPU_CHECK_QUICK=1      face_360p and tiny versions of both
#                                  sweeps: a smoke test of the script and
#                                  the bundle
#   FTBENCH_GPU_CHECK_DETECTOR=    force "cuda" or "pico"
#   FTBENCH_GPU_CHECK_WORK=        work folder, kept and reused (the clip is
#                                  cached there); default: a new one in
#                                  $TMPDIR, removed at the end unless
#   FTBENCH_GPU_CHECK_KEEP=1
#   FTBENCH_BUNDLE_DIR=bundle      where the bundle is
set -uo pipefail

t0=$SECONDS
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
bundle=$(cd "${FTBENCH_BUNDLE_DIR:-$root/bundle}" 2>/dev/null && pwd) || {
  echo "gpu-check: no bundle folder (${FTBENCH_BUNDLE_DIR:-$root/bundle}); build it with scripts/gpu-bundle.sh and carry it along" >&2
  exit 2
}
outdir=${1:-${OUT:-$root/out/gpu-check}}
budget=${FTBENCH_GPU_CHECK_BUDGET:-450}
quick=${FTBENCH_GPU_CHECK_QUICK:-0}
mkdir -p "$outdir" || exit 2
outdir=$(cd "$outdir" && pwd)
if [ -n "${FTBENCH_GPU_CHECK_WORK:-}" ]; then
  work=$FTBENCH_GPU_CHECK_WORK
  keep=1
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/ftbench-gpu-check.XXXXXX") || exit 2
  keep=${FTBENCH_GPU_CHECK_KEEP:-0}
fi
mkdir -p "$work" || exit 2
outputs=(env.json parity.log results.jsonl report.html best.toml summary.md scaling-results.jsonl scaling-report.html scaling-summary.md gpu-check.log)
for f in "${outputs[@]}"; do rm -f "$outdir/$f"; done
log=$outdir/gpu-check.log

# Note: the bundle's lib/ goes first so its libx264 wins; the driver's
# libraries (libcuda.so.1, libnvidia-ml.so.1) come from the usual paths or
# the container's /usr/local/nvidia, added here in case the image does not
# list them.
ldpath=$bundle/lib
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  [ -d "$d" ] && ldpath=$ldpath:$d
done
export LD_LIBRARY_PATH=$ldpath${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PATH=$bundle/bin:$PATH
export GOMODCACHE=$bundle/gomodcache
export FTBENCH_FFMPEG=$bundle/bin/ffmpeg
export FTBENCH_ECHARTS_DIR=$bundle/echarts

failed=0
summary=()
note() { printf '\n=== %s  [%ds]\n' "$*" "$((SECONDS - t0))" >&2; }
record() { summary+=("$(printf '%-9s %-8s %5ss  %s' "$1" "$2" "$3" "${4:-}")"); [ "$2" = failed ] && failed=$((failed + 1)); return 0; }
left() { echo $((budget - (SECONDS - t0))); }

# step NAME LIMIT CMD...: runs CMD under a time limit, logs it, records
# ok/failed/timeout; returns CMD's status.
step() {
  local name=$1 limit=$2 start=$SECONDS rc
  shift 2
  note "$name (limit ${limit}s): $*"
  timeout -k 15 "$limit" "$@"
  rc=$?
  if [ $rc -eq 0 ]; then
    record "$name" ok $((SECONDS - start))
  elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    record "$name" failed $((SECONDS - start)) "timed out after ${limit}s"
  else
    record "$name" failed $((SECONDS - start)) "exit status $rc"
  fi
  return $rc
}

main() {
  note "ftbench GPU check: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n), $(nproc) CPUs, budget ${budget}s$([ "$quick" = 1 ] && echo ", quick")"
  echo "repository: $root"
  echo "bundle:     $bundle"
  echo "output:     $outdir"
  echo "work:       $work"
  [ -f "$bundle/BUILD.txt" ] && sed -n '1,8p' "$bundle/BUILD.txt"

  # --- 1. the machine ---------------------------------------------------------
  if command -v nvidia-smi >/dev/null; then
    step nvidia-smi 30 sh -c 'nvidia-smi -L && nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used,utilization.gpu,clocks.sm,power.draw --format=csv' ||
      true
  else
    note "nvidia-smi: not on PATH"
    record nvidia-smi skipped 0 "not on PATH"
  fi
  note "shared libraries of bin/ftbench"
  ldd "$bundle/bin/ftbench" 2>&1 | sed 's/^/  /'

  # --- 2. which build, and env.json -------------------------------------------
  ftbench=$bundle/bin/ftbench
  cuda_build=0
  if [ -f "$bundle/bin/ftbench-nocuda.gz" ]; then
    # Note: bin/ftbench is then the cuda build, which needs the driver's
    # libcuda.so.1 just to start; without it the plain build takes over.
    # Note: gorgonia.org/cu exits in its init, printing to stdout, when the
    # driver cannot initialise; keep both streams to say why.
    if timeout 30 "$ftbench" env --no-gpu >"$work/ftbench-start.err" 2>&1; then
      cuda_build=1
    else
      note "the cuda build does not start: $(tail -1 "$work/ftbench-start.err"); using the build without it"
      mkdir -p "$work/bin"
      gzip -dc "$bundle/bin/ftbench-nocuda.gz" >"$work/bin/ftbench" && chmod +x "$work/bin/ftbench"
      ftbench=$work/bin/ftbench
    fi
  fi

  step env 30 "$ftbench" env >"$outdir/env.json"
  cat "$outdir/env.json"

  if [ -n "${FTBENCH_GPU_CHECK_DETECTOR:-}" ]; then
    detector=$FTBENCH_GPU_CHECK_DETECTOR
    why="FTBENCH_GPU_CHECK_DETECTOR=$detector"
  elif [ "$cuda_build" = 0 ]; then
    detector=pico
    why="this ftbench is not the cuda build"
  elif ! grep -q '"devices"' "$outdir/env.json"; then
    detector=pico
    why="NVML found no GPU ($(grep -o '"error": "[^"]*"' "$outdir/env.json" | head -1))"
  else
    detector=cuda
    why="the cuda build, and NVML found a GPU"
  fi
  note "detector $detector: $why"

  # --- 3. parity --------------------------------------------------------------
  if [ -x "$bundle/detect.test" ]; then
    # Note: a test binary expects to run in its package's folder (testdata/).
    note "parity (limit 150s): detect.test -test.run CUDA -test.v"
    start=$SECONDS
    (cd "$root/pipeline/detect" && timeout -k 15 150 "$bundle/detect.test" -test.run CUDA -test.v -test.timeout 140s) >"$outdir/parity.log" 2>&1
    rc=$?
    cat "$outdir/parity.log"
    counts="$(grep -c -- '--- PASS' "$outdir/parity.log") passed, $(grep -c -- '--- SKIP' "$outdir/parity.log") skipped, $(grep -c -- '--- FAIL' "$outdir/parity.log") failed"
    if [ $rc -eq 0 ]; then
      record parity ok $((SECONDS - start)) "$counts"
    else
      record parity failed $((SECONDS - start)) "exit status $rc ($counts); see parity.log"
    fi
  else
    echo "no cuda build: bundle/detect.test is missing (scripts/gpu-bundle.sh builds it when go build -tags cuda works)" | tee "$outdir/parity.log"
    record parity skipped 0 "no cuda build"
  fi

  # --- 4. the clip -------------------------------------------------------------
  fixture=minute_1080p30
  [ "$quick" = 1 ] && fixture=face_360p
  fixtures=$work/fixtures
  step fixtures 180 "$ftbench" fixtures --only "$fixture" --out "$fixtures"
  ls -l "$fixtures" 2>/dev/null | sed 's/^/  /'

  # --- 5. the sweep ------------------------------------------------------------
  spec=$work/gpu.toml
  edits=(-e "s/^detector = \"[a-z]*\"/detector = \"$detector\"/")
  if [ "$quick" = 1 ]; then
    edits+=(
      -e "s/^fixture = \"minute_1080p30\"/fixture = \"face_360p\"/"
      -e 's/^processes = \[.*\]/processes = [2]/'
      -e 's/^encode_workers = \[.*\]/encode_workers = [2]/'
      -e 's/^streams = \[.*\]/streams = [1]/'
      -e 's/^batch = \[.*\]/batch = [16]/'
      -e 's/^warmups = .*/warmups = 0/'
      -e 's/^repeats = .*/repeats = 1/'
      -e 's/^reference = .*/reference = "processes=2,encode_workers=2,streams=1,batch=16,hwaccel=none"/'
      -e 's/split=16/split=2/g'
    )
  fi
  sed "${edits[@]}" "$root/sweeps/gpu.toml" >"$spec"
  if ! grep -q "^detector = \"$detector\"" "$spec" || { [ "$quick" = 1 ] && ! grep -q '^fixture = "face_360p"' "$spec"; }; then
    echo "sweeps/gpu.toml lacks the lines this script rewrites (detector = \"...\" under [base]; fixture = \"minute_1080p30\")"
    record sweep failed 0 "spec rewrite"
  else
    note "sweep spec (sweeps/gpu.toml as run)"
    diff "$root/sweeps/gpu.toml" "$spec" | sed 's/^/  /'
    # Note: the sweep writes its report and stops cleanly on SIGTERM, so the
    # deadline cuts the sweep short rather than losing it; 45 s stay for the
    # report and the copies.
    # Note: the scaling sweep gets a third of what is left, at least 90 s.
    limit=$(($(left) - 45))
    limit=$((limit - limit / 3))
    [ "$limit" -lt 60 ] && limit=60
    rm -rf "$work/sweep"
    step sweep "$limit" "$ftbench" sweep "$spec" --out "$work/sweep" --fixtures "$fixtures" --interval 500ms
    if [ -s "$work/sweep/results.jsonl" ] && [ ! -s "$work/sweep/report.html" ]; then
      step report 60 "$ftbench" report "$work/sweep" --inline
    fi
  fi

  # --- 6. the scaling curve ----------------------------------------------------
  # Note: the CPU-only curve runs the pico detector whatever the build;
  # worker counts above the host's cores are dropped.
  spec=$work/scaling.toml
  cores=$(nproc)
  workers=$(for w in 1 2 4 8 16; do [ "$w" -le "$cores" ] && printf '%s, ' "$w"; done | sed 's/, $//')
  edits=(-e "s/^processes = \[.*\]/processes = [$workers]/" -e "s/^encode_workers = \[.*\]/encode_workers = [$workers]/")
  if [ "$quick" = 1 ]; then
    edits+=(-e "s/^fixture = \"minute_1080p30\"/fixture = \"face_360p\"/" -e 's/^processes = \[.*\]/processes = [1, 2]/' -e 's/^encode_workers = \[.*\]/encode_workers = [1, 2]/')
  fi
  sed "${edits[@]}" "$root/sweeps/scaling.toml" >"$spec"
  note "scaling spec (sweeps/scaling.toml as run)"
  diff "$root/sweeps/scaling.toml" "$spec" | sed 's/^/  /'
  limit=$(($(left) - 40))
  [ "$limit" -lt 60 ] && limit=60
  rm -rf "$work/scaling"
  step scaling "$limit" "$ftbench" sweep "$spec" --out "$work/scaling" --fixtures "$fixtures" --interval 500ms
  if [ -s "$work/scaling/results.jsonl" ] && [ ! -s "$work/scaling/report.html" ]; then
    step scaling-report 30 "$ftbench" report "$work/scaling" --inline
  fi

  # --- 7. results --------------------------------------------------------------
  note "results"
  for f in results.jsonl report.html best.toml summary.md; do
    if [ -s "$work/sweep/$f" ]; then
      cp "$work/sweep/$f" "$outdir/$f"
    else
      echo "missing: $f"
    fi
  done
  for f in results.jsonl report.html summary.md; do
    [ -s "$work/scaling/$f" ] && cp "$work/scaling/$f" "$outdir/scaling-$f"
  done
  [ -s "$outdir/summary.md" ] && cat "$outdir/summary.md"
  # Note: best.toml's header says why; its settings follow, each under a
  # comment line that the log can do without.
  [ -s "$outdir/best.toml" ] && { echo; echo "best.toml:"; sed -n '1,/^$/p' "$outdir/best.toml"; grep -v '^#' "$outdir/best.toml" | grep . | tr '\n' ' '; echo; }

  note "the numbers (scripts/gpu-summary.py)"
  if command -v python3 >/dev/null; then
    python3 "$root/scripts/gpu-summary.py" "$outdir/results.jsonl" "$outdir/scaling-results.jsonl"
  else
    echo "no python3: read summary.md and scaling-summary.md"
  fi

  note "steps ($((SECONDS - t0))s of ${budget}s)"
  printf '%s\n' "${summary[@]}"
  ls -l "$outdir"
  [ $((SECONDS - t0)) -gt "$budget" ] && echo "over budget: $((SECONDS - t0))s > ${budget}s"
  if [ "$keep" = 1 ]; then
    echo "work folder kept: $work"
  else
    rm -rf "$work"
  fi
  if [ "$failed" -gt 0 ]; then
    echo "gpu-check: $failed step(s) failed"
    return 1
  fi
  echo "gpu-check: ok"
}

# Note: the log is written through a pipe rather than exec > >(tee), so the
# script ends only after the last line is on disk and $OUT is complete.
main 2>&1 | tee "$log"
exit "${PIPESTATUS[0]}"
