package sweeps

import (
	"math"
	"time"

	"github.com/ftbench/ftbench/tune/strategy"
)

// Search says how a sweep explores its axes: the whole grid, or a search
// strategy with a budget (the [search] table of a spec).
type Search struct {
	// Strategy is one of strategy.Names.
	Strategy string
	// Budget: at most BudgetRuns runs (0 = no limit), or BudgetFraction of
	// the grid's runs when BudgetRuns is 0 (0 = no limit), and at most
	// BudgetTime of wall time (0 = no limit).
	BudgetRuns     int
	BudgetFraction float64
	BudgetTime     time.Duration
	Seed           int64
	// Repeats is the counted runs per evaluation (halving starts there and
	// multiplies by Eta per rung); 0 = the strategy's default.
	Repeats        int
	LatinHypercube bool
	StallSteps     int     // coordinate: steps judged together (0 = 4)
	StallGain      float64 // coordinate: gain below which an axis stops (0 = 0.05)
	Eta            int     // halving: promotion ratio (0 = 3)
}

var searchFields = map[string]string{
	"strategy":        strategy.Describe(),
	"budget_runs":     "a positive integer",
	"budget_fraction": "a fraction of the grid's runs in (0, 1]",
	"budget_time":     `a duration such as "30m"`,
	"seed":            "an integer",
	"repeats":         "a positive integer",
	"latin_hypercube": "true or false",
	"stall_steps":     "a positive integer",
	"stall_gain":      "a fraction >= 0",
	"eta":             "an integer >= 2",
}

// GridRuns returns the runs a full grid of the spec costs (warm-ups
// excluded): trials x repeats.
func (s *Spec) GridRuns() int { return len(s.Trials()) * s.Repeats }

// BudgetRunsFor returns the run budget of the search (0 = none).
func (s *Spec) BudgetRunsFor() int {
	if s.Search == nil {
		return 0
	}
	if s.Search.BudgetRuns > 0 {
		return s.Search.BudgetRuns
	}
	if s.Search.BudgetFraction > 0 {
		return max(int(math.Round(s.Search.BudgetFraction*float64(s.GridRuns()))), 1)
	}
	return 0
}

func (p *parser) search(v any) *Search {
	t, ok := v.(map[string]any)
	if !ok {
		p.errf("search", "want a table, got %s", describe(v))
		return nil
	}
	s := &Search{Strategy: strategy.Grid, Seed: 1}
	for _, k := range sortedKeys(t) {
		if _, ok := searchFields[k]; !ok {
			p.errf("search."+k, "unknown field; [search] has %v", sortedKeys(searchFields))
		}
	}
	posInt := func(k string, dst *int, least int64) {
		if v, ok := t[k]; ok {
			if n, ok := p.integer("search."+k, v); ok {
				if n < least {
					p.errf("search."+k, "%d is not %s", n, searchFields[k])
				}
				*dst = int(n)
			}
		}
	}
	if v, ok := t["strategy"]; ok {
		s.Strategy = p.str("search.strategy", v)
		if !strategy.Known(s.Strategy) {
			p.errf("search.strategy", "%q is not %s", s.Strategy, searchFields["strategy"])
		}
	}
	posInt("budget_runs", &s.BudgetRuns, 1)
	posInt("repeats", &s.Repeats, 1)
	posInt("stall_steps", &s.StallSteps, 1)
	posInt("eta", &s.Eta, 2)
	if v, ok := t["seed"]; ok {
		if n, ok := p.integer("search.seed", v); ok {
			s.Seed = n
		}
	}
	float := func(k string, dst *float64, ok func(float64) bool) {
		v, has := t[k]
		if !has {
			return
		}
		var f float64
		switch x := v.(type) {
		case float64:
			f = x
		case int64:
			f = float64(x)
		default:
			p.errf("search."+k, "want %s, got %s", searchFields[k], describe(v))
			return
		}
		if !ok(f) {
			p.errf("search."+k, "%g is not %s", f, searchFields[k])
		}
		*dst = f
	}
	float("budget_fraction", &s.BudgetFraction, func(f float64) bool { return f > 0 && f <= 1 })
	float("stall_gain", &s.StallGain, func(f float64) bool { return f >= 0 })
	if v, ok := t["budget_time"]; ok {
		if d, ok := p.duration("search.budget_time", v, searchFields["budget_time"]); ok {
			s.BudgetTime = d
		}
	}
	if v, ok := t["latin_hypercube"]; ok {
		s.LatinHypercube = p.boolean("search.latin_hypercube", v)
	}
	return s
}
