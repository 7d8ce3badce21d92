package gate

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/stats"
)

// Condition renders what a rule demands, without the metric: "-5%" (may
// drop 5%), "+10%" (may grow 10%), ">= 300".
func (r Rule) Condition() string {
	s := r.String()
	return strings.TrimSpace(strings.TrimPrefix(s, r.Metric))
}

// tableHeader is the columns of the verdict table.
var tableHeader = []string{"trial", "metric", "baseline", "candidate", "vs base", "rule", "verdict"}

// tableRows renders the checks as table cells.
func tableRows(rep *Report) [][]string {
	var rows [][]string
	for _, c := range rep.Checks {
		m, _ := metric.Lookup(c.Rule.Metric)
		name, unit := m.Name, m.Unit
		if c.Normalized {
			name, unit = name+"/ref", metric.Number
		}
		base := "-"
		if c.Rule.Kind == Relative {
			base = fmtSummary(c.Base, unit)
		}
		rows = append(rows, []string{
			c.Trial.String(), name, base, fmtSummary(c.Cand, unit), fmtVersus(c), c.Rule.Condition(), verdictWord(c.Verdict),
		})
	}
	return rows
}

// fmtSummary renders a summary benchstat's way: "301.2 frames/s ± 2%",
// the ± being the median's interval as a fraction of it.
func fmtSummary(s stats.Summary, unit metric.Unit) string {
	if s.N == 0 {
		return "-"
	}
	v := metric.FormatPrecise(s.Center, unit)
	switch {
	case math.IsInf(s.Lo, 0) || math.IsInf(s.Hi, 0):
		return v + " ± ∞"
	case s.Center == 0:
		return v
	}
	return fmt.Sprintf("%s ± %s", v, fmtPct(s.Spread()))
}

func fmtPct(f float64) string {
	switch p := f * 100; {
	case math.IsInf(p, 1):
		return "∞" // a CV or spread around a median of 0
	case p >= 1:
		return fmt.Sprintf("%.0f%%", p)
	case p >= 0.1:
		return fmt.Sprintf("%.1f%%", p)
	}
	return "0%"
}

// fmtVersus renders the comparison column: "-15.0% [-17.1%, -12.8%]
// (p=0.000 n=10+10)", with "~" for the change when it is not significant.
func fmtVersus(c Check) string {
	if c.Rule.Kind == Threshold {
		return ""
	}
	n := fmt.Sprintf("n=%d+%d", c.Base.N, c.Cand.N)
	cmp := c.Comparison
	if cmp == nil {
		return "(" + n + ")"
	}
	if math.IsNaN(cmp.Ratio) {
		return "? (" + n + ")"
	}
	change := pct(cmp.Ratio - 1)
	if !cmp.Significant() {
		change = "~"
	}
	return fmt.Sprintf("%s [%s, %s] (p=%.3f %s)", change, pct(cmp.Lo-1), pct(cmp.Hi-1), cmp.P, n)
}

func verdictWord(v Verdict) string {
	switch v {
	case Pass:
		return "pass"
	case Inconclusive:
		return "INCONCLUSIVE"
	}
	return "FAIL"
}

// comparedAs says what was compared, for the header.
func comparedAs(rep *Report) string {
	var norm string
	switch rep.Config.Normalize {
	case NormalizeReference:
		norm = "speeds relative to the reference workload: frames/s ÷, and seconds ×, the median reference:ffmpeg frames/s of each file on the input"
	case NormalizeReferenceRound:
		norm = "speeds relative to the reference workload: frames/s ÷, and seconds ×, the reference:ffmpeg frames/s of the same round"
	default:
		norm = "raw values (one machine)"
	}
	match := "trial id"
	if rep.Config.Match == MatchLabel {
		match = "input and label"
	}
	return fmt.Sprintf("%s; trials matched by %s; alpha %g, %g%% intervals", norm, match, rep.Config.Alpha, 100*(1-rep.Config.Alpha))
}

func sideLine(s SideInfo) string {
	var ms []string
	for _, m := range s.Machines {
		ms = append(ms, m.String())
	}
	if len(ms) == 0 {
		ms = []string{"no machine recorded"}
	}
	return fmt.Sprintf("%s (%d counted runs; %s)", s.Name, s.Counted, strings.Join(ms, "; "))
}

// details returns one line per check that did not pass, per failed run,
// per reference comparison and per note.
func details(rep *Report) []string {
	var out []string
	for _, r := range rep.References {
		out = append(out, fmt.Sprintf("%s on %s: baseline %s, candidate %s: the candidate's machine ran it %.2fx as fast",
			record.ReferenceLabel, r.Input, fmtSummary(r.Base, metric.FramesPerSecond), fmtSummary(r.Cand, metric.FramesPerSecond), r.Speed))
	}
	for _, c := range rep.Checks {
		if c.Verdict == Pass {
			continue
		}
		line := fmt.Sprintf("%s %s %s: %s", verdictWord(c.Verdict), c.Trial, c.Rule.Metric, c.Reason)
		if c.Verdict == Inconclusive && (c.Base.N > 0 || c.Cand.N > 0) {
			line += fmt.Sprintf("; CV %s baseline, %s candidate", fmtPct(c.Base.CV), fmtPct(c.Cand.CV))
		}
		if c.Settle > maxSettle {
			line += fmt.Sprintf("; more than %d runs a side would be needed to settle it", maxSettle)
		} else if c.Settle > 0 {
			line += fmt.Sprintf("; about %d runs a side would settle it", c.Settle)
		}
		line += " [" + c.Rule.Source + "]"
		out = append(out, line)
	}
	for _, f := range rep.Failures {
		out = append(out, fmt.Sprintf("FAIL %s: the candidate's run in round %d %s: %s", f.Trial, f.Round, f.Status, f.Error))
	}
	for _, n := range rep.Notes {
		out = append(out, "note: "+n)
	}
	return out
}

// settleFormula states how "runs a side would settle it" is computed.
func settleFormula(rep *Report) string {
	return fmt.Sprintf("runs to settle: n = ceil((2π/3) · (z · CV / w)²), z = %.2f, CV = 1.4826·MAD/median pooled over both sides, w = the half-width the interval must shrink to", rep.Z)
}

func hasSettle(rep *Report) bool {
	for _, c := range rep.Checks {
		if c.Settle > 0 {
			return true
		}
	}
	return false
}

// summaryLine is the last line: the verdict and the counts.
func summaryLine(rep *Report) string {
	pass, inc, fail := rep.Counts()
	return fmt.Sprintf("verdict: %s (%d failing, %d inconclusive, %d passing)", strings.ToUpper(rep.Verdict.String()), fail, inc, pass)
}

// WriteText writes the report as a table in the manner of benchstat,
// followed by the reasons for every verdict that is not a pass.
func WriteText(w io.Writer, rep *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "baseline:  %s\n", sideLine(rep.Baseline))
	fmt.Fprintf(&b, "candidate: %s\n", sideLine(rep.Candidate))
	fmt.Fprintf(&b, "compared:  %s\n\n", comparedAs(rep))
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(tableHeader, "\t"))
	for _, row := range tableRows(rep) {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	if d := details(rep); len(d) > 0 {
		b.WriteString("\n")
		for _, l := range d {
			b.WriteString(l + "\n")
		}
	}
	if hasSettle(rep) {
		b.WriteString(settleFormula(rep) + "\n")
	}
	b.WriteString("\n" + summaryLine(rep) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown writes the report for a CI job summary.
func WriteMarkdown(w io.Writer, rep *Report) error {
	var b strings.Builder
	icon := map[Verdict]string{Pass: "✅", Inconclusive: "❔", Fail: "❌"}[rep.Verdict]
	fmt.Fprintf(&b, "### %s ftbench gate: %s\n\n", icon, rep.Verdict)
	fmt.Fprintf(&b, "- baseline: %s\n- candidate: %s\n- compared: %s\n\n", mdEscape(sideLine(rep.Baseline)), mdEscape(sideLine(rep.Candidate)), mdEscape(comparedAs(rep)))
	b.WriteString("| " + strings.Join(tableHeader, " | ") + " |\n")
	b.WriteString("|" + strings.Repeat("---|", len(tableHeader)) + "\n")
	for _, row := range tableRows(rep) {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = mdEscape(c)
		}
		if v := row[len(row)-1]; v != "pass" {
			cells[len(row)-1] = "**" + cells[len(row)-1] + "**"
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	if d := details(rep); len(d) > 0 {
		b.WriteString("\n")
		for _, l := range d {
			b.WriteString("- " + mdEscape(l) + "\n")
		}
	}
	if hasSettle(rep) {
		b.WriteString("\n" + mdEscape(settleFormula(rep)) + "\n")
	}
	b.WriteString("\n" + summaryLine(rep) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// mdEscape keeps user text (labels, errors, paths) from breaking a table
// or turning into markup.
func mdEscape(s string) string {
	r := strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;", "*", `\*`, "`", "\\`", "[", `\[`, "]", `\]`)
	return r.Replace(s)
}
