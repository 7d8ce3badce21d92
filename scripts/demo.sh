#!/usr/bin/env bash
# demo.sh: the README's first command. Installs what is missing on Debian 12
# (scripts/install-deps.sh; Node's npm where none is on the PATH), the
# pinned ECharts the report draws its charts with (scripts/fetch-echarts.sh,
# so report.html opens offline), builds bin/ftbench and runs the main job:
# the embedded default sweep on a generated fixture, into a new folder
# out/sweep-DATE (results.jsonl, report.html, summary.md, best.toml).
# Extra arguments go to `ftbench sweep`. Its whole output fits on a screen:
# one line per install, the progress line, the choice, the files written.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/build-env.sh
extra=()
command -v npm >/dev/null || extra+=(nodejs npm)
scripts/install-deps.sh "${extra[@]}"
echo "demo: ECharts for the report's charts: $(scripts/fetch-echarts.sh)"
echo "demo: building bin/ftbench"
go build -o bin/ftbench ./cmd/ftbench
exec bin/ftbench sweep --out "out/sweep-$(date +%Y%m%d-%H%M%S)" "$@"
