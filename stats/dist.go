package stats

import (
	"maps"
	"math"
	"slices"
	"sync"

	"github.com/montanaflynn/stats"
)

// exactU returns the null distribution of U for a sample of m values drawn
// from pooled values with the doubled midranks ranks2 (2 × the midrank, so
// integers; in any order): count[u2] is the number of the C(N, m) ways to
// choose the m values whose U, the sum of their ranks minus m(m+1)/2, is
// u2/2.
//
// Note: the counts come from the generating function of the rank sum,
// built one group of tied values at a time. A group of t values at doubled
// rank r contributes c of its values to the sample in C(t, c) ways, adding
// c·r to the doubled rank sum; dp[j][s] counts the ways to pick j values
// so far with doubled rank sum s. Only additions and products of positive
// integers, so no cancellation, and exact while below 2^53.
func exactU(ranks2 []int, m int) []float64 {
	N := len(ranks2)
	if m > N-m {
		// Count the other sample's, which is cheaper: U_y = n·m - U_x.
		c := exactU(ranks2, N-m)
		for i, j := 0, len(c)-1; i < j; i, j = i+1, j-1 {
			c[i], c[j] = c[j], c[i]
		}
		return c
	}
	// Group the ranks, and scale by 2 where they are all even (no ties
	// at an odd count), which halves the table.
	groups := map[int]int{}
	scale := 2
	for _, r := range ranks2 {
		groups[r]++
		if r%2 != 0 {
			scale = 1
		}
	}
	// The largest doubled rank sum m values can have, scaled.
	top := 0
	for _, r := range slices.Sorted(slices.Values(ranks2))[N-m:] {
		top += r
	}
	top /= scale
	dp := make([][]float64, m+1)
	for j := range dp {
		dp[j] = make([]float64, top+1)
	}
	dp[0][0] = 1
	seen := 0
	for _, r := range slices.Sorted(maps.Keys(groups)) {
		t, rs := groups[r], r/scale
		seen += t
		for j := min(m, seen); j >= 1; j-- {
			row := dp[j]
			for c := 1; c <= min(t, j); c++ {
				coef := float64(stats.Ncr(t, c))
				from, shift := dp[j-c], c*rs
				for s := shift; s <= top; s++ {
					if v := from[s-shift]; v != 0 {
						row[s] += coef * v
					}
				}
			}
		}
	}
	// Doubled U = doubled rank sum - m(m+1).
	count := make([]float64, 2*m*(N-m)+1)
	low := m * (m + 1)
	for s, v := range dp[m] {
		if v != 0 {
			count[s*scale-low] = v
		}
	}
	return count
}

// noTies caches exactU for pooled values without ties, keyed by [n, m]: a
// Comparison's interval needs it whatever the data.
var noTies sync.Map

// exactUNoTies returns exactU for n and m values without ties.
func exactUNoTies(n, m int) []float64 {
	key := [2]int{n, m}
	if c, ok := noTies.Load(key); ok {
		return c.([]float64)
	}
	ranks2 := make([]int, n+m)
	for i := range ranks2 {
		ranks2[i] = 2 * (i + 1)
	}
	c := exactU(ranks2, m)
	noTies.Store(key, c)
	return c
}

// choose returns C(n, k) as a float64: exact where it fits an int,
// through logs beyond.
func choose(n, k int) float64 {
	if c := stats.Ncr(n, k); c != math.MaxInt {
		return float64(c)
	}
	return math.Exp(lchoose(n, k))
}
