package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/ftbench/ftbench/internal/testutil"
)

// manifests is what KubernetesJob wrote, read back through the API types.
type manifests struct {
	header    string
	spec      *corev1.ConfigMap
	sweep     *batchv1.Job
	merge     *batchv1.Job
	documents int
}

func readManifests(t *testing.T, out []byte) manifests {
	t.Helper()
	docs := strings.Split(string(out), "---\n")
	m := manifests{header: docs[0], documents: len(docs) - 1}
	for _, line := range strings.Split(strings.TrimSuffix(m.header, "\n"), "\n") {
		if !strings.HasPrefix(line, "#") {
			t.Errorf("header line %q is not a YAML comment", line)
		}
	}
	for _, d := range docs[1:] {
		var meta struct{ Kind, APIVersion string }
		if err := yaml.Unmarshal([]byte(d), &meta); err != nil {
			t.Fatal(err)
		}
		switch meta.APIVersion + " " + meta.Kind {
		case "v1 ConfigMap":
			m.spec = new(corev1.ConfigMap)
			strict(t, d, m.spec)
		case "batch/v1 Job":
			j := new(batchv1.Job)
			strict(t, d, j)
			if j.Spec.CompletionMode != nil && *j.Spec.CompletionMode == batchv1.IndexedCompletion {
				m.sweep = j
			} else {
				m.merge = j
			}
		default:
			t.Fatalf("unexpected document %s %s:\n%s", meta.APIVersion, meta.Kind, d)
		}
	}
	if m.sweep == nil || m.merge == nil {
		t.Fatalf("want an Indexed Job and a merge Job, got:\n%s", out)
	}
	return m
}

// strict reads doc into v, refusing fields v's type does not have.
func strict(t *testing.T, doc string, v any) {
	t.Helper()
	if err := yaml.UnmarshalStrict([]byte(doc), v); err != nil {
		t.Fatalf("%v in:\n%s", err, doc)
	}
}

func TestKubernetesJob(t *testing.T) {
	t.Parallel()
	spec := []byte("name = \"phase1b\"\n[[input]]\nfixture = \"talking-head\"\n")
	tests := []struct {
		name string
		o    Options
		// wantSpecMount says whether the spec comes from a ConfigMap.
		wantSpecMount bool
		wantResources corev1.ResourceList
	}{
		{
			name:          "spec in a ConfigMap, no resources",
			o:             Options{Name: "phase1b", Image: "registry.example/ftbench:1.2", SpecPath: "sweeps/phase1b.toml", Spec: spec, Shards: 8, Parallelism: 3},
			wantSpecMount: true,
		},
		{
			name: "spec in the image, resources, odd paths",
			o: Options{
				Image: "ftbench", SpecPath: "/opt/sweeps/$(HOME) it's.toml", Shards: 1, Binary: "/usr/local/bin/ftbench",
				Results: "/data/$$x", PVC: "bench-claim", CPUs: 4, MemoryBytes: 8 << 30, GPUs: 1, MaxFailedShards: 1,
			},
			wantResources: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("4"),
				corev1.ResourceMemory: resource.MustParse("8Gi"),
				GPUResource:           resource.MustParse("1"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := KubernetesJob(tt.o)
			if err != nil {
				t.Fatal(err)
			}
			o, err := tt.o.resolve(Kubernetes)
			if err != nil {
				t.Fatal(err)
			}
			m := readManifests(t, out)

			for _, name := range []string{m.sweep.Name, m.merge.Name} {
				if msgs := validation.IsDNS1123Label(name); len(msgs) > 0 {
					t.Errorf("Job name %q: %s", name, msgs)
				}
			}
			if m.merge.Name != o.Name+"-merge" || m.sweep.Name != o.Name {
				t.Errorf("Job names %q and %q, want %q and %q-merge", m.sweep.Name, m.merge.Name, o.Name, o.Name)
			}

			js := m.sweep.Spec
			checkInt32(t, "completions", js.Completions, o.Shards)
			checkInt32(t, "parallelism", js.Parallelism, o.Parallelism)
			checkInt32(t, "backoffLimitPerIndex", js.BackoffLimitPerIndex, retriesPerShard)
			checkInt32(t, "maxFailedIndexes", js.MaxFailedIndexes, o.MaxFailedShards)
			if js.BackoffLimit != nil {
				t.Errorf("backoffLimit %d is set: the per-index limit is the one that counts", *js.BackoffLimit)
			}
			pod := js.Template.Spec
			if pod.RestartPolicy != corev1.RestartPolicyNever {
				t.Errorf("restartPolicy %q, want Never (a podFailurePolicy requires it)", pod.RestartPolicy)
			}
			if len(pod.Containers) != 1 {
				t.Fatalf("%d containers, want 1", len(pod.Containers))
			}
			c := pod.Containers[0]
			checkFailIndexOnUsage(t, js.PodFailurePolicy, c.Name)
			if c.Image != o.Image {
				t.Errorf("image %q, want %q", c.Image, o.Image)
			}
			checkIndexEnv(t, c.Env)

			// The kubelet's expansion of the command, for each index, is
			// what ShardCommands says the shard runs.
			shards, err := ShardCommands(tt.o, Kubernetes)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range shards {
				got := kubeletExpand(c.Command, s.Env)
				if !reflect.DeepEqual(got, s.Args) {
					t.Errorf("shard %d runs %q, ShardCommands says %q", s.Index, got, s.Args)
				}
			}
			if !strings.Contains(strings.Join(c.Command, " "), "$(JOB_COMPLETION_INDEX)/") {
				t.Errorf("command %q does not take --shard from JOB_COMPLETION_INDEX", c.Command)
			}

			checkMount(t, pod, c, resultsVolume, o.Results, func(v corev1.VolumeSource) bool {
				return v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == o.PVC
			})
			if tt.wantSpecMount {
				checkMount(t, pod, c, specVolume, SpecMount, func(v corev1.VolumeSource) bool {
					return v.ConfigMap != nil && v.ConfigMap.Name == m.spec.Name
				})
				if m.spec == nil || m.spec.Data[filepath.Base(o.SpecPath)] != string(o.Spec) {
					t.Errorf("ConfigMap %v does not hold the spec as %s", m.spec, filepath.Base(o.SpecPath))
				}
				if m.documents != 3 {
					t.Errorf("%d documents, want 3", m.documents)
				}
			} else if m.spec != nil || m.documents != 2 || len(pod.Volumes) != 1 {
				t.Errorf("a ConfigMap or spec volume for a spec in the image (%d documents, volumes %v)", m.documents, pod.Volumes)
			}

			checkResources(t, c.Resources, tt.wantResources)
			checkMergeJob(t, m.merge, tt.o, o)
		})
	}
}

func checkInt32(t *testing.T, field string, got *int32, want int) {
	t.Helper()
	if got == nil || int(*got) != want {
		t.Errorf("%s = %v, want %d", field, got, want)
	}
}

// checkFailIndexOnUsage checks that exit status 2 fails the index at once.
func checkFailIndexOnUsage(t *testing.T, p *batchv1.PodFailurePolicy, container string) {
	t.Helper()
	if p == nil {
		t.Fatal("no podFailurePolicy")
	}
	for _, r := range p.Rules {
		e := r.OnExitCodes
		if r.Action == batchv1.PodFailurePolicyActionFailIndex && e != nil &&
			e.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn && reflect.DeepEqual(e.Values, []int32{2}) &&
			e.ContainerName != nil && *e.ContainerName == container {
			return
		}
	}
	t.Errorf("no FailIndex rule on exit code 2 of container %q in %+v", container, p.Rules)
}

func checkIndexEnv(t *testing.T, env []corev1.EnvVar) {
	t.Helper()
	for _, e := range env {
		if e.Name == "JOB_COMPLETION_INDEX" && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil &&
			e.ValueFrom.FieldRef.FieldPath == "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
			return
		}
	}
	t.Errorf("JOB_COMPLETION_INDEX is not taken from the completion index annotation: %+v", env)
}

// checkMount checks that container c mounts the pod volume name at path,
// and that the volume's source passes isSource.
func checkMount(t *testing.T, pod corev1.PodSpec, c corev1.Container, name, path string, isSource func(corev1.VolumeSource) bool) {
	t.Helper()
	mounted := false
	for _, m := range c.VolumeMounts {
		mounted = mounted || m.Name == name && m.MountPath == path
	}
	if !mounted {
		t.Errorf("container %s does not mount %s at %s: %+v", c.Name, name, path, c.VolumeMounts)
	}
	for _, v := range pod.Volumes {
		if v.Name == name {
			if !isSource(v.VolumeSource) {
				t.Errorf("volume %s has the wrong source: %+v", name, v.VolumeSource)
			}
			return
		}
	}
	t.Errorf("no volume %s in %+v", name, pod.Volumes)
}

func checkResources(t *testing.T, got corev1.ResourceRequirements, want corev1.ResourceList) {
	t.Helper()
	for what, rl := range map[string]corev1.ResourceList{"requests": got.Requests, "limits": got.Limits} {
		if len(rl) != len(want) {
			t.Errorf("%s %v, want %v", what, rl, want)
			continue
		}
		for name, q := range want {
			if g, ok := rl[name]; !ok || g.Cmp(q) != 0 {
				t.Errorf("%s[%s] = %v, want %v", what, name, rl[name], q.String())
			}
		}
	}
}

func checkMergeJob(t *testing.T, j *batchv1.Job, in, o Options) {
	t.Helper()
	s := j.Spec
	if s.Suspend == nil || !*s.Suspend {
		t.Error("the merge Job is not suspended: it would merge before the shards are done")
	}
	if s.CompletionMode != nil && *s.CompletionMode != batchv1.NonIndexedCompletion {
		t.Errorf("merge Job completionMode %s", *s.CompletionMode)
	}
	checkInt32(t, "merge completions", s.Completions, 1)
	pod := s.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("merge restartPolicy %q, want Never", pod.RestartPolicy)
	}
	if len(pod.InitContainers) != 1 || len(pod.Containers) != 1 {
		t.Fatalf("merge pod: %d init containers and %d containers, want 1 and 1", len(pod.InitContainers), len(pod.Containers))
	}
	want, err := MergeCommands(in, Kubernetes)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range []corev1.Container{pod.InitContainers[0], pod.Containers[0]} {
		if got := kubeletExpand(c.Command, nil); !reflect.DeepEqual(got, want[i]) {
			t.Errorf("merge container %s runs %q, want %q", c.Name, got, want[i])
		}
		if c.Image != o.Image {
			t.Errorf("merge container %s image %q, want %q", c.Name, c.Image, o.Image)
		}
		checkMount(t, pod, c, resultsVolume, o.Results, func(v corev1.VolumeSource) bool {
			return v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == o.PVC
		})
	}
}

// kubeletExpand expands a container's command as the kubelet does:
// $(VAR) becomes VAR's value when env defines it, $$ becomes $, and
// anything else stays as written.
func kubeletExpand(command, env []string) []string {
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	out := make([]string, len(command))
	for i, s := range command {
		var b strings.Builder
		for j := 0; j < len(s); j++ {
			switch {
			case s[j] != '$' || j+1 == len(s):
				b.WriteByte(s[j])
			case s[j+1] == '$':
				b.WriteByte('$')
				j++
			case s[j+1] == '(':
				end := strings.IndexByte(s[j:], ')')
				if v, ok := vars[s[j+2:j+max(end, 2)]]; end > 0 && ok {
					b.WriteString(v)
					j += end
				} else {
					b.WriteByte('$')
				}
			default:
				b.WriteByte('$')
			}
		}
		out[i] = b.String()
	}
	return out
}

func TestKubeletExpand(t *testing.T) {
	t.Parallel()
	env := []string{"A=1"}
	tests := []struct{ name, in, want string }{
		{"variable", "x$(A)y", "x1y"},
		{"escaped", "$$(A)", "$(A)"},
		{"undefined", "$(B)", "$(B)"},
		{"lone dollar", "a$b$", "a$b$"},
		{"unclosed", "$(A", "$(A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := kubeletExpand([]string{tt.in}, env)[0]; got != tt.want {
				t.Errorf("kubeletExpand(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestKubernetesJobGolden(t *testing.T) {
	t.Parallel()
	spec, err := os.ReadFile("testdata/phase1b.toml")
	if err != nil {
		t.Fatal(err)
	}
	out, err := KubernetesJob(Options{
		Image: "registry.example/ftbench:1.2", SpecPath: "sweeps/phase1b.toml", Spec: spec,
		Shards: 4, Parallelism: 2, CPUs: 2, MemoryBytes: 4 << 30, GPUs: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	testutil.Golden(t, "testdata/phase1b.k8s.yaml", out)
}

func ExampleKubernetesJob() {
	out, err := KubernetesJob(Options{Image: "ftbench:1", SpecPath: "/etc/ftbench/nightly.toml", Shards: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "$(JOB_COMPLETION_INDEX)") {
			fmt.Println(line)
		}
	}
	// Output:
	//         - $(JOB_COMPLETION_INDEX)/4
	//         - /results/shard-$(JOB_COMPLETION_INDEX)
}
