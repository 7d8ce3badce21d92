#!/usr/bin/env bash
# gpu-bundle.sh: builds bundle/, everything scripts/gpu-check.sh needs on a
# GPU host that has no network, no Go toolchain and no FFmpeg:
#
#   bundle/bin/ftbench        ftbench -tags cuda when the CUDA code builds,
#                             else ftbench without the tag
#   bundle/bin/ftbench-nocuda.gz  the build without the tag, gzipped, beside
#                             a cuda build (the fallback)
#   bundle/detect.test        go test -c -tags cuda ./pipeline/detect (the parity
#                             test; with the cuda build only)
#   bundle/bin/ffmpeg, ffprobe  the reference workload's CLI
#   bundle/lib/libx264.so.164 the one shared library they need beyond glibc
#   bundle/gomodcache/...     the pigo cascade and photo, in module-cache layout
#   bundle/echarts/           ECharts, inlined into report.html offline
#   bundle/BUILD.txt          what was built, from what, and how big
#
# FFmpeg is Debian's own 5.1 source (the version go-astiav v0.16.0 is
# written for), configured with --disable-everything plus the demuxers,
# codecs, filters and NVIDIA glue (NVDEC, NVENC, CUVID through
# ffnvcodec, which dlopens the driver) that ftbench and the reference
# workload use, and linked statically into the binaries. Only libx264 stays
# shared, from Debian's libx264-dev.
#
# Needs (Debian 12): nasm libx264-dev libffmpeg-nvenc-dev dpkg-dev, a deb-src
# line for main, Go; for the cuda build nvidia-cuda-dev (cuda.h) and libcuda1
# from non-free. The FFmpeg build is cached in the build folder and redone
# only when this script's configure flags change (a few minutes on 2 cores).
#
# usage: scripts/gpu-bundle.sh            # build (or refresh) bundle/
#        FTBENCH_BUNDLE_CUDA=0 scripts/gpu-bundle.sh   # skip the cuda build
#
# Environment: FTBENCH_BUILD_DIR (default .build, gitignored),
# FTBENCH_BUNDLE_DIR (default bundle), FTBENCH_BUNDLE_CUDA (auto|0|1),
# FTBENCH_BUNDLE_MAX_MIB (default 50).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${FTBENCH_BUILD_DIR:-$root/.build}
bundle=${FTBENCH_BUNDLE_DIR:-$root/bundle}
want_cuda=${FTBENCH_BUNDLE_CUDA:-auto}
max_mib=${FTBENCH_BUNDLE_MAX_MIB:-50}
ffmpeg_deb_version=7:5.1.9-0+deb12u1
ffmpeg_upstream=5.1.9
pigo_version=v1.4.6 # keep equal to go.mod and pipeline/detect/module.go's pigoVersion
jobs=$(nproc 2>/dev/null || echo 2)

log() { printf 'gpu-bundle: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

for tool in nasm pkg-config go make gcc strip dpkg-source apt-get; do
  command -v "$tool" >/dev/null || die "$tool is missing (apt-get install -y nasm pkg-config build-essential dpkg-dev; Go from go.dev)"
done
pkg-config --exists x264 || die "x264 headers missing: apt-get install -y libx264-dev"
pkg-config --exists ffnvcodec || die "NVIDIA codec headers missing: apt-get install -y libffmpeg-nvenc-dev"

# --- 1. FFmpeg, trimmed and static -------------------------------------------
#
# Note: --disable-autodetect keeps the build from picking up whatever -dev
# packages this machine has (zlib, xcb, vaapi, ...), each of which would be
# one more shared library the GPU host must have; the NVIDIA parts are then
# enabled by name. ffmpeg_select in FFmpeg's configure adds the filters the
# CLI itself needs (format, null, trim, ...). The extra version makes
# `ftbench env` and every record's fingerprint say which build ran.
ffmpeg_flags=(
  --extra-version=0+deb12u1-ftbench-static
  --disable-shared --enable-static --enable-pic
  --disable-autodetect --disable-everything
  --disable-doc --disable-debug --disable-network --disable-ffplay
  --enable-ffmpeg --enable-ffprobe
  --enable-gpl --enable-libx264
  --enable-avdevice --enable-avfilter --enable-swscale --enable-swresample
  --enable-pthreads
  --enable-ffnvcodec --enable-cuda --enable-cuvid --enable-nvdec --enable-nvenc
  --enable-hwaccel=h264_nvdec,hevc_nvdec
  --enable-decoder=h264,hevc,aac,h264_cuvid,hevc_cuvid
  --enable-encoder=libx264,h264_nvenc,aac
  --enable-parser=h264,hevc,aac
  --enable-demuxer=mov,matroska,h264,hevc,aac,yuv4mpegpipe,concat
  --enable-muxer=mp4,mov,matroska,null
  --enable-protocol=file,pipe
  --enable-bsf=h264_mp4toannexb,hevc_mp4toannexb,aac_adtstoasc,extract_extradata
  --enable-filter=buffer,buffersink,abuffer,abuffersink,format,aformat,null,anull,trim,atrim,scale,aresample,crop,setpts,asetpts,hflip,vflip,transpose,hwdownload,hwupload,hwupload_cuda
)
src=$build/ffmpeg-$ffmpeg_upstream
prefix=$build/ffmpeg-prefix
stamp=$prefix/.configure-flags
flags_text="$ffmpeg_deb_version ${ffmpeg_flags[*]}"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$flags_text" ] && [ -f "$prefix/lib/libavcodec.a" ] && [ -x "$prefix/bin/ffmpeg" ]; then
  log "FFmpeg $ffmpeg_deb_version: already built in $prefix"
else
  mkdir -p "$build"
  if [ ! -f "$src/configure" ]; then
    log "fetching Debian's ffmpeg $ffmpeg_deb_version source into $build"
    (cd "$build" && apt-get source --only-source "ffmpeg=$ffmpeg_deb_version" >&2) ||
      die "apt-get source ffmpeg=$ffmpeg_deb_version failed: it needs a deb-src line for bookworm main"
  fi
  log "configuring FFmpeg (trimmed, static)"
  rm -rf "$prefix"
  (cd "$src" && make distclean >/dev/null 2>&1 || true)
  (cd "$src" && ./configure --prefix="$prefix" "${ffmpeg_flags[@]}" >"$build/configure.log" 2>&1) ||
    { tail -20 "$build/configure.log" >&2; die "FFmpeg configure failed; see $build/configure.log"; }
  for c in libx264_encoder h264_nvenc_encoder h264_nvdec_hwaccel h264_cuvid_decoder; do
    grep -q "^#define CONFIG_$(echo "$c" | tr a-z A-Z) 1" "$src/config_components.h" ||
      die "FFmpeg configure left out $c; see $build/configure.log"
  done
  log "building FFmpeg with make -j$jobs (a few minutes)"
  (cd "$src" && make -j"$jobs" >"$build/make.log" 2>&1 && make install >>"$build/make.log" 2>&1) ||
    { tail -30 "$build/make.log" >&2; die "FFmpeg build failed; see $build/make.log"; }
  echo "$flags_text" >"$stamp"
fi

# --- 2. ftbench, linked against it -------------------------------------------
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
static_libs=$(pkg-config --static --libs libavdevice libavfilter libavformat libavcodec libswresample libswscale libavutil)
export CGO_ENABLED=1
export CGO_LDFLAGS="$static_libs ${CGO_LDFLAGS:-}"
# Note: -s -w drop the symbol and debug tables; -trimpath keeps
# this machine's paths out of the binary. The VCS stamp stays, so `ftbench
# env` on the GPU host says which revision ran.
goflags=(-trimpath -ldflags=-s\ -w)

# check_libs FILE: FILE must need no shared library beyond glibc, the
# driver's libcuda.so.1 and the bundled libx264, and no shared FFmpeg.
#
# Note: the GPU host is assumed to have glibc (libc, libm, libpthread, libdl,
# librt, ld-linux) and, for the cuda build, the driver's libcuda.so.1;
# anything else must come from bundle/lib.
check_libs() {
  local lib allowed='^(linux-vdso\.so|libc\.so|libm\.so|libpthread\.so|libdl\.so|librt\.so|ld-linux-x86-64\.so|libcuda\.so|libx264\.so)'
  while read -r lib _; do
    lib=${lib##*/}
    [[ $lib =~ $allowed ]] || die "$1 needs $lib, which the bundle does not carry (ldd $1)"
  done < <(ldd "$1" | awk '{print $1}')
}

# Note: cgo's deprecation warnings from go-nvml go to a log, not the screen.
quiet_log() { grep -v 'deprecated\|declared here\|^ *[0-9]* |\|^ *|\|^cgo-gcc-prolog\|^In file included\|^# github.com/NVIDIA' "$1" | tail -"${2:-20}"; }

log "building ftbench"
go build "${goflags[@]}" -o "$build/ftbench-nocuda" ./cmd/ftbench 2>"$build/go-build.log" ||
  { quiet_log "$build/go-build.log" >&2; die "go build failed; see $build/go-build.log"; }
check_libs "$build/ftbench-nocuda"

rm -f "$build/ftbench-cuda" "$build/detect.test"
cuda_note="not built"
if [ "$want_cuda" != 0 ]; then
  if ! ls pipeline/detect/cuda*.go >/dev/null 2>&1; then
    cuda_note="not built: no pipeline/detect/cuda*.go in this tree"
  elif [ ! -f /usr/include/cuda.h ] && [ -z "${CUDA_HOME:-}" ]; then
    cuda_note="not built: no cuda.h (apt-get install -y nvidia-cuda-dev libcuda1, from non-free)"
  else
    log "building ftbench -tags cuda and detect.test"
    if go build -tags cuda "${goflags[@]}" -o "$build/ftbench-cuda" ./cmd/ftbench 2>"$build/cuda-build.log" &&
      go test -c -tags cuda "${goflags[@]}" -o "$build/detect.test" ./pipeline/detect 2>>"$build/cuda-build.log"; then
      cuda_note="built: bin/ftbench is the cuda build, detect.test runs the parity test"
    else
      rm -f "$build/ftbench-cuda" "$build/detect.test"
      cuda_note="not built: go build -tags cuda failed ($(quiet_log "$build/cuda-build.log" 1)); see $build/cuda-build.log"
    fi
  fi
  if [ "$want_cuda" = 1 ] && [ ! -f "$build/ftbench-cuda" ]; then
    quiet_log "$build/cuda-build.log" >&2 || true
    die "cuda build asked for (FTBENCH_BUNDLE_CUDA=1) but $cuda_note"
  fi
fi
log "cuda: $cuda_note"

rm -rf "$bundle"
mkdir -p "$bundle/bin" "$bundle/lib"
# Note: bin/ftbench is the build the check runs. With the cuda build that is
# the cuda one (it runs the pico detector too); the plain build rides along
# gzipped (half the size; gzip is on every Linux host) for a host whose
# driver the cuda build cannot load, and gpu-check.sh unpacks it only then.
if [ -f "$build/ftbench-cuda" ]; then
  check_libs "$build/ftbench-cuda"
  check_libs "$build/detect.test"
  cp "$build/ftbench-cuda" "$bundle/bin/ftbench"
  cp "$build/detect.test" "$bundle/detect.test"
  gzip -9 -n -c "$build/ftbench-nocuda" >"$bundle/bin/ftbench-nocuda.gz"
else
  cp "$build/ftbench-nocuda" "$bundle/bin/ftbench"
fi

# --- 3. ffmpeg CLI, libx264, run-time files ----------------------------------
cp "$prefix/bin/ffmpeg" "$prefix/bin/ffprobe" "$bundle/bin/"
strip "$bundle/bin/ffmpeg" "$bundle/bin/ffprobe"

x264=$(ldconfig -p | awk '/libx264\.so\.[0-9]+ .*x86-64/ {print $NF; exit}')
[ -n "$x264" ] || die "libx264.so.N not found by ldconfig: apt-get install -y libx264-dev"
cp -L "$x264" "$bundle/lib/"
strip --strip-unneeded "$bundle/lib/$(basename "$x264")"

gomodcache=$(go env GOMODCACHE)
pigo=github.com/esimov/pigo@$pigo_version
[ -d "$gomodcache/$pigo" ] || go mod download "github.com/esimov/pigo@$pigo_version"
for f in cascade/facefinder testdata/sample.jpg; do
  mkdir -p "$bundle/gomodcache/$pigo/$(dirname "$f")"
  cp "$gomodcache/$pigo/$f" "$bundle/gomodcache/$pigo/$f"
done
chmod -R u+w "$bundle/gomodcache"

echarts=$("$root/scripts/fetch-echarts.sh" | awk '{print $1}') ||
  die "no ECharts for the offline report: scripts/fetch-echarts.sh failed"
mkdir -p "$bundle/echarts"
cp "$echarts" "$bundle/echarts/"

# --- 4. what it needs ---------------------------------------------------------
check_libs "$bundle/bin/ffmpeg"
check_libs "$bundle/bin/ffprobe"
elves=("$build/ftbench-nocuda" "$bundle/bin/ftbench" "$bundle/bin/ffmpeg" "$bundle/bin/ffprobe" "$bundle"/lib/*.so.*)
[ -f "$bundle/detect.test" ] && elves+=("$bundle/detect.test")
glibc=$(objdump -T "${elves[@]}" | grep -o 'GLIBC_[0-9.]*' | sort -Vu | tail -1)

size_kib=$(du -sk "$bundle" | awk '{print $1}')
{
  echo "ftbench GPU bundle, built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n)"
  echo "revision: $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet 2>/dev/null || echo ' (modified tree)')"
  echo "go: $(go version | awk '{print $3}')"
  echo "ffmpeg: Debian $ffmpeg_deb_version, static: ${ffmpeg_flags[*]}"
  echo "cuda: $cuda_note"
  echo "needs glibc: $glibc or newer"
  echo "size: $((size_kib / 1024)) MiB"
  echo
  (cd "$bundle" && find . -type f -printf '%8k KiB  %P\n' | sort -k3)
} >"$bundle/BUILD.txt"
cat "$bundle/BUILD.txt" >&2
if [ "$size_kib" -gt $((max_mib * 1024)) ]; then
  die "bundle is $((size_kib / 1024)) MiB, over the $max_mib MiB limit"
fi
log "bundle ready: $bundle ($((size_kib / 1024)) MiB); run scripts/gpu-check.sh on the GPU host"
