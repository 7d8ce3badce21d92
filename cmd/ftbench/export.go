package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/ftbench/ftbench/gate"
)

const exportUsage = `usage: ftbench export --format gobench RESULTS.jsonl|DIR...

Prints every counted run that ended ok as a Go benchmark line, so that
benchstat and the CI tools that read ` + "`go test -bench`" + ` output read ftbench
results:

  BenchmarkPipeline/input=face_360p/batch=16-2  1  285714286 ns/op  315.0 fps  0.93 cpu  ...

One run is one iteration (ns/op is its wall time); the trial's "k=v"
settings are sub-benchmark keys (benchstat -col /batch), the reference
workload is .../reference=ffmpeg, and ref-ratio is frames/s over the file's
median reference frames/s (comparable across machines). A DIR stands for
DIR/results.jsonl. Malformed records are skipped with a warning.

Examples:
  ftbench export --format gobench out/main > main.txt
  ftbench export --format gobench out/pr > pr.txt
  benchstat main.txt pr.txt

flags:
`

func exportCmd(stdout, stderr io.Writer, args []string) error {
	fl := newFlagSet("export", exportUsage, stderr)
	format := fl.String("format", "gobench", "output `format`: gobench")
	files, err := parseInterspersed(fl, args)
	if err != nil {
		return err
	}
	if *format != "gobench" {
		return withCode(exitUsage, fmt.Errorf("--format %q: want gobench", *format))
	}
	if len(files) == 0 {
		fl.Usage()
		return withCode(exitUsage, errors.New("want one or more results files"))
	}
	w := bufio.NewWriter(stdout)
	for _, path := range files {
		file, rs, err := gate.ReadResults(path, warnSkipped("gate", stderr))
		if err != nil {
			return withCode(exitUsage, err)
		}
		sum, err := gate.WriteGobench(w, rs)
		if err != nil {
			return withCode(exitUsage, err)
		}
		if sum.Skipped > 0 {
			fmt.Fprintf(stderr, "ftbench export: %s: %d counted runs that did not end ok left out\n", file, sum.Skipped)
		}
	}
	if err := w.Flush(); err != nil {
		return withCode(exitUsage, err)
	}
	return nil
}
