#!/usr/bin/env bash
# fuzz.sh: runs every fuzz target (scripts/fuzz-targets.txt) for DURATION
# each, one after another, and stops at the first failure. A failing input
# is saved by go test under PACKAGE/testdata/fuzz/TARGET/: fix the bug, keep
# the file (it is then a regression test that every `go test` runs).
#
# usage: scripts/fuzz.sh [DURATION]     DURATION per target, default 10m
# FUZZ_PARALLEL sets go test's -parallel (fuzz workers), default 2.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/build-env.sh
fuzztime=${1:-10m}
parallel=${FUZZ_PARALLEL:-2}
grep -v '^#' scripts/fuzz-targets.txt | while read -r pkg target; do
  [ -n "$pkg" ] || continue
  echo "fuzz.sh: $pkg $target for $fuzztime (-parallel $parallel), $(date -u +%FT%TZ)"
  go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -parallel "$parallel"
done
echo "fuzz.sh: all targets passed, $(date -u +%FT%TZ)"
