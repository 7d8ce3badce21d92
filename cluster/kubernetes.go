package cluster

import (
	"bytes"
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// SpecMount is where the spec's ConfigMap is mounted in every pod.
const SpecMount = "/spec"

// GPUResource is the extended resource Options.GPUs asks Kubernetes for.
const GPUResource corev1.ResourceName = "nvidia.com/gpu"

const (
	// exitUsage is ftbench's exit status for bad flags, bad input files
	// and tool errors: retrying the shard cannot help.
	exitUsage = 2
	// retriesPerShard is how often a shard that failed otherwise (a
	// crash, a node lost mid-run) is tried again.
	retriesPerShard = 1
	// maxIndexedShards is the most completions the API server accepts
	// for an Indexed Job with backoffLimitPerIndex.
	maxIndexedShards = 100_000
	// maxConfigMap is the most data a ConfigMap holds.
	maxConfigMap = 1 << 20

	resultsVolume = "results"
	specVolume    = "spec"
)

// KubernetesJob returns the manifests that run the sweep on Kubernetes,
// as YAML documents for `kubectl apply -f`: the ConfigMap NAME-spec
// holding the spec (unless it is in the image), the Indexed Job NAME that
// runs one shard per pod, and the Job NAME-merge, suspended, that merges
// the shards and writes the report once it is resumed. Comments at the top
// say how to apply, wait for, resume and collect them.
func KubernetesJob(o Options) ([]byte, error) {
	o, err := o.resolve(Kubernetes)
	if err != nil {
		return nil, err
	}
	var docs []any
	if o.Spec != nil {
		docs = append(docs, o.specConfigMap())
	}
	docs = append(docs, o.sweepJob(), o.mergeJob())

	var b bytes.Buffer
	b.WriteString(o.kubernetesHeader())
	for _, d := range docs {
		y, err := yaml.Marshal(d)
		if err != nil {
			return nil, err
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	return b.Bytes(), nil
}

func (o Options) kubernetesHeader() string {
	lines := []string{
		fmt.Sprintf("ftbench sweep %s on Kubernetes: %d shards, at most %d at a time, one pod each.", o.Name, o.Shards, o.Parallelism),
	}
	if o.Spec != nil {
		lines = append(lines, fmt.Sprintf("  ConfigMap %-*s the spec, mounted at %s", len(o.Name)+7, o.Name+"-spec", SpecMount))
	}
	return commentLines(append(lines,
		fmt.Sprintf("  Job %-*s Indexed: shard I writes %s", len(o.Name)+13, o.Name, o.shardDir("I")),
		fmt.Sprintf("  Job %-*s suspended until the shards are done; writes %s", len(o.Name)+13, o.Name+"-merge", o.join("merged")),
		fmt.Sprintf("The results go to the PersistentVolumeClaim %s, mounted at %s:", o.PVC, o.Results),
		"create it first, ReadWriteMany unless every pod runs on one node. Then:",
		"",
		fmt.Sprintf("  kubectl apply -f %s.yaml", o.Name),
		fmt.Sprintf("  kubectl wait --for=condition=Complete --timeout=24h job/%s", o.Name),
		fmt.Sprintf(`  kubectl patch job/%s-merge --type=merge -p '{"spec":{"suspend":false}}'`, o.Name),
		fmt.Sprintf("  kubectl wait --for=condition=Complete --timeout=1h job/%s-merge", o.Name),
		fmt.Sprintf("  kubectl logs job/%s-merge --all-containers", o.Name),
		"",
		"The merged results and the report (report.html, summary.md, best.toml) are then in",
		fmt.Sprintf("%s on the claim: copy them out from any pod that mounts it (kubectl cp).", o.join("merged")),
		fmt.Sprintf("A shard that exits %d (bad flags or input: retrying cannot help) fails at once; any", exitUsage),
		fmt.Sprintf("other failure is retried (backoffLimitPerIndex %d), resuming what the shard recorded.", retriesPerShard),
		fmt.Sprintf("The Job stops once more than %d shards have failed (maxFailedIndexes).", o.MaxFailedShards),
		"Apply this file once: applying it again would suspend the merge Job.",
	)...)
}

// commentLines writes lines as YAML or shell comments.
func commentLines(lines ...string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(strings.TrimRight("# "+l, " ") + "\n")
	}
	return b.String()
}

func (o Options) labels(component string) map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":      "ftbench",
		"app.kubernetes.io/instance":  o.Name,
		"app.kubernetes.io/component": component,
	}
}

func (o Options) specConfigMap() *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: o.Name + "-spec", Labels: o.labels("spec")},
		Data:       map[string]string{o.specKey(): string(o.Spec)},
	}
}

// sweepJob is the Indexed Job: shard I runs in the pod of completion
// index I.
func (o Options) sweepJob() *batchv1.Job {
	c := corev1.Container{
		Name:    "sweep",
		Image:   o.Image,
		Command: kubernetesArgs(o.shardArgs(Kubernetes)),
		// Note: the Job controller sets this variable too; declaring it
		// makes the $(JOB_COMPLETION_INDEX) in the command resolvable
		// from this manifest alone.
		Env: []corev1.EnvVar{{
			Name: kubernetesIndexVar,
			ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{
				FieldPath: fmt.Sprintf("metadata.annotations['%s']", batchv1.JobCompletionIndexAnnotation),
			}},
		}},
		VolumeMounts: []corev1.VolumeMount{{Name: resultsVolume, MountPath: o.Results}},
		Resources:    o.resources(),
	}
	volumes := []corev1.Volume{o.resultsVolume()}
	if o.Spec != nil {
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: specVolume, MountPath: SpecMount, ReadOnly: true})
		volumes = append(volumes, corev1.Volume{
			Name: specVolume,
			VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: o.Name + "-spec"},
			}},
		})
	}
	return &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Name: o.Name, Labels: o.labels("sweep")},
		Spec: batchv1.JobSpec{
			CompletionMode:       new(batchv1.IndexedCompletion),
			Completions:          new(int32(o.Shards)),
			Parallelism:          new(int32(o.Parallelism)),
			BackoffLimitPerIndex: new(int32(retriesPerShard)),
			MaxFailedIndexes:     new(int32(o.MaxFailedShards)),
			PodFailurePolicy: &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
				ignoreDisruption,
				{
					Action: batchv1.PodFailurePolicyActionFailIndex,
					OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
						ContainerName: new(c.Name),
						Operator:      batchv1.PodFailurePolicyOnExitCodesOpIn,
						Values:        []int32{exitUsage},
					},
				},
			}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: o.labels("sweep")},
				Spec: corev1.PodSpec{
					// Note: a podFailurePolicy requires Never.
					RestartPolicy: corev1.RestartPolicyNever,
					Containers:    []corev1.Container{c},
					Volumes:       volumes,
				},
			},
		},
	}
}

// ignoreDisruption does not count a pod that was evicted or preempted
// against its shard's retries: that was not the shard's fault.
var ignoreDisruption = batchv1.PodFailurePolicyRule{
	Action: batchv1.PodFailurePolicyActionIgnore,
	OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{
		{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue},
	},
}

// mergeJob is the Job that merges the shards and reports on them: the
// merge as an init container, so that the report runs only after it
// succeeded, with no shell needed in the image.
func (o Options) mergeJob() *batchv1.Job {
	cmds := o.mergeArgs()
	mount := []corev1.VolumeMount{{Name: resultsVolume, MountPath: o.Results}}
	return &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Name: o.Name + "-merge", Labels: o.labels("merge")},
		Spec: batchv1.JobSpec{
			// Note: suspended, so that one apply creates it; it is
			// resumed once the sweep Job is complete.
			Suspend:          new(true),
			Completions:      new(int32(1)),
			BackoffLimit:     new(int32(0)),
			PodFailurePolicy: &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{ignoreDisruption}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: o.labels("merge")},
				Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyNever,
					InitContainers: []corev1.Container{
						{Name: "merge", Image: o.Image, Command: kubernetesArgs(cmds[0]), VolumeMounts: mount},
					},
					Containers: []corev1.Container{
						{Name: "report", Image: o.Image, Command: kubernetesArgs(cmds[1]), VolumeMounts: mount},
					},
					Volumes: []corev1.Volume{o.resultsVolume()},
				},
			},
		},
	}
}

func (o Options) resultsVolume() corev1.Volume {
	return corev1.Volume{
		Name: resultsVolume,
		VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{
			ClaimName: o.PVC,
		}},
	}
}

// resources asks for Options.CPUs, MemoryBytes and GPUs.
//
// Note: limits equal requests (the Guaranteed QoS class), so that a
// shard measures with what it asked for rather than with what its
// neighbours leave; an extended resource such as a GPU is a limit anyway.
func (o Options) resources() corev1.ResourceRequirements {
	rl := corev1.ResourceList{}
	if o.CPUs > 0 {
		rl[corev1.ResourceCPU] = *resource.NewQuantity(int64(o.CPUs), resource.DecimalSI)
	}
	if o.MemoryBytes > 0 {
		rl[corev1.ResourceMemory] = *resource.NewQuantity(o.MemoryBytes, resource.BinarySI)
	}
	if o.GPUs > 0 {
		rl[GPUResource] = *resource.NewQuantity(int64(o.GPUs), resource.DecimalSI)
	}
	if len(rl) == 0 {
		return corev1.ResourceRequirements{}
	}
	return corev1.ResourceRequirements{Requests: rl, Limits: rl.DeepCopy()}
}

// kubernetesArgs writes a command line for a container: the shard's index
// as $(JOB_COMPLETION_INDEX), which the kubelet expands from the
// container's environment, and every other $ doubled, which the kubelet
// reads back as one.
func kubernetesArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		parts := strings.Split(a, indexMark)
		for j, p := range parts {
			parts[j] = strings.ReplaceAll(p, "$", "$$")
		}
		out[i] = strings.Join(parts, "$("+kubernetesIndexVar+")")
	}
	return out
}

// checkKubernetes checks the options only Kubernetes reads.
func (o Options) checkKubernetes() []error {
	var errs []error
	bad := func(option, format string, args ...any) {
		errs = append(errs, fmt.Errorf("cluster: %s: "+format, append([]any{option}, args...)...))
	}
	if o.Image == "" {
		bad("Image", "empty: want the container image that holds %s", o.Binary)
	}
	if msgs := validation.IsDNS1123Subdomain(o.PVC); len(msgs) > 0 {
		bad("PVC", "%q is not a valid claim name: %s", o.PVC, strings.Join(msgs, "; "))
	}
	if !path.IsAbs(o.Results) || path.Clean(o.Results) == "/" {
		bad("Results", "%q: want an absolute path other than / to mount the results volume at", o.Results)
	} else if r := path.Clean(o.Results); r == SpecMount || strings.HasPrefix(r+"/", SpecMount+"/") || strings.HasPrefix(SpecMount+"/", r+"/") {
		bad("Results", "%q overlaps the spec's mount %s", o.Results, SpecMount)
	}
	if o.Spec == nil {
		return errs
	}
	if msgs := validation.IsConfigMapKey(o.specKey()); len(msgs) > 0 {
		bad("SpecPath", "file name %q cannot be a ConfigMap key: %s", o.specKey(), strings.Join(msgs, "; "))
	}
	if !utf8.Valid(o.Spec) {
		bad("Spec", "not UTF-8 text (a TOML spec is)")
	}
	if len(o.Spec) > maxConfigMap-len(o.specKey()) {
		bad("Spec", "%d bytes: a ConfigMap holds at most %d", len(o.Spec), maxConfigMap)
	}
	return errs
}
