package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/runner"
	"github.com/ftbench/ftbench/sweeps"
)

func init() {
	register("merge", "join the output folders of a sweep's shards", mergeCmd)
}

const mergeUsage = `usage: ftbench merge DIR... --out DIR

Joins the folders that ` + "`ftbench sweep --shard I/N`" + ` wrote into one folder, as if
the sweep had run on one machine: every record of every DIR/results.jsonl,
once each, in start order, and the spec they share. Malformed lines are
reported with their file and line and skipped.

Example:
  ftbench merge runs/1b-0 runs/1b-1 runs/1b-2 runs/1b-3 --out runs/1b

flags:
`

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
	mergeCheckComplete(stdout, *out)
	return nil
}

// mergeCheckComplete says which runs of the sweep the merged folder still
// lacks, when the spec can be read on this machine.
func mergeCheckComplete(w io.Writer, dir string) {
	spec, err := sweeps.Load(filepath.Join(dir, record.SpecFile))
	if err != nil {
		// Note: a spec whose inputs live only on the shards' machines does
		// not validate here; completeness is then left unsaid.
		return
	}
	results, _, err := record.ReadResults(filepath.Join(dir, record.ResultsFile))
	if err != nil {
		return
	}
	missing := runner.Pending(spec.Plan(), runner.DoneRuns(results))
	if len(missing) == 0 {
		fmt.Fprintf(w, "complete: every run of sweep %s is recorded\n", spec.Name)
		return
	}
	fmt.Fprintf(w, "incomplete: %d of %d runs of sweep %s are not recorded (unfinished shards?)\n", len(missing), len(spec.Plan().Runs()), spec.Name)
}
