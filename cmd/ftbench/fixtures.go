package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ftbench/ftbench/fixtures"
	"github.com/ftbench/ftbench/fixtures/catalog"
)

func init() {
	register("fixtures", "generate test videos with exact ground truth", fixturesCmd)
}

const fixturesUsage = `usage: ftbench fixtures [--out DIR] [--only NAME,...] [--long]

Renders the standard synthetic clips (a real face photo moving, zooming and
leaving the frame over a scrolling background), encodes them to H.264 MP4
and writes, next to each DIR/NAME.mp4, its exact ground truth DIR/NAME.gt
and a DIR/NAME.json manifest. A clip whose files are already there from the
same spec and generator is kept as it is.

Clips: %s.
Long clips (the one-minute 1080p30 reference) are made only with --long or
when --only names them.

Examples:
  ftbench fixtures
  ftbench fixtures --only face_360p,two_faces_360p --out /tmp/clips
  ftbench fixtures --long

flags:
`

func fixturesCmd(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("fixtures", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, fixturesUsage, strings.Join(catalog.Names(), ", "))
		fs.PrintDefaults()
	}
	out := fs.String("out", "fixtures/out", "output `directory`")
	only := fs.String("only", "", "comma-separated clip `names` to generate (default: all short clips)")
	long := fs.Bool("long", false, "also generate the long clips")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return withCode(exitOK, errSilent)
		}
		return withCode(exitUsage, errSilent)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return withCode(exitUsage, fmt.Errorf("unexpected argument %q (clips are chosen with --only)", fs.Arg(0)))
	}

	var specs []catalog.Spec
	if *only != "" {
		var names []string
		for _, n := range strings.Split(*only, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
		var err error
		if specs, err = catalog.Select(names); err != nil {
			return withCode(exitUsage, fmt.Errorf("--only: %w", err))
		}
	} else {
		for _, s := range catalog.Standard() {
			if !s.Long || *long {
				specs = append(specs, s)
			}
		}
	}

	if err := os.MkdirAll(*out, 0o755); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return withCode(exitUsage, fmt.Errorf("--out %s: cannot create directory: %v", *out, err))
	}
	for _, s := range specs {
		clip, err := fixtures.Generate(s, *out)
		if err != nil {
			return err
		}
		st, err := os.Stat(clip.Video)
		if err != nil {
			return err
		}
		note := ""
		if clip.Reused {
			note = "  (up to date)"
		}
		fmt.Fprintf(stdout, "%s  %d frames  %dx%d  %d bytes%s\n", clip.Video, s.Frames, s.Width, s.Height, st.Size(), note)
	}
	return nil
}
