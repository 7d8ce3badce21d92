package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/ftbench/ftbench/runner"
)

const envUsage = `usage: ftbench env [--no-gpu]

Prints the environment fingerprint every result record carries (host, CPU,
memory, GPUs and driver through NVML, the linked FFmpeg libraries, the Go
version and the build's VCS revision) as one JSON object, so a machine can
be described before anything runs on it. What cannot be read is listed
under "errors"; a machine without an NVIDIA GPU says why under gpu.error.

Examples:
  ftbench env
  ftbench env --no-gpu > env.json

flags:
`

func envCmd(stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("env", envUsage, stderr)
	noGPU := fs.Bool("no-gpu", false, "do not open NVML even if it is present")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fs.Usage()
		return withCode(exitUsage, fmt.Errorf("unexpected argument %q", pos[0]))
	}
	off := ""
	if *noGPU {
		off = "no GPU: turned off (--no-gpu)"
	}
	_, env, closeGPU := runner.OpenSampler(0, off)
	defer closeGPU()
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(env)
}
