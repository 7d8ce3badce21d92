#!/usr/bin/env bash
# measure-noise.sh: how well the CI self-gate's metrics tell a slowdown
# from noise on this machine, with two CPU hogs running beside it (as a
# busy shared runner is). Reproduces the numbers in the README's "CI
# self-gate" section.
#
#   instructions: PLAIN sweeps of sweeps/gate-instructions.toml, and SLOW
#     with FTBENCH_INJECT_SLOWDOWN=0.02.
#   CPU time, fps: PLAIN sweeps of sweeps/gate.toml, and SLOW with
#     FTBENCH_INJECT_SLOWDOWN=0.10.
#
# Pairs: A/A is every pair of plain sweeps (i < k: the earlier one the
# baseline), so 5 plain sweeps give 10; a slowdown pair is each plain sweep
# as the baseline and each slowed one as the candidate, so 5 x 2 give 10.
# Each pair is gated with scripts/gate-rules-instructions.toml,
# scripts/gate-rules-cpu.toml (both --normalize none) and fps relative to
# the reference paired per round (--normalize reference-round) at
# allowances of FPS_ALLOWANCES. It prints the verdicts' counts, the CVs of
# the metrics and the load average before and after.
#
# Environment: MEASURE_OUT (default out/measure), PLAIN (5), SLOW (2),
# HOGS (2), FPS_ALLOWANCES ("5% 10% 30%"), ONLY (instructions or cpu).
# Takes about half an hour under load; the machine is shared, so run it
# once.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/build-env.sh
out=${MEASURE_OUT:-out/measure}
plain=${PLAIN:-5}
slow=${SLOW:-2}
hogs=${HOGS:-2}
only=${ONLY:-}
allowances=${FPS_ALLOWANCES:-5% 10% 30%}
bin=bin/ftbench
go build -o "$bin" ./cmd/ftbench
mkdir -p "$out"
pids=()
stop_hogs() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap stop_hogs EXIT
for _ in $(seq "$hogs"); do
  nice -n 0 sh -c 'while :; do :; done' &
  pids+=($!)
done
echo "measure: $hogs CPU hogs beside (pids ${pids[*]:-none}); load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# sweeps KIND SPEC SLOWDOWN: the plain and slowed sweeps of one kind.
sweeps() {
  local kind=$1 spec=$2 slowdown=$3 i
  for i in $(seq "$plain"); do
    rm -rf "$out/$kind/a$i"
    "$bin" sweep "$spec" --out "$out/$kind/a$i" > "$out/$kind-a$i.log" 2>&1
  done
  for i in $(seq "$slow"); do
    rm -rf "$out/$kind/s$i"
    FTBENCH_INJECT_SLOWDOWN=$slowdown "$bin" sweep "$spec" --out "$out/$kind/s$i" > "$out/$kind-s$i.log" 2>&1
  done
}

# gates KIND NAME ARGS...: gates every A/A and slowdown pair of KIND with
# ARGS and counts the exit statuses.
gates() {
  local kind=$1 name=$2
  shift 2
  local aa=() sl=() i k
  for i in $(seq "$plain"); do
    for k in $(seq $((i + 1)) "$plain"); do
      "$bin" gate --baseline "$out/$kind/a$i" --candidate "$out/$kind/a$k" --match label "$@" > "$out/gate-$name-a$i-a$k.txt" 2>&1 && aa+=(0) || aa+=($?)
    done
    for k in $(seq "$slow"); do
      "$bin" gate --baseline "$out/$kind/a$i" --candidate "$out/$kind/s$k" --match label "$@" > "$out/gate-$name-a$i-s$k.txt" 2>&1 && sl+=(0) || sl+=($?)
    done
  done
  count() { local n=0 x; for x in "${@:2}"; do [ "$x" = "$1" ] && n=$((n + 1)); done; echo "$n"; }
  printf '%-28s A/A (%d): %d pass, %d fail, %d inconclusive, %d error | slowdown (%d): %d fail, %d inconclusive, %d pass, %d error\n' "$name" \
    "${#aa[@]}" "$(count 0 "${aa[@]}")" "$(count 1 "${aa[@]}")" "$(count 3 "${aa[@]}")" "$(count 2 "${aa[@]}")" \
    "${#sl[@]}" "$(count 1 "${sl[@]}")" "$(count 3 "${sl[@]}")" "$(count 0 "${sl[@]}")" "$(count 2 "${sl[@]}")"
}

if [ "$only" != cpu ]; then
  sweeps instructions sweeps/gate-instructions.toml 0.02
  echo "measure: instruction sweeps done; load: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
if [ "$only" != instructions ]; then
  sweeps cpu sweeps/gate.toml 0.10
  echo "measure: CPU sweeps done; load: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
stop_hogs
echo
if [ "$only" != cpu ]; then
  gates instructions instructions_per_frame --normalize none --rules scripts/gate-rules-instructions.toml
fi
if [ "$only" != instructions ]; then
  gates cpu cpu_seconds_per_frame --normalize none --rules scripts/gate-rules-cpu.toml
  for a in $allowances; do
    printf '[max_regression]\nfps = "%s"\n' "$a" > "$out/fps-$a.toml"
    gates cpu "fps-ref-round-$a" --normalize reference-round --rules "$out/fps-$a.toml"
    gates cpu "fps-raw-$a" --normalize none --rules "$out/fps-$a.toml"
  done
fi
echo
python3 scripts/measure-noise.py "$out"
