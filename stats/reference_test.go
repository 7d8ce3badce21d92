package stats

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// reference is stats/testdata/reference.json, written by
// scripts/stats-reference.py from SciPy and brute-force enumeration.
type reference struct {
	ExactLimit  int `json:"exact_limit"`
	MannWhitney []struct {
		Name        string    `json:"name"`
		X           []float64 `json:"x"`
		Y           []float64 `json:"y"`
		Alternative string    `json:"alternative"`
		U           float64   `json:"u"`
		PExact      *float64  `json:"p_exact"`
		PAsymptotic float64   `json:"p_asymptotic"`
		MinP        float64   `json:"min_p"`
	} `json:"mann_whitney"`
	MedianCI []struct {
		N        int     `json:"n"`
		Level    float64 `json:"level"`
		K        int     `json:"k"`
		Coverage float64 `json:"coverage"`
	} `json:"median_ci"`
	Summaries []struct {
		Name       string    `json:"name"`
		Values     []float64 `json:"values"`
		Level      float64   `json:"level"`
		Center     float64   `json:"center"`
		CV         float64   `json:"cv"`
		K          int       `json:"k"`
		Confidence float64   `json:"confidence"`
		Lo, Hi     *float64
	} `json:"summaries"`
	Shifts []struct {
		Name       string    `json:"name"`
		X          []float64 `json:"x"`
		Y          []float64 `json:"y"`
		Alpha      float64   `json:"alpha"`
		Logs       bool      `json:"logs"`
		Estimate   float64   `json:"estimate"`
		K          int       `json:"k"`
		Confidence float64   `json:"confidence"`
		Lo, Hi     *float64
	} `json:"shifts"`
	WelchLog []struct {
		Name  string             `json:"name"`
		X     []float64          `json:"x"`
		Y     []float64          `json:"y"`
		Alpha float64            `json:"alpha"`
		Shift float64            `json:"shift"`
		T     float64            `json:"t"`
		DF    float64            `json:"df"`
		Lo    float64            `json:"lo"`
		Hi    float64            `json:"hi"`
		P     map[string]float64 `json:"p"`
	} `json:"welch_log"`
}

func readReference(t *testing.T) reference {
	t.Helper()
	b, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref reference
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatalf("testdata/reference.json: %v", err)
	}
	if ref.ExactLimit != DefaultOptions().ExactLimit {
		t.Fatalf("testdata/reference.json assumes an exact limit of %d, the default is %d: rerun scripts/stats-reference.py",
			ref.ExactLimit, DefaultOptions().ExactLimit)
	}
	return ref
}

var alternatives = map[string]Alternative{"two-sided": TwoSided, "greater": Greater, "less": Less}

func TestMannWhitneyReference(t *testing.T) {
	t.Parallel()
	for _, c := range readReference(t).MannWhitney {
		t.Run(c.Name+"/"+c.Alternative, func(t *testing.T) {
			t.Parallel()
			x, y := NewSample(c.X), NewSample(c.Y)
			o := Options{Alternative: alternatives[c.Alternative]}
			got := MannWhitney(x, y, o)
			if got.U != c.U {
				t.Errorf("U = %g, want %g", got.U, c.U)
			}
			if !close(got.MinP, c.MinP, 1e-12) {
				t.Errorf("MinP = %g, want %g", got.MinP, c.MinP)
			}
			if c.PExact != nil {
				if !got.Exact || !close(got.P, *c.PExact, 1e-9) {
					t.Errorf("exact P = %.17g (exact %t), want %.17g", got.P, got.Exact, *c.PExact)
				}
			} else if got.Exact || !close(got.P, c.PAsymptotic, 1e-9) {
				t.Errorf("P = %.17g (exact %t), want the normal approximation's %.17g", got.P, got.Exact, c.PAsymptotic)
			}
			o.ExactLimit = -1
			if a := MannWhitney(x, y, o); a.Exact || !close(a.P, c.PAsymptotic, 1e-9) {
				t.Errorf("normal approximation P = %.17g (exact %t), want %.17g", a.P, a.Exact, c.PAsymptotic)
			}
		})
	}
}

func TestMedianCIRankReference(t *testing.T) {
	t.Parallel()
	for _, c := range readReference(t).MedianCI {
		k, cov := medianCIRank(c.N, c.Level)
		if k != c.K || !close(cov, c.Coverage, 1e-12) {
			t.Errorf("n=%d level %g: k=%d coverage %.17g, want k=%d coverage %.17g", c.N, c.Level, k, cov, c.K, c.Coverage)
		}
	}
}

func TestSummarizeReference(t *testing.T) {
	t.Parallel()
	for _, c := range readReference(t).Summaries {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			s := Summarize(c.Values, Options{Confidence: c.Level})
			if s.N != len(c.Values) || s.Center != c.Center || !close(s.CV, c.CV, 1e-12) {
				t.Errorf("n=%d median %g CV %.17g, want n=%d median %g CV %.17g", s.N, s.Center, s.CV, len(c.Values), c.Center, c.CV)
			}
			if !close(s.Confidence, c.Confidence, 1e-12) {
				t.Errorf("confidence %.17g, want %.17g", s.Confidence, c.Confidence)
			}
			checkInterval(t, s.Lo, s.Hi, c.Lo, c.Hi, 0)
		})
	}
}

func TestHodgesLehmannReference(t *testing.T) {
	t.Parallel()
	for _, c := range readReference(t).Shifts {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			x, y := NewSample(c.X), NewSample(c.Y)
			o := Options{Alpha: c.Alpha}
			if k, _ := shiftCIRank(len(c.X), len(c.Y), o.withDefaults()); k != c.K {
				t.Errorf("alpha %g: rank %d, want %d", c.Alpha, k, c.K)
			}
			if c.Logs {
				cmp := Compare(x, y, o)
				if !cmp.Logs || !close(cmp.Ratio, math.Exp(c.Estimate), 1e-12) || !close(cmp.Confidence, c.Confidence, 1e-9) {
					t.Errorf("ratio %.17g (logs %t) confidence %.17g, want %.17g confidence %.17g",
						cmp.Ratio, cmp.Logs, cmp.Confidence, math.Exp(c.Estimate), c.Confidence)
				}
				lo, hi := c.Lo, c.Hi
				if lo != nil {
					elo, ehi := math.Exp(*lo), math.Exp(*hi)
					lo, hi = &elo, &ehi
				}
				checkInterval(t, cmp.Lo, cmp.Hi, lo, hi, 1e-12)
				x, y = logs(x), logs(y)
			}
			s := HodgesLehmann(x, y, o)
			if !close(s.Estimate, c.Estimate, 1e-12) || !close(s.Confidence, c.Confidence, 1e-9) {
				t.Errorf("shift %.17g confidence %.17g, want %.17g confidence %.17g", s.Estimate, s.Confidence, c.Estimate, c.Confidence)
			}
			checkInterval(t, s.Lo, s.Hi, c.Lo, c.Hi, 1e-12)
		})
	}
}

// checkInterval compares [lo, hi] with the reference's, where nil means
// no interval: [-Inf, +Inf].
func checkInterval(t *testing.T, lo, hi float64, wantLo, wantHi *float64, rel float64) {
	t.Helper()
	if wantLo == nil {
		if !math.IsInf(lo, -1) || !math.IsInf(hi, 1) {
			t.Errorf("interval [%g, %g], want [-Inf, +Inf]", lo, hi)
		}
		return
	}
	if !close(lo, *wantLo, rel) || !close(hi, *wantHi, rel) {
		t.Errorf("interval [%.17g, %.17g], want [%.17g, %.17g]", lo, hi, *wantLo, *wantHi)
	}
}

func TestWelchLogReference(t *testing.T) {
	t.Parallel()
	ref := readReference(t)
	if len(ref.WelchLog) == 0 {
		t.Fatal("testdata/reference.json has no welch_log cases: rerun scripts/stats-reference.py")
	}
	for _, c := range ref.WelchLog {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			x, y := NewSample(c.X), NewSample(c.Y)
			for alt, want := range c.P {
				o := Options{Alpha: c.Alpha, Alternative: alternatives[alt], Test: WelchLogTest}
				got := WelchLog(x, y, o)
				if !close(got.Shift, c.Shift, 1e-12) || !close(got.T, c.T, 1e-10) || !close(got.DF, c.DF, 1e-10) {
					t.Errorf("shift %.17g t %.17g df %.17g, want %.17g %.17g %.17g", got.Shift, got.T, got.DF, c.Shift, c.T, c.DF)
				}
				if !close(got.P, want, 1e-9) {
					t.Errorf("%s: P = %.17g, want %.17g", alt, got.P, want)
				}
				checkInterval(t, got.Lo, got.Hi, &c.Lo, &c.Hi, 1e-9)
				cmp := Compare(x, y, o)
				if cmp.Test != WelchLogTest || cmp.P != got.P || !close(cmp.Ratio, math.Exp(c.Shift), 1e-12) ||
					!close(cmp.Lo, math.Exp(c.Lo), 1e-9) || !close(cmp.Hi, math.Exp(c.Hi), 1e-9) || cmp.Confidence != 1-c.Alpha {
					t.Errorf("Compare: %s P %g ratio %g [%g, %g] at %g", cmp.Test, cmp.P, cmp.Ratio, cmp.Lo, cmp.Hi, cmp.Confidence)
				}
			}
		})
	}
}
