// Package runner runs sweep trials as child processes, samples the resources
// they use, and writes and reads the result record (one JSON line per run)
// that reports and the gate consume.
package record

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ftbench/ftbench/pipeline/config"
)

// Input is one video that trials run on.
type Input struct {
	// Name identifies the input across machines: the video's base name, or
	// the fixture's name for a generated clip. It is what trial ids hash,
	// never the path.
	Name string `json:"name"`
	// Video is the path of the video on this machine.
	Video string `json:"video"`
	// GroundTruth is the path of its ground-truth file, empty when none.
	GroundTruth string `json:"gt,omitempty"`
	// Size is the video's size in bytes; 0 for a fixture.
	Size int64 `json:"size,omitempty"`
	// Fixture names the generated fixture this input is, empty for a file.
	Fixture string `json:"fixture,omitempty"`
}

// key is the part of an input that trial ids hash.
//
// Note: a fixture is identified by its name alone because generating a
// fixture is deterministic (same spec, same bytes); a file by its base name
// and size, so that the same clip in different folders or on different
// machines gives the same ids.
func (in Input) key() string {
	if in.Fixture != "" {
		return "fixture:" + in.Fixture
	}
	return "file:" + in.Name + ":" + strconv.FormatInt(in.Size, 10)
}

// Setting is one axis value of a trial.
type Setting struct {
	Key   string
	Value any
}

// Trial is one pipeline configuration on one input: the unit that a sweep
// expands into and that results are grouped by.
type Trial struct {
	ID     string        // stable: see TrialID
	Label  string        // the axis values, "batch=8,decoder_threads=2"; "base" without axes
	Index  int           // position in the sweep's expansion
	Axes   []Setting     // axis values in axis order
	Config config.Config // the complete configuration the child runs
	Input  Input
}

// TrialID returns the stable id of running cfg on in: 12 hex digits of the
// SHA-256 of the canonical JSON of the whole config and the input's key.
//
// Note: the whole config is hashed, not just the axis values, so two sweeps
// that reach the same config through different axes and bases share ids,
// and a changed default gives new ids. A field added to config.Config
// changes every id, which is right: the pipeline changed.
func TrialID(cfg config.Config, in Input) string {
	data, err := json.Marshal(struct {
		Config map[string]any `json:"config"`
		Input  string         `json:"input"`
	}{cfg.Map(), in.key()})
	if err != nil {
		panic(err) // a Config always marshals
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])[:12]
}

// Label renders axis settings as "k=v,k=v"; "base" when there are none.
func Label(axes []Setting) string {
	if len(axes) == 0 {
		return "base"
	}
	parts := make([]string, len(axes))
	for i, s := range axes {
		parts[i] = s.Key + "=" + FormatValue(s.Value)
	}
	return strings.Join(parts, ",")
}

// FormatValue renders a config value the way labels and messages show it.
func FormatValue(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return x
	default:
		return fmt.Sprint(x)
	}
}

// Plan is an expanded sweep: every trial, how often each runs, and the
// limit on one run.
type Plan struct {
	Name    string
	Trials  []Trial
	Warmups int // runs of each trial before the counted ones, flagged and not counted
	Repeats int // counted runs of each trial (the least, when MaxRepeats is larger)
	// MaxRepeats is the most counted runs a trial may get when the sweep
	// repeats until decided: past Repeats, a trial gets another round
	// only while its objective's median interval is wider than CI. A
	// value at or below Repeats means exactly Repeats.
	MaxRepeats int
	// CI is the relative half-width of the objective's median interval
	// at which a trial stops adding rounds; 0 for a fixed count.
	CI      float64
	Timeout time.Duration // per run; 0 means none
}

// Run is one execution of a trial: one line in results.jsonl.
type Run struct {
	Trial      *Trial
	Round      int  // 0-based; the warm-up rounds come first
	Warmup     bool // a warm-up round, not counted
	Repetition int  // 0-based within the warm-ups, or within the counted runs
}

// Key identifies a run within a sweep.
func (r Run) Key() RunKey { return RunKey{TrialID: r.Trial.ID, Round: r.Round} }

// RunKey identifies a run: a trial and a round.
type RunKey struct {
	TrialID string
	Round   int
}

// Runs returns the plan's runs in execution order: round by round, every
// trial once per round in expansion order (A B C A B C ...).
//
// Note: interleaving rounds spreads a drift in machine speed (thermal
// throttling, a noisy neighbour) over all configs instead of biasing the
// ones that happen to run late.
func (p Plan) Runs() []Run {
	rounds := p.Warmups + p.Repeats
	runs := make([]Run, 0, rounds*len(p.Trials))
	for round := 0; round < rounds; round++ {
		runs = append(runs, p.Round(round, nil)...)
	}
	return runs
}

// Round returns the runs of one round (0-based, warm-ups first) in
// expansion order, of the trials keep accepts (every trial when keep is
// nil).
func (p Plan) Round(round int, keep func(*Trial) bool) []Run {
	var runs []Run
	for i := range p.Trials {
		if keep != nil && !keep(&p.Trials[i]) {
			continue
		}
		r := Run{Trial: &p.Trials[i], Round: round, Warmup: round < p.Warmups, Repetition: round}
		if !r.Warmup {
			r.Repetition = round - p.Warmups
		}
		runs = append(runs, r)
	}
	return runs
}

// Adaptive reports whether the plan repeats until decided: trials may get
// rounds past Repeats, up to MaxRepeats.
func (p Plan) Adaptive() bool { return p.MaxRepeats > p.Repeats && p.CI > 0 }

// Shard returns the plan restricted to shard i of n (0 <= i < n): the trials
// whose expansion index is i modulo n, each with all its rounds.
//
// Note: shards split trials, not runs, so every shard measures complete
// samples and the union of all shards is exactly the whole sweep.
func (p Plan) Shard(i, n int) Plan {
	if n <= 1 {
		return p
	}
	q := p
	q.Trials = nil
	for _, t := range p.Trials {
		if t.Index%n == i {
			q.Trials = append(q.Trials, t)
		}
	}
	return q
}

// ParseShard parses "I/N" with 0 <= I < N.
func ParseShard(s string) (i, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	if ok {
		var err1, err2 error
		i, err1 = strconv.Atoi(strings.TrimSpace(a))
		n, err2 = strconv.Atoi(strings.TrimSpace(b))
		if err1 == nil && err2 == nil && n >= 1 && i >= 0 && i < n {
			return i, n, nil
		}
	}
	return 0, 0, fmt.Errorf("shard %q: want I/N with 0 <= I < N, for example 0/4", s)
}
