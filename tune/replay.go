package tune

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/stats"
	"github.com/ftbench/ftbench/sweeps"
)

// Recorded evaluates points from a finished sweep's records instead of
// running the pipeline (Kernel Tuner's idea): strategies can then be
// compared on a recorded grid in milliseconds. A point's n-th evaluation
// run is its n-th counted run in round order, so a strategy that asks for
// more repeats gets the runs the sweep really made, noise included.
type Recorded struct {
	space       Space
	objective   string
	constraints []sweeps.Constraint
	runs        map[string][]*record.Result // by point key, ok counted runs in round order
	failed      map[string]int              // failed runs by point key
	used        map[string]int
}

// SpaceOf returns the spec's axes as a search space.
func SpaceOf(spec *sweeps.Spec) Space {
	s := Space{}
	for _, a := range spec.Axes {
		s.Axes = append(s.Axes, Axis{Name: a.Field, Values: a.Values})
	}
	return s
}

// NewRecorded indexes the counted runs of results by point. input names the
// sweep input to use (its name as recorded); empty = the spec's first.
func NewRecorded(spec *sweeps.Spec, results []*record.Result, input string) (*Recorded, error) {
	space := SpaceOf(spec)
	if len(space.Axes) == 0 {
		return nil, fmt.Errorf("%s: the sweep has no axes to search", spec.File)
	}
	if input == "" && len(spec.Inputs) > 0 {
		input = spec.Inputs[0].Name
	}
	r := &Recorded{space: space, objective: spec.Objective.Metric, constraints: spec.Constraints,
		runs: map[string][]*record.Result{}, failed: map[string]int{}, used: map[string]int{}}
	for _, res := range results {
		if res.Warmup || (input != "" && res.Input.Name != input) {
			continue
		}
		p, ok := r.pointOf(res.Axes)
		if !ok {
			continue
		}
		if res.Status != record.StatusOK {
			r.failed[p.Key()]++
			continue
		}
		r.runs[p.Key()] = append(r.runs[p.Key()], res)
	}
	for _, rs := range r.runs {
		slices.SortStableFunc(rs, func(a, b *record.Result) int { return a.Round - b.Round })
	}
	if len(r.runs) == 0 {
		return nil, fmt.Errorf("no counted runs of input %q match the spec's axes", input)
	}
	return r, nil
}

// Space returns the searched space.
func (r *Recorded) Space() Space { return r.space }

// Coverage returns how many points have recorded runs, of the space's size.
func (r *Recorded) Coverage() (recorded, size int) { return len(r.runs), r.space.Size() }

// RunsPerPoint returns the largest number of counted runs of any point.
func (r *Recorded) RunsPerPoint() int {
	n := 0
	for _, rs := range r.runs {
		n = max(n, len(rs))
	}
	return n
}

func (r *Recorded) pointOf(axes map[string]any) (Point, bool) {
	p := make(Point, len(r.space.Axes))
	for i, a := range r.space.Axes {
		v, ok := axes[a.Name]
		if !ok {
			return nil, false
		}
		j := slices.IndexFunc(a.Values, func(x any) bool { return sameValue(x, v) })
		if j < 0 {
			return nil, false
		}
		p[i] = j
	}
	return p, true
}

// sameValue compares an axis value with one decoded from JSON, where every
// number is a float64.
func sameValue(a, b any) bool {
	return canon(a) == canon(b)
}

func canon(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}

// Evaluate returns the median objective over the point's first repeats
// recorded runs (all it has, if fewer), spending only runs not used before.
func (r *Recorded) Evaluate(_ context.Context, p Point, repeats int) (Observation, error) {
	k := p.Key()
	rs := r.runs[k]
	n := min(repeats, len(rs))
	o := Observation{Point: p, Value: math.NaN()}
	spent := max(n-r.used[k], 0)
	if len(rs) == 0 {
		// Never recorded, or failed every time: a run was spent on it.
		spent = max(min(repeats, max(r.failed[k], 1))-r.used[k], 0)
		r.used[k] += spent
		o.Runs = spent
		return o, nil
	}
	r.used[k] = max(r.used[k], n)
	o.Runs = spent
	o.Value, o.Feasible, o.Violated = r.judge(rs[:n])
	return o, nil
}

// Truth returns the point's value over every recorded run: what a full grid
// measured, against which a search's choice is judged.
func (r *Recorded) Truth(p Point) (value float64, feasible bool) {
	rs := r.runs[p.Key()]
	if len(rs) == 0 {
		return math.NaN(), false
	}
	v, ok, _ := r.judge(rs)
	return v, ok
}

// GridBest returns the best feasible point over every recorded run.
func (r *Recorded) GridBest(g Goal) (Point, float64) {
	var best Point
	bv := math.NaN()
	for _, p := range r.space.All() {
		v, ok := r.Truth(p)
		if ok && (best == nil || g.Better(v, bv)) {
			best, bv = p, v
		}
	}
	return best, bv
}

// judge returns the median objective of runs and whether the medians of the
// constraint metrics hold.
func (r *Recorded) judge(runs []*record.Result) (float64, bool, []string) {
	value := medianOf(runs, r.objective)
	feasible := !math.IsNaN(value)
	var violated []string
	for _, c := range r.constraints {
		v := medianOf(runs, c.Metric)
		if math.IsNaN(v) || !c.Holds(v) {
			feasible = false
			violated = append(violated, c.Metric)
		}
	}
	return value, feasible, violated
}

func medianOf(runs []*record.Result, name string) float64 {
	var xs []float64
	for _, r := range runs {
		if v, ok := metric.Value(r, name); ok {
			xs = append(xs, v)
		}
	}
	return stats.Median(xs)
}

// GoalOf returns the spec objective's direction.
func GoalOf(spec *sweeps.Spec) Goal {
	return Goal{Minimize: spec.Objective.Direction == sweeps.Minimize}
}

// StartPoint returns the spec's base config as a point of its space, where
// coordinate search starts: for each axis the index of the base config's
// value, else the axis's middle.
func StartPoint(spec *sweeps.Spec) Point {
	base := spec.Base.Map()
	space := SpaceOf(spec)
	p := make(Point, len(space.Axes))
	for i, a := range space.Axes {
		p[i] = (len(a.Values) - 1) / 2
		if v, ok := base[a.Name]; ok {
			if j := slices.IndexFunc(a.Values, func(x any) bool { return sameValue(x, v) }); j >= 0 {
				p[i] = j
			}
		}
	}
	return p
}
