package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ftbench/ftbench/gate"
	"github.com/ftbench/ftbench/runner"
)

var baselineUsage = usageText("baseline")

func baselineCmd(stdout, stderr io.Writer, args []string) error {
	fl := newFlagSet("baseline", baselineUsage, stderr)
	from := fl.String("from", "", "the `results` to save: a results.jsonl or a sweep folder (save)")
	pos, err := parseInterspersed(fl, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || (pos[0] != "save" && pos[0] != "show") {
		fl.Usage()
		return withCode(exitUsage, errors.New("want save DIR --from RESULTS, or show DIR"))
	}
	dir := pos[1]
	if pos[0] == "show" {
		if *from != "" {
			return withCode(exitUsage, errors.New("show takes no --from"))
		}
		return baselineShow(stdout, dir)
	}
	if *from == "" {
		return withCode(exitUsage, errors.New("save wants --from RESULTS.jsonl or a sweep folder"))
	}
	file, rs, err := gate.ReadResults(*from, warnSkipped("gate", stderr))
	if err != nil {
		return withCode(exitUsage, err)
	}
	saved, err := gate.SaveBaselines(dir, rs, file, time.Now())
	if err != nil {
		return withCode(exitUsage, err)
	}
	for _, b := range saved {
		fmt.Fprintf(stdout, "saved %d records (%d counted runs, %d reference runs) as the baseline for %s in %s\n", b.Records, b.Counted, b.References, b.Machine, b.Dir)
		if b.References == 0 {
			fmt.Fprintf(stderr, "ftbench baseline: warning: %s has no reference runs, so it can judge only runs from its own machine (sweep with calibrate on)\n", b.Dir)
		}
	}
	return nil
}

func baselineShow(stdout io.Writer, dir string) error {
	list, err := gate.ListBaselines(dir)
	if err != nil {
		return withCode(exitUsage, err)
	}
	_, env, closeGPU := runner.OpenSampler(0, "") // this machine, as a sweep here records it
	defer closeGPU()
	return gate.WriteBaselines(stdout, list, gate.MachineOf(&env))
}
