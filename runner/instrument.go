package runner

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ftbench/ftbench/pipeline/metrics"
	"github.com/ftbench/ftbench/record"
)

// ValgrindEnv names the environment variable that points at the valgrind
// binary the instructions instrument runs; unset, it is "valgrind" on PATH.
const ValgrindEnv = "FTBENCH_VALGRIND"

// cachegrindPrefix begins the names of the per-process count files an
// instrumented run leaves in its folder.
const cachegrindPrefix = "cachegrind.out."

// CheckInstrument returns an error saying how to get what the instrument
// needs when it is missing, nil for "" (no instrument).
func CheckInstrument(instrument string) error {
	switch instrument {
	case "":
		return nil
	case record.InstrumentInstructions:
		_, err := findValgrind()
		return err
	}
	return fmt.Errorf("instrument %q: the only instrument is %q", instrument, record.InstrumentInstructions)
}

// findValgrind returns the valgrind binary, or an error saying how to get it.
func findValgrind() (string, error) {
	if v := os.Getenv(ValgrindEnv); v != "" {
		if st, err := os.Stat(v); err != nil || st.IsDir() {
			return "", fmt.Errorf("%s=%s: no such valgrind binary", ValgrindEnv, v)
		}
		return v, nil
	}
	v, err := exec.LookPath("valgrind")
	if err != nil {
		return "", errors.New("the instructions instrument needs valgrind, and there is none on PATH: install it (scripts/install-deps.sh valgrind) or name it in " + ValgrindEnv)
	}
	return v, nil
}

// Cachegrind returns the command line that runs name with args under
// valgrind's cachegrind, counting instructions only (--cache-sim=no),
// following every child process, each writing its counts to
// dir/cachegrind.out.PID.
//
// Note: a process that execs keeps its PID, so its count file is
// overwritten by the new program's: the instructions before an exec are
// lost. The pipeline's segment workers and ffmpeg are forked, not exec'd
// in place, so this loses only a shell's few instructions.
func Cachegrind(valgrind, dir, name string, args []string) (string, []string) {
	vargs := []string{"-q", "--tool=cachegrind", "--cache-sim=no", "--trace-children=yes",
		"--cachegrind-out-file=" + filepath.Join(dir, cachegrindPrefix+"%p"), name}
	return valgrind, append(vargs, args...)
}

// shimSource is a C library that replaces libhwy's timer-resolution probe,
// which runs RDTSCP when libavcodec loads (through libjxl).
//
// Note: on a virtual machine whose CPU hides RDTSCP from CPUID, valgrind
// still offers it to its guest but cannot decode it, so the guest dies of
// SIGILL: libhwy probes unconditionally, and the Go runtime reads its
// clock with it (GODEBUG=cpu.rdtscp=off turns that off). The probe only
// sizes libhwy's benchmark timers, which the pipeline never uses.
const shimSource = "unsigned long long _ZN3hwy8platform15TimerResolutionEv(void) { return 1; }\n"

// instrumentEnv returns the environment variables an instrumented run
// needs: the Go runtime kept off RDTSCP and, when a C compiler can build
// it into dir, the libhwy shim preloaded. Children inherit both.
func instrumentEnv(dir string) []string {
	godebug := "cpu.rdtscp=off"
	if v := os.Getenv("GODEBUG"); v != "" {
		godebug = v + "," + godebug
	}
	env := []string{"GODEBUG=" + godebug}
	src, lib := filepath.Join(dir, "rdtscp-shim.c"), filepath.Join(dir, "rdtscp-shim.so")
	if _, err := os.Stat(lib); err != nil {
		cc := os.Getenv("CC")
		if cc == "" {
			cc = "cc"
		}
		if os.WriteFile(src, []byte(shimSource), 0o644) != nil || exec.Command(cc, "-shared", "-fPIC", "-O2", "-o", lib, src).Run() != nil {
			return env
		}
	}
	preload := lib
	if v := os.Getenv("LD_PRELOAD"); v != "" {
		preload = v + ":" + lib
	}
	return append(env, "LD_PRELOAD="+preload)
}

// CountInstructions sums the instructions of every count file a
// cachegrind run left in dir: the whole process tree's.
func CountInstructions(dir string) (int64, error) {
	files, err := filepath.Glob(filepath.Join(dir, cachegrindPrefix+"*"))
	if err != nil {
		return 0, err
	}
	if len(files) == 0 {
		return 0, fmt.Errorf("cachegrind wrote no %s* file in %s", cachegrindPrefix, dir)
	}
	var total int64
	for _, f := range files {
		n, err := readCachegrind(f)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

func readCachegrind(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n, err := ParseCachegrind(f)
	if err != nil {
		return 0, fmt.Errorf("%s: %v", path, err)
	}
	return n, nil
}

// ParseCachegrind reads the instructions (event Ir) from a cachegrind
// output file's "events:" and "summary:" lines.
func ParseCachegrind(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	col := -1
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "events:"); ok {
			col = -1
			for i, e := range strings.Fields(v) {
				if e == "Ir" {
					col = i
				}
			}
			if col < 0 {
				return 0, fmt.Errorf("events %q: no Ir (instructions) event", strings.TrimSpace(v))
			}
			continue
		}
		if v, ok := strings.CutPrefix(line, "summary:"); ok {
			if col < 0 {
				return 0, errors.New("a summary line before any events line")
			}
			f := strings.Fields(v)
			if col >= len(f) {
				return 0, fmt.Errorf("summary %q: no column %d for Ir", strings.TrimSpace(v), col+1)
			}
			n, err := strconv.ParseInt(f[col], 10, 64)
			if err != nil || n < 0 {
				return 0, fmt.Errorf("summary %q: Ir is not a count", strings.TrimSpace(v))
			}
			return n, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no summary line (cachegrind did not finish?)")
}

// RunInstrumented runs argv under the instrument, with its output on
// stdout and stderr, its count files in a fresh temporary folder, and
// returns the instructions of its whole process tree: what
// `ftbench run --instrument instructions` does for one run.
func RunInstrumented(ctx context.Context, instrument string, argv []string, stdout, stderr io.Writer) (int64, error) {
	if instrument != record.InstrumentInstructions {
		return 0, CheckInstrument(instrument)
	}
	valgrind, err := findValgrind()
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "ftbench-cachegrind-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	name, args := Cachegrind(valgrind, dir, argv[0], argv[1:])
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), instrumentEnv(dir)...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s under cachegrind: %w", argv[0], err)
	}
	return CountInstructions(dir)
}

// RunSelf runs this ftbench's `run` command again with args (its own
// command line, --instrument dropped) under the instrument, and returns
// the tree's instructions and the frames the run's metrics report (0 when
// it wrote none): what `ftbench run --instrument instructions` does.
// metricsPath is the run's --metrics file, "" for none (a temporary one
// is used then).
func RunSelf(ctx context.Context, instrument, metricsPath string, args []string, stdout, stderr io.Writer) (n int64, frames int, err error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, 0, err
	}
	argv := []string{exe, "run"}
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--instrument" || a == "-instrument":
			i++
		case strings.HasPrefix(a, "--instrument=") || strings.HasPrefix(a, "-instrument="):
		default:
			argv = append(argv, a)
		}
	}
	if metricsPath == "" {
		dir, err := os.MkdirTemp("", "ftbench-run-")
		if err != nil {
			return 0, 0, err
		}
		defer os.RemoveAll(dir)
		metricsPath = filepath.Join(dir, "metrics.json")
		argv = append(argv, "--metrics", metricsPath)
	}
	if n, err = RunInstrumented(ctx, instrument, argv, stdout, stderr); err != nil {
		return 0, 0, err
	}
	var m metrics.Metrics
	if data, err := os.ReadFile(metricsPath); err == nil && json.Unmarshal(data, &m) == nil && m.Frames > 0 {
		frames = m.Frames
	}
	return n, frames, nil
}
