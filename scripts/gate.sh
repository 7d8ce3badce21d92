#!/usr/bin/env bash
# gate.sh: the project's performance gate on itself, for CI.
#
# Two sweeps, three gates, each against a baseline kept in testdata/:
#  1. sweeps/gate.toml (two configs on a generated clip, each run at least a
#     second, with the ffmpeg reference workload interleaved), gated on
#     frames/s relative to the reference of the same round
#     (--normalize reference-round, so a baseline recorded on one machine
#     judges a run on another) and on quality, under scripts/gate-rules.toml;
#  2. the same records on cpu_seconds_per_frame (the kernel's accounting of
#     the whole process tree), raw against this machine's baseline, under
#     scripts/gate-rules-cpu.toml;
#  3. sweeps/gate-instructions.toml (processes 1 and 2, once each under
#     valgrind's cachegrind, installed through scripts/install-deps.sh) on
#     instructions_per_frame, raw against this machine's baseline in
#     testdata/baseline-instructions/, under
#     scripts/gate-rules-instructions.toml (2%).
# Gates 2 and 3 need a baseline recorded on this machine (CPU time and
# instruction counts do not carry across CPUs); without one they are
# skipped, and say so.
#
# Exit status: 1 when any gate finds a regression or a failed run (an
# inconclusive verdict on instructions, which noise cannot move, is one),
# else 2 on a usage or tool error, else 3 when a wall-clock verdict is
# inconclusive, else 0.
#
# Outputs go to $GATE_OUT (default out/gate): plain/ and instructions/ (the
# sweeps), gate.txt, gate-cpu.txt, gate-instructions.txt and their JUnit
# .xml; with $GITHUB_STEP_SUMMARY set, the Markdown summaries are appended
# to it.
#
# To refresh the baselines (after a deliberate speed change, or a change to
# either spec), on a quiet machine:
#   scripts/gate.sh --refresh
# which sweeps and saves the records as that machine's baselines
# (ftbench baseline save testdata/baseline and
# testdata/baseline-instructions); commit both. Other machines' baselines
# in those folders stay.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/build-env.sh
out=${GATE_OUT:-out/gate}
bin=${FTBENCH:-bin/ftbench}
scripts/install-deps.sh valgrind
mkdir -p "$(dirname "$bin")"
go build -o "$bin" ./cmd/ftbench
rm -rf "$out"
"$bin" sweep sweeps/gate.toml --out "$out/plain"
"$bin" sweep sweeps/gate-instructions.toml --out "$out/instructions"
if [ "${1:-}" = "--refresh" ]; then
  "$bin" baseline save testdata/baseline --from "$out/plain"
  exec "$bin" baseline save testdata/baseline-instructions --from "$out/instructions"
fi

# here DIR: whether DIR holds a baseline recorded on this machine.
here() { [ -d "$1" ] && "$bin" baseline show "$1" 2>/dev/null | grep -q -- '<- this machine'; }

statuses=()
# gate NAME BASELINE CANDIDATE ARGS...: one gate, its table printed.
gate() {
  local name=$1 base=$2 cand=$3 s=0
  shift 3
  local md=()
  [ -n "${GITHUB_STEP_SUMMARY:-}" ] && md=(--markdown "$GITHUB_STEP_SUMMARY")
  "$bin" gate --baseline "$base" --candidate "$cand" --match label \
    --junit "$out/$name.xml" "${md[@]}" "$@" > "$out/$name.txt" || s=$?
  echo "== $name (exit $s)"
  cat "$out/$name.txt"
  statuses+=("$s")
}
gate gate testdata/baseline "$out/plain" --normalize reference-round --rules scripts/gate-rules.toml
if here testdata/baseline; then
  gate gate-cpu testdata/baseline "$out/plain" --normalize none --rules scripts/gate-rules-cpu.toml
else
  echo "== gate-cpu: skipped: testdata/baseline has no baseline from this machine (scripts/gate.sh --refresh records one)"
fi
if here testdata/baseline-instructions; then
  gate gate-instructions testdata/baseline-instructions "$out/instructions" --normalize none --rules scripts/gate-rules-instructions.toml
else
  echo "== gate-instructions: skipped: testdata/baseline-instructions has no baseline from this machine (scripts/gate.sh --refresh records one)"
fi
status=0
for want in 1 2 3; do
  for s in "${statuses[@]}"; do
    if [ "$s" = "$want" ]; then
      exit "$want"
    fi
  done
done
exit "$status"
