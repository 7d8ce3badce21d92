package reports

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/stats"
	"github.com/ftbench/ftbench/sweeps"
)

// workerAxis is the axis whose value is a trial's worker count: segment
// worker processes (config.Config.Processes).
const workerAxis = "processes"

// ScalingCurve is frames/s against the worker count at fixed other
// settings on one input: the speedup of each count over the fewest, and
// Amdahl's law fitted to the speedups.
type ScalingCurve struct {
	Input string
	// Workers names the axes that make the worker count: processes, and
	// the axes that advance together with it ("processes, encode_workers").
	Workers []string
	// Others are the values of the other axes the curve holds fixed, as a
	// label ("streams=1,batch=16"); empty when there are none.
	Others string
	// Points are ascending in workers; the first is the baseline every
	// speedup is over.
	Points []ScalingPoint
	// Fit is Amdahl's law fitted to the points, n being workers over the
	// baseline's workers.
	Fit stats.Amdahl
	// Chosen marks the curve that holds the chosen config's trial.
	Chosen bool
}

// ScalingPoint is one worker count of a ScalingCurve.
type ScalingPoint struct {
	Workers int
	Trial   *TrialStats
	// FPS summarises the trial's frames/s over its counted runs.
	FPS stats.Summary
	// Speedup is the median frames/s over the baseline's median frames/s
	// (1 for the baseline); RunSpeedups each counted run's frames/s over
	// the baseline's median, for the spread.
	Speedup     float64
	RunSpeedups []float64
	// VsBase compares the runs with the baseline's (Ratio, Lo and Hi: the
	// ratio and its interval at 1 - Alpha, infinite when the runs are too
	// few for one); nil for the baseline.
	VsBase *stats.Comparison
}

// Base returns the baseline's worker count.
func (c ScalingCurve) Base() int { return c.Points[0].Workers }

// scalingCurves returns a curve for every input and setting of the axes
// other than the worker count that has frames/s at two or more worker
// counts; none when the sweep has no worker axis with two values. The
// chosen config's curve comes first.
func (r *Report) scalingCurves() []ScalingCurve {
	workers := r.workerAxes()
	if len(workers) == 0 {
		return nil
	}
	inGroup := map[string]bool{}
	for _, f := range workers {
		inGroup[f] = true
	}
	chosen := r.chosenTrials()
	type key struct{ input, others string }
	var keys []key
	byKey := map[key]*ScalingCurve{}
	for _, t := range r.Trials {
		if _, ok := t.Stat("fps"); !ok || t.Config.Processes < 1 {
			continue
		}
		var others []string
		for _, a := range r.Axes {
			if !inGroup[a.Field] {
				others = append(others, a.Field+"="+record.FormatValue(t.Axes[a.Field]))
			}
		}
		k := key{t.Input, strings.Join(others, ",")}
		c := byKey[k]
		if c == nil {
			c = &ScalingCurve{Input: t.Input, Workers: workers, Others: k.others}
			byKey[k] = c
			keys = append(keys, k)
		}
		if slices.ContainsFunc(c.Points, func(p ScalingPoint) bool { return p.Workers == t.Config.Processes }) {
			continue // the same count twice (another spec's trial): the first stays
		}
		s, _ := t.Stat("fps")
		c.Points = append(c.Points, ScalingPoint{Workers: t.Config.Processes, Trial: t, FPS: s})
		c.Chosen = c.Chosen || slices.Contains(chosen, t)
	}
	var out []ScalingCurve
	for _, k := range keys {
		c := byKey[k]
		if len(c.Points) < 2 {
			continue
		}
		sort.SliceStable(c.Points, func(i, j int) bool { return c.Points[i].Workers < c.Points[j].Workers })
		base := c.Points[0]
		baseRuns := stats.NewSample(base.Trial.Samples("fps"))
		var ns, ss []float64
		for i := range c.Points {
			p := &c.Points[i]
			p.Speedup = p.FPS.Center / base.FPS.Center
			runs := p.Trial.Samples("fps")
			for _, v := range runs {
				p.RunSpeedups = append(p.RunSpeedups, v/base.FPS.Center)
			}
			if i > 0 {
				cmp := stats.Compare(baseRuns, stats.NewSample(runs), r.Opts.statsOptions())
				p.VsBase = &cmp
			}
			ns = append(ns, float64(p.Workers)/float64(base.Workers))
			ss = append(ss, p.Speedup)
		}
		c.Fit = stats.FitAmdahl(ns, ss)
		out = append(out, *c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Chosen && !out[j].Chosen })
	return out
}

// workerAxes returns the worker axis and the axes that advance together
// with it (the spec's together groups; without a spec, the axes whose
// value equals the worker count in every trial), or nil when the sweep
// has no worker axis with two or more values.
func (r *Report) workerAxes() []string {
	at := slices.IndexFunc(r.Axes, func(a sweeps.Axis) bool { return a.Field == workerAxis })
	if at < 0 || len(r.Axes[at].Values) < 2 {
		return nil
	}
	out := []string{workerAxis}
	if r.Spec != nil {
		for _, g := range r.Spec.Together {
			if slices.Contains(g, at) {
				for _, i := range g {
					if i != at {
						out = append(out, r.Axes[i].Field)
					}
				}
			}
		}
		return out
	}
	for _, a := range r.Axes {
		if a.Field == workerAxis || len(r.Trials) == 0 {
			continue
		}
		same := true
		for _, t := range r.Trials {
			if record.FormatValue(t.Axes[a.Field]) != record.FormatValue(t.Axes[workerAxis]) {
				same = false
				break
			}
		}
		if same {
			out = append(out, a.Field)
		}
	}
	return out
}

// amdahlLine says what the fit of a curve gives, flagging a fraction
// outside [0, 1] rather than clamping it.
func amdahlLine(c ScalingCurve) string {
	a := c.Fit
	how := fmt.Sprintf("least squares on 1/S = (1-p) + p/n over the %d median speedups, n = workers / %d", a.Points, c.Base())
	if a.Points > 2 {
		how += fmt.Sprintf("; RMS residual %.3f of the baseline's time", a.RMS)
	} else {
		how += "; two points fit exactly"
	}
	switch {
	case math.IsNaN(a.P):
		return "Amdahl fit: none (no point beyond the baseline)"
	case a.P < 0:
		return fmt.Sprintf("Amdahl fit: the fit gives p = %.3f < 0: more workers slow it down (%s)", a.P, how)
	case a.P > 1:
		return fmt.Sprintf("Amdahl fit: the fit gives p = %.3f > 1: faster than the ideal S = n, which Amdahl's law cannot describe (caches, or a slow baseline run) (%s)", a.P, how)
	case a.P == 1:
		return fmt.Sprintf("Amdahl parallel fraction p = 1.000: no serial part seen (%s)", how)
	}
	return fmt.Sprintf("Amdahl parallel fraction p = %.3f: at most %.1f× with unlimited workers (%s)", a.P, a.Limit(), how)
}

// speedupText renders a point's speedup with its interval, or its run
// count when the runs are too few for one.
func speedupText(p ScalingPoint) string {
	s := fmt.Sprintf("%.2f×", p.Speedup)
	switch {
	case p.VsBase == nil:
		return s + " (baseline)"
	case math.IsInf(p.VsBase.Lo, 0) || math.IsInf(p.VsBase.Hi, 0):
		return fmt.Sprintf("%s (runs %d vs %d: too few for an interval)", s, p.VsBase.N2, p.VsBase.N1)
	}
	return fmt.Sprintf("%s (%.0f%% CI of the ratio %.2f× .. %.2f×, runs %d vs %d)", s, 100*(1-p.VsBase.Alpha), p.VsBase.Lo, p.VsBase.Hi, p.VsBase.N2, p.VsBase.N1)
}

// curveName names a curve among several: its fixed settings and input.
func (r *Report) curveName(c ScalingCurve) string {
	name := c.Others
	if name == "" {
		name = "all runs"
	}
	if len(r.Inputs) > 1 {
		name += " @ " + c.Input
	}
	return name
}
