package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/ftbench/ftbench/runner"
)

var envUsage = usageText("env")

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
