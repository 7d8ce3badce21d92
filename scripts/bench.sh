#!/usr/bin/env bash
# bench.sh: frames/s of `ftbench run` (decode, detect, track, reframe, encode)
# against the ffmpeg CLI doing the same decode, crop and encode (same encoder,
# preset, CRF and crop size; audio copied), interleaved on one machine.
#
# usage: scripts/bench.sh [-n REPEATS] [-c CONFIG.toml] [VIDEO...]
#
# Two references: the ffmpeg CLI cropping a still window at the centre (the
# classic "same decode, crop and encode"), and the ffmpeg CLI cropping along
# the very path ftbench chose (sendcmd moving crop@c frame by frame, from
# the warm-up run's tracks.json). x264 spends more coding a moving crop than
# a still one, so the second isolates what detecting, tracking and
# reframing cost. BENCH_CHECK_PATH=1 checks that the path reference crops
# what ftbench crops (PSNR of its pictures against ftbench's).
# Without videos it uses ../shared/data/talking/lp_s32.mp4 when present.
# Prints one row per video: medians over REPEATS runs and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/build-env.sh
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

# pathcmds VIDEO TRACKS: an FFmpeg sendcmd script that moves crop@c along
# the crop path ftbench wrote to TRACKS (one frame a line), in the filter's
# timestamps (the stream's, less its start time, as the ffmpeg CLI has them).
pathcmds() {
  local tb start
  tb=$(ffprobe -v error -select_streams v:0 -show_entries stream=time_base -of default=nw=1:nk=1 "$1")
  start=$(ffprobe -v error -select_streams v:0 -show_entries stream=start_time -of default=nw=1:nk=1 "$1")
  case $start in ''|N/A) start=0 ;; esac
  awk -v tb="$tb" -v start="$start" '
    BEGIN { split(tb, r, "/"); num = r[1]; den = r[2]; n = 0 }
    /"pts":/ && /"crop":/ {
      pts = $0; sub(/.*"pts":/, "", pts); sub(/,.*/, "", pts)
      c = $0; sub(/.*"crop":\{"x":/, "", c); x = c; sub(/,.*/, "", x)
      sub(/^[^,]*,"y":/, "", c); y = c; sub(/,.*/, "", y)
      t = pts * num / den - start
      # Note: a command at a frame time applies from that frame on; half a
      # frame early keeps rounding from moving it to the next frame.
      if (n > 0) t -= 0.5 * (t - prev) ; else t = 0
      if (n == 0 || x != lx || y != ly) printf "%.6f crop@c x %d, crop@c y %d;\n", (t < 0 ? 0 : t), x, y
      prev = pts * num / den - start; lx = x; ly = y; n++
    }' "$2"
}

printf "%-30s %6s %9s %11s %11s %6s %11s %6s\n" video frames crop "ftbench f/s" "ffmpeg f/s" ratio "path f/s" ratio
for v in "${videos[@]}"; do
  "$bin" run -q "$v" "${cfgargs[@]}" -o "$tmp/warm.mp4" --metrics "$tmp/m.json" --tracks "$tmp/tracks.json" >/dev/null
  key() { sed -n "s/^  \"$1\": \([0-9]*\).*/\1/p" "$tmp/m.json" | head -1; }
  frames=$(key frames); cw=$(key crop_width); ch=$(key crop_height); w=$(key width); h=$(key height)
  x=$(( (w - cw) / 4 * 2 )); y=$(( (h - ch) / 4 * 2 ))
  pathcmds "$v" "$tmp/tracks.json" > "$tmp/path.cmd"
  : > "$tmp/ft"; : > "$tmp/ff"; : > "$tmp/fp"
  for i in $(seq "$repeats"); do
    t0=$(now); "$bin" run -q "$v" "${cfgargs[@]}" -o "$tmp/ft.mp4" >/dev/null; t1=$(now)
    awk -v n="$frames" -v a="$t0" -v b="$t1" 'BEGIN {print n / (b - a)}' >> "$tmp/ft"
    t0=$(now)
    ffmpeg -nostdin -v error -y -i "$v" -map 0:v:0 -map '0:a:0?' -vf "crop=$cw:$ch:$x:$y" \
      -c:v "$encoder" -preset "$preset" -crf "$crf" -c:a copy "$tmp/ff.mp4"
    t1=$(now)
    awk -v n="$frames" -v a="$t0" -v b="$t1" 'BEGIN {print n / (b - a)}' >> "$tmp/ff"
    t0=$(now)
    ffmpeg -nostdin -v error -y -i "$v" -map 0:v:0 -map '0:a:0?' -vf "sendcmd=f=$tmp/path.cmd,crop@c=$cw:$ch:$x:$y" \
      -c:v "$encoder" -preset "$preset" -crf "$crf" -c:a copy "$tmp/fp.mp4"
    t1=$(now)
    awk -v n="$frames" -v a="$t0" -v b="$t1" 'BEGIN {print n / (b - a)}' >> "$tmp/fp"
  done
  ft=$(median < "$tmp/ft"); ff=$(median < "$tmp/ff"); fp=$(median < "$tmp/fp")
  printf "%-30s %6d %9s %11.1f %11.1f %5.2fx %11.1f %5.2fx\n" "$(basename "$v")" "$frames" "${cw}x${ch}" "$ft" "$ff" \
    "$(awk -v a="$ft" -v b="$ff" 'BEGIN {print a / b}')" "$fp" "$(awk -v a="$ft" -v b="$fp" 'BEGIN {print a / b}')"
  if [ -n "${BENCH_CHECK_PATH:-}" ]; then
    # The path reference's pictures against ftbench's: the same crops give
    # a PSNR of 45 dB or more (x264 codes a GOP a little differently now
    # and then); a crop misplaced by even a few pixels, under 30 dB.
    ffmpeg -nostdin -i "$tmp/fp.mp4" -i "$tmp/ft.mp4" -lavfi "[0:v][1:v]psnr" -f null - 2>&1 |
      sed -n 's/.*PSNR \(y:[0-9.inf]*\).* min:\([0-9.inf]*\).*/  path reference vs ftbench: PSNR \1, lowest frame \2 dB/p'
  fi
done
