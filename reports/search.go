package reports

import (
	"fmt"
	"math"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/types"
)

// searchChart plots each search's best-so-far objective against the runs
// it spent; no chart when the sweep ran no search.
func (r *Report) searchChart() ([]chartBlock, error) {
	if len(r.Opts.Searches) == 0 {
		return nil, nil
	}
	metric := "objective"
	if r.Spec != nil {
		metric = r.Spec.Objective.Metric
	}
	b := chartBlock{ID: "chart-search", Title: "Search: best so far against runs spent",
		Caption: "The best feasible " + metric + " each search strategy had found after each evaluation, against the runs it had spent; a full grid costs the runs at the right edge."}
	c := charts.NewLine()
	grid := 0
	for _, h := range r.Opts.Searches {
		grid = max(grid, h.GridRuns)
	}
	c.SetGlobalOptions(title(b.Title, ""),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "runs", NameLocation: "middle", NameGap: 28, Max: grid}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: metric, Scale: opts.Bool(true)}),
		charts.WithGridOpts(opts.Grid{Left: "3%", Right: "5%", Top: "70", Bottom: "50", ContainLabel: opts.Bool(true)}),
		charts.WithLegendOpts(opts.Legend{Top: "35"}))
	for _, h := range r.Opts.Searches {
		var data [][]float64
		for _, s := range h.Steps {
			if math.IsNaN(s.Best) || math.IsInf(s.Best, 0) {
				continue
			}
			data = append(data, []float64{float64(s.Runs), round3(s.Best)})
		}
		name := fmt.Sprintf("%s (seed %d)", h.Strategy, h.Seed)
		c.MultiSeries = append(c.MultiSeries, charts.SingleSeries{Name: name, Type: types.ChartLine, Data: data, Step: "end"})
	}
	opt, err := optionJSON(c, "axis")
	b.Option, b.Height = opt, 360
	return []chartBlock{b}, err
}
