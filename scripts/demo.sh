#!/usr/bin/env bash
# demo.sh: the README's first command. Installs what is missing on Debian 12
# (scripts/install-deps.sh), builds bin/ftbench and runs the main job: the
# embedded default sweep on a generated fixture, into a new folder
# out/sweep-DATE (results.jsonl, report.html, summary.md, best.toml).
# Extra arguments go to `ftbench sweep`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
go build -o bin/ftbench ./cmd/ftbench
exec bin/ftbench sweep --out "out/sweep-$(date +%Y%m%d-%H%M%S)" "$@"
