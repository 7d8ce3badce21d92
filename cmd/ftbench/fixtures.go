package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ftbench/ftbench/fixtures"
	"github.com/ftbench/ftbench/fixtures/catalog"
	"github.com/ftbench/ftbench/internal/atomicfile"
)

var fixturesUsage = usageText("fixtures")

func fixturesCmd(stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("fixtures", fmt.Sprintf(fixturesUsage, strings.Join(catalog.Names(), ", ")), stderr)
	out := fs.String("out", "fixtures/out", "output `directory`")
	only := fs.String("only", "", "comma-separated clip `names` to generate (default: all short clips)")
	long := fs.Bool("long", false, "also generate the long clips")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return withCode(exitUsage, fmt.Errorf("unexpected argument %q (clips are chosen with --only)", fs.Arg(0)))
	}

	specs, err := catalog.Choose(*only, *long)
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("--only: %w", err))
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return withCode(exitUsage, fmt.Errorf("--out %s: cannot create directory: %v", *out, atomicfile.UnwrapPath(err)))
	}
	return fixtures.GenerateAll(stdout, specs, *out)
}

// generateFixture makes a sweep's fixture input (sweeprun.Generator).
func generateFixture(fx catalog.Spec, dir string) (video, groundTruth string, err error) {
	clip, err := fixtures.Generate(fx, dir)
	return clip.Video, clip.GroundTruth, err
}
