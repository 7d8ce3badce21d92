package cluster

import (
	"reflect"
	"strings"
	"testing"
)

func TestShardCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		o      Options
		engine Engine
		want   []Shard
	}{
		{
			name:   "kubernetes, spec in a ConfigMap",
			o:      Options{Image: "ftbench:1", SpecPath: "sweeps/phase1b.toml", Spec: []byte("name = 'x'\n"), Shards: 2},
			engine: Kubernetes,
			want: []Shard{
				{Index: 0, Args: []string{"ftbench", "sweep", "/spec/phase1b.toml", "--shard", "0/2", "--out", "/results/shard-0", "--resume"}, Env: []string{"JOB_COMPLETION_INDEX=0"}},
				{Index: 1, Args: []string{"ftbench", "sweep", "/spec/phase1b.toml", "--shard", "1/2", "--out", "/results/shard-1", "--resume"}, Env: []string{"JOB_COMPLETION_INDEX=1"}},
			},
		},
		{
			name:   "kubernetes, spec in the image",
			o:      Options{Image: "ftbench:1", SpecPath: "/etc/ftbench/phase1b.toml", Shards: 1, Binary: "/usr/bin/ftbench", Results: "/data/"},
			engine: Kubernetes,
			want: []Shard{
				{Index: 0, Args: []string{"/usr/bin/ftbench", "sweep", "/etc/ftbench/phase1b.toml", "--shard", "0/1", "--out", "/data/shard-0", "--resume"}, Env: []string{"JOB_COMPLETION_INDEX=0"}},
			},
		},
		{
			name:   "slurm reads SpecPath even with Spec",
			o:      Options{SpecPath: "sweeps/phase1b.toml", Spec: []byte("x"), Shards: 3, Parallelism: 1, Results: "/shared/runs/1b"},
			engine: Slurm,
			want: []Shard{
				{Index: 0, Args: []string{"ftbench", "sweep", "sweeps/phase1b.toml", "--shard", "0/3", "--out", "/shared/runs/1b/shard-0", "--resume"}, Env: []string{"SLURM_ARRAY_TASK_ID=0"}},
				{Index: 1, Args: []string{"ftbench", "sweep", "sweeps/phase1b.toml", "--shard", "1/3", "--out", "/shared/runs/1b/shard-1", "--resume"}, Env: []string{"SLURM_ARRAY_TASK_ID=1"}},
				{Index: 2, Args: []string{"ftbench", "sweep", "sweeps/phase1b.toml", "--shard", "2/3", "--out", "/shared/runs/1b/shard-2", "--resume"}, Env: []string{"SLURM_ARRAY_TASK_ID=2"}},
			},
		},
		{
			name:   "slurm default results folder",
			o:      Options{SpecPath: "my sweep.toml", Shards: 1},
			engine: Slurm,
			want: []Shard{
				{Index: 0, Args: []string{"ftbench", "sweep", "my sweep.toml", "--shard", "0/1", "--out", "results/shard-0", "--resume"}, Env: []string{"SLURM_ARRAY_TASK_ID=0"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ShardCommands(tt.o, tt.engine)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ShardCommands =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestMergeCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		o      Options
		engine Engine
		want   [][]string
	}{
		{
			name:   "kubernetes",
			o:      Options{Image: "i", SpecPath: "s.toml", Shards: 3},
			engine: Kubernetes,
			want: [][]string{
				{"ftbench", "merge", "/results/shard-0", "/results/shard-1", "/results/shard-2", "--out", "/results/merged"},
				{"ftbench", "report", "/results/merged"},
			},
		},
		{
			name:   "slurm",
			o:      Options{SpecPath: "s.toml", Shards: 1, Results: "runs", Binary: "bin/ftbench"},
			engine: Slurm,
			want: [][]string{
				{"bin/ftbench", "merge", "runs/shard-0", "--out", "runs/merged"},
				{"bin/ftbench", "report", "runs/merged"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := MergeCommands(tt.o, tt.engine)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("MergeCommands =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestOptionsErrors(t *testing.T) {
	t.Parallel()
	ok := Options{Image: "ftbench:1", SpecPath: "sweeps/phase1b.toml", Spec: []byte("name = 'x'\n"), Shards: 4}
	with := func(f func(*Options)) Options {
		o := ok
		f(&o)
		return o
	}
	tests := []struct {
		name   string
		o      Options
		engine Engine
		want   []string // each must be in the error
	}{
		{"unknown engine", ok, Engine("nomad"), []string{`engine "nomad"`}},
		{"no shards", with(func(o *Options) { o.Shards = 0 }), Slurm, []string{"Shards: 0: want 1 or more"}},
		{"too many shards", with(func(o *Options) { o.Shards = 100_001 }), Kubernetes, []string{"Shards: 100001"}},
		{"parallelism above shards", with(func(o *Options) { o.Parallelism = 5 }), Slurm, []string{"Parallelism: 5: want 1 to Shards (4)"}},
		{"negative parallelism", with(func(o *Options) { o.Parallelism = -1 }), Kubernetes, []string{"Parallelism: -1"}},
		{"max failed above shards", with(func(o *Options) { o.MaxFailedShards = 5 }), Kubernetes, []string{"MaxFailedShards: 5"}},
		{"bad name", with(func(o *Options) { o.Name = "Phase_1b" }), Kubernetes, []string{`Name: "Phase_1b" is not a DNS-1123 label`}},
		{"long name", with(func(o *Options) { o.Name = strings.Repeat("a", 58) }), Slurm, []string{"Name: ", "58 characters long: want at most 57"}},
		{"no spec path", with(func(o *Options) { o.SpecPath = "" }), Slurm, []string{"SpecPath: empty"}},
		{"newline in results", with(func(o *Options) { o.Results = "/r\n/x" }), Slurm, []string{"Results: ", "control character"}},
		{"NUL in binary", with(func(o *Options) { o.Binary = "ft\x00bench" }), Kubernetes, []string{"Binary: ", "control character"}},
		{"negative resources", with(func(o *Options) { o.CPUs, o.MemoryBytes, o.GPUs = -1, -2, -3 }), Slurm, []string{"CPUs: -1", "MemoryBytes: -2", "GPUs: -3"}},
		{"no image", with(func(o *Options) { o.Image = "" }), Kubernetes, []string{"Image: empty"}},
		{"bad claim", with(func(o *Options) { o.PVC = "My Claim" }), Kubernetes, []string{`PVC: "My Claim"`}},
		{"relative results", with(func(o *Options) { o.Results = "results" }), Kubernetes, []string{`Results: "results": want an absolute path`}},
		{"results over the spec", with(func(o *Options) { o.Results = "/spec/out" }), Kubernetes, []string{`Results: "/spec/out" overlaps`}},
		{"bad configmap key", with(func(o *Options) { o.SpecPath = "my sweep.toml" }), Kubernetes, []string{`SpecPath: file name "my sweep.toml" cannot be a ConfigMap key`}},
		{"binary spec", with(func(o *Options) { o.Spec = []byte{0xff, 0xfe} }), Kubernetes, []string{"Spec: not UTF-8"}},
		{"huge spec", with(func(o *Options) { o.Spec = make([]byte, 1<<20) }), Kubernetes, []string{"Spec: 1048576 bytes"}},
		{"several at once", with(func(o *Options) { o.Image, o.Shards = "", 0 }), Kubernetes, []string{"Image: empty", "Shards: 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ShardCommands(tt.o, tt.engine)
			if err == nil {
				t.Fatalf("ShardCommands: no error, want one holding %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	// Options only Kubernetes reads are not checked for Slurm.
	slurmOnly := with(func(o *Options) { o.Image, o.PVC, o.Results, o.SpecPath = "", "My Claim", "rel", "my sweep.toml" })
	if _, err := ShardCommands(slurmOnly, Slurm); err != nil {
		t.Errorf("Slurm: %v", err)
	}
}

func TestJobName(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"plain", "phase1b", "phase1b"},
		{"upper case and underscores", "Phase_1B", "phase-1b"},
		{"runs of other characters", "  my sweep!!v2..", "my-sweep-v2"},
		{"nothing left", "___", "ftbench"},
		{"too long", strings.Repeat("ab-", 30), strings.TrimRight(strings.Repeat("ab-", 30)[:MaxNameLength], "-")},
		{"non-ASCII", "détection", "d-tection"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := JobName(tt.in)
			if got != tt.want {
				t.Errorf("JobName(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if msg := checkName(got); msg != "" {
				t.Errorf("JobName(%q) = %q, which %s", tt.in, got, msg)
			}
		})
	}
}

func TestDefaultName(t *testing.T) {
	t.Parallel()
	shards, err := ShardCommands(Options{SpecPath: "sweeps/Phase_1b.toml", Shards: 1}, Slurm)
	if err != nil {
		t.Fatal(err)
	}
	if len(shards) != 1 {
		t.Fatalf("got %d shards", len(shards))
	}
	out, err := SlurmArray(Options{SpecPath: "sweeps/Phase_1b.toml", Shards: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "#SBATCH --job-name=phase-1b\n") {
		t.Errorf("the name is not derived from SpecPath:\n%s", out)
	}
}
