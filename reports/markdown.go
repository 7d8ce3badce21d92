package reports

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/ftbench/ftbench/metric"
)

// WriteMarkdown writes the report's summary as GitHub-flavoured Markdown,
// for CI job summaries: the choice, the KPI table, failures and warnings.
func WriteMarkdown(w io.Writer, r *Report) error {
	b := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	name := r.Name
	if name == "" {
		name = "(unnamed)"
	}
	p("# ftbench sweep %s\n\n", mdCode(name))
	if r.Description != "" {
		p("%s\n\n", mdText(r.Description))
	}
	p("**%s**\n\n", mdText(choiceHeadline(r)))
	for _, line := range choiceReasons(r) {
		p("- %s\n", mdText(line))
	}
	p("\n")
	writeScorecardMD(p, r)

	p("Objective: %s %s", r.Objective.Direction, mdCode(r.Objective.Metric))
	if len(r.Constraints) > 0 {
		var cs []string
		for _, c := range r.Constraints {
			cs = append(cs, mdCode(c.Text))
		}
		p("; constraints: %s", strings.Join(cs, ", "))
	}
	if r.Reference != "" {
		p("; reference: %s", mdCode(r.Reference))
	}
	p(".  \n%s; %s; %s.\n\n", mdText(runsLine(r)), mdText(inputsLine(r)), mdText(envLine(r)))

	cols := []string{"trial"}
	if len(r.Inputs) > 1 {
		cols = append(cols, "input")
	}
	for _, k := range metric.KPIs() {
		cols = append(cols, k.Label)
	}
	cols = append(cols, r.Objective.Metric+" vs reference", "chosen")
	p("| %s |\n|%s\n", strings.Join(cols, " | "), strings.Repeat("---|", len(cols)))
	chosen := chosenTrials(r)
	for _, t := range r.Trials {
		cells := []string{mdCode(t.Label)}
		if len(r.Inputs) > 1 {
			cells = append(cells, mdText(t.Input))
		}
		for _, k := range metric.KPIs() {
			cells = append(cells, mdText(fmtKPI(t, k)))
		}
		vs := fmtVsRef(t.VsRef)
		if t.IsReference {
			vs = "reference"
		}
		cells = append(cells, mdText(vs), mdText(chosen[t]))
		p("| %s |\n", strings.Join(cells, " | "))
	}
	p("\nCells show the median over the counted runs and the half-width of its %.0f%% confidence interval; ratios are medians over the reference's, `~` when not significant (Mann-Whitney U, or Welch's t on logs, named, where the rank test cannot reach alpha at the run counts; alpha %s).\n",
		100*r.Opts.Confidence, fmtAlpha(r.Opts.Alpha))
	if line := stoppedAtMax(r); line != "" {
		p("\n%s\n", mdText(line))
	}
	writeScalingMD(p, r)
	writeCLIMD(p, r)

	if r.Choice != nil {
		var lines []string
		for _, c := range r.Choice.Candidates {
			if !c.Feasible {
				lines = append(lines, fmt.Sprintf("- %s: %s\n", mdCode(c.Label), mdText(infeasibleWhy(c, len(r.Inputs) > 1))))
			}
		}
		if len(lines) > 0 && r.Choice.Best != nil {
			p("\n## Configs that cannot be chosen\n\n%s", strings.Join(lines, ""))
		}
	}
	writeBottlenecksMD(p, r)
	if len(r.Failures) > 0 {
		p("\n## Failed runs\n\n| trial | input | round | status | error |\n|---|---|---|---|---|\n")
		for _, f := range r.Failures {
			round := fmt.Sprint(f.Round)
			if f.Warmup {
				round += " (warm-up)"
			}
			p("| %s | %s | %s | %s | %s |\n", mdCode(f.Label), mdText(f.Input.Name), round, mdText(string(f.Status)), mdText(failureLine(f)))
		}
	}
	if len(r.Warnings) > 0 {
		p("\n## Warnings\n\n")
		for _, w := range r.Warnings {
			p("- %s\n", mdText(w))
		}
	}
	return b.Flush()
}

// chosenTrials marks every trial with its config's part in the choice.
func chosenTrials(r *Report) map[*TrialStats]string {
	out := map[*TrialStats]string{}
	if r.Choice == nil {
		return out
	}
	for _, c := range r.Choice.Candidates {
		mark := ""
		switch {
		case c == r.Choice.Best:
			mark = "best"
		case c == r.Choice.RunnerUp:
			mark = "runner-up"
		case c.Tied:
			mark = "tied"
		case !c.Feasible:
			mark = "infeasible"
		}
		for _, t := range c.Trials {
			out[t] = mark
		}
	}
	return out
}

func inputsLine(r *Report) string {
	switch len(r.Inputs) {
	case 0:
		return "no inputs"
	case 1:
		return "input " + r.Inputs[0]
	}
	return fmt.Sprintf("%d inputs: %s", len(r.Inputs), strings.Join(r.Inputs, ", "))
}

// envLine is the environment fingerprint in one line.
func envLine(r *Report) string {
	if len(r.Envs) == 0 {
		return "no environment fingerprint"
	}
	e := r.Envs[0].Env
	s := fmt.Sprintf("measured on %s (%s/%s, %s, %d CPUs", e.Host, e.OS, e.Arch, orUnknown(e.CPUModel), e.CPUs)
	if e.UsableCPUs > 0 && e.UsableCPUs != e.CPUs {
		s += fmt.Sprintf(", %d usable", e.UsableCPUs)
	}
	s += ", " + gpuText(e) + ")"
	if len(r.Envs) > 1 {
		s += fmt.Sprintf(" and %d other environments", len(r.Envs)-1)
	}
	return s
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown CPU"
	}
	return s
}

// mdCode renders text as a Markdown code span that cannot break a table:
// the fence is longer than any backtick run inside, pipes are escaped and
// line breaks become spaces.
func mdCode(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "|", `\|`).Replace(s)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// mdText escapes text for Markdown (and the HTML GitHub allows in it), on
// one line.
func mdText(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '|', '#', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '<':
			b.WriteString("&lt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// stoppedAtMax says which trials of a sweep that repeats until decided
// (repeats = { min, max, ci }) reached max rounds with the objective's
// median interval still wider than ci, and their interval; "" when none
// did or the spec repeats a fixed number of times.
func stoppedAtMax(r *Report) string {
	spec := r.Spec
	if spec == nil || !(spec.RepeatsCI > 0) || spec.RepeatsMax <= spec.Repeats {
		return ""
	}
	var parts []string
	for _, t := range r.Trials {
		if t.IsReference || !t.InSpec || len(t.Runs) < spec.RepeatsMax {
			continue
		}
		if st, ok := t.Stat(r.Objective.Metric); ok && !(st.Spread() <= spec.RepeatsCI) {
			what := t.Label
			if len(r.Inputs) > 1 {
				what += " (" + t.Input + ")"
			}
			parts = append(parts, fmt.Sprintf("%s ±%.1f%%", what, 100*st.Spread()))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("Stopped at max = %d repeats with the %s median wider than ±%.1f%%: %s.",
		spec.RepeatsMax, r.Objective.Metric, 100*spec.RepeatsCI, strings.Join(parts, "; "))
}
