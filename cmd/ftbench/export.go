package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/ftbench/ftbench/gate"
)

var exportUsage = usageText("export")

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
