package sweeprun

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/sweeps"
)

// Shard is the part of a sweep's trials one machine runs: every Nth trial
// from the Ith (0 <= I < N).
type Shard struct{ I, N int }

// String returns "I/N", or "" for a whole sweep.
func (s Shard) String() string {
	if s.N <= 1 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.I, s.N)
}

// ParseShard reads the shard from --shard I/N (flagValue), or when that is
// empty from a Kubernetes Indexed Job's JOB_COMPLETION_INDEX and
// JOB_COMPLETIONS, read with getenv; neither means the whole sweep.
func ParseShard(flagValue string, getenv func(string) string) (Shard, error) {
	if flagValue != "" {
		i, n, err := record.ParseShard(flagValue)
		return Shard{i, n}, err
	}
	idx, total := getenv("JOB_COMPLETION_INDEX"), getenv("JOB_COMPLETIONS")
	switch {
	case idx == "" && total == "":
		return Shard{0, 1}, nil
	case idx == "" || total == "":
		return Shard{}, errors.New("JOB_COMPLETION_INDEX and JOB_COMPLETIONS must be set together (or pass --shard I/N)")
	}
	i, n, err := record.ParseShard(idx + "/" + total)
	if err != nil {
		return Shard{}, fmt.Errorf("JOB_COMPLETION_INDEX=%s JOB_COMPLETIONS=%s: %v", idx, total, err)
	}
	return Shard{i, n}, nil
}

// Completeness says which runs of its sweep a merged folder still lacks:
// a line for the user, or "" when the folder's spec cannot be read here.
func Completeness(dir string) string {
	spec, err := sweeps.Load(filepath.Join(dir, record.SpecFile))
	if err != nil {
		// Note: a spec whose inputs live only on the shards' machines does
		// not validate here; completeness is then left unsaid.
		return ""
	}
	results, _, err := record.ReadResults(filepath.Join(dir, record.ResultsFile))
	if err != nil {
		return ""
	}
	missing := Pending(spec.Plan(), DoneRuns(results))
	if len(missing) == 0 {
		return fmt.Sprintf("complete: every run of sweep %s is recorded", spec.Name)
	}
	return fmt.Sprintf("incomplete: %d of %d runs of sweep %s are not recorded (unfinished shards?)", len(missing), len(spec.Plan().Runs()), spec.Name)
}
