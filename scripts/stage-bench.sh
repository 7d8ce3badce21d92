#!/usr/bin/env bash
# stage-bench.sh: the detect and track stages' CPU time, this tree against
# another revision, as interleaved pairs of test binaries (BenchmarkStages
# in pipeline/track, cpu-ns/op: the process's user+system time per pass over
# a clip). Prints, per benchmark, the new/old ratio's median and range over
# the pairs, and each side's median.
#
# usage: scripts/stage-bench.sh [-r REV] [-n PAIRS] [-x OPS] [-b REGEX]
#
# -r: the revision to compare against (default main), built from git archive;
# -n: pairs of runs (default 6), old first then new in each;
# -x: ops per run (default 20);
# -b: the benchmarks (default BenchmarkStages).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/build-env.sh
rev=main pairs=6 ops=20 bench=BenchmarkStages
while getopts "r:n:x:b:" o; do
  case $o in
    r) rev=$OPTARG ;;
    n) pairs=$OPTARG ;;
    x) ops=$OPTARG ;;
    b) bench=$OPTARG ;;
    *) echo "usage: $0 [-r REV] [-n PAIRS] [-x OPS] [-b REGEX]" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/old"
git archive "$rev" | tar -x -C "$work/old"
(cd "$work/old" && go test -c -o "$work/old.test" ./pipeline/track/)
go test -c -o "$work/new.test" ./pipeline/track/
for i in $(seq "$pairs"); do
  for side in old new; do
    "$work/$side.test" -test.run '^$' -test.bench "$bench" -test.benchtime "${ops}x" |
      awk -v s=$side -v i=$i '/^Benchmark/ { for (f = 1; f < NF; f++) if ($(f+1) == "cpu-ns/op") print $1, s, i, $f }'
  done
done >"$work/runs"
echo "# $pairs pairs, $ops ops a run, cpu-ns/op; new = $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . || echo +dirty), old = $rev"
awk '{ v[$1" "$2" "$3] = $4; names[$1] = 1; n[$1] = ($3 > n[$1] ? $3 : n[$1]) }
  END { for (b in names) { line = b; for (i = 1; i <= n[b]; i++) line = line " " v[b" old "i] " " v[b" new "i]; print line } }' "$work/runs" |
  sort | python3 -c '
import statistics, sys
print("| benchmark | old ms (median) | new ms (median) | new/old median | range |")
print("|---|---|---|---|---|")
rows = {}
for line in sys.stdin:
    f = line.split()
    rows[f[0]] = list(map(float, f[1:]))
# Each clip: detect and track together, pair by pair.
for name in list(rows):
    if name.split("/")[-1].startswith("detect"):
        tr = name.replace("/detect", "/track")
        if tr in rows:
            rows[name.replace("/detect", "/detect+track")] = [a + b for a, b in zip(rows[name], rows[tr])]
for name, v in sorted(rows.items()):
    old, new = v[0::2], v[1::2]
    r = sorted(b / a for a, b in zip(old, new))
    print(f"| {name} | {statistics.median(old)/1e6:.2f} | {statistics.median(new)/1e6:.2f} | {statistics.median(r):.3f} | {r[0]:.3f}-{r[-1]:.3f} |")
'
