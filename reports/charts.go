package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/types"

	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/record"
)

// chartBlock is one chart of the HTML report: its ECharts option, or why
// it is left out.
type chartBlock struct {
	ID      string // the element id; never user text
	Title   string
	Caption string
	Option  string // the ECharts option as JSON; empty when omitted
	Omitted string
	Height  int // pixels
}

// echartsChart is what every go-echarts chart type provides.
type echartsChart interface {
	Validate()
	JSON() map[string]interface{}
}

// optionJSON turns a go-echarts chart into its ECharts option as JSON.
//
// Note: go-echarts' own page templates write the option into a <script>
// unescaped (JSONNotEscaped) and turn strings wrapped in "__f__" into
// JavaScript, so a sweep or trial name could run as code. The report uses
// go-echarts only for its option model: the option is marshalled here with
// HTML escaping, placed in a data attribute by html/template, and parsed
// with JSON.parse by the page's one fixed script; no option holds a JS
// function. Tooltips render as rich text on the canvas, never as HTML.
func optionJSON(c echartsChart, trigger string, edits ...func(map[string]any)) (string, error) {
	c.Validate()
	obj := c.JSON()
	obj["animation"] = false
	obj["tooltip"] = map[string]any{"trigger": trigger, "renderMode": "richText", "confine": true}
	for _, edit := range edits {
		edit(obj)
	}
	data, err := json.Marshal(obj)
	if err != nil {
		return "", err
	}
	return string(data), nil
}

// round3 keeps three significant digits of a value a chart shows as is
// (heatmap labels, tooltips).
func round3(v float64) float64 {
	f, err := strconv.ParseFloat(metric.Format(v, metric.Number), 64)
	if err != nil {
		return v
	}
	return f
}

func title(text, sub string) charts.GlobalOpts {
	return charts.WithTitleOpts(opts.Title{Title: text, Subtitle: sub, Left: "center"})
}

// charts builds every chart of the report, in page order.
func (r *Report) charts() ([]chartBlock, error) {
	var out []chartBlock
	builders := []func() ([]chartBlock, error){
		r.fpsChart, r.scalingChart, r.heatmapChart, r.parallelChart, r.qualityCharts, r.seriesCharts, r.stagesChart, r.paretoCharts, r.searchChart,
	}
	for _, b := range builders {
		blocks, err := b()
		if err != nil {
			return nil, err
		}
		out = append(out, blocks...)
	}
	return out, nil
}

// trialNames are the category labels of per-trial charts.
func (r *Report) trialNames(ts []*TrialStats) []string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = r.TrialName(t)
	}
	return names
}

func (r *Report) trialsWith(metric string) []*TrialStats {
	var out []*TrialStats
	for _, t := range r.Trials {
		if _, ok := t.Stat(metric); ok {
			out = append(out, t)
		}
	}
	return out
}

func categoryHeight(n int) int { return max(260, 26*n+110) }

func (r *Report) fpsChart() ([]chartBlock, error) {
	b := chartBlock{ID: "chart-fps", Title: "Frames/s per config",
		Caption: fmt.Sprintf("Each box spans the %.0f%% confidence interval of the median frames/s (the line inside is the median); dots are the counted runs. Fewer than 6 runs give a narrower confidence than %.0f%%: the box is then the full range.",
			100*r.Opts.Confidence, 100*r.Opts.Confidence)}
	ts := r.trialsWith("fps")
	if len(ts) == 0 {
		b.Omitted = "No frames/s chart: no trial has a successful run."
		return []chartBlock{b}, nil
	}
	names := r.trialNames(ts)
	boxes := make([]opts.BoxPlotData, len(ts))
	var dots [][2]float64
	for i, t := range ts {
		s, _ := t.Stat("fps")
		xs := t.Samples("fps")
		lo, hi := s.Lo, s.Hi
		if math.IsInf(lo, 0) || math.IsInf(hi, 0) {
			lo, hi = slices.Min(xs), slices.Max(xs) // too few runs: the range, as the caption says
		}
		boxes[i] = opts.BoxPlotData{Name: names[i], Value: []float64{round3(lo), round3(lo), round3(s.Center), round3(hi), round3(hi)}}
		for _, v := range xs {
			dots = append(dots, [2]float64{round3(v), float64(i)})
		}
	}
	c := charts.NewBoxPlot()
	c.SetGlobalOptions(title("Frames/s per config", "median and its confidence interval over the counted runs"),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "frames/s", Scale: opts.Bool(true)}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: names, Inverse: opts.Bool(true)}),
		charts.WithGridOpts(opts.Grid{Left: "3%", Right: "6%", Top: "70", Bottom: "40", ContainLabel: opts.Bool(true)}),
		charts.WithLegendOpts(opts.Legend{Top: "40"}))
	c.AddSeries(fmt.Sprintf("%.0f%% CI of the median", 100*r.Opts.Confidence), boxes)
	c.MultiSeries = append(c.MultiSeries, charts.SingleSeries{Name: "runs", Type: types.ChartScatter, Data: dots, SymbolSize: 6})
	opt, err := optionJSON(c, "item")
	b.Option, b.Height = opt, categoryHeight(len(ts))
	return []chartBlock{b}, err
}

func (r *Report) heatmapChart() ([]chartBlock, error) {
	h := r.Heatmap
	b := chartBlock{ID: "chart-heatmap", Title: fmt.Sprintf("%s over two axes", h.Metric)}
	if h.Omitted != "" {
		b.Omitted = h.Omitted
		return []chartBlock{b}, nil
	}
	b.Title = fmt.Sprintf("Median %s: %s × %s", h.Metric, h.X.Field, h.Y.Field)
	b.Caption = "Each cell is the median over the counted runs"
	if len(h.Over) > 0 {
		b.Caption += fmt.Sprintf(" of the best trial over the other axes (%s)", axisList(h.Over))
	}
	if len(r.Inputs) > 1 {
		b.Caption += " on input " + h.Input
	}
	b.Caption += ". Cells outlined in red are configs that fail a constraint or a run."
	xs, ys := axisLabels(h.X.Values), axisLabels(h.Y.Values)
	lo, hi := math.Inf(1), math.Inf(-1)
	var data []map[string]any
	for _, cell := range h.Cells {
		lo, hi = math.Min(lo, cell.Value), math.Max(hi, cell.Value)
		item := map[string]any{"name": cell.Trial.Label, "value": []float64{float64(cell.X), float64(cell.Y), round3(cell.Value)}}
		if !cell.Feasible {
			item["itemStyle"] = map[string]any{"borderColor": "#d62728", "borderWidth": 3}
		}
		data = append(data, item)
	}
	if lo == hi {
		hi = lo + 1
	}
	c := charts.NewHeatMap()
	c.SetGlobalOptions(title(b.Title, ""), charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: xs, Name: h.X.Field, NameLocation: "middle", NameGap: 30, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: ys, Name: h.Y.Field, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithGridOpts(opts.Grid{Left: "3%", Right: "4%", Top: "60", Bottom: "90", ContainLabel: opts.Bool(true)}),
		charts.WithVisualMapOpts(opts.VisualMap{Calculable: opts.Bool(true), Min: float32(math.Floor(lo)), Max: float32(math.Ceil(hi)),
			Orient: "horizontal", Left: "center", Bottom: "0",
			InRange: &opts.VisualMapInRange{Color: heatColors(r.Objective.Direction == "minimize")}}))
	c.MultiSeries = append(c.MultiSeries, charts.SingleSeries{Name: h.Metric, Type: types.ChartHeatMap, Data: data,
		Label: &opts.Label{Show: opts.Bool(true)}})
	opt, err := optionJSON(c, "item")
	b.Option, b.Height = opt, max(320, 48*len(ys)+170)
	return []chartBlock{b}, err
}

// heatColors runs from bad to good.
func heatColors(lowIsGood bool) []string {
	c := []string{"#f7fbff", "#9ecae1", "#3182bd", "#08306b"}
	if lowIsGood {
		for i, j := 0, len(c)-1; i < j; i, j = i+1, j-1 {
			c[i], c[j] = c[j], c[i]
		}
	}
	return c
}

func axisList(names []string) string {
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}

func axisLabels(vals []any) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = record.FormatValue(normalizeJSONValue(v))
	}
	return out
}

// parallelMetric is a metric axis of the parallel-coordinates chart.
type parallelMetric struct {
	metric, name string
	scale        float64
	max          float64 // the axis's fixed top (0..max); 0 to fit the data
}

func (r *Report) parallelChart() ([]chartBlock, error) {
	b := chartBlock{ID: "chart-parallel", Title: "Parallel coordinates",
		Caption: "One line per trial across every axis and the main measurements (medians); the chosen config is the thick orange line, configs that fail a constraint or a run are grey and dashed."}
	ts := r.trialsWith(r.Objective.Metric)
	if len(ts) == 0 {
		b.Omitted = "No parallel coordinates: no trial has a successful run."
		return []chartBlock{b}, nil
	}
	// Note: opts.ParallelAxis drops dim 0 (omitempty), and an axis without
	// its dim shows no data, so the axes are written as plain maps.
	var axes []map[string]any
	// Swept values are levels: category axes space them evenly.
	for i, a := range r.Axes {
		axes = append(axes, map[string]any{"dim": i, "name": a.Field, "type": "category", "data": axisLabels(a.Values)})
	}
	metrics := []parallelMetric{{r.Objective.Metric, r.Objective.Metric, 1, 0}}
	for _, m := range []parallelMetric{{"fps", "frames/s", 1, 0}, {"cpu_util_mean", "CPU %", 100, 0}, {"quality.hit_rate", "hit rate", 1, 1},
		{"gpu_util_mean", "GPU %", 100, 100}, {"vram_fraction", "VRAM %", 100, 100}} {
		if m.metric == r.Objective.Metric || len(r.trialsWith(m.metric)) == 0 {
			continue
		}
		metrics = append(metrics, m)
	}
	for j, m := range metrics {
		ax := map[string]any{"dim": len(r.Axes) + j, "name": m.name, "scale": true}
		if m.max > 0 {
			ax = map[string]any{"dim": len(r.Axes) + j, "name": m.name, "min": 0, "max": m.max}
		}
		axes = append(axes, ax)
	}
	feasible := r.feasibleTrials()
	var best *TrialStats
	if r.Choice != nil && r.Choice.Best != nil {
		best = r.Choice.Best.Trials[0]
	}
	// Note: ECharts sizes parallel axes from the first series alone, so
	// every trial is in one series and the chosen and infeasible ones are
	// styled per line.
	var data []map[string]any
	for _, t := range ts {
		var vals []any
		for _, a := range r.Axes {
			vals = append(vals, record.FormatValue(normalizeJSONValue(t.Axes[a.Field])))
		}
		for _, m := range metrics {
			if s, ok := t.Stat(m.metric); ok {
				vals = append(vals, round3(s.Center*m.scale))
			} else {
				vals = append(vals, nil)
			}
		}
		item := map[string]any{"name": r.TrialName(t), "value": vals}
		switch {
		case t == best:
			item["lineStyle"] = map[string]any{"width": 5, "opacity": 1, "color": "#ff7f0e"}
		case !feasible[t]:
			item["lineStyle"] = map[string]any{"width": 1, "opacity": 0.6, "type": "dashed", "color": "#999999"}
		}
		data = append(data, item)
	}
	c := charts.NewParallel()
	c.SetGlobalOptions(title("Parallel coordinates", ""),
		charts.WithParallelComponentOpts(opts.ParallelComponent{Left: "60", Right: "90", Top: "70", Bottom: "40"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}))
	c.MultiSeries = append(c.MultiSeries, charts.SingleSeries{Name: "trials", Type: types.ChartParallel, Data: data,
		LineStyle: &opts.LineStyle{Width: 1.5, Opacity: opts.Float(0.6), Color: "#5470c6"}})
	opt, err := optionJSON(c, "item", func(o map[string]any) { o["parallelAxis"] = axes })
	b.Option, b.Height = opt, 420
	return []chartBlock{b}, err
}

func (r *Report) seriesCharts() ([]chartBlock, error) {
	var out []chartBlock
	for _, p := range r.Series {
		id := "chart-series-best"
		if p.Role == "slowest" {
			id = "chart-series-slowest"
		}
		b := chartBlock{ID: id, Title: "Resources over time: " + p.Role + " trial"}
		if p.Omitted != "" {
			b.Omitted = p.Omitted
			out = append(out, b)
			continue
		}
		s := p.Run.Series
		fps, _ := metric.Value(p.Run, "fps")
		b.Title = fmt.Sprintf("Resources over time: %s trial %s", p.Role, r.TrialName(p.Trial))
		b.Caption = fmt.Sprintf("The counted run closest to the trial's median frames/s (round %d, %s), sampled every %s.",
			p.Run.Round, metric.Format(fps, metric.FramesPerSecond), metric.Format(p.Run.Resources.IntervalSeconds*float64(max(1, s.StrideSamples)), metric.Seconds))
		sub := ""
		gpu := len(s.GPUUtil) > 0 && p.Run.Resources.GPU == ""
		if !gpu {
			sub = "no GPU"
			if p.Run.Resources.GPU != "" {
				sub = p.Run.Resources.GPU
			}
			sub += ": CPU and memory only"
		}
		pct := func(xs []float64) [][2]float64 {
			var out [][2]float64
			for i, v := range xs {
				if i < len(s.Seconds) {
					out = append(out, [2]float64{round3(s.Seconds[i]), round3(100 * v)})
				}
			}
			return out
		}
		gib := func(xs []int64) [][2]float64 {
			var out [][2]float64
			for i, v := range xs {
				if i < len(s.Seconds) {
					out = append(out, [2]float64{round3(s.Seconds[i]), round3(float64(v) / (1 << 30))})
				}
			}
			return out
		}
		c := charts.NewLine()
		c.SetGlobalOptions(title(b.Title, sub),
			charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "s", Min: 0}),
			charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "%", Min: 0}),
			charts.WithGridOpts(opts.Grid{Left: "3%", Right: "4%", Top: "80", Bottom: "40", ContainLabel: opts.Bool(true)}),
			charts.WithLegendOpts(opts.Legend{Top: "50"}))
		c.ExtendYAxis(opts.YAxis{Type: "value", Name: "GiB", Min: 0, Position: "right"})
		few := len(s.Seconds) < 30 // short runs: show each sample, a line alone could be a dot
		line := func(name string, data [][2]float64, yIndex int) charts.SingleSeries {
			return charts.SingleSeries{Name: name, Type: types.ChartLine, Data: data, YAxisIndex: yIndex, ShowSymbol: opts.Bool(few)}
		}
		c.MultiSeries = append(c.MultiSeries,
			line("CPU, trial (% of all cores)", pct(s.CPUUtil), 0),
			line("CPU, machine (%)", pct(s.SystemCPUUtil), 0))
		if gpu {
			c.MultiSeries = append(c.MultiSeries, line("GPU (%)", pct(s.GPUUtil), 0))
			if len(s.VRAMUsedBytes) > 0 {
				c.MultiSeries = append(c.MultiSeries, line("VRAM used (GiB)", gib(s.VRAMUsedBytes), 1))
			}
		}
		c.MultiSeries = append(c.MultiSeries, line("RSS, trial (GiB)", gib(s.RSSBytes), 1))
		opt, err := optionJSON(c, "axis")
		if err != nil {
			return nil, err
		}
		b.Option, b.Height = opt, 360
		out = append(out, b)
	}
	return out, nil
}

func (r *Report) stagesChart() ([]chartBlock, error) {
	b := chartBlock{ID: "chart-stages", Title: "Time per pipeline stage",
		Caption: "Median seconds of work per stage over the counted runs, stacked. Stages overlap in time and sum work over goroutines, so a bar can exceed the wall time."}
	ts := r.trialsWith("stages.decode")
	if len(ts) == 0 {
		b.Omitted = "No per-stage chart: no run recorded stage times."
		return []chartBlock{b}, nil
	}
	names := r.trialNames(ts)
	c := charts.NewBar()
	c.SetGlobalOptions(title(b.Title, "median seconds per stage"),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "s"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: names, Inverse: opts.Bool(true)}),
		charts.WithGridOpts(opts.Grid{Left: "3%", Right: "6%", Top: "80", Bottom: "40", ContainLabel: opts.Bool(true)}),
		charts.WithLegendOpts(opts.Legend{Top: "40"}))
	for _, stage := range metric.Stages() {
		data := make([]float64, len(ts))
		for i, t := range ts {
			if s, ok := t.Stat("stages." + stage); ok {
				data[i] = round3(s.Center)
			}
		}
		c.MultiSeries = append(c.MultiSeries, charts.SingleSeries{Name: stage, Type: types.ChartBar, Stack: "stages", Data: data})
	}
	opt, err := optionJSON(c, "axis")
	b.Option, b.Height = opt, categoryHeight(len(ts))
	return []chartBlock{b}, err
}

func (r *Report) paretoCharts() ([]chartBlock, error) {
	var out []chartBlock
	var best *TrialStats
	if r.Choice != nil && r.Choice.Best != nil {
		best = r.Choice.Best.Trials[0]
	}
	for _, p := range r.Pareto {
		b := chartBlock{ID: "chart-pareto-" + p.Resource, Title: "Frames/s against " + p.Name,
			Caption: "Medians per trial; the line joins the Pareto front, the trials that no other trial beats with both more frames/s and less " + p.Name + "."}
		if p.Omitted != "" {
			b.Omitted = p.Omitted
			out = append(out, b)
			continue
		}
		scale, unit := 1.0, ""
		switch unitOf(p.Resource) {
		case metric.Bytes:
			scale, unit = 1.0/(1<<30), "GiB"
		case metric.Cores:
			unit = "cores"
		}
		point := func(pt ParetoPoint) map[string]any {
			return map[string]any{"name": r.TrialName(pt.Trial), "value": []float64{round3(pt.X * scale), round3(pt.Y)}}
		}
		var all, front, chosen []map[string]any
		pts := append([]ParetoPoint(nil), p.Points...)
		sort.SliceStable(pts, func(i, j int) bool { return pts[i].X < pts[j].X })
		for _, pt := range pts {
			all = append(all, point(pt))
			if pt.Front {
				front = append(front, point(pt))
			}
			if pt.Trial == best {
				chosen = append(chosen, point(pt))
			}
		}
		xname := p.Axis
		if unit != "" {
			xname += ", " + unit
		}
		c := charts.NewScatter()
		c.SetGlobalOptions(title(b.Title, ""),
			charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: xname, NameLocation: "middle", NameGap: 28, Scale: opts.Bool(true)}),
			charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "frames/s", Scale: opts.Bool(true)}),
			charts.WithGridOpts(opts.Grid{Left: "3%", Right: "5%", Top: "70", Bottom: "50", ContainLabel: opts.Bool(true)}),
			charts.WithLegendOpts(opts.Legend{Top: "35"}))
		c.MultiSeries = append(c.MultiSeries,
			charts.SingleSeries{Name: "trials", Type: types.ChartScatter, Data: all, SymbolSize: 8},
			charts.SingleSeries{Name: "Pareto front", Type: types.ChartLine, Data: front, Step: "end", ShowSymbol: opts.Bool(false),
				LineStyle: &opts.LineStyle{Width: 2, Color: "#2ca02c"}})
		if len(chosen) > 0 {
			c.MultiSeries = append(c.MultiSeries, charts.SingleSeries{Name: "chosen", Type: types.ChartScatter, Data: chosen, SymbolSize: 16, Symbol: "diamond",
				ItemStyle: &opts.ItemStyle{Color: "#ff7f0e"}})
		}
		opt, err := optionJSON(c, "item")
		if err != nil {
			return nil, err
		}
		b.Option, b.Height = opt, 360
		out = append(out, b)
	}
	return out, nil
}
