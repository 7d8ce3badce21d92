package reports

import (
	"fmt"
	"math"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/types"

	"github.com/ftbench/ftbench/metric"
)

// maxScalingCurves is the most curves the scaling chart draws; the table
// in summary.md lists every one.
const maxScalingCurves = 8

// scalingChart draws speedup against workers: each curve's median
// speedups, every run's, the ideal S = n and the first curve's Amdahl fit.
func (r *Report) scalingChart() ([]chartBlock, error) {
	if len(r.Scaling) == 0 {
		return nil, nil
	}
	curves := r.Scaling[:min(len(r.Scaling), maxScalingCurves)]
	first := curves[0]
	b := chartBlock{ID: "chart-scaling", Title: "Speedup against workers (" + strings.Join(first.Workers, " and ") + ")"}
	b.Caption = fmt.Sprintf("Speedup = median frames/s at N workers over the median at %d, the other settings fixed; dots are single runs over that median; the dashed line is the ideal S = N/%d. %s.",
		first.Base(), first.Base(), amdahlLine(first))
	if len(r.Scaling) > len(curves) {
		b.Caption += fmt.Sprintf(" %d more curves are in summary.md.", len(r.Scaling)-len(curves))
	}
	lo, hi := first.Base(), first.Base()
	for _, c := range curves {
		lo, hi = min(lo, c.Base()), max(hi, c.Points[len(c.Points)-1].Workers)
	}
	ideal := [][2]float64{{float64(lo), float64(lo) / float64(first.Base())}, {float64(hi), float64(hi) / float64(first.Base())}}
	c := charts.NewLine()
	sub := "median speedup per worker count"
	if first.Others != "" && len(curves) == 1 {
		sub += " at " + first.Others
	}
	c.SetGlobalOptions(title(b.Title, sub),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "workers", NameLocation: "middle", NameGap: 28, Min: lo, Max: hi, MinInterval: 1}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "speedup ×", Min: 0}),
		charts.WithGridOpts(opts.Grid{Left: "3%", Right: "5%", Top: "90", Bottom: "50", ContainLabel: opts.Bool(true)}),
		charts.WithLegendOpts(opts.Legend{Top: "45"}))
	c.MultiSeries = append(c.MultiSeries, charts.SingleSeries{Name: fmt.Sprintf("ideal S = N/%d", first.Base()), Type: types.ChartLine, Data: ideal,
		ShowSymbol: opts.Bool(false), LineStyle: &opts.LineStyle{Type: "dashed", Color: "#888"}, ItemStyle: &opts.ItemStyle{Color: "#888"}})
	var runs []map[string]any
	for _, cv := range curves {
		var line [][2]float64
		for _, p := range cv.Points {
			line = append(line, [2]float64{float64(p.Workers), round3(p.Speedup)})
			for _, s := range p.RunSpeedups {
				runs = append(runs, map[string]any{"name": r.curveName(cv), "value": []float64{float64(p.Workers), round3(s)}})
			}
		}
		c.MultiSeries = append(c.MultiSeries, charts.SingleSeries{Name: r.curveName(cv), Type: types.ChartLine, Data: line, ShowSymbol: opts.Bool(true), SymbolSize: 8})
	}
	c.MultiSeries = append(c.MultiSeries, charts.SingleSeries{Name: "runs", Type: types.ChartScatter, Data: runs, SymbolSize: 5})
	if p := first.Fit.P; !math.IsNaN(p) {
		var fit [][2]float64
		for i := 0; i <= 24; i++ {
			w := float64(lo) + float64(hi-lo)*float64(i)/24
			fit = append(fit, [2]float64{round3(w), round3(first.Fit.Speedup(w / float64(first.Base())))})
		}
		name := fmt.Sprintf("Amdahl fit, p = %.3f", p)
		if len(curves) > 1 {
			name = fmt.Sprintf("Amdahl fit of %s, p = %.3f", r.curveName(first), p)
		}
		c.MultiSeries = append(c.MultiSeries, charts.SingleSeries{Name: name, Type: types.ChartLine, Data: fit,
			ShowSymbol: opts.Bool(false), LineStyle: &opts.LineStyle{Type: "dotted", Width: 2, Color: "#d62728"}, ItemStyle: &opts.ItemStyle{Color: "#d62728"}})
	}
	opt, err := optionJSON(c, "item")
	b.Option, b.Height = opt, 400
	return []chartBlock{b}, err
}

// scalingRows are a curve's table rows: workers, frames/s, runs, speedup
// with its interval, ideal.
func scalingRows(c ScalingCurve) [][5]string {
	var out [][5]string
	for _, p := range c.Points {
		out = append(out, [5]string{fmt.Sprint(p.Workers), fmtSummary(p.FPS, metric.FramesPerSecond), fmt.Sprint(p.FPS.N),
			speedupText(p), fmt.Sprintf("%.2f×", float64(p.Workers)/float64(c.Base()))})
	}
	return out
}

// writeScalingMD writes the scaling curves' tables and fits.
func writeScalingMD(p func(string, ...any), r *Report) {
	if len(r.Scaling) == 0 {
		return
	}
	p("\n## Scaling with workers (%s)\n\n", mdText(strings.Join(r.Scaling[0].Workers, " and ")))
	p("Speedup: median frames/s at N workers over the median at the fewest, the other settings fixed; ideal: N over the fewest. The interval is that of the ratio of the runs (Hodges-Lehmann on logs) at 1 - alpha %s.\n",
		fmtAlpha(r.Opts.Alpha))
	for _, c := range r.Scaling {
		p("\n%s", mdCode(r.curveName(c)))
		if c.Chosen {
			p(" (the chosen config's)")
		}
		p("\n\n| workers | fps | runs | speedup | ideal |\n|---|---|---|---|---|\n")
		for _, row := range scalingRows(c) {
			p("| %s | %s | %s | %s | %s |\n", row[0], mdText(row[1]), row[2], mdText(row[3]), row[4])
		}
		p("\n%s.\n", mdText(amdahlLine(c)))
	}
}

// writeCLIMD writes the ffmpeg CLI's variants and the chosen config's
// ratio to the best one.
func writeCLIMD(p func(string, ...any), r *Report) {
	if len(r.CLI) == 0 {
		return
	}
	p("\n## The ffmpeg CLI beside ftbench\n\n")
	for _, in := range r.CLI {
		if len(r.Inputs) > 1 {
			p("Input %s: ", mdText(in.Input))
		}
		p("**%s**\n\n| CLI variant | fps | runs | failed |\n|---|---|---|---|\n", mdText(cliHeadline(in)))
		for _, v := range in.Variants {
			p("| %s | %s | %s | %s |\n", mdCode(v.Name), mdText(cliFPSText(v)), mdText(cliRunsText(v)), mdText(cliFailure(v)))
		}
		p("\n")
	}
	p("Each variant runs once per round right after the plain CLI, before the trials of the round; fps is the median over the counted runs with the half-width of its %.0f%% interval. A per-round ratio divides the chosen config's run by the best variant's run of the same round.\n",
		100*r.Opts.Confidence)
}

// htmlScaling is a scaling curve as the page shows it.
type htmlScaling struct {
	Name   string
	Chosen bool
	Rows   [][5]string
	Fit    string
}

// htmlCLI is an input's CLI variants as the page shows them.
type htmlCLI struct {
	Input    string
	Headline string
	Rows     [][4]string
}

func (p *htmlPage) setScalingAndCLI(r *Report) {
	for _, c := range r.Scaling {
		p.Scaling = append(p.Scaling, htmlScaling{Name: r.curveName(c), Chosen: c.Chosen, Rows: scalingRows(c), Fit: amdahlLine(c)})
	}
	for _, in := range r.CLI {
		h := htmlCLI{Input: in.Input, Headline: cliHeadline(in)}
		for _, v := range in.Variants {
			h.Rows = append(h.Rows, [4]string{v.Name, cliFPSText(v), cliRunsText(v), cliFailure(v)})
		}
		p.CLI = append(p.CLI, h)
	}
}

// scalingAndCLIHTML is the page's scaling and CLI sections, parsed with
// the page (pageTemplate).
const scalingAndCLIHTML = `{{define "scaling-cli"}}
{{- if .Scaling}}
<section id="scaling">
<h2>Scaling with workers</h2>
<p>Speedup: median frames/s at N workers over the median at the fewest, the other settings fixed; ideal: N over the fewest. The interval is that of the ratio of the runs (Hodges-Lehmann on logs) at 1 - alpha {{.R.Opts.Alpha}}; the chart is under Charts.</p>
{{- range .Scaling}}
<h3><code>{{.Name}}</code>{{if .Chosen}} (the chosen config's){{end}}</h3>
<table class="scaling-table">
<thead><tr><th>workers</th><th>fps</th><th>runs</th><th>speedup</th><th>ideal</th></tr></thead>
<tbody>
{{- range .Rows}}
<tr><td class="num">{{index . 0}}</td><td class="num">{{index . 1}}</td><td class="num">{{index . 2}}</td><td>{{index . 3}}</td><td class="num">{{index . 4}}</td></tr>
{{- end}}
</tbody>
</table>
<p class="amdahl">{{.Fit}}.</p>
{{- end}}
</section>
{{- end}}
{{- if .CLI}}
<section id="cli">
<h2>The ffmpeg CLI beside ftbench</h2>
{{- $multi := .MultiInput}}
{{- range .CLI}}
<p class="cli-ratio"><strong>{{if $multi}}{{.Input}}: {{end}}{{.Headline}}</strong></p>
<table class="cli-table">
<thead><tr><th>CLI variant</th><th>fps</th><th>runs</th><th>failed</th></tr></thead>
<tbody>
{{- range .Rows}}
<tr><td><code>{{index . 0}}</code></td><td class="num">{{index . 1}}</td><td class="num">{{index . 2}}</td><td>{{index . 3}}</td></tr>
{{- end}}
</tbody>
</table>
{{- end}}
<p>Each variant runs once per round right after the plain CLI, before the trials of the round; fps is the median over the counted runs with the half-width of its {{.ConfidencePct}} interval. A per-round ratio divides the chosen config's run by the best variant's run of the same round.</p>
</section>
{{- end}}
{{- end}}`
