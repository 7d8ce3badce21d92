#!/usr/bin/env bash
# test.sh: installs what is missing, then runs every test (vet included).
# Tests that need ../shared/data skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
# chromium, nodejs and npm: the headless-browser test of the HTML report
# and the local ECharts copy it loads (scripts/fetch-echarts.sh).
scripts/install-deps.sh chromium nodejs npm
scripts/fetch-echarts.sh >/dev/null
go vet ./...
go test -count=1 -timeout 20m ./... "$@"
