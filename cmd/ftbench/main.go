// Command ftbench runs, sweeps, reports on and gates a face-tracking video
// pipeline. See README.md for the subcommands.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

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

var commands = map[string]command{}

func register(name, short string, run func(stdout, stderr io.Writer, args []string) error) {
	commands[name] = command{run: run, short: short}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: ftbench <command> [arguments]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
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
