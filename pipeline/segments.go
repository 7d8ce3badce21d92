package pipeline

import (
	"math"

	"github.com/asticode/go-astiav"

	"github.com/ftbench/ftbench/pipeline/media"
)

// Note: a phased run follows the plan's own shape. Phase 1 (analysis):
// `processes` worker processes take segments of the input from a queue and
// decode, detect and track them, each starting one GOP early so that its
// tracker is warm at its first frame (the pre-roll). The parent then
// stitches the segments' tracks into one set of ids, using the pre-roll
// frames, which both neighbours saw, and runs the reframer once over the
// whole video, so the crop path has no seam at a boundary by construction.
// Phase 2 (post-processing): `encode_workers` decode, crop and encode the
// segments in parallel; the parent joins them without re-encoding and
// copies the audio. The second decode is the price of the split, as it was
// in the app the plan describes; the sweep measures whether it pays.
//
// This file cuts the segments; worker.go runs phase 1 in worker processes,
// stitch.go joins their tracks, phased.go runs the whole.

// segment is one piece of the input, from a keyframe to the next segment's.
type segment struct {
	Index      int   `json:"index"`
	First      int   `json:"first"` // global index of its first frame
	End        int   `json:"end"`   // global index after its last frame
	StartPts   int64 `json:"start_pts"`
	EndPts     int64 `json:"end_pts"` // math.MaxInt64 for the last segment
	PrerollPts int64 `json:"preroll_pts"`
	Preroll    int   `json:"preroll"` // frames before First an analysis decodes and tracks
}

// splitSegments cuts the probed video into about n segments of equal
// length at keyframes; fewer when there are fewer keyframes.
func splitSegments(p *media.Probe, n int) []segment {
	total := len(p.Pts)
	var starts []int
	for i := 0; i < n; i++ {
		target := i * total / n
		// The first keyframe at or after the target, not before the last start.
		k := target
		for k < total && !p.Key[k] {
			k++
		}
		if k >= total || (len(starts) > 0 && k <= starts[len(starts)-1]) {
			continue
		}
		starts = append(starts, k)
	}
	segs := make([]segment, len(starts))
	for i, s := range starts {
		end := total
		endPts := int64(math.MaxInt64)
		if i+1 < len(starts) {
			end = starts[i+1]
			endPts = p.Pts[end]
		}
		seg := segment{Index: i, First: s, End: end, StartPts: p.Pts[s], EndPts: endPts, PrerollPts: p.Pts[s]}
		if i > 0 {
			// Pre-roll from the previous keyframe.
			k := s - 1
			for k > 0 && !p.Key[k] {
				k--
			}
			seg.PrerollPts, seg.Preroll = p.Pts[k], s-k
		}
		segs[i] = seg
	}
	return segs
}

// analysisSpan is the span an analysis pass of seg decodes: its own frames
// and its pre-roll.
func analysisSpan(seg segment) span {
	sp := span{seek: seg.PrerollPts, start: seg.StartPts, end: seg.EndPts, first: seg.First, preroll: seg.Preroll, frames: seg.End - seg.First + seg.Preroll}
	if seg.Index == 0 {
		sp.seek = astiav.NoPtsValue
	}
	return sp
}

// encodeSpan is the span an encode pass of seg decodes: its own frames.
func encodeSpan(seg segment) span {
	sp := span{seek: seg.StartPts, start: seg.StartPts, end: seg.EndPts, first: seg.First}
	if seg.Index == 0 {
		sp.seek = astiav.NoPtsValue
	}
	return sp
}
