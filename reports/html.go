package reports

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/record"
)

// WriteHTML writes the report as one HTML page: the choice, the sweep and
// its spec, the environment fingerprint, the KPI table, the charts, the
// candidates and the failed runs. The page loads no script but ECharts
// (from r.Opts.Script) and escapes every string that comes from the user.
func WriteHTML(w io.Writer, r *Report) error {
	blocks, err := r.charts()
	if err != nil {
		return fmt.Errorf("building the charts: %w", err)
	}
	page := htmlPage{R: r, Charts: blocks, KPIs: metric.KPIs(), Headline: choiceHeadline(r), Reasons: choiceReasons(r)}
	page.Title = "ftbench sweep " + r.Name
	page.Chosen = r.Choice != nil && r.Choice.Best != nil
	page.MultiInput = len(r.Inputs) > 1
	page.RunsLine = runsLine(r)
	page.ConfidencePct = fmt.Sprintf("%.0f%%", 100*r.Opts.Confidence)
	page.setScript(r.Opts.Script)
	page.setSweep(r)
	page.setEnvs(r)
	page.setRows(r)
	page.setCandidates(r)
	page.setScorecard(r)
	page.setScalingAndCLI(r)
	for _, f := range r.Failures {
		page.Failures = append(page.Failures, failRow{Trial: f.Label, Input: f.Input.Name, Round: f.Round, Warmup: f.Warmup,
			Status: string(f.Status), Error: failureLine(f), Stderr: f.StderrTail})
	}
	return pageTemplate.Execute(w, page)
}

type htmlPage struct {
	R          *Report
	Title      string
	Headline   string
	Reasons    []string
	Chosen     bool
	MultiInput bool
	RunsLine   string
	// ConfidencePct is the level of the intervals, "95%".
	ConfidencePct string

	ScriptSrc       string
	ScriptURL       template.URL // a file:// or data: URL this package built
	ScriptIntegrity string
	ScriptInline    template.JS

	Sweep      [][2]string
	SpecText   string
	Envs       []envView
	KPIs       []*metric.Metric
	Rows       []kpiRow
	Charts     []chartBlock
	Candidates []candRow
	CostOrder  string
	Failures   []failRow
	Scaling    []htmlScaling
	CLI        []htmlCLI

	// Scorecard is the KPI scorecard's rows (KPI, measured, today, goal,
	// verdict) for ScorecardConfig; Bottlenecks name the chosen config's
	// and the slowest trial's; TrialBottlenecks every trial's.
	Scorecard        [][5]string
	ScorecardConfig  string
	ScorecardNote    string
	Bottlenecks      []string
	TrialBottlenecks [][2]string
}

type envView struct {
	Runs  int
	Items [][2]string
}

type kpiRow struct {
	ID, Name, Input string
	Cells           []kpiCell
	VsRef           string
	VsRefTitle      string
	Chosen          string
	Runs            string
	Reference       bool
}

type kpiCell struct {
	Key, Text, Title string
	Absent           bool
}

type candRow struct {
	Label, Objective, VsTop, Cost, Status string
	Best, Feasible                        bool
}

type failRow struct {
	Trial, Input, Status, Error, Stderr string
	Round                               int
	Warmup                              bool
}

func (p *htmlPage) setScript(s Script) {
	switch {
	case len(s.Inline) > 0 && inlineSafe(s.Inline):
		p.ScriptInline = template.JS(s.Inline) // ECharts' own text, checked not to end the element
	case len(s.Inline) > 0:
		p.ScriptURL = template.URL("data:text/javascript;base64," + base64.StdEncoding.EncodeToString(s.Inline))
	case s.Src == "" || s.Src == DefaultEChartsURL:
		p.ScriptSrc, p.ScriptIntegrity = DefaultEChartsURL, defaultEChartsSRI
	case strings.HasPrefix(s.Src, "file://"):
		u := url.URL{Scheme: "file", Path: strings.TrimPrefix(s.Src, "file://")}
		p.ScriptURL = template.URL(u.String())
	case strings.HasPrefix(s.Src, "https://") || strings.HasPrefix(s.Src, "http://"):
		p.ScriptSrc = s.Src
	default:
		// Note: "./" keeps a relative path from being read as a URL scheme
		// ("javascript:x/echarts.min.js" is a folder name here).
		src := filepath.ToSlash(s.Src)
		if !strings.HasPrefix(src, "./") && !strings.HasPrefix(src, "../") && !strings.HasPrefix(src, "/") {
			src = "./" + src
		}
		p.ScriptSrc = src
	}
}

func (p *htmlPage) setSweep(r *Report) {
	add := func(k, v string) { p.Sweep = append(p.Sweep, [2]string{k, v}) }
	if r.Spec != nil {
		add("spec", r.Spec.File)
	} else {
		add("spec", "none given: objective and constraints are the defaults")
	}
	add("objective", fmt.Sprintf("%s %s", r.Objective.Direction, r.Objective.Metric))
	if len(r.Constraints) > 0 {
		add("constraints", constraintList(r.Constraints))
	} else {
		add("constraints", "none")
	}
	add("reference", r.Reference)
	add("runs", runsLine(r))
	add("inputs", strings.Join(r.Inputs, ", "))
	for _, a := range r.Axes {
		add("axis "+a.Field, strings.Join(axisLabels(a.Values), ", "))
	}
	if r.Spec != nil && len(r.Spec.BaseKeys) > 0 {
		m := r.Spec.Base.Map()
		var kv []string
		for _, k := range r.Spec.BaseKeys {
			kv = append(kv, k+" = "+record.FormatValue(m[k]))
		}
		add("base", strings.Join(kv, ", "))
	}
	if len(r.Opts.Files) > 0 {
		add("results", strings.Join(r.Opts.Files, ", "))
	}
	add("statistics", fmt.Sprintf("medians with %.0f%% distribution-free confidence intervals; Mann-Whitney U tests (Welch's t on logs where they cannot reach alpha) at alpha %s",
		100*r.Opts.Confidence, fmtAlpha(r.Opts.Alpha)))
	if r.Spec != nil {
		p.SpecText = string(r.Spec.Text)
	}
}

func (p *htmlPage) setEnvs(r *Report) {
	for _, g := range r.Envs {
		e := g.Env
		v := envView{Runs: g.Runs}
		add := func(k, val string) {
			if val != "" {
				v.Items = append(v.Items, [2]string{k, val})
			}
		}
		add("host", e.Host)
		add("system", fmt.Sprintf("%s/%s, kernel %s", e.OS, e.Arch, e.Kernel))
		add("CPU", fmt.Sprintf("%s, %d logical CPUs, %d usable", orUnknown(e.CPUModel), e.CPUs, e.UsableCPUs))
		if e.MemoryBytes > 0 {
			add("memory", metric.Format(float64(e.MemoryBytes), metric.Bytes))
		}
		add("GPU", gpuText(e))
		for _, d := range e.GPU.Devices {
			add("GPU device", fmt.Sprintf("%s, %s, %s", d.Name, metric.Format(float64(d.MemoryBytes), metric.Bytes), d.UUID))
		}
		if len(e.FFmpeg) > 0 {
			keys := make([]string, 0, len(e.FFmpeg))
			for k := range e.FFmpeg {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var kv []string
			for _, k := range keys {
				kv = append(kv, k+" "+e.FFmpeg[k])
			}
			add("FFmpeg", strings.Join(kv, ", "))
		}
		add("Go", e.GoVersion)
		build := e.Version
		if e.Revision != "" {
			build += ", revision " + e.Revision
			if e.RevisionAt != "" {
				build += " (" + e.RevisionAt + ")"
			}
			if e.Modified {
				build += ", modified"
			}
		}
		add("ftbench", build)
		add("could not read", strings.Join(e.Errors, "; "))
		p.Envs = append(p.Envs, v)
	}
}

func (p *htmlPage) setRows(r *Report) {
	chosen := chosenTrials(r)
	for _, t := range r.Trials {
		row := kpiRow{ID: t.ID, Name: t.Label, Input: t.Input, Chosen: chosen[t], Reference: t.IsReference}
		for _, k := range metric.KPIs() {
			_, ok := t.Stat(k.Name)
			row.Cells = append(row.Cells, kpiCell{Key: k.KPI, Text: fmtKPI(t, k), Title: kpiTitle(t, k), Absent: !ok})
		}
		switch {
		case t.IsReference:
			row.VsRef = "reference"
		case t.VsRef != nil:
			row.VsRef = fmtVsRef(t.VsRef)
			row.VsRefTitle = fmt.Sprintf("median %s over the reference's; two-sided %s %s", r.Objective.Metric, testName(t.VsRef.Test), fmtP(t.VsRef.P))
		}
		row.Runs = fmt.Sprint(len(t.Runs))
		if len(t.Failed) > 0 {
			row.Runs += fmt.Sprintf(" (+%d failed)", len(t.Failed))
		}
		p.Rows = append(p.Rows, row)
	}
}

func (p *htmlPage) setCandidates(r *Report) {
	c := r.Choice
	if c == nil {
		return
	}
	p.CostOrder = costOrder(c.Cost)
	unit := unitOf(c.Objective.Metric)
	for _, cand := range c.Candidates {
		row := candRow{Label: cand.Label, Objective: fmtInterval(cand.Objective, unit), Cost: fmtCost(cand, c.Cost),
			Best: cand == c.Best, Feasible: cand.Feasible}
		switch {
		case cand == c.Top:
			row.VsTop = "top"
		case cand.VsTop != nil:
			row.VsTop = fmtTestP(cand.VsTop)
			if cand.Tied {
				row.VsTop += " (tied)"
			}
		}
		switch {
		case cand == c.Best:
			row.Status = "chosen"
		case cand.Feasible:
			row.Status = "feasible"
		default:
			row.Status = infeasibleWhy(cand, len(r.Inputs) > 1)
		}
		p.Candidates = append(p.Candidates, row)
	}
}

var pageTemplate = template.Must(template.Must(template.New("report").Parse(pageHTML)).Parse(scalingAndCLIHTML))

// Note: the page's one script of its own is fixed text: it reads each
// chart's option from the element's data-option attribute with JSON.parse,
// so no user text is ever JavaScript.
const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1200px; padding: 0 16px 48px; color: #222; }
h1 { margin-bottom: 4px; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 32px; }
.choice { border-left: 6px solid #2ca02c; background: #f3faf3; padding: 8px 16px; }
.choice.none { border-color: #d62728; background: #fdf3f3; }
.choice p.headline { font-weight: bold; font-size: 1.1em; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f5f5f5; }
td.num { text-align: right; white-space: nowrap; }
td.absent { color: #888; font-style: italic; }
tr.best td { background: #eaf6ea; font-weight: bold; }
tr.infeasible td { color: #999; }
dl.kv { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; }
dl.kv dt { font-weight: bold; }
dl.kv dd { margin: 0; overflow-wrap: anywhere; }
pre { background: #f7f7f7; padding: 8px; overflow-x: auto; white-space: pre-wrap; }
figure { margin: 24px 0; }
figcaption { color: #555; font-size: 0.9em; }
.chart { width: 100%; }
.omitted { color: #555; background: #f7f7f7; padding: 12px; border: 1px dashed #bbb; }
#no-echarts { color: #a00; }
code { font-size: 0.95em; }
</style>
{{- if .ScriptInline}}
<script>{{.ScriptInline}}</script>
{{- else if .ScriptURL}}
<script src="{{.ScriptURL}}"></script>
{{- else if .ScriptIntegrity}}
<script src="{{.ScriptSrc}}" integrity="{{.ScriptIntegrity}}" crossorigin="anonymous"></script>
{{- else}}
<script src="{{.ScriptSrc}}"></script>
{{- end}}
</head>
<body>
<header>
<h1>ftbench sweep <code>{{.R.Name}}</code></h1>
{{- if .R.Description}}
<p>{{.R.Description}}</p>
{{- end}}
<p>{{.RunsLine}}.</p>
</header>

<section id="choice" class="choice{{if not .Chosen}} none{{end}}">
<p class="headline">{{.Headline}}</p>
<ul>
{{- range .Reasons}}
<li>{{.}}</li>
{{- end}}
</ul>
</section>

{{- if .Scorecard}}
<section id="scorecard">
<h2>KPI scorecard: <code>{{.ScorecardConfig}}</code></h2>
<table id="scorecard-table">
<thead><tr><th>KPI</th><th>measured</th><th>today</th><th>goal</th><th>verdict</th></tr></thead>
<tbody>
{{- range .Scorecard}}
<tr><td>{{index . 0}}</td><td class="num">{{index . 1}}</td><td class="num">{{index . 2}}</td><td class="num">{{index . 3}}</td><td>{{index . 4}}</td></tr>
{{- end}}
</tbody>
</table>
<p>{{.ScorecardNote}}</p>
{{- range .Bottlenecks}}
<p class="bottleneck">{{.}}</p>
{{- end}}
</section>
{{- end}}

<section id="sweep">
<h2>Sweep</h2>
<dl class="kv">
{{- range .Sweep}}
<dt>{{index . 0}}</dt><dd>{{index . 1}}</dd>
{{- end}}
</dl>
{{- if .SpecText}}
<details><summary>spec.toml</summary><pre>{{.SpecText}}</pre></details>
{{- end}}
</section>

<section id="environment">
<h2>Environment</h2>
{{- range .Envs}}
<dl class="kv env">
<dt>runs</dt><dd>{{.Runs}}</dd>
{{- range .Items}}
<dt>{{index . 0}}</dt><dd>{{index . 1}}</dd>
{{- end}}
</dl>
{{- else}}
<p>The records carry no environment fingerprint.</p>
{{- end}}
</section>

<section id="kpis">
<h2>KPIs per trial</h2>
<p>Median over the counted runs (warm-ups never count) and the half-width of its {{.ConfidencePct}} confidence interval; hover a cell for the interval. <code>{{.R.Objective.Metric}} vs reference</code> is the ratio of medians to the reference trial's, <code>~</code> when a two-sided Mann-Whitney U test (Welch's t on logs, named, where the rank test cannot reach alpha at the run counts) finds no difference at alpha {{.R.Opts.Alpha}}.</p>
<table id="kpi-table">
<thead><tr><th>trial</th>{{if .MultiInput}}<th>input</th>{{end}}{{range .KPIs}}<th data-kpi="{{.KPI}}">{{.Label}}</th>{{end}}<th>{{.R.Objective.Metric}} vs reference</th><th>choice</th><th>runs</th></tr></thead>
<tbody>
{{- $multi := .MultiInput}}
{{- range .Rows}}
<tr data-trial="{{.ID}}" class="{{if eq .Chosen "best"}}best{{else if eq .Chosen "infeasible"}}infeasible{{end}}">
<td><code>{{.Name}}</code>{{if .Reference}} (reference){{end}}</td>{{if $multi}}<td>{{.Input}}</td>{{end}}
{{- range .Cells}}<td data-kpi="{{.Key}}" class="num{{if .Absent}} absent{{end}}" title="{{.Title}}">{{.Text}}</td>{{end}}
<td class="num" title="{{.VsRefTitle}}">{{.VsRef}}</td><td>{{.Chosen}}</td><td class="num">{{.Runs}}</td>
</tr>
{{- end}}
</tbody>
</table>
</section>
{{- template "scaling-cli" .}}

{{- if .TrialBottlenecks}}
<section id="bottlenecks">
<h2>Bottleneck of each trial</h2>
<p>The busiest stage (metrics.json <code>stages</code>, summed over the counted runs) and the time the other stages waited on it (<code>waits</code>: starved on their input, blocked on their output).</p>
<ul>
{{- range .TrialBottlenecks}}
<li><code>{{index . 0}}</code>: {{index . 1}}</li>
{{- end}}
</ul>
</section>
{{- end}}

<section id="charts">
<h2>Charts</h2>
<p id="no-echarts" hidden>The charts need ECharts, which did not load from {{if .ScriptSrc}}{{.ScriptSrc}}{{else}}an embedded or local copy{{end}}; to draw them offline run <code>scripts/fetch-echarts.sh &amp;&amp; ftbench report --inline DIR</code> (DIR: this report's folder).</p>
{{- range .Charts}}
<figure id="{{.ID}}-figure">
{{- if .Omitted}}
<div class="omitted" data-chart-omitted="{{.ID}}">{{.Omitted}}</div>
{{- else}}
<div class="chart" id="{{.ID}}" data-option="{{.Option}}" style="height: {{.Height}}px"></div>
<figcaption>{{.Caption}}</figcaption>
{{- end}}
</figure>
{{- end}}
</section>

<section id="candidates">
<h2>Configs considered for best.toml</h2>
<p>In order of preference. Resource-cost order among configs tied with the top: {{.CostOrder}}.</p>
<table id="candidates-table">
<thead><tr><th>config</th><th>{{.R.Objective.Metric}}</th><th>vs top (one-sided)</th><th>cost</th><th>status</th></tr></thead>
<tbody>
{{- range .Candidates}}
<tr class="{{if .Best}}best{{else if not .Feasible}}infeasible{{end}}"><td><code>{{.Label}}</code></td><td>{{.Objective}}</td><td>{{.VsTop}}</td><td>{{.Cost}}</td><td>{{.Status}}</td></tr>
{{- end}}
</tbody>
</table>
</section>

<section id="failures">
<h2>Failed and timed-out runs</h2>
{{- if .Failures}}
<table id="failures-table">
<thead><tr><th>trial</th><th>input</th><th>round</th><th>status</th><th>error</th></tr></thead>
<tbody>
{{- range .Failures}}
<tr><td><code>{{.Trial}}</code></td><td>{{.Input}}</td><td>{{.Round}}{{if .Warmup}} (warm-up){{end}}</td><td>{{.Status}}</td><td>{{.Error}}{{if .Stderr}}<details><summary>stderr</summary><pre>{{.Stderr}}</pre></details>{{end}}</td></tr>
{{- end}}
</tbody>
</table>
{{- else}}
<p>None: every run succeeded.</p>
{{- end}}
</section>
{{- if .R.Warnings}}

<section id="warnings">
<h2>Warnings</h2>
<ul>
{{- range .R.Warnings}}
<li>{{.}}</li>
{{- end}}
</ul>
</section>
{{- end}}

<script>
"use strict";
(function () {
  var charts = document.querySelectorAll("div.chart[data-option]");
  if (typeof echarts === "undefined") {
    if (charts.length > 0) { document.getElementById("no-echarts").hidden = false; }
    return;
  }
  var all = [];
  charts.forEach(function (el) {
    try {
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(JSON.parse(el.getAttribute("data-option")));
      all.push(chart);
    } catch (e) {
      console.error("chart " + el.id + ": " + e);
    }
  });
  window.addEventListener("resize", function () { all.forEach(function (c) { c.resize(); }); });
})();
</script>
</body>
</html>
`
