package record

// Env is the environment fingerprint carried by every result: what a
// number was measured on, so results from different machines or builds are
// never compared unknowingly.
type Env struct {
	Host        string            `json:"host"`
	OS          string            `json:"os"`
	Arch        string            `json:"arch"`
	Kernel      string            `json:"kernel,omitempty"`
	CPUModel    string            `json:"cpu_model,omitempty"`
	CPUs        int               `json:"cpus"`        // logical CPUs of the machine
	UsableCPUs  int               `json:"usable_cpus"` // those this process may run on (affinity, cgroup cpusets)
	MemoryBytes int64             `json:"memory_bytes,omitempty"`
	GPU         GPUEnv            `json:"gpu"`
	FFmpeg      map[string]string `json:"ffmpeg,omitempty"` // library versions, as the linked libraries report them
	GoVersion   string            `json:"go_version"`
	Version     string            `json:"ftbench_version"` // the main module's version, "(devel)" for a local build
	Revision    string            `json:"vcs_revision,omitempty"`
	RevisionAt  string            `json:"vcs_time,omitempty"`
	Modified    bool              `json:"vcs_modified,omitempty"` // built from a tree with uncommitted changes
	Errors      []string          `json:"errors,omitempty"`       // what could not be read
}

// GPUEnv describes the GPUs in an environment fingerprint.
type GPUEnv struct {
	Devices []GPUDevice `json:"devices,omitempty"`
	Driver  string      `json:"driver,omitempty"`
	CUDA    string      `json:"cuda,omitempty"` // the CUDA version the driver supports, "12.4"
	NVML    string      `json:"nvml,omitempty"`
	Error   string      `json:"error,omitempty"` // why there is no GPU information ("no GPU: ...")
}

// GPUDevice is one GPU.
type GPUDevice struct {
	Name        string `json:"name"`
	UUID        string `json:"uuid,omitempty"`
	MemoryBytes int64  `json:"memory_bytes"`
}

// LogicalCPUs returns the number of logical CPUs of the machine, else those
// the process could use, 0 when the environment does not say (or is nil).
func (e *Env) LogicalCPUs() int {
	if e == nil {
		return 0
	}
	if e.CPUs > 0 {
		return e.CPUs
	}
	return e.UsableCPUs
}
