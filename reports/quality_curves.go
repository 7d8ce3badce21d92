package reports

import (
	"fmt"
	"slices"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/types"

	"github.com/ftbench/ftbench/stats"
)

// QualityCurves is one trial's OTB precision and success plots, the
// pointwise median over its counted runs of the curves each run's
// metrics.json carries (metrics.Quality.PrecisionCurve and SuccessCurve).
type QualityCurves struct {
	Trial *TrialStats
	// Precision[k] is the fraction of ground-truth frames whose centre
	// error is at most k pixels; Success[k] the fraction whose IoU exceeds
	// k/(len(Success)-1).
	Precision, Success []float64
	// Score is what the plots' legends give: the median curve's precision
	// at 20 px and its success AUC (the mean of Success).
	Precision20, SuccessAUC float64
	// Chosen marks a trial of the chosen config.
	Chosen bool
}

// qualityCurves returns the curves of every trial with ground truth whose
// runs carry them, in trial order.
func (r *Report) qualityCurves() []QualityCurves {
	chosen := r.chosenTrials()
	var out []QualityCurves
	for _, t := range r.Trials {
		var prec, succ [][]float64
		for _, run := range t.Runs {
			if run.Metrics == nil || run.Metrics.Quality == nil || len(run.Metrics.Quality.PrecisionCurve) == 0 {
				continue
			}
			prec = append(prec, run.Metrics.Quality.PrecisionCurve)
			succ = append(succ, run.Metrics.Quality.SuccessCurve)
		}
		if len(prec) == 0 {
			continue
		}
		c := QualityCurves{Trial: t, Precision: pointwiseMedian(prec), Success: pointwiseMedian(succ), Chosen: slices.Contains(chosen, t)}
		if len(c.Precision) > 20 {
			c.Precision20 = c.Precision[20]
		}
		for _, v := range c.Success {
			c.SuccessAUC += v / float64(len(c.Success))
		}
		out = append(out, c)
	}
	return out
}

// pointwiseMedian returns, at each index, the median over the curves that
// reach it.
func pointwiseMedian(curves [][]float64) []float64 {
	n := 0
	for _, c := range curves {
		n = max(n, len(c))
	}
	out := make([]float64, n)
	for k := range out {
		var xs []float64
		for _, c := range curves {
			if k < len(c) {
				xs = append(xs, c[k])
			}
		}
		out[k] = stats.Median(xs)
	}
	return out
}

// qualityCharts draws, per input with ground truth, the OTB precision plot
// (fraction of frames against the centre-error threshold) and success plot
// (fraction against the IoU threshold), one line per trial, the chosen
// config's thick. Nothing when no trial has ground truth.
func (r *Report) qualityCharts() ([]chartBlock, error) {
	if len(r.trialsWith("quality.hit_rate")) == 0 {
		return nil, nil
	}
	if len(r.Curves) == 0 {
		return []chartBlock{{ID: "chart-precision", Title: "Precision and success plots",
			Omitted: "No precision and success plots: the runs with ground truth carry no curves (recorded before ftbench measured them)."}}, nil
	}
	var out []chartBlock
	for i, input := range r.Inputs {
		var cs []QualityCurves
		for _, c := range r.Curves {
			if c.Trial.Input == input {
				cs = append(cs, c)
			}
		}
		if len(cs) == 0 {
			continue
		}
		sub := ""
		if len(r.Inputs) > 1 {
			sub = input
		}
		for _, kind := range []struct {
			id, title, axis, caption string
			curve                    func(QualityCurves) []float64
			step                     float64
			score                    func(QualityCurves) float64
		}{
			{"chart-precision", "Precision plot", "centre error threshold (px)",
				"OTB's precision plot: the fraction of ground-truth frames whose primary-face centre lies within the threshold of the truth's (a frame without a primary face never does), median over each trial's counted runs; the legend gives the precision at 20 px. The chosen config's line is thick.",
				func(c QualityCurves) []float64 { return c.Precision }, 1, func(c QualityCurves) float64 { return c.Precision20 }},
			{"chart-success", "Success plot", "IoU threshold",
				"OTB's success plot: the fraction of ground-truth frames whose primary-face IoU with the truth exceeds the threshold, median over each trial's counted runs; the legend gives the area under the curve (success AUC). The chosen config's line is thick.",
				func(c QualityCurves) []float64 { return c.Success }, 0.05, func(c QualityCurves) float64 { return c.SuccessAUC }},
		} {
			b := chartBlock{ID: fmt.Sprintf("%s-%d", kind.id, i), Title: kind.title, Caption: kind.caption, Height: 420}
			if sub != "" {
				b.Title += ": " + sub
			}
			c := charts.NewLine()
			c.SetGlobalOptions(title(b.Title, ""),
				charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: kind.axis, Min: 0, NameLocation: "middle", NameGap: 28}),
				charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "fraction of frames", Min: 0, Max: 1}),
				charts.WithGridOpts(opts.Grid{Left: "3%", Right: "4%", Top: "60", Bottom: "50", ContainLabel: opts.Bool(true)}),
				charts.WithLegendOpts(opts.Legend{Type: "scroll", Orient: "vertical", Right: "0", Top: "60"}))
			for _, qc := range cs {
				var data [][2]float64
				for k, v := range kind.curve(qc) {
					data = append(data, [2]float64{round3(float64(k) * kind.step), round3(v)})
				}
				name := fmt.Sprintf("%s [%.3f]", r.TrialName(qc.Trial), kind.score(qc))
				line := &opts.LineStyle{Width: 1.5, Opacity: opts.Float(0.7)}
				if qc.Chosen {
					line = &opts.LineStyle{Width: 4, Opacity: opts.Float(1), Color: "#ff7f0e"}
					name += " (chosen)"
				}
				c.MultiSeries = append(c.MultiSeries, charts.SingleSeries{Name: name, Type: types.ChartLine, Data: data,
					ShowSymbol: opts.Bool(false), LineStyle: line})
			}
			opt, err := optionJSON(c, "axis")
			if err != nil {
				return nil, err
			}
			b.Option = opt
			out = append(out, b)
		}
	}
	return out, nil
}
