#!/usr/bin/env bash
# gate.sh: the project's performance gate on itself, for CI.
#
# Sweeps sweeps/gate.toml (two configs on a generated clip, with the ffmpeg
# reference workload interleaved), then gates the result against the
# baseline kept in testdata/baseline/, comparing frames/s relative to the
# reference so that a baseline recorded on one machine judges a run on
# another, under scripts/gate-rules.toml (a 30% allowance: shared CI
# machines are noisy). Exit status is the gate's: 0 pass, 1 regression or a
# failed run, 3 inconclusive, 2 a usage or tool error.
#
# Outputs go to $GATE_OUT (default out/gate): results.jsonl, gate.txt,
# gate.xml (JUnit); with $GITHUB_STEP_SUMMARY set, the Markdown summary is
# appended to it.
#
# To refresh the baseline (after a deliberate speed change, or a change to
# sweeps/gate.toml), on a quiet machine:
#   scripts/gate.sh --refresh
# which sweeps and saves the records as that machine's baseline
# (ftbench baseline save testdata/baseline --from out/gate); commit
# testdata/baseline/. Other machines' baselines in that folder stay.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/build-env.sh
out=${GATE_OUT:-out/gate}
bin=${FTBENCH:-bin/ftbench}
mkdir -p "$(dirname "$bin")"
go build -o "$bin" ./cmd/ftbench
rm -rf "$out"
"$bin" sweep sweeps/gate.toml --out "$out"
if [ "${1:-}" = "--refresh" ]; then
  exec "$bin" baseline save testdata/baseline --from "$out"
fi
md=()
[ -n "${GITHUB_STEP_SUMMARY:-}" ] && md=(--markdown "$GITHUB_STEP_SUMMARY")
status=0
"$bin" gate --baseline testdata/baseline --candidate "$out" \
  --normalize reference --match label --rules scripts/gate-rules.toml \
  --junit "$out/gate.xml" "${md[@]}" > "$out/gate.txt" || status=$?
cat "$out/gate.txt"
exit "$status"
