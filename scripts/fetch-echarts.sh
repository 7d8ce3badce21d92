#!/usr/bin/env bash
# fetch-echarts.sh: installs the ECharts build that ftbench reports use offline
# (`ftbench report --assets DIR` or --inline) and that the headless-browser
# test of reports/ loads, with npm, into
#   ${FTBENCH_ECHARTS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ftbench/echarts}
# where the script ends up as node_modules/echarts/dist/echarts.min.js.
# The version is the one reports.EChartsVersion pins; keep them equal.
#
# usage: scripts/fetch-echarts.sh [DIR]
set -euo pipefail
version=5.6.0
dir=${1:-${FTBENCH_ECHARTS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ftbench/echarts}}
js=$dir/node_modules/echarts/dist/echarts.min.js
if [ -f "$js" ] && grep -q "\"version\": \"$version\"" "$dir/node_modules/echarts/package.json" 2>/dev/null; then
  echo "$js (echarts $version, already there)"
  exit 0
fi
command -v npm >/dev/null || { echo "fetch-echarts.sh: npm is not installed (apt-get install -y npm)" >&2; exit 2; }
mkdir -p "$dir"
npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "echarts@$version" >/dev/null
[ -f "$js" ] || { echo "fetch-echarts.sh: npm ran but $js is missing" >&2; exit 1; }
echo "$js (echarts $version)"
