package sweeprun

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ftbench/ftbench/internal/termsafe"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/runner"
)

// DryRun lists the trials and estimates the time the sweep would take,
// from the runs the folder already records when it has some; it says what
// the reference workload adds and, for a search, how much of the space
// the budget covers.
func (s *Sweep) DryRun(w io.Writer) {
	spec, plan := s.spec, s.plan
	w = termsafe.Writer(w)
	fmt.Fprintf(w, "sweep %s (%s)", spec.Name, spec.File)
	if s.opts.Shard.N > 1 {
		fmt.Fprintf(w, ", shard %s", s.opts.Shard)
	}
	fmt.Fprintln(w)
	if spec.Description != "" {
		fmt.Fprintf(w, "  %s\n", spec.Description)
	}
	fmt.Fprintf(w, "  objective: %s %s", spec.Objective.Direction, spec.Objective.Metric)
	for _, c := range spec.Constraints {
		fmt.Fprintf(w, "; %s", c)
	}
	fmt.Fprintln(w)
	if len(spec.BaseKeys) > 0 {
		vals := spec.Base.Map()
		var kv []string
		for _, k := range spec.BaseKeys {
			kv = append(kv, k+"="+record.FormatValue(vals[k]))
		}
		fmt.Fprintf(w, "  base: %s\n", strings.Join(kv, ","))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tid\tinput\ttrial")
	for _, t := range plan.Trials {
		ref := ""
		if t.Label == spec.Reference {
			ref = "  (reference)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s%s\n", t.Index, t.ID, t.Input.Name, t.Label, ref)
	}
	tw.Flush()

	runs := plan.Runs()
	done := map[record.RunKey]bool{}
	if s.opts.Resume {
		done = DoneRuns(s.prior)
	}
	todo := Pending(plan, done)
	fmt.Fprintf(w, "\n%d trials x (%d warm-up + %d counted) = %d runs", len(plan.Trials), plan.Warmups, plan.Repeats, len(runs))
	if len(todo) < len(runs) {
		fmt.Fprintf(w, ", %d already recorded, %d to run", len(runs)-len(todo), len(todo))
	}
	fmt.Fprintln(w)
	if plan.Adaptive() {
		most := len(plan.Trials) * (plan.Warmups + plan.MaxRepeats)
		fmt.Fprintf(w, "repeats until decided: %d to %d counted rounds; a trial gets another round while the median interval of its %s is wider than ±%s, so at most %d runs\n",
			plan.Repeats, plan.MaxRepeats, spec.Objective.Metric, pct(plan.CI), most)
	}
	if spec.MinRunSeconds > 0 {
		counted := 0
		for _, run := range todo {
			if !run.Warmup {
				counted++
			}
		}
		fmt.Fprintf(w, "min_run_seconds %g: each counted run goes through its input again until it has lasted %g s (warm-ups make one pass), so the %d counted runs take at least %s; resources sampled every %s\n",
			spec.MinRunSeconds, spec.MinRunSeconds, counted, roughDuration(time.Duration(float64(counted)*spec.MinRunSeconds*float64(time.Second))), runner.SampleInterval(spec.MinRunSeconds))
	}
	fmt.Fprintln(w, estimate(plan, todo, s.prior))
	if spec.Calibrate && !s.Searching() {
		fmt.Fprintln(w, s.referenceNote())
	}
	if spec.Search != nil {
		fmt.Fprintln(w, coverage(spec))
	}
}

// estimate says how long the runs todo take, from earlier runs of the
// same trials where there are some.
func estimate(plan record.Plan, todo []record.Run, prior []*record.Result) string {
	perTrial := map[string][]float64{}
	var all []float64
	for _, r := range prior {
		if r.Status == record.StatusOK {
			perTrial[r.TrialID] = append(perTrial[r.TrialID], r.ElapsedSeconds)
			all = append(all, r.ElapsedSeconds)
		}
	}
	if len(all) == 0 {
		return fmt.Sprintf("time: unknown before a first run; at most %s (every run at its %s timeout)",
			roughDuration(time.Duration(len(todo))*plan.Timeout), plan.Timeout)
	}
	var est float64
	for _, run := range todo {
		if xs := perTrial[run.Trial.ID]; len(xs) > 0 {
			est += mean(xs)
		} else {
			est += mean(all)
		}
	}
	return fmt.Sprintf("time: about %s, from %d earlier runs recorded in the output folder", roughDuration(time.Duration(est*float64(time.Second))), len(all))
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// referenceNote says what the reference workload adds to the plan.
func (s *Sweep) referenceNote() string {
	spec := s.spec
	inputs := map[string]bool{}
	for _, t := range s.plan.Trials {
		inputs[t.Input.Name] = true
	}
	runs := len(inputs) * (s.plan.Warmups + s.plan.Repeats)
	copyAudio := "audio dropped"
	if spec.Base.CopyAudio {
		copyAudio = "audio copied"
	}
	return fmt.Sprintf("calibration: + %d reference runs, one per round per input: the ffmpeg CLI decoding, cropping to %s and encoding (%s preset %s crf %d, %s), for `ftbench gate --normalize reference`; calibrate = false turns them off",
		runs, spec.Base.Aspect, spec.Base.Encoder, spec.Base.Preset, spec.Base.CRF, copyAudio)
}
