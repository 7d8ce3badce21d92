package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/sweeprun"
)

var mergeUsage = usageText("merge")

func mergeCmd(stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("merge", mergeUsage, stderr)
	out := fs.String("out", "", "`folder` to write the merged results into (required; must not hold results)")
	dirs, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if *out == "" || len(dirs) == 0 {
		fs.Usage()
		return withCode(exitUsage, errors.New("want one or more shard folders and --out"))
	}
	for _, d := range dirs {
		if filepath.Clean(d) == filepath.Clean(*out) {
			return withCode(exitUsage, fmt.Errorf("--out %s is also an input folder", *out))
		}
	}
	sum, warns, err := record.Merge(*out, dirs)
	for _, w := range warns {
		fmt.Fprintf(stderr, "ftbench merge: warning: %v (skipped)\n", w)
	}
	if err != nil {
		return withCode(exitUsage, err)
	}
	fmt.Fprintf(stdout, "merged %d records from %d folders into %s", sum.Records, len(dirs), filepath.Join(*out, record.ResultsFile))
	if sum.Duplicates > 0 {
		fmt.Fprintf(stdout, " (%d duplicates written once)", sum.Duplicates)
	}
	fmt.Fprintln(stdout)
	if line := sweeprun.Completeness(*out); line != "" {
		fmt.Fprintln(stdout, line)
	}
	return nil
}
