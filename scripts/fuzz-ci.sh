#!/usr/bin/env bash
# fuzz-ci.sh: a short fuzzing pass for CI: every fuzz target for
# FTBENCH_FUZZTIME each (default 10s), after the seed corpora and the saved
# crashers have run as ordinary tests (go test ./... does that too).
#
# usage: scripts/fuzz-ci.sh             FTBENCH_FUZZTIME=30s scripts/fuzz-ci.sh
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_PARALLEL=${FUZZ_PARALLEL:-2} exec scripts/fuzz.sh "${FTBENCH_FUZZTIME:-10s}"
