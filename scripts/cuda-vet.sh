#!/usr/bin/env bash
# cuda-vet.sh: type-checks the CUDA backend, `go vet -tags cuda ./...`, so
# that the code behind the tag (pipeline/detect/cuda.go and its parity
# test) cannot rot unnoticed on machines without a GPU.
#
# go vet compiles but does not link, so it needs neither a GPU nor libcuda;
# cgo still runs the C compiler on the preambles of pipeline/detect and
# gorgonia.org/cu, which include cuda.h. The script uses a cuda.h that is
# already there ($CUDA_HOME/include, /usr/local/cuda/include, /usr/include,
# or its own cache), and otherwise takes the one Debian 12 ships in
# nvidia-cuda-dev, enabling the non-free component when apt does not know
# that package yet.
#
# Note: the package is downloaded (apt-get download, about 780 MB) and
# only its cuda.h kept, in the cache, rather than installed: installing it
# pulls in the NVIDIA driver's libraries (libcuda1, which also needs the
# contrib component) and some 3 GB of CUDA libraries, for the one header
# vet reads.
#
# usage: scripts/cuda-vet.sh            FTBENCH_CUDA_VET=0 skips it
#
# Environment: FTBENCH_CUDA_CACHE (default ~/.cache/ftbench/cuda) holds
# include/cuda.h and VERSION; CUDA_HOME points at a CUDA toolkit to use
# instead.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'cuda-vet: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

if [ "${FTBENCH_CUDA_VET:-1}" = 0 ]; then
  log "skipped (FTBENCH_CUDA_VET=0)"
  exit 0
fi
cache=${FTBENCH_CUDA_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/ftbench/cuda}
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
tmp=""
trap 'rm -rf "$tmp"' EXIT

# header_dir prints the folder of the cuda.h to use, if there is one.
header_dir() {
  local d
  for d in ${CUDA_HOME:+"$CUDA_HOME/include"} /usr/local/cuda/include /usr/include "$cache/include"; do
    if [ -f "$d/cuda.h" ]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

# candidate prints the nvidia-cuda-dev version apt would take, or nothing.
candidate() {
  apt-cache policy nvidia-cuda-dev 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}

# enable_non_free adds Debian's non-free component for the suites the
# machine already uses, in a file of its own.
enable_non_free() {
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    # deb822 (Debian 12's default): the same stanzas, non-free only.
    awk '/^Components:/ { print "Components: non-free"; next } { print }' \
      /etc/apt/sources.list.d/debian.sources |
      $sudo tee /etc/apt/sources.list.d/ftbench-non-free.sources >/dev/null
  elif [ -f /etc/apt/sources.list ]; then
    # One-line format: "deb [options] URI SUITE COMPONENTS..." for
    # Debian's own archives, with non-free as the only component.
    awk '$1 == "deb" {
        i = 2
        if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        if ($i !~ /debian/) next
        line = $1
        for (k = 2; k <= i + 1; k++) line = line " " $k
        print line " non-free"
      }' /etc/apt/sources.list | $sudo tee /etc/apt/sources.list.d/ftbench-non-free.list >/dev/null
  else
    die "no apt sources found to add Debian's non-free component to"
  fi
  log "enabled Debian's non-free component (/etc/apt/sources.list.d/ftbench-non-free.*)"
  $sudo apt-get update -q >/dev/null
}

# fetch_header downloads nvidia-cuda-dev and keeps its cuda.h in the cache.
fetch_header() {
  command -v apt-get >/dev/null || die "no cuda.h, and no apt-get to fetch one: install the CUDA toolkit and set CUDA_HOME"
  local version
  version=$(candidate)
  if [ -z "$version" ]; then
    $sudo apt-get update -q >/dev/null
    version=$(candidate)
  fi
  if [ -z "$version" ]; then
    enable_non_free
    version=$(candidate)
  fi
  [ -n "$version" ] || die "apt offers no nvidia-cuda-dev, even with non-free enabled (this script knows Debian 12)"
  tmp=$(mktemp -d)
  chmod 755 "$tmp" # apt's _apt user downloads into it
  log "downloading nvidia-cuda-dev $version for its cuda.h (about 780 MB, once)"
  (cd "$tmp" && apt-get download -q "nvidia-cuda-dev=$version" >download.log 2>&1) ||
    { cat "$tmp/download.log" >&2; die "apt-get download nvidia-cuda-dev failed"; }
  mkdir -p "$tmp/include"
  dpkg-deb --fsys-tarfile "$tmp"/nvidia-cuda-dev_*.deb | tar -xO ./usr/include/cuda.h >"$tmp/include/cuda.h"
  [ -s "$tmp/include/cuda.h" ] || die "nvidia-cuda-dev $version has no /usr/include/cuda.h"
  echo "$version" >"$tmp/include/VERSION"
  mkdir -p "$cache"
  rm -rf "$cache/include"
  mv "$tmp/include" "$cache/include"
  log "kept cuda.h of nvidia-cuda-dev $version in $cache/include"
}

scripts/install-deps.sh # FFmpeg's headers, which the rest of the tree needs
if ! inc=$(header_dir); then
  fetch_header
  inc=$(header_dir) || die "no cuda.h in $cache/include after fetching it"
fi
log "go vet -tags cuda ./... with $inc/cuda.h"
if [ "$inc" != /usr/include ]; then
  # Note: gorgonia.org/cu's own flags name /usr/local/cuda/include, but
  # pipeline/detect includes cuda.h from the compiler's default path.
  export CGO_CFLAGS="${CGO_CFLAGS:--O2 -g} -I$inc"
fi
go vet -tags cuda ./...
