# build-env.sh: sourced by the scripts that build ftbench, so that every
# README command builds the same, quietly.
#
# Note: go-nvml's cgo code calls NVML functions that NVIDIA's header marks
# deprecated, and gcc prints about 150 lines of -Wdeprecated-declarations
# warnings whenever that package is compiled (a fresh clone, a cleared
# cache). The calls are go-nvml's, the warnings say nothing about ftbench,
# and no go-nvml release drops them, so they are turned off here for cgo
# builds; every other warning stays on. go.mod cannot carry C flags.
case " ${CGO_CFLAGS:-} " in
  *" -Wno-deprecated-declarations "*) ;;
  *) export CGO_CFLAGS="${CGO_CFLAGS:--O2 -g} -Wno-deprecated-declarations" ;;
esac
