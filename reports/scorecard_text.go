package reports

import (
	"fmt"
	"strings"
)

// scorecardRows returns the scorecard as table cells: KPI, measured,
// today, goal, verdict.
func scorecardRows(sc *Scorecard) [][5]string {
	var out [][5]string
	for _, row := range sc.Rows {
		label := row.Label
		if row.Target.Key == timeKPI {
			label += " (one minute of video)"
		}
		out = append(out, [5]string{label, measuredText(row), fmtTarget(row.Unit, row.Target.Today), goalText(row), verdictText(row, sc.Bottleneck)})
	}
	return out
}

// scorecardNote says how the scorecard's values were measured.
func scorecardNote(r *Report) string {
	return fmt.Sprintf("Measured: the median over the chosen config's counted runs, with its %.0f%% confidence interval; a goal is met when the median meets it. "+
		"The total time is each run's wall time scaled to one minute of the input's video. Today and goal: the plan's KPI table, or the spec's [kpi] table.",
		100*r.Opts.Confidence)
}

// bottleneckLines name the bottleneck of the chosen config and of the
// slowest trial, for the top of the report.
func bottleneckLines(r *Report) []string {
	var out []string
	if sc := r.Scorecard; sc != nil && sc.Bottleneck != nil {
		out = append(out, fmt.Sprintf("Chosen config %s: %s.", sc.Config, sc.Bottleneck))
	}
	if t := r.slowestTrial(); t != nil && t.Bottleneck != nil {
		out = append(out, fmt.Sprintf("Slowest trial %s (median %s): %s.", r.TrialName(t), fmtTarget(unitOf("fps"), t.Stats["fps"].Center), t.Bottleneck))
	}
	return out
}

// writeScorecardMD writes the KPI scorecard and the bottleneck lines.
func writeScorecardMD(p func(string, ...any), r *Report) {
	sc := r.Scorecard
	if sc == nil {
		return
	}
	p("## KPI scorecard: %s\n\n| KPI | measured | today | goal | verdict |\n|---|---|---|---|---|\n", mdCode(sc.Config))
	for _, cells := range scorecardRows(sc) {
		for i := range cells {
			cells[i] = mdText(cells[i])
		}
		p("| %s |\n", strings.Join(cells[:], " | "))
	}
	p("\n%s\n\n", mdText(scorecardNote(r)))
	if lines := bottleneckLines(r); len(lines) > 0 {
		p("**Bottlenecks.** ")
		for _, l := range lines {
			p("%s  \n", mdText(l))
		}
		p("\n")
	}
}

// writeBottlenecksMD lists every trial's bottleneck.
func writeBottlenecksMD(p func(string, ...any), r *Report) {
	var lines []string
	for _, t := range r.Trials {
		if t.Bottleneck != nil {
			lines = append(lines, fmt.Sprintf("- %s: %s\n", mdCode(r.TrialName(t)), mdText(t.Bottleneck.String())))
		}
	}
	if len(lines) == 0 {
		return
	}
	p("\n## Bottleneck of each trial\n\nThe busiest stage (metrics.json `stages`, summed over the counted runs) and the time the other stages waited on it (`waits`: starved on their input, blocked on their output).\n\n%s", strings.Join(lines, ""))
}

// setScorecard fills the page's scorecard and bottleneck lines.
func (p *htmlPage) setScorecard(r *Report) {
	if sc := r.Scorecard; sc != nil {
		p.Scorecard, p.ScorecardConfig, p.ScorecardNote = scorecardRows(sc), sc.Config, scorecardNote(r)
	}
	p.Bottlenecks = bottleneckLines(r)
	for _, t := range r.Trials {
		if t.Bottleneck != nil {
			p.TrialBottlenecks = append(p.TrialBottlenecks, [2]string{r.TrialName(t), t.Bottleneck.String()})
		}
	}
}

// scorecardLine sums the scorecard up in one line for the terminal: "KPIs
// against the plan: 2 of 5 met, 2 not measurable here (no GPU); detect
// bounds it (see report.html)"; empty without a scorecard.
func scorecardLine(r *Report) string {
	sc := r.Scorecard
	if sc == nil {
		return ""
	}
	met, unmeasured := 0, 0
	why := ""
	for _, row := range sc.Rows {
		switch row.Verdict {
		case KPIMet:
			met++
		case KPINotMeasured:
			unmeasured++
			why = row.Why
		}
	}
	line := fmt.Sprintf("KPIs against the plan: %d of %d met", met, len(sc.Rows))
	if unmeasured > 0 {
		line += fmt.Sprintf(", %d not measurable here (%s)", unmeasured, why)
	}
	if sc.Bottleneck != nil {
		line += fmt.Sprintf("; %s bounds it (%.0f%% of the stages' busy time)", sc.Bottleneck.Stage, 100*sc.Bottleneck.Share)
	}
	return line
}
