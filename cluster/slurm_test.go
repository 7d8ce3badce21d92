package cluster

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/ftbench/ftbench/internal/testutil"
)

// fakeBinary writes an executable at path that records each call's
// arguments in the folder log, one file per call, in call order.
func fakeBinary(t *testing.T, path, log string) {
	t.Helper()
	script := `#!/bin/bash
n=$(ls "` + log + `" | wc -l)
printf '%s\0' "$@" > "` + log + `/$n"
`
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

// calls reads what fakeBinary recorded, in call order.
func calls(t *testing.T, log string) [][]string {
	t.Helper()
	entries, err := os.ReadDir(log)
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]string, len(entries))
	for i := range entries {
		data, err := os.ReadFile(filepath.Join(log, strconv.Itoa(i)))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = strings.Split(strings.TrimSuffix(string(data), "\x00"), "\x00")
	}
	return out
}

func needBash(t *testing.T) string {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash:", err)
	}
	return bash
}

func TestSlurmArray(t *testing.T) {
	t.Parallel()
	bash := needBash(t)
	tests := []struct {
		name string
		o    Options
		want []string // lines the script must hold
	}{
		{
			name: "defaults",
			o:    Options{SpecPath: "sweeps/phase1b.toml", Shards: 3},
			want: []string{"#SBATCH --job-name=phase1b", "#SBATCH --array=0-2%3"},
		},
		{
			name: "resources, odd paths",
			o: Options{
				Name: "odd", SpecPath: `sweeps/it's a $(x) ` + "`y`" + ` "z".toml`, Results: `res ults/$HOME`,
				Shards: 5, Parallelism: 2, CPUs: 4, MemoryBytes: 3<<30 + 1, GPUs: 2,
			},
			want: []string{
				"#SBATCH --job-name=odd", "#SBATCH --array=0-4%2",
				"#SBATCH --cpus-per-task=4", "#SBATCH --mem=3073M", "#SBATCH --gres=gpu:2",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			log := filepath.Join(dir, "log")
			if err := os.Mkdir(log, 0o755); err != nil {
				t.Fatal(err)
			}
			tt.o.Binary = filepath.Join(dir, "bin dir", "ftbench")
			fakeBinary(t, tt.o.Binary, log)

			script, err := SlurmArray(tt.o)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(script), "\n")
			for _, w := range tt.want {
				if !contains(lines, w) {
					t.Errorf("no line %q in:\n%s", w, script)
				}
			}
			path := filepath.Join(dir, "job.sbatch")
			if err := os.WriteFile(path, script, 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(bash, "-n", path).CombinedOutput(); err != nil {
				t.Fatalf("bash -n: %v\n%s", err, out)
			}

			// Every task runs what ShardCommands says.
			shards, err := ShardCommands(tt.o, Slurm)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range shards {
				cmd := exec.Command(bash, path)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), s.Env...)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("task %d: %v\n%s", s.Index, err, out)
				}
			}
			got := calls(t, log)
			if len(got) != len(shards) {
				t.Fatalf("%d calls, want %d", len(got), len(shards))
			}
			for _, s := range shards {
				if !reflect.DeepEqual(got[s.Index], s.Args[1:]) {
					t.Errorf("task %d ran %q, ShardCommands says %q", s.Index, got[s.Index], s.Args[1:])
				}
			}

			// Outside an array task the script stops rather than run shard "".
			cmd := exec.Command(bash, path)
			cmd.Dir = dir
			cmd.Env = withoutVar(os.Environ(), "SLURM_ARRAY_TASK_ID")
			if err := cmd.Run(); err == nil {
				t.Error("the script ran with no SLURM_ARRAY_TASK_ID")
			}

			checkSlurmSubmit(t, bash, script, tt.o, dir)
		})
	}
}

// checkSlurmSubmit runs the submit commands in the script's comments with
// a fake sbatch, which runs the merge job's --wrap command at once, and
// checks that it is what MergeCommands says.
func checkSlurmSubmit(t *testing.T, bash string, script []byte, o Options, dir string) {
	t.Helper()
	var submit []string
	for _, l := range strings.Split(string(script), "\n") {
		if c, ok := strings.CutPrefix(l, "#   "); ok {
			submit = append(submit, c)
		}
	}
	if len(submit) != 2 || !strings.Contains(submit[1], "--dependency=afterok:") {
		t.Fatalf("want two submit lines, the second with --dependency=afterok, got %q", submit)
	}
	bin := filepath.Join(dir, "fakebin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	sbatch := `#!/bin/bash
for a in "$@"; do
  case "$a" in
    --parsable) echo 4242 ;;
    --dependency=*) [ "$a" = --dependency=afterok:4242 ] || { echo "bad $a" >&2; exit 1; } ;;
    --wrap=*) exec bash -c "${a#--wrap=}" ;;
  esac
done
`
	if err := os.WriteFile(filepath.Join(bin, "sbatch"), []byte(sbatch), 0o755); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "log")
	if err := os.RemoveAll(log); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(log, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bash, "-eu", "-c", strings.Join(submit, "\n"))
	cmd.Dir = dir
	cmd.Env = append(withoutVar(os.Environ(), "PATH"), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("submit: %v\n%s\n%s", err, out, strings.Join(submit, "\n"))
	}
	want, err := MergeCommands(o, Slurm)
	if err != nil {
		t.Fatal(err)
	}
	got := calls(t, log)
	if len(got) != len(want) {
		t.Fatalf("the merge job made %d calls %q, want %d", len(got), got, len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i][1:]) {
			t.Errorf("merge job call %d: %q, want %q", i, got[i], want[i][1:])
		}
	}
}

func contains(lines []string, l string) bool {
	for _, x := range lines {
		if x == l {
			return true
		}
	}
	return false
}

func withoutVar(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

func TestShellQuote(t *testing.T) {
	t.Parallel()
	bash := needBash(t)
	for _, s := range []string{"", "plain/path-1.toml", "a b", "it's", `$(x) "y" \z`, "a=b", "~", "*", "x\ty"} {
		out, err := exec.Command(bash, "-c", "printf %s "+shellQuote(s)).Output()
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if !bytes.Equal(out, []byte(s)) {
			t.Errorf("shellQuote(%q) = %s, which bash reads as %q", s, shellQuote(s), out)
		}
	}
}

func TestSlurmArrayGolden(t *testing.T) {
	t.Parallel()
	out, err := SlurmArray(Options{
		SpecPath: "sweeps/phase1b.toml", Results: "/shared/ftbench/phase1b",
		Shards: 4, Parallelism: 2, CPUs: 2, MemoryBytes: 4 << 30, GPUs: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	testutil.Golden(t, "testdata/phase1b.sbatch", out)
}
