package reports

import (
	"fmt"
	"math"
	"strings"

	"github.com/ftbench/ftbench/metric"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/stats"
)

// CLIInput is the ffmpeg CLI's runs on one input, the plain reference
// workload and each variant the spec lists (record.CLIVariant), against
// the chosen config's trial on that input.
type CLIInput struct {
	Input string
	// Variants are the plain CLI first, then the variants in record order.
	Variants []*CLIVariantStats
	// Best is the variant with the highest median frames/s; nil when none
	// has a successful counted run.
	Best *CLIVariantStats
	// Trial is the chosen config's trial on the input; nil when no config
	// was chosen.
	Trial *TrialStats
	// Ratio is the trial's frames/s over Best's. When Paired it summarises
	// the per-round ratios (both ran in the same round: the variants run
	// right after the plain reference, before the trials), else Ratio.N is
	// 0 and MedianRatio is the ratio of the two medians.
	Ratio       stats.Summary
	Paired      bool
	MedianRatio float64
}

// CLIVariantStats is one way of running the ffmpeg CLI and its counted
// runs.
type CLIVariantStats struct {
	// Name is the variant's name ("split=16"), "plain" for the plain CLI.
	Name   string
	Label  string
	FPS    stats.Summary // over Runs; N = 0 without any
	Runs   []*record.Result
	Failed []*record.Result
}

// cliInputs sorts the reference workload's records by input and variant
// and sets each input's chosen trial against its best variant.
func (r *Report) cliInputs(refs []*record.Result) []CLIInput {
	var out []CLIInput
	at := map[string]int{}
	seen := map[record.RunKey]bool{}
	for _, res := range refs {
		if res.Warmup || res.Status == record.StatusInterrupted || seen[res.Key()] {
			continue // a run recorded twice (a file given twice) counts once, as trials' runs do
		}
		seen[res.Key()] = true
		i, ok := at[res.Input.Name]
		if !ok {
			i = len(out)
			at[res.Input.Name] = i
			out = append(out, CLIInput{Input: res.Input.Name, MedianRatio: math.NaN()})
		}
		in := &out[i]
		var v *CLIVariantStats
		for _, w := range in.Variants {
			if w.Label == res.Label {
				v = w
			}
		}
		if v == nil {
			name := strings.TrimPrefix(strings.TrimPrefix(res.Label, record.ReferenceLabel), " ")
			if name == "" {
				name = "plain"
			}
			v = &CLIVariantStats{Name: name, Label: res.Label}
			if record.IsCalibration(res) {
				in.Variants = append([]*CLIVariantStats{v}, in.Variants...)
			} else {
				in.Variants = append(in.Variants, v)
			}
		}
		if _, ok := metric.Value(res, "fps"); ok && res.Status == record.StatusOK {
			v.Runs = append(v.Runs, res)
		} else {
			v.Failed = append(v.Failed, res)
		}
	}
	chosen := map[string]*TrialStats{}
	for _, t := range r.chosenTrials() {
		chosen[t.Input] = t
	}
	for i := range out {
		in := &out[i]
		for _, v := range in.Variants {
			v.FPS = stats.Summarize(samples(v.Runs, "fps"), r.Opts.statsOptions())
			if v.FPS.N > 0 && (in.Best == nil || v.FPS.Center > in.Best.FPS.Center) {
				in.Best = v
			}
		}
		in.Trial = chosen[in.Input]
		if in.Best != nil && in.Trial != nil {
			in.compare(r.Opts.statsOptions())
		}
	}
	return out
}

// compare sets the ratio of the chosen trial to the best variant: per
// round where both have a counted run in it, else of the medians.
func (in *CLIInput) compare(o stats.Options) {
	cli := map[int]float64{}
	for _, res := range in.Best.Runs {
		cli[res.Round], _ = metric.Value(res, "fps")
	}
	var ratios []float64
	for _, res := range in.Trial.Runs {
		v, ok := metric.Value(res, "fps")
		if c, paired := cli[res.Round]; ok && paired && c > 0 {
			ratios = append(ratios, v/c)
		}
	}
	if len(ratios) > 0 {
		in.Paired, in.Ratio = true, stats.Summarize(ratios, o)
		return
	}
	if s, ok := in.Trial.Stat("fps"); ok && in.Best.FPS.Center > 0 {
		in.MedianRatio = s.Center / in.Best.FPS.Center
	}
}

// cliHeadline is the ratio of an input's chosen config to the best CLI
// variant in one line: "ftbench / best CLI = 1.23× (split=16), per round:
// median of 4 rounds, 95% CI 1.1× .. 1.3×".
func cliHeadline(in CLIInput) string {
	switch {
	case in.Best == nil:
		return "no ffmpeg CLI variant ran successfully, so there is no ratio"
	case in.Trial == nil:
		return "no config was chosen, so there is no ratio to the best CLI (" + in.Best.Name + ")"
	case in.Paired:
		s := in.Ratio
		line := fmt.Sprintf("ftbench / best CLI = %.2f× (%s), per round: ", s.Center, in.Best.Name)
		switch {
		case s.N == 1:
			return line + "1 round"
		case math.IsInf(s.Lo, 0) || math.IsInf(s.Hi, 0):
			return line + fmt.Sprintf("median of %d rounds (too few for a %.0f%% interval)", s.N, 100*s.Level)
		}
		return line + fmt.Sprintf("median of %d rounds, %s %.2f× .. %.2f×", s.N, fmtConfidence(s), s.Lo, s.Hi)
	case math.IsNaN(in.MedianRatio):
		return "the chosen config has no frames/s, so there is no ratio to the best CLI (" + in.Best.Name + ")"
	}
	return fmt.Sprintf("ftbench / best CLI = %.2f× (%s), ratio of medians (no round ran both)", in.MedianRatio, in.Best.Name)
}

// cliFPSText renders a variant's frames/s: its summary, or that it failed.
func cliFPSText(v *CLIVariantStats) string {
	if v.FPS.N == 0 {
		return "failed"
	}
	return fmtSummary(v.FPS, metric.FramesPerSecond)
}

// cliRunsText renders a variant's run count, with its failures.
func cliRunsText(v *CLIVariantStats) string {
	s := fmt.Sprint(len(v.Runs))
	if len(v.Failed) > 0 {
		s += fmt.Sprintf(" (+%d failed)", len(v.Failed))
	}
	return s
}

// cliFailure says why a variant's runs failed: ffmpeg's own reason, the
// last line of the child's stderr that is not -benchmark's, or the
// recorded error; "" when none failed.
func cliFailure(v *CLIVariantStats) string {
	if len(v.Failed) == 0 {
		return ""
	}
	f := v.Failed[len(v.Failed)-1]
	var why string
	for _, line := range strings.Split(f.StderrTail, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "bench:") {
			why = line
		}
	}
	switch {
	case why == "":
		why = failureLine(f)
	case f.Signal != "":
		why = "signal " + f.Signal + ": " + why
	case f.ExitCode != 0:
		why = fmt.Sprintf("exit code %d: %s", f.ExitCode, why)
	}
	return fmt.Sprintf("%s (%d of %d runs)", why, len(v.Failed), len(v.Failed)+len(v.Runs))
}
