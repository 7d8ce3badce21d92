package pipeline

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/ftbench/ftbench/pipeline/track"
)

// stitch joins the segments' records into one record per frame with
// global track ids: a track of segment k takes the id of the track of
// segment k-1 it overlaps most on the pre-roll frames both saw (mean IoU
// >= 0.3), else a new id.
func stitch(perSeg [][]track.FrameRecord, total int) ([]track.FrameRecord, int, error) {
	out := make([]track.FrameRecord, 0, total)
	byFrame := map[int]track.FrameRecord{} // the previous segment's stitched frames, for matching
	nextID := 1
	for k, recs := range perSeg {
		idMap := map[int]int{}
		if k > 0 {
			idMap = matchPreroll(recs, byFrame)
		}
		clear(byFrame)
		global := func(local int) int {
			if g, ok := idMap[local]; ok {
				return g
			}
			idMap[local] = nextID
			nextID++
			return idMap[local]
		}
		for _, r := range recs {
			if r.Preroll {
				continue
			}
			tracks := make([]track.Track, len(r.Tracks))
			for i, t := range r.Tracks {
				t.ID = global(t.ID)
				tracks[i] = t
			}
			r.Tracks = tracks
			if r.Primary != nil {
				g := global(*r.Primary)
				r.Primary = &g
			}
			if r.Frame != len(out) {
				return nil, 0, fmt.Errorf("segment %d: frame %d where frame %d was expected", k, r.Frame, len(out))
			}
			out = append(out, r)
			byFrame[r.Frame] = r
		}
	}
	if len(out) != total {
		return nil, 0, fmt.Errorf("the analysis covered %d of %d frames", len(out), total)
	}
	return out, nextID - 1, nil
}

// matchPreroll maps a segment's local track ids to the global ids of the
// previous segment's tracks (prev, by frame) they overlap most on the
// segment's pre-roll frames: best mean IoU first, each id used once, at
// least 0.3.
func matchPreroll(recs []track.FrameRecord, prev map[int]track.FrameRecord) map[int]int {
	type pair struct{ local, global int }
	sum := map[pair]float64{}
	frames := map[int]int{} // local id -> pre-roll frames it appears on
	for _, r := range recs {
		if !r.Preroll {
			continue
		}
		p, ok := prev[r.Frame]
		if !ok {
			continue
		}
		for _, t := range r.Tracks {
			frames[t.ID]++
			for _, g := range p.Tracks {
				sum[pair{t.ID, g.ID}] += t.Box.IoU(g.Box)
			}
		}
	}
	type cand struct {
		p   pair
		iou float64
	}
	var cands []cand
	for p, s := range sum {
		if mean := s / float64(frames[p.local]); mean >= 0.3 {
			cands = append(cands, cand{p, mean})
		}
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if a.iou != b.iou {
			if a.iou > b.iou {
				return -1
			}
			return 1
		}
		return cmp.Compare(int64(a.p.local*1000003+a.p.global), int64(b.p.local*1000003+b.p.global))
	})
	idMap := map[int]int{}
	usedG := map[int]bool{}
	for _, c := range cands {
		if _, done := idMap[c.p.local]; done || usedG[c.p.global] {
			continue
		}
		idMap[c.p.local] = c.p.global
		usedG[c.p.global] = true
	}
	return idMap
}
