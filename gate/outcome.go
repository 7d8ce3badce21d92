package gate

import (
	"fmt"
	"io"
	"os"
)

// Exit statuses of `ftbench gate` for each verdict, documented in
// README.md (2 is a usage or tool error, the command's own).
const (
	ExitPass         = 0
	ExitFail         = 1 // a regression, or a failed counted run
	ExitInconclusive = 3 // the gate could not decide
)

// ExitCode returns the exit status of a gate whose verdict is v.
func (v Verdict) ExitCode() int {
	switch v {
	case Pass:
		return ExitPass
	case Inconclusive:
		return ExitInconclusive
	}
	return ExitFail
}

// Err returns nil when the gate passes, and otherwise an error that
// counts the checks behind the verdict.
func (r *Report) Err() error {
	pass, inconclusive, fail := r.Counts()
	switch r.Verdict {
	case Fail:
		return fmt.Errorf("fail: %d failing checks or runs (%d inconclusive, %d passing)", fail, inconclusive, pass)
	case Inconclusive:
		return fmt.Errorf("inconclusive: %d checks could not be decided (%d passing); the output says how many runs would settle them", inconclusive, pass)
	}
	return nil
}

// Formats maps each output format to the function that writes a report
// in it.
var Formats = map[string]func(io.Writer, *Report) error{
	"text": WriteText, "markdown": WriteMarkdown, "junit": WriteJUnit,
}

// WriteFile writes one rendering of rep to path, appending when asked (a
// CI job summary collects several steps' output); an empty path writes
// nothing.
func WriteFile(path string, appendTo bool, rep *Report, write func(io.Writer, *Report) error) error {
	if path == "" {
		return nil
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if appendTo {
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return err
	}
	if err := write(f, rep); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
