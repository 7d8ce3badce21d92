package sweeps

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ftbench/ftbench/fixtures/catalog"
	"github.com/ftbench/ftbench/internal/atomicfile"
	"github.com/ftbench/ftbench/record"
)

// inputs reads the [[input]] tables: at least one, each a video (with
// optional ground truth) or a generated fixture, no two of one name.
func (p *parser) inputs(v any) []record.Input {
	if v == nil {
		p.errs = append(p.errs, &Error{File: p.file, Field: "input", Msg: "missing: a sweep needs at least one [[input]] with a video (or a fixture)"})
		return nil
	}
	tables, ok := v.([]map[string]any)
	if !ok {
		p.errf("input", "want [[input]] tables, got %s", describe(v))
		return nil
	}
	var out []record.Input
	names := map[string]string{}
	for i, t := range tables {
		at := "input." + strconv.Itoa(i)
		in, ok := p.input(at, t)
		if !ok {
			continue
		}
		if prev, dup := names[in.Name]; dup {
			p.errf(at, "input %q is already %s", in.Name, prev)
			continue
		}
		names[in.Name] = at
		out = append(out, in)
	}
	return out
}

// input reads one [[input]] table, at its dotted path at.
func (p *parser) input(at string, t map[string]any) (record.Input, bool) {
	var in record.Input
	for _, k := range sortedKeys(t) {
		if k != "video" && k != "gt" && k != "fixture" {
			p.errf(at+"."+k, "unknown field; an input has video and gt, or fixture")
		}
	}
	video, hasVideo := t["video"]
	fixture, hasFixture := t["fixture"]
	gt, hasGT := t["gt"]
	n := len(p.errs)
	switch {
	case hasVideo && hasFixture:
		p.errf(at, "give video or fixture, not both")
	case hasFixture:
		in = p.fixtureInput(at, fixture, hasGT)
	case hasVideo:
		in = p.videoInput(at, video, gt, hasGT)
	default:
		p.errf(at, "missing video (a file) or fixture (a generated clip: %s)", strings.Join(catalog.Names(), ", "))
	}
	return in, len(p.errs) == n
}

// fixtureInput reads an input that names a generated clip.
func (p *parser) fixtureInput(at string, fixture any, hasGT bool) record.Input {
	var in record.Input
	n := len(p.errs)
	in.Fixture = p.str(at+".fixture", fixture)
	in.Name = in.Fixture
	if _, ok := catalog.Lookup(in.Fixture); !ok && len(p.errs) == n {
		p.errf(at+".fixture", "unknown fixture %q; valid names: %s", in.Fixture, strings.Join(catalog.Names(), ", "))
	}
	if hasGT {
		p.errf(at+".gt", "a fixture brings its own ground truth")
	}
	return in
}

// videoInput reads an input that names a video file and, if hasGT, its
// ground truth; both must be readable.
func (p *parser) videoInput(at string, video, gt any, hasGT bool) record.Input {
	var in record.Input
	in.Video = p.path(at+".video", video)
	in.Name = filepath.Base(in.Video)
	if in.Video != "" {
		if st, err := os.Stat(in.Video); err != nil && p.recorded && errors.Is(err, fs.ErrNotExist) {
			// Gone from this machine: the records say what was read.
		} else if err != nil {
			p.errf(at+".video", "cannot read video %s: %v", in.Video, atomicfile.UnwrapPath(err))
		} else if st.IsDir() {
			p.errf(at+".video", "%s is a folder, not a video", in.Video)
		} else if !st.Mode().IsRegular() {
			p.errf(at+".video", "%s is not a regular file (a FIFO or a device would block or never end)", in.Video)
		} else {
			in.Size = st.Size()
		}
	}
	if hasGT {
		in.GroundTruth = p.path(at+".gt", gt)
		if in.GroundTruth != "" {
			if st, err := os.Stat(in.GroundTruth); err != nil && p.recorded && errors.Is(err, fs.ErrNotExist) {
			} else if err != nil {
				p.errf(at+".gt", "cannot read ground truth %s: %v", in.GroundTruth, atomicfile.UnwrapPath(err))
			} else if !st.Mode().IsRegular() {
				p.errf(at+".gt", "%s is not a regular file (a FIFO or a device would block or never end)", in.GroundTruth)
			}
		}
	}
	return in
}

// path reads a non-empty file path, relative to the spec's folder unless
// absolute, and returns it absolute: records carry it, and a sweep folder
// copied elsewhere must still say which file each run read.
func (p *parser) path(field string, v any) string {
	s := p.str(field, v)
	if s == "" {
		p.errf(field, "must not be empty")
		return ""
	}
	if !filepath.IsAbs(s) && p.dir != "" {
		s = filepath.Join(p.dir, s)
	}
	if abs, err := filepath.Abs(s); err == nil {
		s = abs
	}
	return s
}
