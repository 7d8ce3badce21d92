// Package runnertest provides a fake pipeline child for tests of the
// runner and of `ftbench sweep`: a test binary that calls MaybeChild first
// thing turns into the fake when EnvVar is set, so tests run sweeps without
// the real pipeline and can make a trial crash, hang or burn CPU on demand.
package runnertest

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ftbench/ftbench/internal/atomicfile"
	"github.com/ftbench/ftbench/pipeline/config"
	"github.com/ftbench/ftbench/pipeline/metrics"
)

// EnvVar holds the fake's behaviour, as semicolon-separated rules:
//
//	sleep=SECONDS        how long a normal run takes, sleeping (default 0.05)
//	burn=SECONDS         how long a normal run takes, burning one CPU
//	crash=KEY:VALUE      exit 3 with an error line when the config's KEY is VALUE
//	kill=KEY:VALUE       die by SIGKILL (as the OOM killer does) when KEY is VALUE
//	hang=KEY:VALUE       start a grandchild, then hang, when KEY is VALUE
//	nometrics=KEY:VALUE  exit 0 without writing metrics when KEY is VALUE
//	diskfull=KEY:VALUE   fail writing -o as a full disk does, when KEY is VALUE
//	cpuchild=SECONDS     start a grandchild that burns SECONDS of CPU time (by
//	                     its own CPU clock) and wait for it
//	log=PATH             append "start PID LABEL" to PATH when a run starts
//
// For example "sleep=0.1;crash=batch:3;hang=batch:5".
const EnvVar = "FTBENCH_FAKE_CHILD"

// grandchildEnv marks the grandchild a hanging fake starts.
const grandchildEnv = "FTBENCH_FAKE_GRANDCHILD"

// burnEnv holds the CPU seconds a cpuchild grandchild burns.
const burnEnv = "FTBENCH_FAKE_BURN_CPU"

// MaybeChild runs the fake and exits when EnvVar is set; otherwise it
// returns at once. Call it from TestMain or an init function.
func MaybeChild() {
	if os.Getenv(grandchildEnv) != "" {
		signal.Ignore(syscall.SIGTERM, syscall.SIGINT)
		time.Sleep(time.Hour)
		os.Exit(0)
	}
	if v := os.Getenv(burnEnv); v != "" {
		seconds, _ := strconv.ParseFloat(v, 64)
		burnCPU(seconds)
		os.Exit(0)
	}
	rules := os.Getenv(EnvVar)
	if rules == "" {
		return
	}
	os.Exit(child(rules, os.Args[1:]))
}

// FPS is the frames/s the fake reports for a config, so tests can check
// that results carry the child's metrics: 100 + batch + decoder_threads/10.
func FPS(cfg config.Config) float64 {
	return 100 + float64(cfg.Batch) + float64(cfg.DecoderThreads)/10
}

func child(rules string, args []string) int {
	fs := flag.NewFlagSet("fake", flag.ContinueOnError)
	out := fs.String("o", "", "")
	cfgPath := fs.String("config", "", "")
	metricsPath := fs.String("metrics", "", "")
	gt := fs.String("gt", "", "")
	fs.String("tracks", "", "")
	minSeconds := fs.Float64("min-seconds", 0, "")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintf(os.Stderr, "fake pipeline: bad arguments %q\n", args)
		return 2
	}
	input := fs.Arg(0)
	cfg := config.DefaultConfig()
	if *cfgPath != "" {
		var err error
		if cfg, err = config.LoadConfig(*cfgPath); err != nil {
			fmt.Fprintf(os.Stderr, "fake pipeline: %v\n", err)
			return 2
		}
	}
	values := cfg.Map()
	matches := func(cond string) bool {
		k, v, _ := strings.Cut(cond, ":")
		x, ok := values[k]
		return ok && fmt.Sprint(x) == v
	}
	sleep, burn, cpuchild := 0.05, 0.0, ""
	var logPath string
	var crash, kill, hang, nometrics, diskfull bool
	for _, rule := range strings.Split(rules, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(rule), "=")
		switch k {
		case "sleep":
			sleep, _ = strconv.ParseFloat(v, 64)
		case "burn":
			burn, _ = strconv.ParseFloat(v, 64)
			sleep = 0
		case "crash":
			crash = crash || matches(v)
		case "kill":
			kill = kill || matches(v)
		case "hang":
			hang = hang || matches(v)
		case "nometrics":
			nometrics = nometrics || matches(v)
		case "diskfull":
			diskfull = diskfull || matches(v)
		case "cpuchild":
			cpuchild = v
		case "log":
			logPath = v
		}
	}
	if logPath != "" {
		f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err == nil {
			fmt.Fprintf(f, "start %d %s\n", os.Getpid(), label(values))
			f.Close()
		}
	}
	start := time.Now()
	switch {
	case diskfull:
		fmt.Fprintf(os.Stderr, "ftbench run: %s: cannot write: no space left on device\n", *out)
		return 1
	case crash:
		fmt.Fprintln(os.Stderr, "decoding frame 12")
		fmt.Fprintln(os.Stderr, "fake pipeline: boom: detector exploded")
		return 3
	case kill:
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Hour)
	case hang:
		gc := exec.Command(os.Args[0])
		gc.Env = append(os.Environ(), grandchildEnv+"=1")
		if err := gc.Start(); err == nil && logPath != "" {
			f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
			if err == nil {
				fmt.Fprintf(f, "grandchild %d\n", gc.Process.Pid)
				f.Close()
			}
		}
		signal.Ignore(syscall.SIGTERM, syscall.SIGINT)
		time.Sleep(time.Hour)
	}
	if cpuchild != "" {
		gc := exec.Command(os.Args[0])
		gc.Env = append(os.Environ(), burnEnv+"="+cpuchild)
		if err := gc.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "fake pipeline: cpu grandchild: %v\n", err)
			return 1
		}
	}
	if burn > 0 {
		for x := 0; time.Since(start).Seconds() < burn; x++ {
			_ = x * x
		}
	}
	time.Sleep(time.Duration(sleep * float64(time.Second)))
	// Note: like ftbench run --min-seconds, the run lasts at least that
	// long, and says so in its passes.
	passes := 0
	if *minSeconds > 0 {
		time.Sleep(time.Duration(*minSeconds*float64(time.Second)) - time.Since(start))
		passes = 2
	}
	if nometrics {
		return 0
	}
	if *out != "" {
		os.WriteFile(*out, []byte("not a video"), 0o644)
	}
	wall := time.Since(start).Seconds()
	m := metrics.Metrics{
		Input: input, Output: *out, Frames: 90, WallSeconds: wall, FPS: FPS(cfg),
		Stages:       map[string]float64{metrics.StageDecode: wall / 4, metrics.StageDetect: wall / 2, metrics.StageEncode: wall / 4},
		PeakRSSBytes: 50 << 20, Config: cfg, Width: 640, Height: 360, CropWidth: 202, CropHeight: 360, Passes: passes,
	}
	if *gt != "" {
		m.Quality = &metrics.Quality{HitRate: 0.95, Recall: 0.9, Precision: 0.97, GTFrames: 90, Hits: 85}
	}
	if *metricsPath != "" {
		if err := atomicfile.WriteJSON(*metricsPath, m); err != nil {
			fmt.Fprintf(os.Stderr, "fake pipeline: %v\n", err)
			return 1
		}
	}
	return 0
}

func label(values map[string]any) string {
	return fmt.Sprintf("batch=%v,decoder_threads=%v", values["batch"], values["decoder_threads"])
}

// burnCPU spins until this process has used the given CPU seconds, by the
// kernel's clock, however busy the machine.
func burnCPU(seconds float64) {
	for x := 0; ; x++ {
		if x%1_000_000 == 0 {
			var ru syscall.Rusage
			if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
				return
			}
			if float64(ru.Utime.Nano()+ru.Stime.Nano())/1e9 >= seconds {
				return
			}
		}
	}
}
