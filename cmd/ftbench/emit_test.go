package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	"sigs.k8s.io/yaml"

	"github.com/ftbench/ftbench/cluster"
	"github.com/ftbench/ftbench/sweeps"
)

// TestSweepEmitKubernetes: `ftbench sweep sweeps/cpu2.toml --emit k8s`
// prints manifests that read back, strictly, into the Kubernetes API's own
// types, with one shard per trial in an Indexed Job that does not retry a
// failing index forever.
func TestSweepEmitKubernetes(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := sweepCLI("sweep", "../../sweeps/cpu2.toml", "--emit", "k8s", "--image", "ftbench:dev", "--parallelism", "4")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	spec, err := sweeps.Load("../../sweeps/cpu2.toml")
	if err != nil {
		t.Fatal(err)
	}
	var jobs []batchv1.Job
	for _, doc := range strings.Split(stdout, "\n---\n")[1:] {
		var kind struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &kind); err != nil {
			t.Fatal(err)
		}
		if kind.Kind != "Job" {
			continue
		}
		var j batchv1.Job
		if err := yaml.UnmarshalStrict([]byte(doc), &j); err != nil {
			t.Fatalf("a Job that does not read back into batchv1.Job: %v\n%s", err, doc)
		}
		jobs = append(jobs, j)
	}
	if len(jobs) != 2 {
		t.Fatalf("%d Jobs, want the sweep's and the merge's", len(jobs))
	}
	js := jobs[0].Spec
	shards := int32(len(spec.Trials()))
	switch {
	case js.CompletionMode == nil || *js.CompletionMode != batchv1.IndexedCompletion:
		t.Errorf("completionMode %v, want Indexed", js.CompletionMode)
	case js.Completions == nil || *js.Completions != shards:
		t.Errorf("completions %v, want one per trial (%d)", js.Completions, shards)
	case js.Parallelism == nil || *js.Parallelism != 4:
		t.Errorf("parallelism %v, want 4", js.Parallelism)
	case js.BackoffLimitPerIndex == nil:
		t.Error("no backoffLimitPerIndex: a failing index would be retried until the Job's limit")
	case js.PodFailurePolicy == nil || !slices.ContainsFunc(js.PodFailurePolicy.Rules, func(r batchv1.PodFailurePolicyRule) bool {
		return r.OnExitCodes != nil && slices.Contains(r.OnExitCodes.Values, int32(exitUsage)) && r.Action == batchv1.PodFailurePolicyActionFailIndex
	}):
		t.Errorf("podFailurePolicy %+v does not fail the index on exit %d", js.PodFailurePolicy, exitUsage)
	}
	if c := js.Template.Spec.Containers; len(c) != 1 || c[0].Image != "ftbench:dev" || !strings.Contains(strings.Join(c[0].Command, " "), "--shard $(JOB_COMPLETION_INDEX)/") {
		t.Errorf("containers %+v", c)
	}
	if code, _, stderr := sweepCLI("sweep", "../../sweeps/cpu2.toml", "--emit", "nomad"); code != exitUsage || !strings.Contains(stderr, `"nomad"`) {
		t.Errorf("--emit nomad: exit %d: %s", code, stderr)
	}
}

// TestSweepEmittedShardsMerge: the shards each engine would run, run here
// one after the other with the variable the engine sets, then the merge
// step, give exactly the single-machine sweep's (trial, round) records.
func TestSweepEmittedShardsMerge(t *testing.T) {
	// Not parallel: it replaces sweepEnv.
	defer func() { sweepEnv = os.Getenv }()
	spec := sweepSpec(t, 2, 1, "1m", "batch = [1, 2, 4]\ndecoder_threads = [1, 2]")
	// The merge step reports from the spec copied into the results, so
	// the spec names its video by an absolute path, as a cluster's must.
	text, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	text = bytes.Replace(text, []byte(`video = "clip.mp4"`), []byte(`video = "`+filepath.Join(filepath.Dir(spec), "clip.mp4")+`"`), 1)
	if err := os.WriteFile(spec, text, 0o644); err != nil {
		t.Fatal(err)
	}
	fake := fakeCmd("sleep=0")
	single := filepath.Join(t.TempDir(), "single")
	if code, _, stderr := sweepCLI("sweep", spec, "--out", single, "--run-cmd", fake); code != exitOK {
		t.Fatalf("single-machine sweep: exit %d: %s", code, stderr)
	}
	want := keysOf(readRecords(t, single))
	if !slices.Equal(want, planKeys(t, spec)) {
		t.Fatalf("the single-machine sweep recorded %v, not its plan", want)
	}
	for _, e := range cluster.Engines {
		t.Run(string(e), func(t *testing.T) {
			results := filepath.Join(t.TempDir(), "results")
			o := cluster.Options{Image: "ftbench:dev", SpecPath: spec, Shards: 4, Results: results}
			shardCmds, err := cluster.ShardCommands(o, e)
			if err != nil {
				t.Fatal(err)
			}
			for _, sh := range shardCmds {
				env := map[string]string{}
				for _, kv := range sh.Env {
					k, v, _ := strings.Cut(kv, "=")
					env[k] = v
				}
				sweepEnv = func(k string) string { return env[k] }
				if code, _, stderr := sweepCLI(append(sh.Args[1:], "--run-cmd", fake)...); code != exitOK {
					t.Fatalf("shard %d (%s): exit %d: %s", sh.Index, strings.Join(sh.Args, " "), code, stderr)
				}
			}
			sweepEnv = os.Getenv
			merges, err := cluster.MergeCommands(o, e)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			for _, m := range merges {
				if code, stdout, stderr := sweepCLI(m[1:]...); code != exitOK {
					t.Fatalf("%s: exit %d: %s", strings.Join(m, " "), code, stderr)
				} else {
					out.WriteString(stdout)
				}
			}
			merged := filepath.Join(results, "merged")
			if got := keysOf(readRecords(t, merged)); !slices.Equal(got, want) {
				t.Errorf("merged shards recorded\n%v\nthe single-machine sweep\n%v", got, want)
			}
			if _, err := os.Stat(filepath.Join(merged, "report.html")); err != nil {
				t.Errorf("the merge step wrote no report: %v\n%s", err, out.String())
			}
		})
	}
}

// TestSweepRefusesUnmeasurable: a constraint on a GPU metric, on a
// machine without a GPU (--no-gpu stands for one), is refused before the
// output folder exists.
func TestSweepRefusesUnmeasurable(t *testing.T) {
	t.Parallel()
	spec := sweepSpec(t, 1, 0, "1m", "batch = [1, 2]")
	text, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(spec, append([]byte("constraints = [\"vram_fraction <= 0.85\"]\n"), text...), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := sweepCLI("sweep", spec, "--out", out, "--no-gpu", "--run-cmd", fakeCmd("sleep=0"))
	if code != exitUsage || !strings.Contains(stderr, "t.toml:1: field \"constraints\": vram_fraction is a GPU metric and this machine has no GPU") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("the refused sweep made its output folder")
	}
}
