package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/sweeps"
	"github.com/ftbench/ftbench/tune"
)

// Payloads that would run script if any were written unescaped, in the
// contexts a report has: text, attributes, the chart options, go-echarts'
// function marker, a <pre>, Markdown and TOML comments.
const (
	xssScript = `<script>alert(1)</script>`
	xssAttr   = `"><img src=x onerror=alert(2)>`
	xssFunc   = `__f__function(){alert(3)}__f__`
	xssPre    = "</pre><script>alert(4)</script>\n# not = \"a key\""
)

// xssScenario is a sweep with a payload in every string a user controls:
// the sweep's name and description, config values (and so labels), error
// text, stderr, input names, the environment, and the results paths.
func xssScenario(t *testing.T) (*sweeps.Spec, []*record.Result, Options) {
	t.Helper()
	text := fmt.Sprintf(`name = %q
description = %q
repeats = 3
constraints = ["quality.hit_rate >= 0.5"]

[[input]]
fixture = "face_360p"

[base]
cascade = %q

[axes]
encoder = [%q, %q]
preset = [%q, "ultrafast"]
`, xssScript, xssAttr+xssPre, xssFunc, xssScript, xssAttr, xssFunc)
	spec, err := sweeps.Parse([]byte(text), "xss.toml", "")
	if err != nil {
		t.Fatal(err)
	}
	var results []*record.Result
	env := &record.Env{Host: xssAttr, CPUModel: xssScript, CPUs: 2, UsableCPUs: 2, GoVersion: xssFunc,
		GPU: record.GPUEnv{Error: "no GPU: " + xssScript}, Errors: []string{xssPre}}
	for _, run := range spec.Plan().Runs() {
		tr := run.Trial
		axes := map[string]any{}
		for _, s := range tr.Axes {
			axes[s.Key] = s.Value
		}
		in := tr.Input
		in.Name = xssAttr
		r := &record.Result{Version: 1, Sweep: spec.Name, TrialID: tr.ID, Label: tr.Label, Axes: axes, Config: tr.Config,
			Input: in, Round: run.Round, Repetition: run.Repetition, Status: record.StatusOK, Env: env,
			Resources: record.Resources{GPU: "no GPU: " + xssAttr, CPUUtilMean: 0.5, ProcessesMax: 1 + run.Round},
			Series:    &record.Series{Seconds: []float64{0.1, 0.2, 0.3}, CPUUtil: []float64{0.2, 0.5, 0.4}, SystemCPUUtil: []float64{0.3, 0.6, 0.5}, RSSBytes: []int64{1 << 20, 2 << 20, 3 << 20}}}
		fps := 100 + 10*float64(tr.Index) + float64(run.Round)
		r.Metrics = &metrics.Metrics{Input: xssScript, Frames: 90, FPS: fps, WallSeconds: 90 / fps,
			Stages: map[string]float64{"decode": 0.1, "detect": 0.3, "encode": 0.2}, Quality: &metrics.Quality{HitRate: 0.9}}
		if tr.Index == 0 && run.Round == 1 {
			r.Status, r.Metrics, r.Error, r.StderrTail, r.Signal = record.StatusFailed, nil, xssScript+xssAttr, xssPre, xssFunc
		}
		results = append(results, r)
	}
	return spec, results, Options{Files: []string{"/tmp/" + xssScript + "/results.jsonl", xssAttr}}
}

// allowedElements are the only elements a report may contain.
var allowedElements = map[string]bool{
	"html": true, "head": true, "meta": true, "title": true, "style": true, "script": true, "body": true,
	"header": true, "h1": true, "h2": true, "p": true, "code": true, "section": true, "ul": true, "li": true,
	"dl": true, "dt": true, "dd": true, "details": true, "summary": true, "pre": true, "table": true, "thead": true,
	"tbody": true, "tr": true, "th": true, "td": true, "figure": true, "figcaption": true, "div": true,
}

// TestHTMLEscapesUserText: a report on a sweep with payloads everywhere
// holds no element, attribute or script the payloads would inject, shows
// them as text, and keeps them as plain strings in the chart options.
func TestHTMLEscapesUserText(t *testing.T) {
	t.Parallel()
	spec, results, opts := xssScenario(t)
	r := Analyze(results, spec, opts)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var scripts []*html.Node
	var texts strings.Builder
	options := 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.ElementNode:
			if !allowedElements[n.Data] {
				t.Errorf("injected element <%s>", n.Data)
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") || a.Key == "src" && n.Data != "script" {
					t.Errorf("injected attribute %s=%q on <%s>", a.Key, a.Val, n.Data)
				}
				if a.Key == "data-option" {
					options++
					var opt map[string]any
					if err := json.Unmarshal([]byte(a.Val), &opt); err != nil {
						t.Errorf("chart option is not JSON: %v", err)
					}
				}
			}
			if n.Data == "script" {
				scripts = append(scripts, n)
			}
		case html.TextNode:
			if n.Parent == nil || n.Parent.Data != "script" && n.Parent.Data != "style" {
				texts.WriteString(n.Data)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)

	if len(scripts) != 2 {
		t.Fatalf("%d <script> elements, want 2 (ECharts and the page's own)", len(scripts))
	}
	if src := attr(scripts[0], "src"); src != DefaultEChartsURL {
		t.Errorf("first script loads %q, want %q", src, DefaultEChartsURL)
	}
	own := scripts[1]
	if attr(own, "src") != "" || own.FirstChild == nil || !strings.Contains(own.FirstChild.Data, `JSON.parse(el.getAttribute("data-option"))`) ||
		strings.Contains(own.FirstChild.Data, "alert") {
		t.Errorf("the page's own script is not the fixed one:\n%v", own.FirstChild)
	}
	for _, p := range []string{xssScript, `<img src=x onerror=alert(2)>`, xssFunc, "</pre><script>alert(4)</script>"} {
		if !strings.Contains(texts.String(), p) {
			t.Errorf("payload %q is not shown as text", p)
		}
	}
	if options == 0 {
		t.Error("no charts")
	}
	if strings.Contains(page, "<img") || strings.Contains(page, "<script>alert") {
		t.Error("a payload appears unescaped in the page")
	}
}

var (
	unescapedPipe = regexp.MustCompile(`(^|[^\\])\|`)
)

// stripCodeSpans replaces Markdown code spans (a run of n backticks up to
// the next run of exactly n) with "CODE".
func stripCodeSpans(line string) string {
	var b strings.Builder
	for i := 0; i < len(line); {
		if line[i] != '`' {
			b.WriteByte(line[i])
			i++
			continue
		}
		n := 0
		for i+n < len(line) && line[i+n] == '`' {
			n++
		}
		end := -1
		for j := i + n; j < len(line); {
			if line[j] != '`' {
				j++
				continue
			}
			m := 0
			for j+m < len(line) && line[j+m] == '`' {
				m++
			}
			if m == n {
				end = j + m
				break
			}
			j += m
		}
		if end < 0 {
			b.WriteString(line[i : i+n])
			i += n
			continue
		}
		b.WriteString("CODE")
		i = end
	}
	return b.String()
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// TestMarkdownAndTOMLEscapeUserText: summary.md shows payloads as text,
// and best.toml's header keeps them inside comments.
func TestMarkdownAndTOMLEscapeUserText(t *testing.T) {
	t.Parallel()
	spec, results, opts := xssScenario(t)
	r := Analyze(results, spec, opts)
	var md bytes.Buffer
	if err := WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	// Code spans are literal in Markdown; outside them no raw HTML may
	// remain, and no payload may add or remove a table cell.
	cells := 0
	for _, line := range strings.Split(md.String(), "\n") {
		text := stripCodeSpans(line)
		if strings.Contains(text, "<script") || strings.Contains(text, "<img") {
			t.Errorf("summary.md holds raw HTML outside code spans:\n%s", line)
		}
		if !strings.HasPrefix(line, "|") {
			cells = 0
			continue
		}
		n := len(unescapedPipe.FindAllString(line, -1))
		if cells == 0 {
			cells = n
		} else if n != cells {
			t.Errorf("a table row has %d pipes, its header %d:\n%s", n, cells, line)
		}
	}
	data, err := BestTOML(r)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.ParseConfig(data, "best.toml")
	if err != nil {
		t.Fatalf("best.toml does not parse: %v\n%s", err, data)
	}
	if cfg != r.Choice.Best.Config {
		t.Errorf("best.toml parses to %+v, want %+v", cfg, r.Choice.Best.Config)
	}
}

func TestScriptSources(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	js := filepath.Join(dir, "assets", "node_modules", "echarts", "dist", EChartsFile)
	if err := os.MkdirAll(filepath.Dir(js), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(js, []byte("var echarts = {};"), 0o644); err != nil {
		t.Fatal(err)
	}
	found, err := FindECharts(filepath.Join(dir, "assets"))
	if err != nil || found != js {
		t.Fatalf("FindECharts = %q, %v; want %q", found, err, js)
	}
	if _, err := FindECharts(filepath.Join(dir, "nothing")); err == nil {
		t.Error("FindECharts found a script in an empty folder")
	}
	reportDir := filepath.Join(dir, "out")
	rel, err := LocalScript(js, reportDir, false)
	if err != nil || rel.Src != "../assets/node_modules/echarts/dist/echarts.min.js" {
		t.Errorf("LocalScript = %+v, %v", rel, err)
	}
	inline, err := LocalScript(js, reportDir, true)
	if err != nil || string(inline.Inline) != "var echarts = {};" {
		t.Errorf("inline LocalScript = %+v, %v", inline, err)
	}
	tests := []struct {
		name   string
		script Script
		want   string
	}{
		{"default", Script{}, `src="` + DefaultEChartsURL + `" integrity="sha384-`},
		{"relative", Script{Src: "assets/echarts.min.js"}, `src="./assets/echarts.min.js"`},
		{"a folder that looks like a scheme", Script{Src: "javascript:x/echarts.min.js"}, `src="./javascript:x/echarts.min.js"`},
		{"inline", Script{Inline: []byte("var echarts = 1;")}, "<script>var echarts = 1;</script>"},
		{"inline that could close the element", Script{Inline: []byte("var s = '</script>';")}, `src="data:text/javascript;base64,`},
	}
	spec, results := loadScenario(t, "cpu")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Analyze(results, spec, Options{Script: tt.script})
			var buf bytes.Buffer
			if err := WriteHTML(&buf, r); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(buf.String(), tt.want) {
				t.Errorf("the page lacks %s", tt.want)
			}
		})
	}
}

// TestSearchChart checks that search histories beside the results become
// the search chart, and that a sweep without them has none.
func TestSearchChart(t *testing.T) {
	dir := t.TempDir()
	hist := `{"strategy":"coordinate","seed":1,"grid_runs":128,"history":[{"runs":2,"best":400},{"runs":4,"best":450},{"runs":6,"best":450}]}`
	if err := os.WriteFile(filepath.Join(dir, "search-coordinate.json"), []byte(hist), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := tune.ReadHistories(dir)
	if err != nil || len(h) != 1 || len(h[0].Steps) != 3 || h[0].Steps[1].Best != 450 {
		t.Fatalf("ReadHistories = %+v, %v", h, err)
	}
	r := &Report{Opts: Options{Searches: h}}
	blocks, err := r.searchChart()
	if err != nil || len(blocks) != 1 || !strings.Contains(blocks[0].Option, `"coordinate (seed 1)"`) || !strings.Contains(blocks[0].Option, "[4,450]") {
		t.Fatalf("search chart %+v, %v", blocks, err)
	}
	if blocks, _ := (&Report{}).searchChart(); len(blocks) != 0 {
		t.Errorf("a chart without searches: %+v", blocks)
	}
	if err := os.WriteFile(filepath.Join(dir, "search-bad.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := tune.ReadHistories(dir); err == nil || !strings.Contains(err.Error(), "search-bad.json") {
		t.Errorf("a torn history file: %v", err)
	}
}
