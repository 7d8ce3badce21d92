package sweeprun

import (
	"context"
	"math"
	"path/filepath"
	"time"

	"github.com/ftbench/ftbench/pipeline/geom"
	"github.com/ftbench/ftbench/pipeline/track"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/stats"
)

// GoldExecutor wraps the Executor of a sweep with a gold config (see
// sweeps.Spec.GoldTrials): every run's record gains record.Gold, its
// tracks against the gold trial's on the same input. The runs must keep
// their tracks (runner.Runner.KeepTracks) in TracksPath(run).
//
// Note: gold's tracks come from one uncounted pilot run of the gold
// trial, made before the first run on its input (the grid's order would
// otherwise reach some trials before gold), as a warm-up of the gold
// trial with repetition goldPilotRep (its own folder,
// trials/ID/warmup9999); it is not recorded. A run whose tracks or gold's cannot
// be read is recorded without Gold (absent, never zero).
type GoldExecutor struct {
	Inner Executor
	// Gold is the gold trial of each input, by input name.
	Gold map[string]record.Trial
	// TracksPath returns where a run's tracks.json is.
	TracksPath func(record.Run) string

	tracks map[string]*track.TracksFile // gold's, by input name
	tried  map[string]bool              // inputs whose pilot ran
}

var _ Executor = (*GoldExecutor)(nil)

// Run runs one run through Inner and adds its Gold measures.
func (g *GoldExecutor) Run(ctx context.Context, run record.Run, timeout time.Duration) *record.Result {
	in := run.Trial.Input.Name
	gt, ok := g.Gold[in]
	if ok && !g.tried[in] {
		if g.tried == nil {
			g.tried, g.tracks = map[string]bool{}, map[string]*track.TracksFile{}
		}
		g.tried[in] = true
		pilot := record.Run{Trial: &gt, Warmup: true, Repetition: goldPilotRep}
		if r := g.Inner.Run(ctx, pilot, timeout); r.Status == record.StatusOK {
			g.tracks[in], _ = track.ReadTracks(g.TracksPath(pilot))
		}
	}
	res := g.Inner.Run(ctx, run, timeout)
	if gold := g.tracks[in]; gold != nil && res.Status == record.StatusOK {
		if tf, err := track.ReadTracks(g.TracksPath(run)); err == nil {
			m := CompareTracks(tf, gold)
			m.Trial = gt.ID
			res.Gold = &m
		}
	}
	return res
}

// goldPilotRep is the repetition of the gold pilot run among the gold
// trial's warm-ups: far above any spec's warm-up count, so its folder is
// its own.
const goldPilotRep = 9999

// RunTracksPath is TracksPath for a *runner.Runner's folders: name (the
// runner's TracksFile) in dir(run).
func RunTracksPath(dir func(record.Run) string, name string) func(record.Run) string {
	return func(run record.Run) string { return filepath.Join(dir(run), name) }
}

// CompareTracks measures run's tracks against gold's, frame by frame (the
// frames both have; segment workers' warm-up frames left out); see
// record.Gold for the measures.
func CompareTracks(run, gold *track.TracksFile) record.Gold {
	byFrame := func(tf *track.TracksFile) map[int]*track.FrameRecord {
		m := make(map[int]*track.FrameRecord, len(tf.Frames))
		for i := range tf.Frames {
			if f := &tf.Frames[i]; !f.Preroll {
				m[f.Frame] = f
			}
		}
		return m
	}
	mine := byFrame(run)
	diag := math.Hypot(float64(gold.Width), float64(gold.Height))
	var g record.Gold
	var centres, crops []float64
	iouSum := 0.0
	for _, gf := range gold.Frames {
		if gf.Preroll {
			continue
		}
		f, ok := mine[gf.Frame]
		if !ok {
			continue
		}
		crops = append(crops, math.Hypot(f.Crop.CenterX()-gf.Crop.CenterX(), f.Crop.CenterY()-gf.Crop.CenterY()))
		gb, ok := primaryBox(&gf)
		if !ok {
			continue
		}
		g.Frames++
		b, ok := primaryBox(f)
		if !ok {
			centres = append(centres, diag)
			continue
		}
		iouSum += b.IoU(gb)
		centres = append(centres, math.Hypot(b.CenterX()-gb.CenterX(), b.CenterY()-gb.CenterY()))
	}
	if g.Frames > 0 {
		g.IoU = iouSum / float64(g.Frames)
	}
	if len(centres) > 0 {
		g.CenterPx = stats.Median(centres)
	}
	if len(crops) > 0 {
		g.CropDevPx = stats.Median(crops)
	}
	return g
}

func primaryBox(f *track.FrameRecord) (geom.Box, bool) {
	if f.Primary == nil {
		return geom.Box{}, false
	}
	for _, t := range f.Tracks {
		if t.ID == *f.Primary {
			return t.Box, true
		}
	}
	return geom.Box{}, false
}
