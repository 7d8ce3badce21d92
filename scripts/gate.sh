#!/usr/bin/env bash
# gate.sh: the project's performance gate on itself, for CI.
#
# Two sweeps, three gates, each against a baseline kept in testdata/:
#  1. sweeps/gate.toml (two configs on a generated clip, each run at least a
#     second, with the ffmpeg reference workload interleaved), gated on
#     frames/s relative to the reference of the same round
#     (--normalize reference-round, so a baseline recorded on one machine
#     judges a run on another) and on quality, under scripts/gate-rules.toml;
#  2. cpu_seconds_per_frame (the kernel's accounting of the whole process
#     tree) of this tree's build against the baseline revision's
#     (testdata/baseline/REVISION), both built here and swept here in turn
#     on sweeps/gate-cpu.toml, one run of each config a sweep, 16 sweeps
#     ordered base, new, new, base four times (each side meets the same
#     machine), raw, under scripts/gate-rules-cpu.toml;
#  3. sweeps/gate-instructions.toml (processes 1 and 2, once each under
#     valgrind's cachegrind, installed through scripts/install-deps.sh) on
#     instructions_per_frame, raw against this machine's baseline in
#     testdata/baseline-instructions/, under
#     scripts/gate-rules-instructions.toml (2%).
# Gate 3 needs a baseline recorded on this machine (instruction counts do
# not carry across CPUs), gate 2 the baseline revision in git history (a
# shallow clone lacks it); without them they are skipped, and say so.
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
# testdata/baseline-instructions) and names this commit in
# testdata/baseline/REVISION; commit them. Other machines' baselines in
# those folders stay.
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
  "$bin" baseline save testdata/baseline-instructions --from "$out/instructions"
  git rev-parse HEAD > testdata/baseline/REVISION
  exit 0
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
# Note: CPU time a frame drifts on a shared VM (the same build swept a
# minute apart: -22%), so the baseline revision is built and swept here,
# interleaved run by run with this tree's, rather than read from a file
# (blocks of 4 runs a side still drifted apart: -18% in one CI run).
rev=$(cat testdata/baseline/REVISION 2>/dev/null || true)
if [ -n "$rev" ] && git rev-parse -q --verify "$rev^{commit}" >/dev/null; then
  src=$(mktemp -d)
  git archive "$rev" | tar -x -C "$src"
  (cd "$src" && go build -o "$src/ftbench-base" ./cmd/ftbench)
  mkdir -p "$out/cpu"
  echo "gate-cpu: the baseline revision $rev and this tree, 16 one-run sweeps in turn (each sweep's output in $out/cpu/N-SIDE.log)"
  n=0
  for side in base new new base base new new base base new new base base new new base; do
    n=$((n + 1))
    # The injector (scripts/measure-noise.sh) slows the candidate only.
    sweep=("$bin" sweep sweeps/gate-cpu.toml --out "$out/cpu/$n-$side")
    [ "$side" = base ] && sweep=(env -u FTBENCH_INJECT_SLOWDOWN "$src/ftbench-base" "${sweep[@]:1}")
    # Note: each one-run sweep would warn that it cannot reach alpha on
    # its own; the gate pools the 16, so their output goes to a log,
    # printed if the sweep fails.
    s=0
    "${sweep[@]}" > "$out/cpu/$n-$side.log" 2>&1 || s=$?
    if [ "$s" != 0 ]; then
      cat "$out/cpu/$n-$side.log" >&2
      exit "$s"
    fi
    cat "$out/cpu/$n-$side/results.jsonl" >> "$out/cpu/$side.jsonl"
  done
  rm -rf "$src"
  gate gate-cpu "$out/cpu/base.jsonl" "$out/cpu/new.jsonl" --normalize none --rules scripts/gate-rules-cpu.toml
else
  echo "== gate-cpu: skipped: the baseline revision ${rev:-(none)} in testdata/baseline/REVISION is not in this clone's history"
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
