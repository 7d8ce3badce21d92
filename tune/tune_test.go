package tune

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ftbench/ftbench/stats"
)

// surface is a synthetic objective over a space with a known optimum, with
// multiplicative noise of the given coefficient of variation per run.
type surface struct {
	space Space
	f     func(p Point) float64 // noise-free objective
	cv    float64
	rng   *rand.Rand
	seen  map[string]int
	// infeasible marks points that break a constraint.
	infeasible func(p Point) bool
}

func (s *surface) Evaluate(_ context.Context, p Point, repeats int) (Observation, error) {
	k := p.Key()
	runs := max(repeats-s.seen[k], 0)
	s.seen[k] = max(s.seen[k], repeats)
	var xs []float64
	for range repeats {
		xs = append(xs, s.f(p)*(1+s.cv*s.rng.NormFloat64()))
	}
	o := Observation{Point: p, Value: stats.Median(xs), Feasible: true, Runs: runs}
	if s.infeasible != nil && s.infeasible(p) {
		o.Feasible, o.Violated = false, []string{"quality.hit_rate"}
	}
	return o, nil
}

func axes(n ...int) Space {
	var s Space
	for i, k := range n {
		a := Axis{Name: string(rune('a' + i))}
		for v := range k {
			a.Values = append(a.Values, v)
		}
		s.Axes = append(s.Axes, a)
	}
	return s
}

// bowl peaks at (opt) and falls off smoothly: separable, easy for
// coordinate search.
func bowl(opt Point) func(Point) float64 {
	return func(p Point) float64 {
		d := 0.0
		for i := range p {
			x := float64(p[i] - opt[i])
			d += x * x
		}
		return 100 / (1 + 0.02*d)
	}
}

// ridge has an interaction: the objective only rises when a and b rise
// together; moving either alone from (0, 0) makes things worse. One axis
// at a time is stuck at the start.
func ridge(p Point) float64 {
	a, b := float64(p[0]), float64(p[1])
	return 50 + 10*math.Min(a, b) - 3*math.Abs(a-b) + 0.5*float64(p[2])
}

func TestStrategiesOnSyntheticSurfaces(t *testing.T) {
	t.Parallel()
	type want struct {
		within float64 // the best found must be within this fraction of the optimum
		maxRun float64 // ... spending at most this fraction of the grid's runs
	}
	for _, tc := range []struct {
		name     string
		space    Space
		f        func(Point) float64
		start    Point
		strategy string
		opts     func(*Options)
		budget   float64 // of the grid's runs; 0 = unbounded
		want     *want   // nil: expect the strategy to miss (documented limitation)
	}{
		{"coordinate climbs a bowl", axes(8, 8, 4), bowl(Point{6, 1, 2}), Point{0, 7, 0}, "coordinate", nil, 0.25, &want{0.05, 0.25}},
		{"halving finds a bowl's peak", axes(8, 8, 4), bowl(Point{6, 1, 2}), nil, "halving", nil, 0.25, &want{0.05, 0.25}},
		{"random samples near a bowl's peak", axes(8, 8, 4), bowl(Point{6, 1, 2}), nil, "random", func(o *Options) { o.LatinHypercube = true }, 0.25, &want{0.10, 0.25}},
		{"grid finds the exact peak", axes(4, 4, 4), bowl(Point{3, 0, 2}), nil, "grid", nil, 0, &want{0.03, 1}},
		{"coordinate is stuck on an interaction", axes(8, 8, 2), ridge, Point{0, 0, 0}, "coordinate", nil, 0.25, nil},
		{"halving crosses an interaction", axes(8, 8, 2), ridge, nil, "halving", nil, 0.3, &want{0.20, 0.3}},
		{"random crosses an interaction", axes(8, 8, 2), ridge, nil, "random", nil, 0.3, &want{0.20, 0.3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			optimum := math.Inf(-1)
			for _, p := range tc.space.All() {
				optimum = max(optimum, tc.f(p))
			}
			gridRuns := tc.space.Size() * 3
			hits := 0
			for seed := range uint64(10) {
				ev := &surface{space: tc.space, f: tc.f, cv: 0.03, rng: rand.New(rand.NewPCG(seed, 7)), seen: map[string]int{}}
				o := DefaultOptions()
				o.Seed, o.Repeats, o.Start = seed, 3, tc.start
				if tc.strategy == "halving" {
					o.Repeats = 1
				}
				if tc.opts != nil {
					tc.opts(&o)
				}
				b := Budget{}
				if tc.budget > 0 {
					b.Runs = int(tc.budget * float64(gridRuns))
				}
				st, _ := Lookup(tc.strategy)
				res, err := st.Search(context.Background(), tc.space, ev, Goal{}, b, o)
				if err != nil {
					t.Fatal(err)
				}
				if res.Best.Point == nil {
					t.Fatalf("seed %d: nothing found", seed)
				}
				found := tc.f(res.Best.Point)
				if tc.want != nil && found >= optimum*(1-tc.want.within) && float64(res.Runs) <= tc.want.maxRun*float64(gridRuns) {
					hits++
				}
				if tc.want == nil && found >= optimum*0.95 {
					hits++
				}
			}
			if tc.want != nil && hits < 9 {
				t.Errorf("within %.0f%% of the optimum in %d of 10 seeds, want >= 9", 100*tc.want.within, hits)
			}
			if tc.want == nil && hits > 1 {
				t.Errorf("reached the optimum in %d of 10 seeds: the surface no longer shows the limitation", hits)
			}
		})
	}
}

// TestConstraintsPrune checks that coordinate search does not walk past a
// point that breaks a constraint along the axis that broke it.
func TestConstraintsPrune(t *testing.T) {
	t.Parallel()
	space := axes(10, 3)
	ev := &surface{space: space, f: func(p Point) float64 { return float64(p[0]) + 0.1*float64(p[1]) }, rng: rand.New(rand.NewPCG(1, 1)), seen: map[string]int{},
		infeasible: func(p Point) bool { return p[0] == 6 }}
	o := DefaultOptions()
	o.Start = Point{2, 0}
	res, err := Coordinate{}.Search(context.Background(), space, ev, Goal{}, Budget{}, o)
	if err != nil {
		t.Fatal(err)
	}
	for k := range ev.seen {
		if p := parseKey(k); p[0] > 6 {
			t.Errorf("evaluated %v beyond the infeasible a=6", p)
		}
	}
	if res.Best.Point[0] != 5 {
		t.Errorf("best %v, want a=5 (the last feasible step)", res.Best.Point)
	}
}

func parseKey(k string) Point {
	var p Point
	n := 0
	for _, c := range k + "," {
		if c == ',' {
			p = append(p, n)
			n = 0
			continue
		}
		n = 10*n + int(c-'0')
	}
	return p
}

func TestBudgetIsRespected(t *testing.T) {
	t.Parallel()
	space := axes(6, 6, 6)
	for name, st := range Strategies {
		ev := &surface{space: space, f: bowl(Point{5, 5, 5}), cv: 0.02, rng: rand.New(rand.NewPCG(3, 3)), seen: map[string]int{}}
		o := DefaultOptions()
		o.Repeats = 2
		res, err := st.Search(context.Background(), space, ev, Goal{}, Budget{Runs: 40}, o)
		if err != nil {
			t.Fatal(err)
		}
		if res.Runs > 40 {
			t.Errorf("%s spent %d runs of a 40-run budget", name, res.Runs)
		}
		if len(res.History) == 0 || res.History[len(res.History)-1].Runs != res.Runs {
			t.Errorf("%s: history does not end at the runs spent", name)
		}
	}
}

func TestLatinHypercubeCoversEveryValue(t *testing.T) {
	t.Parallel()
	space := axes(4, 8, 2)
	pts := latinHypercube(space, 8, rand.New(rand.NewPCG(9, 9)))
	seen := map[string]bool{}
	for _, p := range pts {
		if seen[p.Key()] {
			t.Errorf("duplicate point %v", p)
		}
		seen[p.Key()] = true
	}
	for a, ax := range space.Axes {
		counts := make([]int, len(ax.Values))
		for _, p := range pts {
			counts[p[a]]++
		}
		for v, c := range counts {
			if c == 0 {
				t.Errorf("axis %d value %d never sampled: %v", a, v, counts)
			}
		}
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	if _, err := Lookup("annealing"); err == nil {
		t.Error("unknown strategy accepted")
	}
	for name := range Strategies {
		if st, err := Lookup(name); err != nil || st.Name() != name {
			t.Errorf("Lookup(%q) = %v, %v", name, st, err)
		}
	}
}
