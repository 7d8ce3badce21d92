#!/usr/bin/env bash
# bench.sh: frames/s of `ftbench run` (decode, detect, track, reframe, encode)
# against the ffmpeg CLI doing the same decode, crop and encode (same encoder,
# preset, CRF and crop size; audio copied), interleaved on one machine.
#
# usage: scripts/bench.sh [-n REPEATS] [-c CONFIG.toml] [VIDEO...]
# Without videos it uses ../shared/data/talking/lp_s32.mp4 when present.
# Prints one row per video: medians over REPEATS runs and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=5
config=""
while getopts "n:c:" o; do
  case $o in
    n) repeats=$OPTARG ;;
    c) config=$OPTARG ;;
    *) echo "usage: $0 [-n REPEATS] [-c CONFIG.toml] [VIDEO...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
videos=("$@")
if [ ${#videos[@]} -eq 0 ]; then
  if [ -f ../shared/data/talking/lp_s32.mp4 ]; then
    videos=(../shared/data/talking/lp_s32.mp4)
  else
    echo "bench.sh: no video given and ../shared/data is absent" >&2; exit 2
  fi
fi
command -v ffmpeg >/dev/null || { echo "bench.sh: the ffmpeg CLI is not installed" >&2; exit 2; }
bin=${FTBENCH:-./bin/ftbench}
[ -x "$bin" ] || go build -o "$bin" ./cmd/ftbench
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cfgargs=()
[ -n "$config" ] && cfgargs=(--config "$config")
"$bin" run --print-config > "$tmp/default.toml"
eff=${config:-$tmp/default.toml}
get() { sed -n "s/^$1 = \"\{0,1\}\([^\"]*\)\"\{0,1\}$/\1/p" "$eff" | head -1; }
preset=$(get preset); preset=${preset:-veryfast}
crf=$(get crf); crf=${crf:-23}
encoder=$(get encoder); encoder=${encoder:-libx264}

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

printf "%-34s %7s %9s %12s %11s %7s\n" video frames crop "ftbench f/s" "ffmpeg f/s" ratio
for v in "${videos[@]}"; do
  "$bin" run -q "$v" "${cfgargs[@]}" -o "$tmp/warm.mp4" --metrics "$tmp/m.json" >/dev/null
  key() { sed -n "s/^  \"$1\": \([0-9]*\).*/\1/p" "$tmp/m.json" | head -1; }
  frames=$(key frames); cw=$(key crop_width); ch=$(key crop_height); w=$(key width); h=$(key height)
  x=$(( (w - cw) / 4 * 2 )); y=$(( (h - ch) / 4 * 2 ))
  : > "$tmp/ft"; : > "$tmp/ff"
  for i in $(seq "$repeats"); do
    t0=$(now); "$bin" run -q "$v" "${cfgargs[@]}" -o "$tmp/ft.mp4" >/dev/null; t1=$(now)
    awk -v n="$frames" -v a="$t0" -v b="$t1" 'BEGIN {print n / (b - a)}' >> "$tmp/ft"
    t0=$(now)
    ffmpeg -nostdin -v error -y -i "$v" -map 0:v:0 -map '0:a:0?' -vf "crop=$cw:$ch:$x:$y" \
      -c:v "$encoder" -preset "$preset" -crf "$crf" -c:a copy "$tmp/ff.mp4"
    t1=$(now)
    awk -v n="$frames" -v a="$t0" -v b="$t1" 'BEGIN {print n / (b - a)}' >> "$tmp/ff"
  done
  ft=$(median < "$tmp/ft"); ff=$(median < "$tmp/ff")
  printf "%-34s %7d %9s %12.1f %11.1f %6.2fx\n" "$(basename "$v")" "$frames" "${cw}x${ch}" "$ft" "$ff" "$(awk -v a="$ft" -v b="$ff" 'BEGIN {print a / b}')"
done
