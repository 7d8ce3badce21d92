#!/usr/bin/python3
"""stats-reference.py: reference values for the stats package's tests.

Computes, independently of the Go code, what stats.MannWhitney,
stats.Summarize, stats.HodgesLehmann, stats.WelchLog and stats.Compare
should give on a set of samples, and writes them to stats/testdata/reference.json, which
stats/reference_test.go reads. CI does not need SciPy: the JSON is
committed. Rerun after adding a case (Debian's SciPy, not a pyenv Python):

    apt-get install -y python3-scipy
    /usr/bin/python3 scripts/stats-reference.py   # from the repository root

Sources of each number:
  - U test, exact: brute-force enumeration of every split of the pooled
    midranks (itertools.combinations) where there are at most 10^6 splits;
    beyond, a generating-function count in Python integers, checked here
    against the enumeration and, for samples without ties, against
    scipy.stats.mannwhitneyu(method="exact") (which ignores ties).
  - U test, normal approximation: scipy.stats.mannwhitneyu(
    method="asymptotic", use_continuity=True), tie-corrected.
  - Two-sided exact p: twice the smaller one-sided tail, at most 1 (the
    package doc says why).
  - Median interval: the largest k with 1 - 2 binom.cdf(k-1, n, 1/2) >=
    level, scipy.stats.binom.
  - Hodges-Lehmann: the median of all pairwise differences y - x (NumPy);
    the interval's rank k, the largest with 2 P(U <= k-1) <= alpha for U
    without ties, from scipy.stats.mannwhitneyu(method="exact") on samples
    built to have each U, or from the normal approximation with a
    continuity correction beyond 100 pooled values.
  - Welch's t-test on logs: scipy.stats.ttest_ind(np.log(x), np.log(y),
    equal_var=False), whose statistic is x's mean minus y's (the Go T is
    y's minus x's) and whose alternative is about x (Greater for y is
    "less" for x); the degrees of freedom by the Welch-Satterthwaite
    formula, checked against the p-value through scipy.stats.t; the
    interval from scipy.stats.t.ppf.
"""

import itertools
import json
import math
import os
import re
import sys
from fractions import Fraction

import numpy as np
from scipy import special, stats

# Must match stats.DefaultOptions().ExactLimit.
EXACT_LIMIT = 100
BRUTE_LIMIT = 10**6

rng = np.random.default_rng(20240611)


def midranks2(pooled):
    """Doubled midranks (integers) of the pooled values."""
    r = stats.rankdata(pooled, method="average")
    return [int(round(2 * v)) for v in r]


def u_of_y(x, y):
    """U of y: pairs with y > x, ties counting half."""
    return sum((b > a) + 0.5 * (b == a) for a in x for b in y)


def tails_brute(ranks2, m, s_obs):
    """Counts of splits with y's doubled rank sum >= s_obs, <= s_obs, total."""
    ge = le = total = 0
    for idx in itertools.combinations(range(len(ranks2)), m):
        s = sum(ranks2[i] for i in idx)
        ge += s >= s_obs
        le += s <= s_obs
        total += 1
    return ge, le, total


def rank_sum_poly(ranks2, m):
    """{doubled rank sum: count} over the ways to choose m of the pooled
    values, as a product over the tied groups (Python integers)."""
    groups = {}
    for r in ranks2:
        groups[r] = groups.get(r, 0) + 1
    poly = {(0, 0): 1}  # (chosen, doubled sum) -> ways
    for r, t in groups.items():
        nxt = {}
        for (j, s), ways in poly.items():
            for c in range(0, min(t, m - j) + 1):
                key = (j + c, s + c * r)
                nxt[key] = nxt.get(key, 0) + ways * math.comb(t, c)
        poly = nxt
    return {s: w for (j, s), w in poly.items() if j == m}


def tails_poly(ranks2, m, s_obs):
    dist = rank_sum_poly(ranks2, m)
    ge = sum(w for s, w in dist.items() if s >= s_obs)
    le = sum(w for s, w in dist.items() if s <= s_obs)
    return ge, le, sum(dist.values())


def p_from_tails(alt, ge, le, total):
    if alt == "greater":
        p = Fraction(ge, total)
    elif alt == "less":
        p = Fraction(le, total)
    else:
        p = min(Fraction(1), 2 * Fraction(min(ge, le), total))
    return float(p)


def mw_case(name, x, y, alt):
    x, y = [float(v) for v in x], [float(v) for v in y]
    n, m = len(x), len(y)
    N = n + m
    ranks2 = midranks2(x + y)
    s_obs = sum(ranks2[n:])
    u = u_of_y(x, y)
    assert abs(u - (s_obs / 2 - m * (m + 1) / 2)) < 1e-9
    ties = len(set(ranks2)) < N
    case = {"name": name, "x": x, "y": y, "alternative": alt, "u": u, "ties": ties}
    if N <= EXACT_LIMIT:
        if math.comb(N, m) <= BRUTE_LIMIT:
            ge, le, total = tails_brute(ranks2, m, s_obs)
            assert (ge, le, total) == tails_poly(ranks2, m, s_obs), name
            case["exact_by"] = "enumeration"
        else:
            ge, le, total = tails_poly(ranks2, m, s_obs)
            case["exact_by"] = "generating function"
        case["p_exact"] = p_from_tails(alt, ge, le, total)
        if not ties:
            sp = stats.mannwhitneyu(y, x, alternative=alt, method="exact").pvalue
            assert math.isclose(sp, case["p_exact"], rel_tol=1e-9), (name, sp, case["p_exact"])
            case["exact_by"] += ", scipy exact"
    res = stats.mannwhitneyu(y, x, alternative=alt, method="asymptotic", use_continuity=True)
    case["p_asymptotic"] = float(res.pvalue)
    assert math.isclose(float(res.statistic), u), name
    c = math.comb(N, n)
    case["min_p"] = float(min(Fraction(1), Fraction(2 if alt == "two-sided" else 1, c)))
    return case


def ties_sample(k, low, high):
    return [float(v) for v in rng.integers(low, high, size=k)]


def smooth(k, loc, scale):
    return [float(v) for v in loc + scale * rng.standard_normal(k)]


def mw_cases():
    samples = [
        ("separated 5+5", [1, 2, 3, 4, 5], [6, 7, 8, 9, 10]),
        ("interleaved 4+4", [1, 3, 5, 7], [2, 4, 6, 8]),
        ("separated 3+3", [4, 5, 6], [1, 2, 3]),
        ("ties 6+6", [1, 2, 2, 3, 3, 3], [3, 4, 4, 5, 5, 6]),
        ("ties 2+2", [1, 4], [1, 3]),
        ("all equal 3+3", [2, 2, 2], [2, 2, 2]),
        ("one value against 39", [100], list(range(1, 40))),
        ("heavy ties 8+9", ties_sample(8, 0, 4), ties_sample(9, 1, 5)),
        ("ties 5+12", ties_sample(5, 0, 6), ties_sample(12, 0, 6)),
        ("ties 10+10", ties_sample(10, 0, 8), ties_sample(10, 2, 10)),
        ("ties 25+30", ties_sample(25, 0, 20), ties_sample(30, 3, 23)),
        ("no ties 20+25", smooth(20, 100, 5), smooth(25, 103, 5)),
        ("no ties 50+50", smooth(50, 100, 5), smooth(50, 101, 5)),
        ("ties 60+70", ties_sample(60, 0, 30), ties_sample(70, 2, 32)),
        ("no ties 80+90", smooth(80, 10, 1), smooth(90, 10.2, 1)),
    ]
    return [mw_case(name, x, y, alt) for name, x, y in samples for alt in ("two-sided", "greater", "less")]


def median_ci_rank(n, level):
    k, cov = 0, 1.0
    for j in range(1, n // 2 + 1):
        c = 1 - 2 * stats.binom.cdf(j - 1, n, 0.5)
        if c < level:
            break
        k, cov = j, float(c)
    return k, cov


def median_cases():
    out = []
    for level in (0.5, 0.9, 0.9375, 0.95, 0.99):
        for n in list(range(1, 13)) + [15, 20, 30, 50, 100, 200, 1001, 1500]:
            k, cov = median_ci_rank(n, level)
            out.append({"n": n, "level": level, "k": k, "coverage": cov})
    return out


def summary_case(name, xs, level):
    a = np.sort(np.array(xs, dtype=float))
    n = len(a)
    k, cov = median_ci_rank(n, level)
    med = float(np.median(a))
    mad = float(stats.median_abs_deviation(a, scale=1.0))
    if mad == 0:
        cv = 0.0
    else:
        cv = 1.4826 * mad / abs(med)
    case = {"name": name, "values": [float(v) for v in xs], "level": level, "center": med, "cv": cv,
            "k": k, "confidence": cov}
    if k > 0:
        case["lo"], case["hi"] = float(a[k - 1]), float(a[n - k])
    return case


def summary_cases():
    return [
        summary_case("outlier", [10, 12, 11, 13, 9, 10, 11, 12, 11, 100], 0.95),
        summary_case("five runs", [5, 3, 4, 1, 2], 0.95),
        summary_case("six runs", [6, 5, 4, 3, 2, 1], 0.95),
        summary_case("ties", [3, 3, 3, 4, 4, 5, 5, 5, 5, 6, 7], 0.9),
        summary_case("smooth 40", smooth(40, 700, 20), 0.95),
        summary_case("smooth 40 at 99%", smooth(40, 700, 20), 0.99),
        summary_case("negative", [-3, -2.5, -2, -1, -4, -3.5, -2.2], 0.5),
    ]


def u_cdf_no_ties(n, m, u):
    """P(U_y <= u) for n x's and m y's without ties, from SciPy's exact
    test on samples built to have U_y = u."""
    x = list(range(n))
    # y_j sits above c_j of the x's, with the c_j summing to u.
    cs, left = [], u
    for _ in range(m):
        c = min(n, left)
        cs.append(c)
        left -= c
    y = [c - 0.5 for c in cs]
    assert u_of_y(x, y) == u
    return float(stats.mannwhitneyu(y, x, alternative="less", method="exact").pvalue)


def shift_rank(n, m, alpha):
    nm = n * m
    if n + m <= EXACT_LIMIT:
        k, cov = 0, 1.0
        for u in range(0, nm // 2 + 1):
            cdf = u_cdf_no_ties(n, m, u)
            if 2 * cdf > alpha:
                break
            k, cov = u + 1, 1 - 2 * cdf
        return k, cov
    sd = math.sqrt(nm * (n + m + 1) / 12)
    z = stats.norm.ppf(1 - alpha / 2)
    k = math.floor(nm / 2 - z * sd + 0.5)
    if k < 1:
        return 0, 1.0
    return k, float(1 - 2 * stats.norm.cdf((k - 0.5 - nm / 2) / sd))


def shift_case(name, x, y, alpha, logs):
    x, y = [float(v) for v in x], [float(v) for v in y]
    tx, ty = (np.log(x), np.log(y)) if logs else (np.array(x), np.array(y))
    d = np.sort(np.array([b - a for a in tx for b in ty]))
    k, cov = shift_rank(len(x), len(y), alpha)
    case = {"name": name, "x": x, "y": y, "alpha": alpha, "logs": logs,
            "estimate": float(np.median(d)), "k": k, "confidence": cov}
    if k > 0:
        case["lo"], case["hi"] = float(d[k - 1]), float(d[len(d) - k])
    return case


def shift_cases():
    base = [300, 310, 290, 305, 295, 302, 298, 301, 299, 303]
    out = []
    for alpha in (0.05, 0.1, 0.01):
        out += [
            shift_case("scaled by 0.8", base, [0.8 * v for v in base], alpha, True),
            shift_case("3+3", [1, 2, 3], [4, 5, 6], alpha, False),
            shift_case("4+4", [1, 2, 3, 4], [2, 3, 5, 7], alpha, False),
            shift_case("with zeros", [0, 1, 2, 3, 4], [2, 3, 4, 5, 6], alpha, False),
            shift_case("ties 6+6", [1, 2, 2, 3, 3, 3], [3, 4, 4, 5, 5, 6], alpha, False),
            shift_case("log-normal 10+12", list(np.exp(smooth(10, 4.6, 0.04))), list(np.exp(smooth(12, 4.53, 0.04))), alpha, True),
            shift_case("7+30", smooth(7, 50, 3), smooth(30, 52, 3), alpha, False),
            shift_case("50+50", smooth(50, 100, 5), smooth(50, 101, 5), alpha, True),
            shift_case("60+70", smooth(60, 100, 5), smooth(70, 101, 5), alpha, True),
        ]
    return out


WELCH_FLIP = {"two-sided": "two-sided", "greater": "less", "less": "greater"}


def welch_case(name, x, y, alpha):
    x, y = [float(v) for v in x], [float(v) for v in y]
    lx, ly = np.log(x), np.log(y)
    n, m = len(x), len(y)
    sx, sy = np.var(lx, ddof=1) / n, np.var(ly, ddof=1) / m
    df = float((sx + sy) ** 2 / (sx**2 / (n - 1) + sy**2 / (m - 1)))
    se = math.sqrt(sx + sy)
    shift = float(np.mean(ly) - np.mean(lx))
    q = float(stats.t.ppf(1 - alpha / 2, df)) * se
    case = {"name": name, "x": x, "y": y, "alpha": alpha, "shift": shift, "df": df,
            "lo": shift - q, "hi": shift + q, "p": {}}
    for alt in ("two-sided", "greater", "less"):
        res = stats.ttest_ind(lx, ly, equal_var=False, alternative=WELCH_FLIP[alt])
        t = -float(res.statistic)
        assert math.isclose(t, shift / se, rel_tol=1e-12), name
        # The degrees of freedom above give SciPy's p-value.
        if alt == "two-sided":
            assert math.isclose(float(res.pvalue), float(2 * stats.t.sf(abs(t), df)), rel_tol=1e-9), name
        case["t"] = t
        case["p"][alt] = float(res.pvalue)
    return case


def welch_cases():
    base = [300, 310, 290, 305, 295, 302, 298, 301, 299, 303]
    ln = lambda k, mu, sigma: list(np.exp(smooth(k, mu, sigma)))
    return [
        welch_case("separated 3+3", [1, 2, 3], [4, 5, 6], 0.05),
        welch_case("separated 3+3 at 0.1", [1, 2, 3], [4, 5, 6], 0.1),
        welch_case("2+2", [10, 11], [12, 14], 0.05),
        welch_case("log-normal 3+3", ln(3, 6.5, 0.03), ln(3, 6.4, 0.03), 0.05),
        welch_case("scaled by 0.8", base, [0.8 * v for v in base], 0.05),
        welch_case("log-normal 10+12", ln(10, 4.6, 0.04), ln(12, 4.53, 0.04), 0.05),
        welch_case("unequal spreads 5+20", ln(5, 3, 0.2), ln(20, 3.05, 0.02), 0.01),
        welch_case("ties 8+9", [1, 2, 2, 3, 3, 3, 4, 4], [2, 3, 3, 4, 4, 4, 5, 5, 6], 0.05),
        welch_case("60+70", ln(60, 4.6, 0.05), ln(70, 4.61, 0.05), 0.05),
    ]


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    ref = {
        "generated_by": "scripts/stats-reference.py",
        "scipy": __import__("scipy").__version__,
        "exact_limit": EXACT_LIMIT,
        "mann_whitney": mw_cases(),
        "median_ci": median_cases(),
        "summaries": summary_cases(),
        "shifts": shift_cases(),
        "welch_log": welch_cases(),
    }
    path = os.path.join(root, "stats", "testdata", "reference.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    text = json.dumps(ref, indent=1, allow_nan=False)
    # One line per list of numbers, for a readable diff.
    text = re.sub(r"\[[-0-9.e,\s]*\]", lambda mo: " ".join(mo.group(0).split()), text)
    with open(path, "w") as f:
        f.write(text + "\n")
    print("wrote", os.path.relpath(path), file=sys.stderr)


if __name__ == "__main__":
    main()
