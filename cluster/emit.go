package cluster

import "fmt"

// Engines lists the engines Emit writes jobs for.
var Engines = []Engine{Kubernetes, Slurm}

// Emit returns what runs the sweep on engine e: KubernetesJob's manifests
// or SlurmArray's batch script.
func Emit(e Engine, o Options) ([]byte, error) {
	switch e {
	case Kubernetes:
		return KubernetesJob(o)
	case Slurm:
		return SlurmArray(o)
	}
	return nil, fmt.Errorf("--emit %q: want %s or %s", e, Kubernetes, Slurm)
}
