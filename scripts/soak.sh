#!/usr/bin/env bash
# soak.sh: the plan's long run. Loops a one-minute 256x144 face clip (the
# fixture generator's face moving, zooming, leaving and re-entering the
# frame; looped without re-encoding, so a 6-hour video costs seconds) to
# HOURS of video, runs `ftbench run` on it with the default config (--tracks,
# --metrics) while sampling the process's RSS, threads and open descriptors
# from /proc into samples.csv, and checks that the output and tracks.json
# have every frame and that RSS and descriptors stay flat: the least-squares
# fit over the second half may grow RSS by less than max(1 MiB per hour of
# video, 2 MiB) and descriptors by less than one.
#
# usage: scripts/soak.sh [HOURS]     default 6; 0.1667 is the 10-minute variant
# Files go to $FTBENCH_SOAK_DIR, default out/soak-DATE: soak_input.mp4,
# out.mp4, tracks.json, metrics.json, samples.csv, summary.txt, soak.log.
# (`go test ./cmd/ftbench -run TestSoak` runs the 10-minute variant.)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/build-env.sh
hours=${1:-6}
dir=${FTBENCH_SOAK_DIR:-out/soak-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
scripts/install-deps.sh
echo "soak.sh: $hours hours of video into $dir, $(date -u +%FT%TZ)"
start=$(date +%s)
FTBENCH_SOAK_HOURS=$hours FTBENCH_SOAK_DIR=$dir \
  go test ./cmd/ftbench -run '^TestSoak$' -count=1 -v -timeout 0 2>&1 | tee "$dir/soak.log" | grep -v '^=== '
status=${PIPESTATUS[0]}
echo "soak.sh: exit $status after $(( $(date +%s) - start ))s; figures in $dir/summary.txt, samples in $dir/samples.csv"
exit "$status"
