// Package cluster spreads a sweep over a cluster engine: it writes the
// Kubernetes Indexed Job or the Slurm array job that runs every shard of a
// sweep (`ftbench sweep SPEC --shard I/N`) as its own pod or task, and the
// follow-up step that joins the shards (`ftbench merge`) and reports on them
// (`ftbench report`).
//
// Both emitters build their command lines from ShardCommands and
// MergeCommands, so what a cluster runs is what those return.
package cluster

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Engine names a cluster engine.
type Engine string

// The engines this package writes jobs for.
const (
	// Kubernetes runs each shard in a pod of an Indexed Job.
	Kubernetes Engine = "k8s"
	// Slurm runs each shard as a task of an array job.
	Slurm Engine = "slurm"
)

// Defaults for the options left empty.
const (
	// DefaultBinary is the ftbench command the shards run.
	DefaultBinary = "ftbench"
	// DefaultPVC is the claim that holds the results on Kubernetes.
	DefaultPVC = "ftbench-results"
	// DefaultKubernetesResults is where the results volume is mounted in
	// every pod.
	DefaultKubernetesResults = "/results"
	// DefaultSlurmResults is the shared folder the tasks write into,
	// relative to the folder sbatch is run from (Slurm runs a job there).
	DefaultSlurmResults = "results"
)

// MaxNameLength is the longest Options.Name: a DNS-1123 label (63
// characters) less the "-merge" of the merge Job's name.
const MaxNameLength = 63 - len("-merge")

// Options says what to run and with what.
type Options struct {
	// Name names the Kubernetes objects (NAME, NAME-spec, NAME-merge) and
	// the Slurm jobs; a DNS-1123 label of at most MaxNameLength characters.
	// Empty means JobName of SpecPath's base name without its extension.
	Name string
	// Image is the container image the pods run; it must have Binary on
	// its PATH (or Binary must be an absolute path in it). Kubernetes only.
	Image string
	// Binary is the ftbench command (default DefaultBinary).
	Binary string

	// SpecPath is the sweep spec's file. With Spec set, its base name names
	// the spec in the ConfigMap (and so the sweep, if the spec has no name
	// field); otherwise it is the path the shards read: inside the image
	// on Kubernetes, on the shared file system on Slurm.
	SpecPath string
	// Spec is the spec file's contents. On Kubernetes it travels in a
	// ConfigMap mounted at SpecMount; nil means the spec is in the image
	// at SpecPath. Slurm reads SpecPath and ignores Spec.
	//
	// Note: the sweep resolves relative video paths against the spec's
	// folder, which is SpecMount in a ConfigMap; such a spec should name
	// its videos by absolute paths in the image, or use fixtures.
	Spec []byte

	// Shards is how many shards the sweep is split into (N in --shard I/N).
	Shards int
	// Parallelism is how many shards run at once; 0 means all of them.
	Parallelism int

	// Results is the folder the shards write into, as they see it: on
	// Kubernetes the mount path of the results volume (default
	// DefaultKubernetesResults), on Slurm a folder every node shares
	// (default DefaultSlurmResults). Shard I writes Results/shard-I; the
	// merge writes Results/merged.
	Results string
	// PVC is the PersistentVolumeClaim that holds the results on
	// Kubernetes (default DefaultPVC). It must exist before the Job
	// starts, and be ReadWriteMany when pods may run on different nodes.
	PVC string

	// CPUs, MemoryBytes and GPUs are what each shard asks for; 0 asks for
	// nothing. On Kubernetes they are both requests and limits, and GPUs
	// are nvidia.com/gpu; on Slurm they are --cpus-per-task, --mem and
	// --gres=gpu:N.
	CPUs        int
	MemoryBytes int64
	GPUs        int
	// MaxFailedShards stops the Kubernetes Job once more shards than this
	// have failed; 0 means half the shards, rounded up.
	MaxFailedShards int
}

// Shard is one shard's process, as its engine starts it.
type Shard struct {
	Index int
	// Args is the command line, Args[0] the binary.
	Args []string
	// Env is the variable the engine sets to the shard's index, as
	// KEY=VALUE.
	Env []string
}

// The variables each engine sets to a shard's index.
const (
	kubernetesIndexVar = "JOB_COMPLETION_INDEX"
	slurmIndexVar      = "SLURM_ARRAY_TASK_ID"
)

// indexMark stands for the shard's index in the command lines built here;
// each engine writes it as a reference to its own variable, and
// ShardCommands writes the number. No option may hold it: resolve refuses
// control characters, which would also break the comments the emitters
// write.
const indexMark = "\x00"

// ShardCommands returns the process each shard of the sweep runs on engine
// e, in index order: the command lines the emitters write, with the
// engine's index variable replaced by the shard's index.
func ShardCommands(o Options, e Engine) ([]Shard, error) {
	o, err := o.resolve(e)
	if err != nil {
		return nil, err
	}
	v := indexVar(e)
	shards := make([]Shard, o.Shards)
	for i := range shards {
		idx := strconv.Itoa(i)
		args := o.shardArgs(e)
		for j, a := range args {
			args[j] = strings.ReplaceAll(a, indexMark, idx)
		}
		shards[i] = Shard{Index: i, Args: args, Env: []string{v + "=" + idx}}
	}
	return shards, nil
}

// MergeCommands returns the command lines that run once every shard is
// done: `ftbench merge` of every shard's folder into Results/merged, then
// `ftbench report` of that folder.
func MergeCommands(o Options, e Engine) ([][]string, error) {
	o, err := o.resolve(e)
	if err != nil {
		return nil, err
	}
	return o.mergeArgs(), nil
}

func indexVar(e Engine) string {
	if e == Slurm {
		return slurmIndexVar
	}
	return kubernetesIndexVar
}

// shardArgs is the command every shard runs, with indexMark where the
// shard's index goes.
//
// Note: --resume makes a retried shard (a pod the Job replaces, a requeued
// task) run only what its folder lacks; without it, the retry would find
// the first try's records and refuse to start.
func (o Options) shardArgs(e Engine) []string {
	return []string{
		o.Binary, "sweep", o.shardSpecPath(e),
		"--shard", indexMark + "/" + strconv.Itoa(o.Shards),
		"--out", o.shardDir(indexMark),
		"--resume",
	}
}

func (o Options) mergeArgs() [][]string {
	merged := o.join("merged")
	merge := []string{o.Binary, "merge"}
	for i := range o.Shards {
		merge = append(merge, o.shardDir(strconv.Itoa(i)))
	}
	merge = append(merge, "--out", merged)
	return [][]string{merge, {o.Binary, "report", merged}}
}

func (o Options) shardDir(index string) string { return o.join("shard-" + index) }

// join joins a name to Results: with the shards' slashes on Kubernetes
// (Linux pods) and on Slurm (Linux nodes) alike.
func (o Options) join(name string) string { return path.Join(o.Results, name) }

// shardSpecPath is where a shard reads the spec.
func (o Options) shardSpecPath(e Engine) string {
	if e == Kubernetes && o.Spec != nil {
		return path.Join(SpecMount, o.specKey())
	}
	return o.SpecPath
}

// specKey is the spec's file name in the ConfigMap and in SpecMount.
func (o Options) specKey() string { return filepath.Base(o.SpecPath) }

// resolve fills in the defaults for engine e and checks every option,
// naming each one that is wrong.
func (o Options) resolve(e Engine) (Options, error) {
	if e != Kubernetes && e != Slurm {
		return o, fmt.Errorf("cluster: engine %q: want %s or %s", e, Kubernetes, Slurm)
	}
	if o.Binary == "" {
		o.Binary = DefaultBinary
	}
	if o.Results == "" {
		o.Results = DefaultSlurmResults
		if e == Kubernetes {
			o.Results = DefaultKubernetesResults
		}
	}
	if o.PVC == "" {
		o.PVC = DefaultPVC
	}
	if o.Parallelism == 0 {
		o.Parallelism = o.Shards
	}
	if o.MaxFailedShards == 0 {
		o.MaxFailedShards = (o.Shards + 1) / 2
	}
	explicitName := o.Name != ""
	if !explicitName {
		o.Name = JobName(strings.TrimSuffix(filepath.Base(o.SpecPath), filepath.Ext(o.SpecPath)))
	}

	var errs []error
	bad := func(option, format string, args ...any) {
		errs = append(errs, fmt.Errorf("cluster: %s: "+format, append([]any{option}, args...)...))
	}
	if msg := checkName(o.Name); msg != "" {
		if explicitName {
			bad("Name", "%q %s", o.Name, msg)
		} else {
			bad("Name", "%q (from SpecPath %q) %s", o.Name, o.SpecPath, msg)
		}
	}
	if o.SpecPath == "" {
		bad("SpecPath", "empty: want the sweep spec's path")
	}
	for option, v := range map[string]string{"Binary": o.Binary, "SpecPath": o.SpecPath, "Results": o.Results, "Image": o.Image} {
		if strings.ContainsFunc(v, unicode.IsControl) {
			bad(option, "%q holds a control character", v)
		}
	}
	switch {
	case o.Shards < 1:
		bad("Shards", "%d: want 1 or more", o.Shards)
	case e == Kubernetes && o.Shards > maxIndexedShards:
		bad("Shards", "%d: an Indexed Job with a retry limit per index has at most %d", o.Shards, maxIndexedShards)
	default:
		if o.Parallelism < 1 || o.Parallelism > o.Shards {
			bad("Parallelism", "%d: want 1 to Shards (%d), or 0 for all", o.Parallelism, o.Shards)
		}
		if o.MaxFailedShards < 1 || o.MaxFailedShards > o.Shards {
			bad("MaxFailedShards", "%d: want 1 to Shards (%d), or 0 for half", o.MaxFailedShards, o.Shards)
		}
	}
	if o.CPUs < 0 {
		bad("CPUs", "%d: want 0 or more", o.CPUs)
	}
	if o.MemoryBytes < 0 {
		bad("MemoryBytes", "%d: want 0 or more", o.MemoryBytes)
	}
	if o.GPUs < 0 {
		bad("GPUs", "%d: want 0 or more", o.GPUs)
	}
	if e == Kubernetes {
		errs = append(errs, o.checkKubernetes()...)
	}
	return o, errors.Join(errs...)
}

// JobName turns s (a spec's name, say) into a DNS-1123 label of at most
// MaxNameLength characters: lower case letters, digits and inner dashes;
// "ftbench" if nothing is left.
func JobName(s string) string {
	s = strings.Trim(nonLabel.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > MaxNameLength {
		s = strings.TrimRight(s[:MaxNameLength], "-")
	}
	if s == "" {
		return "ftbench"
	}
	return s
}

var nonLabel = regexp.MustCompile(`[^a-z0-9]+`)

// checkName says what is wrong with a Name, or "" if nothing is.
func checkName(name string) string {
	if len(name) > MaxNameLength {
		return fmt.Sprintf("is %d characters long: want at most %d", len(name), MaxNameLength)
	}
	if msgs := validation.IsDNS1123Label(name); len(msgs) > 0 {
		return "is not a DNS-1123 label: " + strings.Join(msgs, "; ")
	}
	return ""
}
