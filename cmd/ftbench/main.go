// Command ftbench runs, sweeps, reports on and gates a face-tracking video
// pipeline. See README.md for the subcommands.
package main

import (
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"

	"github.com/ftbench/ftbench/gate"
)

// Exit codes, documented in README.md.
const (
	exitOK           = 0
	exitFailure      = 1                     // a run failed, or the gate found a regression
	exitUsage        = 2                     // bad flags, bad input files, tool errors
	exitInconclusive = gate.ExitInconclusive // the gate could not decide
)

// exitError carries an exit code through the error chain.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// withCode wraps err so that main exits with code.
func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// errSilent marks an error already reported to the user.
var errSilent = errors.New("")

type command struct {
	run   func(stdout, stderr io.Writer, args []string) error
	short string
}

var commands = map[string]command{
	"baseline": {baselineCmd, "keep baselines for the gate, one per machine"},
	"env":      {envCmd, "print this machine's and this build's environment fingerprint as JSON"},
	"export":   {exportCmd, "print results in another format (Go benchmark lines for benchstat)"},
	"fixtures": {fixturesCmd, "generate test videos with exact ground truth"},
	"gate":     {gateCmd, "compare a sweep's results with a baseline's and fail on a regression"},
	"merge":    {mergeCmd, "join the output folders of a sweep's shards"},
	"report":   {reportCmd, "write the HTML report, summary.md and best.toml of a sweep's results"},
	"run":      {runCmd, "run the face-tracking pipeline on one video"},
	"sweep":    {sweepCmd, "run a declarative sweep of pipeline configs and record every run"},
	"tune":     {tuneCmd, "compare search strategies on recorded results (tune replay)"},
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: ftbench <command> [arguments]\n\ncommands:")
	for _, n := range slices.Sorted(maps.Keys(commands)) {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].short)
	}
	fmt.Fprintln(w, "\nRun `ftbench <command> -h` for a command's flags.")
}

func main() {
	os.Exit(run(os.Stdout, os.Stderr, os.Args[1:]))
}

// run dispatches to a subcommand and maps its error to an exit code.
func run(stdout, stderr io.Writer, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "ftbench: unknown command %q\n", args[0])
		usage(stderr)
		return exitUsage
	}
	err := cmd.run(stdout, stderr, args[1:])
	if err == nil {
		return exitOK
	}
	code := exitUsage
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if !errors.Is(err, errSilent) && err.Error() != "" {
		fmt.Fprintf(stderr, "ftbench %s: %v\n", args[0], err)
	}
	return code
}

// usageFiles holds each command's usage text, usage/NAME.txt: prose and
// examples, kept as text files so that this package's Go code is only
// flags, wiring and exit codes.
//
//go:embed usage/*.txt
var usageFiles embed.FS

// usageText returns the usage text of the named command.
func usageText(name string) string {
	data, err := usageFiles.ReadFile("usage/" + name + ".txt")
	if err != nil {
		panic(err) // embedded at build time: a missing file is a build mistake
	}
	return string(data)
}

// newFlagSet returns a command's flag set: errors and -h print usage and
// then the flags' defaults on stderr.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	return fs
}

// parseInterspersed parses flags that may come before or after positional
// arguments, as users type `ftbench run in.mp4 -o out.mp4`.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, flagError(err)
		}
		// Note: Parse consumes a "--" that ends the flags; everything after
		// it is an operand, even "-x.mp4".
		rest := fs.Args()
		if i := len(args) - len(rest); i > 0 && args[i-1] == "--" {
			return append(pos, rest...), nil
		}
		args = rest
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// flagError returns the error of a failed parse, which the flag package
// has already reported: exit 0 after -h, else a usage error.
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return withCode(exitOK, errSilent)
	}
	return withCode(exitUsage, errSilent)
}

// flagSet reports whether the command line set the flag named name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
