#!/usr/bin/env bash
# test.sh: installs what is missing, then runs every test (vet included,
# and vet of the -tags cuda build: scripts/cuda-vet.sh).
# Tests that need ../shared/data skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/build-env.sh
# chromium, and npm for the local ECharts copy (scripts/fetch-echarts.sh):
# the headless-browser test of the HTML report. Debian's nodejs and npm
# only where no npm is on the PATH (an image may carry NodeSource's
# nodejs, which bundles npm and conflicts with Debian's npm package).
extra=(chromium)
command -v npm >/dev/null || extra+=(nodejs npm)
scripts/install-deps.sh "${extra[@]}"
scripts/fetch-echarts.sh >/dev/null
go vet ./...
# The CUDA backend, type-checked against Debian's cuda.h (no GPU needed).
scripts/cuda-vet.sh
go test -count=1 -timeout 20m ./... "$@"
