// Package stats summarizes and compares samples of benchmark measurements:
// the runs of one trial, or the runs of a baseline against a candidate. It
// is the one place ftbench computes a median, an interval or a p-value; the
// gate and the reports only read its results. It never prints.
//
// The shape follows golang.org/x/perf's benchmath: a Sample is summarized
// by its median with a confidence interval (Summary), and two samples are
// compared by the Mann-Whitney U test (Comparison), or on request by
// Welch's t-test on logs, with warnings, never errors, when the data are
// too few to say much. Tunables live in Options.
//
// # Assumptions
//
// The runs of a sample are independent draws from one distribution; nothing
// is assumed about its shape (benchmark timings are rarely normal). Under
// that assumption alone the interval of a median, from order statistics and
// the binomial distribution, and the U test's p-value are exact. The
// Hodges-Lehmann shift and its interval further assume that the two
// distributions differ by a shift (of the logs, for Compare's ratio: a
// slowdown makes every run slower by about the same factor).
//
// # The significance rule: P <= Alpha
//
// A comparison is significant when P <= Alpha. A p-value is the probability,
// with no difference, of a result at least as extreme as the one seen, so
// rejecting when P <= Alpha wrongly rejects with probability at most Alpha:
// that is what a test at level Alpha means. The exact U test has only a few
// attainable p-values for small samples, and Alpha is often one of them:
// three runs a side completely separated give a one-sided P of exactly 1/20
// = 0.05. P < Alpha would throw that outcome away and make the test
// stricter than the level it claims, and it would break the duality with
// the shift interval, which excludes no change exactly when the two-sided
// P <= Alpha. (benchmath's own comments say P < Alpha, but benchstat prints
// a difference, not "~", when P == Alpha, and counts Alpha as reachable when
// the smallest attainable P equals it: P <= Alpha in effect.) Exact p-values
// are one exact division of two integer counts, so P lands on the same
// float64 as a level written as a decimal (1/20 and 0.05 are one number);
// counts are exact below 2^53, as they always are for up to 56 pooled runs.
//
// # The interval rule for small samples: infinite
//
// Lo and Hi always bound the median (or the shift) with at least the
// confidence asked for. When the sample is too small for any pair of order
// statistics to reach it (fewer than 6 runs for a 95% interval of a median,
// fewer than 4 a side for a 95% interval of a shift), Lo is -Inf and Hi is
// +Inf, with a warning that says how many runs would do. The sample's range
// is not offered instead: five runs' range covers the median only 94% of the
// time, and a caller reading Lo and Hi would show it as a 95% interval. The
// actual coverage of a finite interval, which order statistics give in
// steps, is in Confidence. This is benchmath's rule; for the shift it also
// matches the test: too few runs a side for an interval are too few for a
// two-sided P to reach Alpha.
//
// # The U test
//
// Ties get midranks. For pooled samples up to Options.ExactLimit runs (100
// by default) P comes from the exact permutation distribution of the rank
// sum given the ties (every way to split the pooled midranks into the two
// sample sizes, counted by dynamic programming over the groups of tied
// values); beyond that from the normal approximation with the tie
// correction of the variance and a continuity correction of 1/2, as SciPy's
// mannwhitneyu(method="asymptotic", use_continuity=True) computes it. The
// two-sided P is twice the smaller one-sided P, at most 1. With ties the
// distribution need not be symmetric, so "as far from the mean" would be
// another rule; doubling keeps a two-sided test at Alpha the same as two
// one-sided tests at Alpha/2, which is what the interval inverts.
//
// The shift interval (Moses') is the pair of order statistics of the n*m
// pairwise differences whose ranks come from U's distribution for data
// without ties: exact up to ExactLimit, normal (continuity-corrected)
// beyond. Its coverage holds for continuous data; for data with ties the
// test, which conditions on them, is the sharper statement.
//
// # Welch's t-test on logs
//
// The U test has no power for tiny samples: with 3 runs a side its
// smallest two-sided P is 2/20 = 0.1, so nothing can be significant at
// 0.05 (Comparison.Powerless). Options.Test = WelchLogTest makes Compare
// use Welch's t-test on the logs of the values instead, which can reach
// any level with 2 runs a side, at the price of an assumption the U test
// does not make: that the logs are about normal (each side's own
// variance; no equal-variance assumption). Its ratio is that of the
// geometric means, with the t interval at 1 - Alpha, which excludes 1
// exactly when the two-sided P <= Alpha. P comes from Student's t
// distribution with the Welch-Satterthwaite degrees of freedom, as SciPy's
// ttest_ind(..., equal_var=False) computes it. Comparison.Test says which
// test decided, so a caller can say so.
//
// Reference values for the tests come from SciPy and brute-force
// enumeration, computed by scripts/stats-reference.py into
// testdata/reference.json.
package stats
