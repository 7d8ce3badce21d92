package sweeps

import (
	"slices"

	"github.com/ftbench/ftbench/record"
)

// Note: a scaling curve moves several knobs at once (4 workers means 4
// analysis processes and 4 encode workers), and the axes' full product
// would add every mismatched pair to it. `together = [["processes",
// "encode_workers"]]` makes the named axes, which must list as many
// values each, advance as one: their i-th values go into one trial. The
// trials' labels still name every axis.

// together reads the together key: groups of axis names that vary as one.
// It returns each group as indices into axes.
func (p *parser) together(v any, axes []Axis) [][]int {
	groups, ok := v.([]any)
	if !ok {
		p.errf("together", `want an array of arrays of axis names, such as [["processes", "encode_workers"]], got %s`, describe(v))
		return nil
	}
	index := map[string]int{}
	for i, a := range axes {
		index[a.Field] = i
	}
	used := map[string]bool{}
	var out [][]int
	for gi, g := range groups {
		names, ok := g.([]any)
		if !ok || len(names) < 2 {
			p.errf("together", "group %d: want an array of two or more axis names, got %s", gi+1, describe(g))
			continue
		}
		var idx []int
		for _, n := range names {
			name, ok := n.(string)
			i, isAxis := index[name]
			switch {
			case !ok:
				p.errf("together", "group %d: want axis names, got %s", gi+1, describe(n))
			case !isAxis:
				p.errf("together", "group %d: %q is not an axis of [axes]", gi+1, name)
			case used[name]:
				p.errf("together", "group %d: axis %q is in two groups", gi+1, name)
			case len(axes[i].Values) != len(axes[idx0(idx, i)].Values):
				p.errf("together", "group %d: axis %q has %d values, axis %q %d: axes that vary together list as many values",
					gi+1, name, len(axes[i].Values), axes[idx[0]].Field, len(axes[idx[0]].Values))
			default:
				used[name] = true
				idx = append(idx, i)
			}
		}
		if len(idx) > 1 {
			out = append(out, idx)
		}
	}
	return out
}

// idx0 is the group's first axis so far, or i when it is the first.
func idx0(idx []int, i int) int {
	if len(idx) == 0 {
		return i
	}
	return idx[0]
}

// dimensions returns the expansion's odometer wheels: each group of axes
// that vary together as one wheel, at its first axis's place, and every
// other axis as a wheel of its own.
func dimensions(axes []Axis, groups [][]int) [][]int {
	var dims [][]int
	grouped := map[int]bool{}
	for _, g := range groups {
		for _, i := range g {
			grouped[i] = true
		}
	}
	for i := range axes {
		if !grouped[i] {
			dims = append(dims, []int{i})
			continue
		}
		for _, g := range groups {
			if g[0] == i {
				dims = append(dims, slices.Clone(g))
			}
		}
	}
	return dims
}

// cliVariants reads the references key: the ffmpeg CLI variants to run
// beside the plain reference workload.
func (p *parser) cliVariants(v any) []record.CLIVariant {
	list, ok := v.([]any)
	if !ok {
		p.errf("references", `want an array of strings such as ["hwaccel=cuda", "split=16"], got %s`, describe(v))
		return nil
	}
	var out []record.CLIVariant
	seen := map[string]bool{}
	for _, e := range list {
		s, ok := e.(string)
		if !ok {
			p.errf("references", "want strings, got %s", describe(e))
			continue
		}
		cv, err := record.ParseCLIVariant(s)
		if err != nil {
			p.errf("references", "%v", err)
			continue
		}
		if seen[cv.Name()] {
			p.errf("references", "%q is listed twice", s)
			continue
		}
		seen[cv.Name()] = true
		out = append(out, cv)
	}
	return out
}
