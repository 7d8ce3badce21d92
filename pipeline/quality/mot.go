package quality

import (
	"math"
	"slices"

	"github.com/ftbench/ftbench/pipeline/geom"
	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/pipeline/track"
)

// motIoU is the IoU at which a track and a ground-truth face correspond,
// for MOTA, identity switches and IDF1 alike (the MOT Challenge's).
const motIoU = 0.5

// motCounter accumulates the MOT measures over every track against ground
// truth with identities; see metrics.Quality for the definitions.
type motCounter struct {
	gtBoxes, trackBoxes int
	misses, falsePos    int
	switches            int
	// last maps a ground-truth identity to the track it last matched.
	last map[int]int
	// pairs counts, per (ground-truth identity, track id), the frames
	// where the two correspond: what IDF1's global assignment maximises.
	pairs map[[2]int]int

	// Scratch for one frame.
	gtUsed, trUsed []bool
	seen           map[[2]int]bool
}

func newMOTCounter() *motCounter {
	return &motCounter{last: map[int]int{}, pairs: map[[2]int]int{}, seen: map[[2]int]bool{}}
}

// add counts one frame: its ground-truth boxes truth with identities ids
// (parallel slices) and the tracks the tracker reports.
func (m *motCounter) add(truth []geom.Box, ids []int, tracks []track.Track) {
	m.gtBoxes += len(truth)
	m.trackBoxes += len(tracks)

	// IDF1: every corresponding pair, each (identity, track) at most once
	// a frame.
	clear(m.seen)
	for i, t := range truth {
		for _, tr := range tracks {
			key := [2]int{ids[i], tr.ID}
			if !m.seen[key] && t.IoU(tr.Box) >= motIoU {
				m.seen[key] = true
				m.pairs[key]++
			}
		}
	}

	// CLEAR MOT: keep last frame's correspondences that still hold.
	m.gtUsed = slices.Grow(m.gtUsed[:0], len(truth))[:len(truth)]
	m.trUsed = slices.Grow(m.trUsed[:0], len(tracks))[:len(tracks)]
	clear(m.gtUsed)
	clear(m.trUsed)
	matched := 0
	for i, t := range truth {
		want, ok := m.last[ids[i]]
		if !ok {
			continue
		}
		for j, tr := range tracks {
			if tr.ID == want && !m.trUsed[j] && t.IoU(tr.Box) >= motIoU {
				m.gtUsed[i], m.trUsed[j] = true, true
				matched++
				break
			}
		}
	}
	// The rest by the Hungarian method: most pairs first (an invalid pair
	// costs more than all valid ones together), then least total 1 - IoU.
	var rows, cols []int
	for i := range truth {
		if !m.gtUsed[i] {
			rows = append(rows, i)
		}
	}
	for j := range tracks {
		if !m.trUsed[j] {
			cols = append(cols, j)
		}
	}
	if len(rows) > 0 && len(cols) > 0 {
		invalid := float64(min(len(rows), len(cols)) + 1)
		cost := make([][]float64, len(rows))
		for a, i := range rows {
			cost[a] = make([]float64, len(cols))
			for b, j := range cols {
				cost[a][b] = invalid
				if iou := truth[i].IoU(tracks[j].Box); iou >= motIoU {
					cost[a][b] = 1 - iou
				}
			}
		}
		for a, b := range assignMin(cost) {
			if b < 0 || cost[a][b] >= invalid {
				continue
			}
			i, j := rows[a], cols[b]
			id, tid := ids[i], tracks[j].ID
			if prev, ok := m.last[id]; ok && prev != tid {
				m.switches++
			}
			m.last[id] = tid
			matched++
		}
	}
	m.misses += len(truth) - matched
	m.falsePos += len(tracks) - matched
}

// result fills q's MOT measures.
func (m *motCounter) result(q *metrics.Quality) {
	q.MOTGTBoxes, q.MOTTrackBoxes = m.gtBoxes, m.trackBoxes
	q.MOTMisses, q.MOTFalsePositives, q.IDSwitches = m.misses, m.falsePos, m.switches
	q.IDTP = m.idtp()
	if m.gtBoxes > 0 {
		q.MOTA = 1 - float64(m.misses+m.falsePos+m.switches)/float64(m.gtBoxes)
	}
	if m.gtBoxes > 0 {
		q.IDF1 = 2 * float64(q.IDTP) / float64(m.gtBoxes+m.trackBoxes)
	}
}

// idtp returns the largest total of corresponding frames over one-to-one
// assignments of ground-truth identities to tracks.
func (m *motCounter) idtp() int {
	if len(m.pairs) == 0 {
		return 0
	}
	var gids, tids []int
	for k := range m.pairs {
		gids = append(gids, k[0])
		tids = append(tids, k[1])
	}
	slices.Sort(gids)
	slices.Sort(tids)
	gids, tids = slices.Compact(gids), slices.Compact(tids)
	cost := make([][]float64, len(gids))
	for a, g := range gids {
		cost[a] = make([]float64, len(tids))
		for b, t := range tids {
			cost[a][b] = -float64(m.pairs[[2]int{g, t}])
		}
	}
	n := 0
	for a, b := range assignMin(cost) {
		if b >= 0 {
			n += m.pairs[[2]int{gids[a], tids[b]}]
		}
	}
	return n
}

// assignMin solves the rectangular assignment problem: it pairs rows and
// columns one to one, as many pairs as the smaller side has, so that the
// total cost of the pairs is least. It returns, for each row, its column
// or -1. Every row of cost has the same length.
//
// Note: the Hungarian method with potentials, one shortest augmenting
// path per row (Jonker and Volgenant's form, as e-maxx gives it):
// O(rows^2 cols) for rows <= cols; a wider-than-tall problem is solved
// transposed.
func assignMin(cost [][]float64) []int {
	n := len(cost)
	if n == 0 {
		return nil
	}
	m := len(cost[0])
	out := make([]int, n)
	for i := range out {
		out[i] = -1
	}
	if m == 0 {
		return out
	}
	if n > m {
		t := make([][]float64, m)
		for j := range t {
			t[j] = make([]float64, n)
			for i := range n {
				t[j][i] = cost[i][j]
			}
		}
		for j, i := range assignMin(t) {
			out[i] = j
		}
		return out
	}
	// 1-based as in the classic formulation: row 0 and column 0 are the
	// virtual start.
	u := make([]float64, n+1)
	v := make([]float64, m+1)
	p := make([]int, m+1) // p[j]: the row matched to column j, 0 for none
	way := make([]int, m+1)
	minv := make([]float64, m+1)
	used := make([]bool, m+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = math.Inf(1)
			used[j] = false
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], math.Inf(1), 0
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				if c := cost[i0-1][j-1] - u[i0] - v[j]; c < minv[j] {
					minv[j], way[j] = c, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	for j := 1; j <= m; j++ {
		if p[j] > 0 {
			out[p[j]-1] = j - 1
		}
	}
	return out
}
