package reports

import (
	"fmt"
	"math"
	"strings"

	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/sweeps"
)

// Heatmap is the objective over two axes.
type Heatmap struct {
	X, Y   sweeps.Axis
	Input  string // the input it shows, when the report has several
	Metric string
	Cells  []HeatCell
	// Over names the other axes: each cell shows the best trial over them.
	Over []string
	// Omitted says why there is no heatmap; empty when there is one.
	Omitted string
}

// HeatCell is one (x, y) point of a heatmap.
type HeatCell struct {
	X, Y     int // indexes into the axes' values
	Value    float64
	Trial    *TrialStats
	Feasible bool
}

// ParetoPlot is frames/s against one resource, with the Pareto front: the
// trials no other trial beats on both (faster with no more of the resource).
type ParetoPlot struct {
	Resource string // the metric, or the config knob, on the x axis
	Name     string
	// Axis names the x axis: the metric's label and how it is derived, or
	// the knob's name and that it is the value the spec set.
	Axis    string
	Points  []ParetoPoint
	Omitted string
}

// ParetoPoint is one trial in a ParetoPlot.
type ParetoPoint struct {
	Trial *TrialStats
	X, Y  float64 // medians
	Front bool
}

// SeriesPick is the run whose time series the report plots for a trial.
type SeriesPick struct {
	Role    string // "best", "slowest", or "best and slowest"
	Trial   *TrialStats
	Run     *record.Result // the counted run closest to the trial's median frames/s
	Omitted string
}

// paretoResources are the x axes of the Pareto plots; the metric registry
// names them.
var paretoResources = []string{"cpu_cores", "vram_used_max_bytes", "processes"}

// paretoKnobs are the x axes that are config knobs, plotted at the value
// the trial's config set.
//
// Note: the sampled process tree (processes_max) counts the parent and
// the encode workers too, so a processes = 2 trial sat at x = 3 on an axis
// called processes; the knob's own value is what the reader sets.
var paretoKnobs = map[string]bool{"processes": true}

// derivedAxis says how a derived metric on an x axis is computed.
var derivedAxis = map[string]string{"cpu_cores": "derived: CPU utilisation × logical CPUs"}

func (r *Report) heatmap() Heatmap {
	h := Heatmap{Metric: r.Objective.Metric}
	var axes []sweeps.Axis
	if len(r.Opts.HeatmapAxes) == 2 {
		for _, name := range r.Opts.HeatmapAxes {
			for _, a := range r.Axes {
				if a.Field == name {
					axes = append(axes, a)
				}
			}
		}
		if len(axes) != 2 {
			r.warnf("heatmap axes %s: the sweep's axes are %s; using the default", strings.Join(r.Opts.HeatmapAxes, ", "), axisNames(r.Axes))
			axes = nil
		}
	}
	if axes == nil {
		for _, a := range r.Axes {
			if len(a.Values) >= 2 && len(axes) < 2 {
				axes = append(axes, a)
			}
		}
	}
	if len(axes) < 2 {
		switch n := len(r.Axes); {
		case n == 0:
			h.Omitted = "No heatmap: the sweep has no axes; a heatmap needs two."
		case len(axes) == 1:
			h.Omitted = fmt.Sprintf("No heatmap: the sweep varies only one axis (%s); a heatmap needs two.", axes[0].Field)
		default:
			h.Omitted = "No heatmap: no axis takes two or more values; a heatmap needs two that do."
		}
		return h
	}
	h.X, h.Y = axes[0], axes[1]
	for _, a := range r.Axes {
		if a.Field != h.X.Field && a.Field != h.Y.Field {
			h.Over = append(h.Over, a.Field)
		}
	}
	if len(r.Inputs) > 0 {
		h.Input = r.Inputs[0]
	}
	feasible := r.feasibleTrials()
	best := map[[2]int]*HeatCell{}
	var keys [][2]int
	for _, t := range r.Trials {
		if t.Input != h.Input {
			continue
		}
		s, ok := t.Stat(h.Metric)
		xi, yi := valueIndex(h.X, t.Axes[h.X.Field]), valueIndex(h.Y, t.Axes[h.Y.Field])
		if !ok || xi < 0 || yi < 0 {
			continue
		}
		k := [2]int{xi, yi}
		cur := best[k]
		if cur == nil {
			keys = append(keys, k)
		}
		if cur == nil || r.Objective.Better(s.Center, cur.Value) {
			best[k] = &HeatCell{X: xi, Y: yi, Value: s.Center, Trial: t, Feasible: feasible[t]}
		}
	}
	for _, k := range keys {
		h.Cells = append(h.Cells, *best[k])
	}
	if len(h.Cells) == 0 {
		h.Omitted = fmt.Sprintf("No heatmap: no trial has %s to show.", h.Metric)
	}
	return h
}

func axisNames(axes []sweeps.Axis) string {
	var names []string
	for _, a := range axes {
		names = append(names, a.Field)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// valueIndex finds v among the axis's values, comparing as labels do.
func valueIndex(a sweeps.Axis, v any) int {
	s := record.FormatValue(normalizeJSONValue(v))
	for i, x := range a.Values {
		if record.FormatValue(normalizeJSONValue(x)) == s {
			return i
		}
	}
	return -1
}

// feasibleTrials marks the trials of feasible configs.
func (r *Report) feasibleTrials() map[*TrialStats]bool {
	out := map[*TrialStats]bool{}
	if r.Choice == nil {
		return out
	}
	for _, c := range r.Choice.Candidates {
		for _, t := range c.Trials {
			out[t] = c.Feasible
		}
	}
	return out
}

func (r *Report) paretoPlots() []ParetoPlot {
	var out []ParetoPlot
	for _, name := range paretoResources {
		if paretoKnobs[name] {
			out = append(out, r.knobPareto(name))
			continue
		}
		res, _ := metric.Lookup(name)
		p := ParetoPlot{Resource: res.Name, Name: res.Label, Axis: res.Label}
		if d := derivedAxis[name]; d != "" {
			p.Axis += " (" + d + ")"
		}
		if res.GPU && r.NoGPU != "" {
			p.Omitted = fmt.Sprintf("No frames/s against %s: %s.", res.Label, r.NoGPU)
			out = append(out, p)
			continue
		}
		for _, t := range r.Trials {
			x, okx := t.Stat(res.Name)
			y, oky := t.Stat("fps")
			if okx && oky {
				p.Points = append(p.Points, ParetoPoint{Trial: t, X: x.Center, Y: y.Center})
			}
		}
		p.markFront()
		distinct := map[float64]bool{}
		for _, pt := range p.Points {
			distinct[pt.X] = true
		}
		switch {
		case len(p.Points) == 0:
			p.Omitted = fmt.Sprintf("No frames/s against %s: no trial measured both.", res.Label)
		case len(distinct) == 1 && len(p.Points) > 1:
			p.Omitted = fmt.Sprintf("No frames/s against %s: every trial used the same (%s), so there is no front to show.",
				res.Label, metric.Format(p.Points[0].X, res.Unit))
		}
		out = append(out, p)
	}
	return out
}

// knobPareto plots frames/s against a config knob's value.
func (r *Report) knobPareto(knob string) ParetoPlot {
	p := ParetoPlot{Resource: knob, Name: knob, Axis: knob + " (the config's value)"}
	distinct := map[float64]bool{}
	for _, t := range r.Trials {
		x, okx := t.Config.Map()[knob].(int)
		y, oky := t.Stat("fps")
		if okx && oky {
			p.Points = append(p.Points, ParetoPoint{Trial: t, X: float64(x), Y: y.Center})
			distinct[float64(x)] = true
		}
	}
	p.markFront()
	switch {
	case len(p.Points) == 0:
		p.Omitted = fmt.Sprintf("No frames/s against %s: no trial measured frames/s.", knob)
	case len(distinct) == 1 && len(p.Points) > 1:
		p.Omitted = fmt.Sprintf("No frames/s against %s: every trial set %s = %g, so there is no front to show.", knob, knob, p.Points[0].X)
	}
	return p
}

// markFront marks the points no other point beats with both a smaller x
// and more frames/s.
func (p *ParetoPlot) markFront() {
	for i := range p.Points {
		p.Points[i].Front = true
		for j := range p.Points {
			a, b := p.Points[i], p.Points[j]
			if i != j && b.X <= a.X && b.Y >= a.Y && (b.X < a.X || b.Y > a.Y) {
				p.Points[i].Front = false
				break
			}
		}
	}
}

func (r *Report) seriesPicks() []SeriesPick {
	var best, slowest *TrialStats
	if r.Choice != nil && r.Choice.Best != nil {
		best = r.Choice.Best.Trials[0]
	}
	var bestV, slowV float64
	for _, t := range r.Trials {
		if s, ok := t.Stat(r.Objective.Metric); ok && r.Choice.Best == nil {
			if best == nil || r.Objective.Better(s.Center, bestV) {
				best, bestV = t, s.Center
			}
		}
		if s, ok := t.Stat("fps"); ok {
			if slowest == nil || s.Center < slowV {
				slowest, slowV = t, s.Center
			}
		}
	}
	var out []SeriesPick
	add := func(role string, t *TrialStats) {
		p := SeriesPick{Role: role, Trial: t}
		if t == nil {
			p.Omitted = fmt.Sprintf("No time series for the %s trial: no trial has successful runs.", role)
		} else {
			p.Run = medianRun(t)
			if p.Run == nil || p.Run.Series == nil || len(p.Run.Series.Seconds) == 0 {
				p.Omitted = fmt.Sprintf("No time series for the %s trial %s: its runs recorded none.", role, r.TrialName(t))
			}
		}
		out = append(out, p)
	}
	if best == slowest {
		add("best and slowest", best)
		return out
	}
	add("best", best)
	add("slowest", slowest)
	return out
}

// medianRun returns the counted run whose frames/s is closest to the
// trial's median, preferring runs with a time series.
func medianRun(t *TrialStats) *record.Result {
	s, ok := t.Stat("fps")
	var pick *record.Result
	bestD := math.Inf(1)
	for _, run := range t.Runs {
		d := 0.0
		if v, has := metric.Value(run, "fps"); has && ok {
			d = math.Abs(v - s.Center)
		}
		if run.Series == nil || len(run.Series.Seconds) == 0 {
			d += 1e300 // only when no run has one
		}
		if pick == nil || d < bestD {
			pick, bestD = run, d
		}
	}
	return pick
}
