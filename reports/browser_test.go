package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/ftbench/ftbench/metric"
)

// The headless-browser test loads generated reports in Debian's chromium
// with a local ECharts. Without chromium or ECharts it skips, unless $CI is
// set, where it fails: CI installs both (scripts/install-deps.sh chromium
// and scripts/fetch-echarts.sh).

// captureJS goes first into <head> of a test copy of the report: it
// records every error (uncaught exceptions, failed loads, console.error,
// alert) before ECharts loads.
const captureJS = `<script>
window.__ftbenchErrors = [];
window.addEventListener("error", function (e) {
  var t = e.target;
  if (t && t !== window && (t.src || t.href)) { __ftbenchErrors.push("failed to load " + (t.src || t.href)); return; }
  __ftbenchErrors.push("uncaught: " + e.message + " at " + e.filename + ":" + e.lineno);
}, true);
window.addEventListener("unhandledrejection", function (e) { __ftbenchErrors.push("unhandled rejection: " + e.reason); });
(function () {
  var orig = console.error;
  console.error = function () { __ftbenchErrors.push("console.error: " + Array.prototype.join.call(arguments, " ")); return orig.apply(console, arguments); };
})();
window.alert = function (m) { __ftbenchErrors.push("alert: " + m); };
</script>`

// checkJS goes last into <body>: once the charts have drawn it writes what
// it found into <pre id="ftbench-check"> for --dump-dom.
const checkJS = `<script>
window.addEventListener("load", function () {
  setTimeout(function () {
    var out = { errors: window.__ftbenchErrors, echarts: typeof echarts !== "undefined", charts: [], omitted: [], rows: [], scripts: [] };
    document.querySelectorAll("div.chart").forEach(function (el) {
      var c = { id: el.id, canvases: 0, painted: 0, svg: el.querySelectorAll("svg *").length,
                instance: typeof echarts !== "undefined" && !!echarts.getInstanceByDom(el) };
      el.querySelectorAll("canvas").forEach(function (cv) {
        c.canvases++;
        try {
          var d = cv.getContext("2d").getImageData(0, 0, cv.width, cv.height).data;
          for (var i = 3; i < d.length; i += 4) { if (d[i] !== 0) { c.painted++; } }
        } catch (e) { out.errors.push("reading canvas " + el.id + ": " + e); }
      });
      out.charts.push(c);
    });
    document.querySelectorAll("[data-chart-omitted]").forEach(function (el) { out.omitted.push(el.getAttribute("data-chart-omitted") + ": " + el.textContent); });
    document.querySelectorAll("#kpi-table tbody tr").forEach(function (tr) {
      var row = { trial: tr.getAttribute("data-trial"), kpis: {} };
      tr.querySelectorAll("td[data-kpi]").forEach(function (td) { row.kpis[td.getAttribute("data-kpi")] = td.textContent.trim(); });
      out.rows.push(row);
    });
    out.scorecard = document.querySelectorAll("#scorecard-table tbody tr").length > 0;
    Array.prototype.forEach.call(document.scripts, function (s) { out.scripts.push(s.src ? s.src : "inline"); });
    var pre = document.createElement("pre");
    pre.id = "ftbench-check";
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  }, 2000);
});
</script>`

type browserCheck struct {
	Errors  []string `json:"errors"`
	ECharts bool     `json:"echarts"`
	Charts  []struct {
		ID       string `json:"id"`
		Canvases int    `json:"canvases"`
		Painted  int    `json:"painted"`
		SVG      int    `json:"svg"`
		Instance bool   `json:"instance"`
	} `json:"charts"`
	Omitted []string `json:"omitted"`
	Rows    []struct {
		Trial string            `json:"trial"`
		KPIs  map[string]string `json:"kpis"`
	} `json:"rows"`
	Scripts   []string `json:"scripts"`
	Scorecard bool     `json:"scorecard"`
}

// skipOrFail skips the test outside CI and fails it in CI.
func skipOrFail(t *testing.T, msg string) {
	t.Helper()
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		t.Fatalf("%s (CI=%s: the browser test must run in CI)", msg, ci)
	}
	t.Skip(msg + "; skipped outside CI")
}

func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// artifactDir is where the test keeps its screenshots: $FTBENCH_ARTIFACTS,
// else a folder under the system's temporary folder.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("FTBENCH_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "ftbench-artifacts")
	}
	dir = filepath.Join(dir, "reports")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// chromiumArgs are the flags of every headless run: no network services,
// no GPU, a throwaway profile.
func chromiumArgs(profile string) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--hide-scrollbars", "--user-data-dir=" + profile, "--virtual-time-budget=15000"}
}

func runChromium(t *testing.T, bin string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), errb.String()
}

func TestBrowserRendersReport(t *testing.T) {
	chromium := findChromium()
	if chromium == "" {
		skipOrFail(t, "chromium is not installed (scripts/install-deps.sh chromium)")
	}
	js, err := FindECharts("")
	if err != nil {
		skipOrFail(t, err.Error())
	}
	artifacts := artifactDir(t)
	tests := []struct {
		name    string
		inline  bool
		load    func(t *testing.T) *Report
		omitted []string // charts the report must leave out, with a note
	}{
		{name: "gpu", load: func(t *testing.T) *Report {
			return analyzeScenario(t, "gpu")
		}},
		{name: "cpu-one-axis", inline: true, omitted: []string{"chart-heatmap", "chart-pareto-vram_used_max_bytes"}, load: func(t *testing.T) *Report {
			return analyzeScenario(t, "cpu")
		}},
		{name: "xss", load: func(t *testing.T) *Report {
			spec, results, opts := xssScenario(t)
			return Analyze(results, spec, opts)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			r := tt.load(t)
			if r.Opts.Script, err = LocalScript(js, dir, tt.inline); err != nil {
				t.Fatal(err)
			}
			var page bytes.Buffer
			if err := WriteHTML(&page, r); err != nil {
				t.Fatal(err)
			}
			report := filepath.Join(dir, "report.html")
			if err := os.WriteFile(report, page.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			got, stderr := openInBrowser(t, chromium, report, filepath.Join(artifacts, "report-"+tt.name+".png"))
			for _, e := range got.Errors {
				t.Errorf("browser error: %s", e)
			}
			for _, line := range strings.Split(stderr, "\n") {
				if strings.Contains(line, "Uncaught") {
					t.Errorf("chromium: %s", line)
				}
			}
			if !got.ECharts {
				t.Fatal("ECharts did not load")
			}
			wantScripts := 2 + 2 // ECharts and the page's own, plus the test's two
			if len(got.Scripts) != wantScripts {
				t.Errorf("the page has scripts %q, want ECharts and its own only", got.Scripts)
			}
			if len(got.Charts) == 0 {
				t.Fatal("no charts")
			}
			for _, c := range got.Charts {
				if !c.Instance || (c.Painted < 500 && c.SVG == 0) {
					t.Errorf("chart %s did not render: instance %t, %d canvases with %d painted pixels, %d svg elements",
						c.ID, c.Instance, c.Canvases, c.Painted, c.SVG)
				}
			}
			for _, id := range tt.omitted {
				found := false
				for _, o := range got.Omitted {
					found = found || strings.HasPrefix(o, id+": ")
				}
				if !found {
					t.Errorf("the report does not say why it has no %s (notes: %q)", id, got.Omitted)
				}
			}
			if len(got.Rows) != len(r.Trials) {
				t.Errorf("KPI table has %d rows, want one per trial (%d)", len(got.Rows), len(r.Trials))
			}
			for _, row := range got.Rows {
				for _, k := range metric.KPIs() {
					if row.KPIs[k.KPI] == "" {
						t.Errorf("KPI table row %s has no %s", row.Trial, k.Name)
					}
				}
				if len(row.KPIs) != len(metric.KPIs()) {
					t.Errorf("KPI table row %s has KPIs %v, want the %d of the plan", row.Trial, row.KPIs, len(metric.KPIs()))
				}
			}
		})
	}
}

// openInBrowser loads a copy of the report at path, with the checks
// added, in headless chromium, takes a screenshot of the report itself
// into shot, and returns what the checks found and chromium's stderr.
func openInBrowser(t *testing.T, chromium, path, shot string) (browserCheck, string) {
	t.Helper()
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The report itself stays as written; the checks run on a copy beside it,
	// so that a script it loads by a relative path loads there too.
	text := string(page)
	text = strings.Replace(text, "<head>", "<head>\n"+captureJS, 1)
	end := strings.LastIndex(text, "</body>") // an inlined ECharts may hold the string "</body>"
	text = text[:end] + checkJS + "\n" + text[end:]
	check := filepath.Join(filepath.Dir(path), ".ftbench-check-"+filepath.Base(dir)+".html")
	if err := os.WriteFile(check, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(check)
	dom, stderr := runChromium(t, chromium, append(chromiumArgs(filepath.Join(dir, "profile")), "--enable-logging=stderr", "--v=0",
		"--dump-dom", "file://"+check)...)
	got := parseCheck(t, dom)
	runChromium(t, chromium, append(chromiumArgs(filepath.Join(dir, "profile-shot")), "--window-size=1280,7000",
		"--screenshot="+shot, "file://"+path)...)
	t.Logf("screenshot: %s", shot)
	return got, stderr
}

// TestBrowserRendersDemoReport opens the report scripts/demo.sh wrote, as
// written, when $FTBENCH_DEMO_REPORT names it (.ci/run runs the demo
// first): every chart draws, with the ECharts the demo installed inlined
// (no network), and the KPI scorecard is there.
func TestBrowserRendersDemoReport(t *testing.T) {
	report := os.Getenv("FTBENCH_DEMO_REPORT")
	if report == "" {
		skipOrFail(t, "FTBENCH_DEMO_REPORT names no report of scripts/demo.sh")
	}
	chromium := findChromium()
	if chromium == "" {
		skipOrFail(t, "chromium is not installed (scripts/install-deps.sh chromium)")
	}
	got, stderr := openInBrowser(t, chromium, report, filepath.Join(artifactDir(t), "report-demo.png"))
	for _, e := range got.Errors {
		t.Errorf("browser error: %s", e)
	}
	for _, line := range strings.Split(stderr, "\n") {
		if strings.Contains(line, "Uncaught") {
			t.Errorf("chromium: %s", line)
		}
	}
	if !got.ECharts {
		t.Fatal("ECharts did not load")
	}
	for _, src := range got.Scripts {
		if src != "inline" {
			t.Errorf("the demo's report loads %s; it should inline ECharts", src)
		}
	}
	canvases := 0
	for _, c := range got.Charts {
		canvases += c.Canvases
		if !c.Instance || (c.Painted < 500 && c.SVG == 0) {
			t.Errorf("chart %s did not render: instance %t, %d canvases with %d painted pixels", c.ID, c.Instance, c.Canvases, c.Painted)
		}
	}
	if len(got.Charts) < 3 || len(got.Rows) == 0 || !got.Scorecard {
		t.Errorf("%d charts, %d KPI rows, scorecard %t: want charts, a row per trial and the scorecard", len(got.Charts), len(got.Rows), got.Scorecard)
	}
	t.Logf("%s: %d charts drew on %d canvases, %d KPI rows", report, len(got.Charts), canvases, len(got.Rows))
}

// parseCheck finds the check's JSON in chromium's dump of the DOM.
func parseCheck(t *testing.T, dom string) browserCheck {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(dom))
	if err != nil {
		t.Fatal(err)
	}
	var found *html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "pre" && attr(n, "id") == "ftbench-check" {
			found = n
		}
		for c := n.FirstChild; c != nil && found == nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if found == nil || found.FirstChild == nil {
		t.Fatalf("the page's check did not run; the DOM ends:\n%s", tail(dom, 2000))
	}
	var got browserCheck
	if err := json.Unmarshal([]byte(found.FirstChild.Data), &got); err != nil {
		t.Fatalf("check output: %v\n%s", err, found.FirstChild.Data)
	}
	return got
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
