package reports

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/sweeps"
)

// The sentences that explain the choice, shared by every format. They hold
// user text (labels, constraint text) unescaped: each format escapes them.

// choiceHeadline is the one-line outcome of the choice.
func choiceHeadline(r *Report) string {
	c := r.Choice
	if c == nil || c.Best == nil {
		return "No feasible config: " + noFeasibleWhy(r) + "; best.toml is not written."
	}
	return fmt.Sprintf("Best config: %s, %s %s", c.Best.Label, objectiveName(c.Objective),
		fmtInterval(c.Best.Objective, unitOf(c.Objective.Metric)))
}

// noFeasibleWhy says why no config could be chosen.
func noFeasibleWhy(r *Report) string {
	c := r.Choice
	if c == nil || len(c.Candidates) == 0 {
		return "the results hold no trials"
	}
	if len(r.Constraints) == 0 {
		return "no trial had all its runs succeed with " + c.Objective.Metric + " measured"
	}
	return fmt.Sprintf("no trial met every constraint (%s) with all its runs successful", constraintList(r.Constraints))
}

func constraintList(cs []sweeps.Constraint) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, c.Text)
	}
	return strings.Join(parts, ", ")
}

func objectiveName(o sweeps.Objective) string {
	if o.Direction == sweeps.Minimize {
		return o.Metric + " (lower is better)"
	}
	return o.Metric
}

// fmtChecks renders a candidate's constraint checks: "quality.hit_rate >=
// 0.9: 0.958".
func fmtChecks(cand *Candidate, multiInput bool) string {
	if len(cand.Checks) == 0 {
		return "no constraints"
	}
	var parts []string
	for _, chk := range cand.Checks {
		var s string
		if chk.Measured {
			s = fmt.Sprintf("%s: %s", chk.Constraint.Text, metric.Format(chk.Value, unitOf(chk.Constraint.Metric)))
		} else {
			s = fmt.Sprintf("%s: %s", chk.Constraint.Text, chk.Why)
		}
		if !chk.Held {
			s = "FAILED " + s
		}
		if multiInput {
			s += " on " + chk.Input
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// fmtCost renders a candidate's cost vector: "processes 2 (processes 1 +
// encode_workers 1), streams 1, threads 4 (...), batch 8".
func fmtCost(cand *Candidate, terms []CostTerm) string {
	var parts []string
	for i, term := range terms {
		if i >= len(cand.Cost) {
			break
		}
		if term.Metric != "" {
			if cand.Cost[i] == 0 {
				continue
			}
			parts = append(parts, term.Name+" "+metric.Format(cand.Cost[i], unitOf(term.Metric)))
			continue
		}
		keys := term.matching()
		if len(keys) == 0 {
			continue
		}
		s := term.Name + " " + fmtCount(cand.Cost[i])
		if b, ok := cand.Config.Map()[keys[0]].(config.BatchSize); ok && len(keys) == 1 && b == config.BatchAuto {
			s += " (auto, counted at batch_max)"
		} else if len(keys) > 1 || keys[0] != term.Name {
			// Say what the sum is made of: "threads 3 (decoder_threads 1 + encode_threads 0 = 2 CPUs)".
			m := cand.Config.Map()
			var terms []string
			for _, k := range keys {
				v := k + " " + record.FormatValue(m[k])
				if term.AutoZero && record.FormatValue(m[k]) == "0" {
					v += " = all CPUs"
				}
				terms = append(terms, v)
			}
			s += " (" + strings.Join(terms, " + ") + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// costOrder renders the ordering: "processes, streams, threads
// (decoder_threads, encode_threads; 0 = all CPUs), VRAM
// (vram_process_max_bytes), batch (batch)".
func costOrder(terms []CostTerm) string {
	var parts []string
	for _, term := range terms {
		switch {
		case term.Metric != "":
			parts = append(parts, fmt.Sprintf("%s (%s measured)", term.Name, term.Metric))
		default:
			keys := term.matching()
			if len(keys) == 0 {
				parts = append(parts, term.Name+" (no such field yet)")
				continue
			}
			s := term.Name + " (" + strings.Join(keys, " + ")
			if term.AutoZero {
				s += "; 0 counts as all CPUs"
			}
			parts = append(parts, s+")")
		}
	}
	return strings.Join(parts, " > ")
}

// costDifference names the first cost term in which a is cheaper than b.
func costDifference(a, b *Candidate, terms []CostTerm) string {
	for i, term := range terms {
		if i >= len(a.Cost) || i >= len(b.Cost) || a.Cost[i] == b.Cost[i] {
			continue
		}
		if term.Metric != "" {
			u := unitOf(term.Metric)
			return fmt.Sprintf("%s %s vs %s", term.Name, metric.Format(a.Cost[i], u), metric.Format(b.Cost[i], u))
		}
		return fmt.Sprintf("%s %s vs %s", term.Name, fmtCount(a.Cost[i]), fmtCount(b.Cost[i]))
	}
	return ""
}

// choiceReasons are the sentences that say why the best config was chosen,
// the constraints it met, and the runner-up.
func choiceReasons(r *Report) []string {
	c := r.Choice
	if c == nil {
		return nil
	}
	multi := len(r.Inputs) > 1
	unit := unitOf(c.Objective.Metric)
	var out []string
	if c.Best == nil {
		for _, cand := range c.Candidates {
			out = append(out, fmt.Sprintf("%s: %s", cand.Label, infeasibleWhy(cand, multi)))
		}
		return out
	}
	b := c.Best
	out = append(out, "Constraints met: "+fmtChecks(b, multi)+".")
	feasible := 0
	tied := 0
	for _, cand := range c.Candidates {
		if cand.Feasible {
			feasible++
		}
		if cand.Tied {
			tied++
		}
	}
	switch {
	case b == c.Top && tied <= 1:
		out = append(out, fmt.Sprintf("It has the best median %s of the %d feasible configs, and no other is statistically indistinguishable from it (%s, alpha %s).",
			c.Objective.Metric, feasible, c.Test(), fmtAlpha(c.Alpha)))
	case b == c.Top:
		others := fmt.Sprintf("%d others are", tied-1)
		if tied == 2 {
			others = "1 other is"
		}
		out = append(out, fmt.Sprintf("It has the best median %s of the %d feasible configs; %s statistically indistinguishable from it (%s, alpha %s) and none uses fewer resources.",
			c.Objective.Metric, feasible, others, c.Test(), fmtAlpha(c.Alpha)))
	default:
		why := costDifference(b, c.Top, c.Cost)
		out = append(out, fmt.Sprintf("The fastest by median, %s (%s), is not significantly better (%s %s > alpha %s), and this config uses fewer resources: %s.",
			c.Top.Label, metric.Format(c.Top.Objective.Center, unit), c.Test(), fmtTestP(b.VsTop), fmtAlpha(c.Alpha), why))
	}
	out = append(out, "Resource-cost order among tied configs: "+costOrder(c.Cost)+"; this config: "+orNone(fmtCost(b, c.Cost))+".")
	if ru := c.RunnerUp; ru != nil {
		s := fmt.Sprintf("Runner-up: %s, %s", ru.Label, fmtInterval(ru.Objective, unit))
		switch {
		case ru.Tied:
			s += "; indistinguishable from the top, but uses more: " + costDifference(ru, b, c.Cost)
		case ru.VsTop != nil:
			s += fmt.Sprintf("; slower than the top (%s)", fmtTestP(ru.VsTop))
		}
		out = append(out, s+".")
	} else {
		out = append(out, "Runner-up: none; no other config is feasible.")
	}
	out = append(out, c.Warnings...)
	return out
}

// infeasibleWhy says why a candidate cannot be chosen.
func infeasibleWhy(cand *Candidate, multi bool) string {
	var parts []string
	parts = append(parts, cand.Problems...)
	for _, chk := range cand.Checks {
		if chk.Held {
			continue
		}
		where := ""
		if multi {
			where = " on " + chk.Input
		}
		if chk.Measured {
			parts = append(parts, fmt.Sprintf("%s not met%s: median %s", chk.Constraint.Text, where, metric.Format(chk.Value, unitOf(chk.Constraint.Metric))))
		} else {
			parts = append(parts, fmt.Sprintf("%s cannot be checked%s: %s", chk.Constraint.Text, where, chk.Why))
		}
	}
	if len(parts) == 0 {
		return "feasible"
	}
	return strings.Join(parts, "; ")
}

func orNone(s string) string {
	if s == "" {
		return "nothing counted"
	}
	return s
}

// runsLine describes how many runs there were.
func runsLine(r *Report) string {
	counted := 0
	for _, t := range r.Trials {
		counted += len(t.Runs) + len(t.Failed)
	}
	s := fmt.Sprintf("%d trials, %d counted runs", len(r.Trials), counted)
	if r.Repeats > 0 {
		s += " (" + strconv.Itoa(r.Repeats) + " per trial)"
	}
	if r.WarmupRuns > 0 {
		s += fmt.Sprintf(", %d warm-up runs not counted", r.WarmupRuns)
	}
	if r.Interrupted > 0 {
		s += fmt.Sprintf(", %d interrupted runs left out", r.Interrupted)
	}
	if n := len(r.Failures); n > 0 {
		s += fmt.Sprintf(", %d failed or timed out", n)
	}
	return s
}

// failureLine is a failed run's error in one line: the error, and how the
// child ended.
func failureLine(f *record.Result) string {
	var parts []string
	if f.Error != "" {
		parts = append(parts, f.Error)
	}
	switch {
	case f.Signal != "":
		parts = append(parts, "signal "+f.Signal)
	case f.ExitCode != 0:
		parts = append(parts, "exit code "+strconv.Itoa(f.ExitCode))
	}
	if len(parts) == 0 {
		return string(f.Status)
	}
	return strings.Join(parts, "; ")
}

// gpuText describes an environment's GPUs, or why there are none.
func gpuText(e record.Env) string {
	if len(e.GPU.Devices) == 0 {
		if e.GPU.Error != "" {
			return e.GPU.Error
		}
		return "no GPU"
	}
	counts := map[string]int{}
	var names []string
	for _, d := range e.GPU.Devices {
		if counts[d.Name] == 0 {
			names = append(names, d.Name)
		}
		counts[d.Name]++
	}
	var parts []string
	for _, n := range names {
		if counts[n] > 1 {
			parts = append(parts, fmt.Sprintf("%d× %s", counts[n], n))
		} else {
			parts = append(parts, n)
		}
	}
	s := strings.Join(parts, ", ")
	if e.GPU.Driver != "" {
		s += ", driver " + e.GPU.Driver
	}
	if e.GPU.CUDA != "" {
		s += ", CUDA " + e.GPU.CUDA
	}
	return s
}
