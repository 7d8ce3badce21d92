#!/usr/bin/env bash
# install-deps.sh: installs what ftbench needs on Debian 12 and is missing:
# pkg-config, Debian's FFmpeg 5.1 development libraries (go-astiav links them)
# and the ffmpeg/ffprobe CLI (tests and benchmarks compare against it).
# Extra package names given as arguments are installed too.
set -euo pipefail
pkgs=(pkg-config libavcodec-dev libavformat-dev libavfilter-dev libavdevice-dev
      libswscale-dev libavutil-dev libswresample-dev ffmpeg "$@")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
# Note: apt's own output would fill the screen; its errors still show.
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
