package sweeps

import (
	"math"

	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/record"
)

// GoldAuto is the spec's gold = "auto": the most thorough config is gold.
const GoldAuto = "auto"

// goldMetrics are the metrics measured against the gold config's tracks;
// a spec whose objective or constraints name one has a gold config even
// without a gold key.
var goldMetrics = []string{"quality.gold_iou", "quality.gold_center_px", "quality.crop_dev_px"}

// gold reads the gold key: a trial label, or "auto" for the most thorough
// config (checked only when everything before it is valid). A spec that
// names a gold metric without the key gets "auto".
func (p *parser) gold(s *Spec, raw map[string]any) {
	if v, ok := raw["gold"]; ok {
		s.Gold = p.str("gold", v)
		if len(p.errs) == 0 && s.Gold != GoldAuto && !s.hasLabel(s.Gold) {
			p.errf("gold", "no trial is labelled %q; want %q or a label such as %q", s.Gold, GoldAuto, s.combos[0].label())
		}
		return
	}
	names := []string{s.Objective.Metric}
	for _, c := range s.Constraints {
		names = append(names, c.Metric)
	}
	for _, n := range names {
		for _, g := range goldMetrics {
			if n == g {
				s.Gold = GoldAuto
			}
		}
	}
}

// GoldTrials returns, for each input's name, the trial whose tracks are
// the pseudo ground truth of every trial on that input: the one labelled
// Gold, or with gold = "auto" the most thorough (MoreThorough); nil when
// the spec has no gold config.
func (s *Spec) GoldTrials() map[string]record.Trial {
	if s.Gold == "" {
		return nil
	}
	out := map[string]record.Trial{}
	for _, t := range s.Trials() {
		cur, ok := out[t.Input.Name]
		switch {
		case s.Gold != GoldAuto:
			if t.Label == s.Gold {
				out[t.Input.Name] = t
			}
		case !ok || MoreThorough(t.Config, cur.Config):
			out[t.Input.Name] = t
		}
	}
	return out
}

// MoreThorough reports whether config a looks harder for faces than b, by
// the first of these that differs: the detector runs on more frames
// (smaller detect_interval), sees more pixels (larger detect_width, 0 =
// the source's width counting as the largest), looks for smaller faces
// (smaller min_face), steps its window more finely (smaller shift_factor,
// then smaller scale_factor). Ties are not more thorough, so the first
// such trial in the spec's order wins.
func MoreThorough(a, b config.Config) bool {
	width := func(c config.Config) float64 {
		if c.DetectWidth == 0 {
			return math.Inf(1)
		}
		return float64(c.DetectWidth)
	}
	keys := [][2]float64{
		{-float64(a.DetectInterval), -float64(b.DetectInterval)},
		{width(a), width(b)},
		{-a.MinFace, -b.MinFace},
		{-a.ShiftFactor, -b.ShiftFactor},
		{-a.ScaleFactor, -b.ScaleFactor},
	}
	for _, k := range keys {
		if k[0] != k[1] {
			return k[0] > k[1]
		}
	}
	return false
}
