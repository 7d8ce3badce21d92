package quality

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ftbench/ftbench/pipeline/geom"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/pipeline/track"
)

// motMeasures is the part of metrics.Quality the MOT tests check.
type motMeasures struct {
	IDF1, MOTA                                      float64
	IDSwitches, GTBoxes, TrackBoxes, Misses, FP, TP int
}

func motOf(q metrics.Quality) motMeasures {
	return motMeasures{q.IDF1, q.MOTA, q.IDSwitches, q.MOTGTBoxes, q.MOTTrackBoxes, q.MOTMisses, q.MOTFalsePositives, q.IDTP}
}

func (m motMeasures) near(o motMeasures) bool {
	a, b := m, o
	a.IDF1, a.MOTA, b.IDF1, b.MOTA = 0, 0, 0, 0
	return a == b && math.Abs(m.IDF1-o.IDF1) <= 1e-12 && math.Abs(m.MOTA-o.MOTA) <= 1e-12
}

func TestQualityMOTMeasures(t *testing.T) {
	t.Parallel()
	a := geom.Box{X: 0, Y: 0, W: 10, H: 10}
	b := geom.Box{X: 100, Y: 0, W: 10, H: 10}
	far := geom.Box{X: 500, Y: 500, W: 10, H: 10}
	tr := func(id int, bx geom.Box) track.Track { return track.Track{ID: id, Box: bx} }
	shift := func(bx geom.Box, dx float64) geom.Box { bx.X += dx; return bx }
	twoFaces := func(n int) *GroundTruth {
		gt := &GroundTruth{Frames: n}
		for range n {
			gt.Boxes = append(gt.Boxes, []geom.Box{a, b})
			gt.IDs = append(gt.IDs, []int{1, 2})
		}
		return gt
	}
	tests := []struct {
		name   string
		gt     *GroundTruth
		tracks [][]track.Track // frame i's tracks
		want   motMeasures
	}{
		{
			name:   "perfect",
			gt:     twoFaces(3),
			tracks: [][]track.Track{{tr(1, a), tr(2, b)}, {tr(1, a), tr(2, b)}, {tr(1, a), tr(2, b)}},
			want:   motMeasures{IDF1: 1, MOTA: 1, GTBoxes: 6, TrackBoxes: 6, TP: 6},
		},
		{
			// Frame 1 misses face 2; frame 2 swaps the tracks (two
			// switches); frame 3 keeps the swap (none) and adds a false
			// positive. MOTA = 1 - (1 + 1 + 2)/8. IDF1: face 1 with track 2
			// (frames 2, 3) and face 2 with track 1 (frames 2, 3) beat face 1
			// with track 1 (0, 1) and face 2 with track 2 (0): IDTP 4 of
			// 8 + 8 boxes.
			name: "miss, swap, false positive",
			gt:   twoFaces(4),
			tracks: [][]track.Track{
				{tr(1, a), tr(2, b)},
				{tr(1, a)},
				{tr(1, b), tr(2, a)},
				{tr(1, b), tr(2, a), tr(3, far)},
			},
			want: motMeasures{IDF1: 0.5, MOTA: 0.5, IDSwitches: 2, GTBoxes: 8, TrackBoxes: 8, Misses: 1, FP: 1, TP: 4},
		},
		{
			// IoU 80/120 >= 0.5 corresponds; 60/140 does not (a miss and a
			// false positive).
			name:   "iou threshold 0.5",
			gt:     &GroundTruth{Frames: 2, Boxes: [][]geom.Box{{a}, {a}}, IDs: [][]int{{1}, {1}}},
			tracks: [][]track.Track{{tr(1, shift(a, 2))}, {tr(1, shift(a, 4))}},
			want:   motMeasures{IDF1: 0.5, MOTA: 0, GTBoxes: 2, TrackBoxes: 2, Misses: 1, FP: 1, TP: 1},
		},
		{
			// A face lost for a frame and found again by a new track is one
			// switch, counted against the last track it matched.
			name: "new track after a gap",
			gt:   &GroundTruth{Frames: 3, Boxes: [][]geom.Box{{a}, {a}, {a}}, IDs: [][]int{{1}, {1}, {1}}},
			tracks: [][]track.Track{
				{tr(1, a)}, nil, {tr(2, a)},
			},
			want: motMeasures{IDF1: 2 * 1.0 / 5, MOTA: 1 - 2.0/3, IDSwitches: 1, GTBoxes: 3, TrackBoxes: 2, Misses: 1, TP: 1},
		},
		{
			// Frame 1: track 1 still overlaps face 1 enough (IoU 0.67) and
			// keeps it, although track 2 overlaps it better.
			name: "a correspondence is kept while it holds",
			gt:   &GroundTruth{Frames: 2, Boxes: [][]geom.Box{{a}, {a}}, IDs: [][]int{{1}, {1}}},
			tracks: [][]track.Track{
				{tr(1, a)},
				{tr(1, shift(a, 2)), tr(2, a)},
			},
			want: motMeasures{IDF1: 2 * 2.0 / 5, MOTA: 0.5, GTBoxes: 2, TrackBoxes: 3, FP: 1, TP: 2},
		},
		{
			name:   "ground truth without identities counts nothing",
			gt:     &GroundTruth{Frames: 1, Boxes: [][]geom.Box{{a}}},
			tracks: [][]track.Track{{tr(1, a)}},
			want:   motMeasures{},
		},
		{
			name:   "tracks without faces",
			gt:     &GroundTruth{Frames: 2, Boxes: [][]geom.Box{nil, nil}, IDs: [][]int{nil, nil}},
			tracks: [][]track.Track{{tr(1, a)}, {tr(1, a)}},
			want:   motMeasures{TrackBoxes: 2, FP: 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := NewCounter(tt.gt, 0.5)
			for i, trs := range tt.tracks {
				q.AddTracks(i, trs)
			}
			q.AddTracks(-1, []track.Track{tr(9, a)})
			q.AddTracks(len(tt.tracks)+5, []track.Track{tr(9, a)})
			if got := motOf(q.Result()); !got.near(tt.want) {
				t.Errorf("MOT measures =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestAssignMinMatchesBruteForce(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(17, 2))
	for trial := range 500 {
		n, m := 1+rng.IntN(5), 1+rng.IntN(5)
		cost := make([][]float64, n)
		for i := range cost {
			cost[i] = make([]float64, m)
			for j := range cost[i] {
				cost[i][j] = float64(rng.IntN(20)) - 5
			}
		}
		got := assignMin(cost)
		seen := map[int]bool{}
		total, pairs := 0.0, 0
		for i, j := range got {
			if j < 0 {
				continue
			}
			if seen[j] {
				t.Fatalf("trial %d: column %d assigned twice: %v", trial, j, got)
			}
			seen[j] = true
			total += cost[i][j]
			pairs++
		}
		if pairs != min(n, m) {
			t.Fatalf("trial %d: %d pairs, want %d", trial, pairs, min(n, m))
		}
		if best := bruteMinAssignment(cost, 0, map[int]bool{}, min(n, m)); total != best {
			t.Fatalf("trial %d: cost %v, brute force %v (%v)", trial, total, best, cost)
		}
	}
}

// bruteMinAssignment returns the least total cost of assigning rows i.. to
// distinct unused columns, need pairs in all (rows may stay unassigned
// only when there are more rows than columns).
func bruteMinAssignment(cost [][]float64, i int, used map[int]bool, need int) float64 {
	if need == 0 {
		return 0
	}
	if i == len(cost) {
		return math.Inf(1)
	}
	best := math.Inf(1)
	if len(cost)-i > need { // row i may stay out
		best = bruteMinAssignment(cost, i+1, used, need)
	}
	for j := range cost[i] {
		if used[j] {
			continue
		}
		used[j] = true
		best = math.Min(best, cost[i][j]+bruteMinAssignment(cost, i+1, used, need-1))
		used[j] = false
	}
	return best
}

// TestQualityMOTMatchesReference checks the counter against a reference
// on random tiny scenes: IDF1 by trying every one-to-one mapping of
// identities to tracks, MOTA and switches by the same CLEAR MOT rule with
// each frame's matching found by enumerating every matching.
func TestQualityMOTMatchesReference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(17, 3))
	for trial := range 300 {
		frames := 1 + rng.IntN(6)
		nFaces, nTracks := 1+rng.IntN(3), 1+rng.IntN(4)
		// Each face sits on a slot; tracks pick slots near a face, so
		// that correspondences, swaps and misses all happen.
		gt := &GroundTruth{Frames: frames, Boxes: make([][]geom.Box, frames), IDs: make([][]int, frames)}
		tracks := make([][]track.Track, frames)
		slot := func(k int) geom.Box {
			return geom.Box{X: 30 * float64(k), Y: 0, W: 20, H: 20}
		}
		jitter := func(b geom.Box) geom.Box {
			b.X += 12 * rng.Float64()
			b.W += 6 * (rng.Float64() - 0.5)
			return b
		}
		for f := range frames {
			for id := 1; id <= nFaces; id++ {
				if rng.IntN(5) > 0 {
					gt.Boxes[f] = append(gt.Boxes[f], slot(id))
					gt.IDs[f] = append(gt.IDs[f], id)
				}
			}
			for id := 1; id <= nTracks; id++ {
				if rng.IntN(4) > 0 {
					tracks[f] = append(tracks[f], track.Track{ID: id, Box: jitter(slot(1 + rng.IntN(nFaces+1)))})
				}
			}
		}
		q := NewCounter(gt, 0.5)
		for f := range frames {
			q.AddTracks(f, tracks[f])
		}
		got := motOf(q.Result())
		want := referenceMOT(gt, tracks, nFaces, nTracks)
		if !got.near(want) {
			t.Fatalf("trial %d: counter\n%+v\nreference\n%+v\nground truth %+v\ntracks %+v", trial, got, want, gt, tracks)
		}
	}
}

// referenceMOT computes the MOT measures of tracks against gt the slow way;
// identities are 1..nFaces, track ids 1..nTracks.
func referenceMOT(gt *GroundTruth, tracks [][]track.Track, nFaces, nTracks int) motMeasures {
	var r motMeasures
	corr := func(a, b geom.Box) bool { return a.IoU(b) >= 0.5 }
	// CLEAR MOT.
	last := map[int]int{}
	for f := range gt.Boxes {
		truth, ids, trs := gt.Boxes[f], gt.IDs[f], tracks[f]
		r.GTBoxes += len(truth)
		r.TrackBoxes += len(trs)
		gtUsed, trUsed := make([]bool, len(truth)), make([]bool, len(trs))
		matched := 0
		for i := range truth {
			for j := range trs {
				if want, ok := last[ids[i]]; ok && trs[j].ID == want && !trUsed[j] && corr(truth[i], trs[j].Box) {
					gtUsed[i], trUsed[j] = true, true
					matched++
					break
				}
			}
		}
		// Every matching of the rest: the most pairs, then the least
		// total 1 - IoU.
		bestN, bestCost := -1, math.Inf(1)
		var best, cur [][2]int
		var walk func(i int, n int, cost float64)
		walk = func(i, n int, cost float64) {
			if i == len(truth) {
				if n > bestN || (n == bestN && cost < bestCost-1e-12) {
					bestN, bestCost = n, cost
					best = append(best[:0], cur...)
				}
				return
			}
			walk(i+1, n, cost)
			if gtUsed[i] {
				return
			}
			for j := range trs {
				if trUsed[j] || !corr(truth[i], trs[j].Box) {
					continue
				}
				trUsed[j] = true
				cur = append(cur, [2]int{i, j})
				walk(i+1, n+1, cost+1-truth[i].IoU(trs[j].Box))
				cur = cur[:len(cur)-1]
				trUsed[j] = false
			}
		}
		walk(0, 0, 0)
		for _, p := range best {
			id, tid := ids[p[0]], trs[p[1]].ID
			if prev, ok := last[id]; ok && prev != tid {
				r.IDSwitches++
			}
			last[id] = tid
			matched++
		}
		r.Misses += len(truth) - matched
		r.FP += len(trs) - matched
	}
	if r.GTBoxes > 0 {
		r.MOTA = 1 - float64(r.Misses+r.FP+r.IDSwitches)/float64(r.GTBoxes)
	}
	// IDF1: every mapping of identities to distinct tracks (or none).
	count := func(id, tid int) int {
		n := 0
		for f := range gt.Boxes {
			hit := false
			for i, b := range gt.Boxes[f] {
				for _, tr := range tracks[f] {
					if gt.IDs[f][i] == id && tr.ID == tid && corr(b, tr.Box) {
						hit = true
					}
				}
			}
			if hit {
				n++
			}
		}
		return n
	}
	var walk func(id int, used map[int]bool) int
	walk = func(id int, used map[int]bool) int {
		if id > nFaces {
			return 0
		}
		best := walk(id+1, used)
		for tid := 1; tid <= nTracks; tid++ {
			if used[tid] {
				continue
			}
			used[tid] = true
			best = max(best, count(id, tid)+walk(id+1, used))
			used[tid] = false
		}
		return best
	}
	r.TP = walk(1, map[int]bool{})
	if r.GTBoxes > 0 {
		r.IDF1 = 2 * float64(r.TP) / float64(r.GTBoxes+r.TrackBoxes)
	}
	return r
}
