// Package sweeprun runs a sweep: given a loaded spec, an output folder and
// an Executor (*runner.Runner), it runs the spec's plan, a grid or a live
// search, into the folder's results.jsonl, and writes the report at the
// end. It owns what makes a folder a sweep's: the lock, the copy of the
// spec, resuming from the records already there, sharding, the generated
// input clips, and the dry-run estimate.
//
// Note: the name says what it does, next to the packages it joins: sweeps
// parses a spec, runner runs one run, sweeprun runs them all. It builds
// without cgo: the executor and the clip generator are handed in.
package sweeprun

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ftbench/ftbench/fixtures/catalog"
	"github.com/ftbench/ftbench/internal/atomicfile"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/sweeps"
	"github.com/ftbench/ftbench/tune"
	"github.com/ftbench/ftbench/tune/strategy"
)

// Executor runs one run of a plan in its own process and returns its
// record; *runner.Runner is the one ftbench uses. It is tune's Executor,
// so that a live search runs through the same one.
type Executor = tune.Executor

// Generator makes a fixture clip (fixtures.Generate) in dir, or finds it
// there up to date, and returns its video and ground-truth files.
type Generator func(fx catalog.Spec, dir string) (video, groundTruth string, err error)

// Options say where a sweep writes and how it runs.
type Options struct {
	// Dir is the output folder.
	Dir string
	// Resume continues the sweep in Dir, running only the runs it lacks;
	// without it a Dir holding records is refused.
	Resume bool
	// Shard is the part of the trials this machine runs.
	Shard Shard
	// SpecArg is the spec's path as the user named it, or "" for the
	// embedded default sweep; messages that say what to type use it.
	SpecArg string
	// Fixtures is the cache folder of generated input clips; "" is the
	// user cache folder, or Dir/fixtures when there is none.
	Fixtures string
	// Generate makes the spec's fixture inputs.
	Generate Generator
	// Stdout receives the outcome: what ran, the search's result, the
	// report's choice. Stderr receives warnings, notes and a search's
	// runs.
	Stdout, Stderr io.Writer
}

// Sweep is one sweep of a spec into an output folder.
type Sweep struct {
	spec   *sweeps.Spec
	opts   Options
	plan   record.Plan
	prior  []*record.Result // the records already in the folder
	unlock func() error
}

// New checks that the spec can run as asked and reads the records already
// in the output folder, warning about malformed ones and passing on the
// spec's warnings; it changes nothing.
func New(spec *sweeps.Spec, opts Options) (*Sweep, error) {
	s := &Sweep{spec: spec, opts: opts}
	for _, w := range spec.Warnings {
		if opts.Stderr != nil {
			fmt.Fprintf(opts.Stderr, "ftbench sweep: warning: %s\n", w)
		}
	}
	var err error
	if s.prior, err = s.readPrior(); err != nil {
		return nil, err
	}
	s.plan = spec.Plan().Shard(opts.Shard.I, opts.Shard.N)
	if s.Searching() && opts.Shard.N > 1 {
		return nil, fmt.Errorf("%s: a %s search cannot be sharded: each step depends on the last; shard a grid, or run the search on one machine", spec.File, spec.Search.Strategy)
	}
	return s, nil
}

// Searching reports whether the spec runs a search strategy rather than
// its whole grid.
func (s *Sweep) Searching() bool {
	return s.spec.Search != nil && s.spec.Search.Strategy != strategy.Grid
}

// ResultsPath returns the results file the sweep appends to.
func (s *Sweep) ResultsPath() string { return filepath.Join(s.opts.Dir, record.ResultsFile) }

// Start makes the output folder and locks it until Close, reads again the
// records there (another sweep may have written meanwhile), refuses a
// folder with records unless resuming, and saves the spec into it.
func (s *Sweep) Start() error {
	if err := os.MkdirAll(s.opts.Dir, 0o755); err != nil {
		return err
	}
	unlock, err := record.Lock(s.opts.Dir)
	if err != nil {
		return err
	}
	s.unlock = unlock
	if s.prior, err = s.readPrior(); err != nil {
		return err
	}
	if len(s.prior) > 0 && !s.opts.Resume {
		return fmt.Errorf("%s already holds %d records; pass --resume to continue that sweep, or choose another --out", s.ResultsPath(), len(s.prior))
	}
	return s.saveSpec()
}

// Close unlocks the output folder.
func (s *Sweep) Close() error {
	if s.unlock == nil {
		return nil
	}
	err := s.unlock()
	s.unlock = nil
	return err
}

// readPrior reads the records already in the results file, warning about
// malformed lines; a missing file holds none.
func (s *Sweep) readPrior() ([]*record.Result, error) {
	results, warns, err := record.ReadResults(s.ResultsPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	for _, w := range warns {
		fmt.Fprintf(s.opts.Stderr, "ftbench sweep: warning: %v (skipped)\n", w)
	}
	return results, err
}

// saveSpec writes the spec into the output folder, so that the folder
// says what it holds and shards can be checked against each other.
func (s *Sweep) saveSpec() error {
	dir := s.opts.Dir
	path := filepath.Join(dir, record.SpecFile)
	old, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	case bytes.Equal(old, s.spec.Text):
		return nil
	case s.opts.Resume && s.opts.SpecArg == "":
		return fmt.Errorf("%s is not the default sweep's spec; pass the spec that folder was swept with: ftbench sweep SPEC --out %s --resume", path, dir)
	case s.opts.Resume:
		fmt.Fprintf(s.opts.Stderr, "ftbench sweep: note: %s differs from %s; runs of trials both specs share are kept, the rest run\n", s.opts.SpecArg, path)
	}
	return atomicfile.WriteFile(path, s.spec.Text)
}

// GenerateInputs makes the spec's fixture inputs (cached) and plans the
// runs over them, with the reference workload when the spec calibrates.
func (s *Sweep) GenerateInputs() error {
	spec := s.spec
	for i, in := range spec.Inputs {
		if in.Fixture == "" {
			continue
		}
		fx, ok := catalog.Lookup(in.Fixture)
		if !ok {
			return fmt.Errorf("unknown fixture %q", in.Fixture)
		}
		where := s.opts.Fixtures
		if where == "" {
			if c, err := os.UserCacheDir(); err == nil {
				where = filepath.Join(c, "ftbench", "fixtures")
			} else {
				where = filepath.Join(s.opts.Dir, "fixtures")
			}
		}
		if err := os.MkdirAll(where, 0o755); err != nil {
			return err
		}
		video, gt, err := s.opts.Generate(fx, where)
		if err != nil {
			return fmt.Errorf("generating input %s: %w", in.Fixture, err)
		}
		spec.Inputs[i].Video = video
		spec.Inputs[i].GroundTruth = gt
	}
	s.plan = spec.Plan().Shard(s.opts.Shard.I, s.opts.Shard.N) // now with the inputs' paths
	if spec.Calibrate {
		s.plan = record.WithReference(s.plan, spec.Base, spec.CLI...)
	}
	return nil
}
