package reports

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNoFeasible is returned by BestTOML when no config is feasible.
var ErrNoFeasible = errors.New("no feasible config")

// BestTOML renders the chosen config as a complete pipeline config file,
// the one `ftbench run --config` reads, headed by a comment saying why it
// was chosen: its median and interval, the constraints it met, the
// runner-up. It returns ErrNoFeasible when no config was chosen.
func BestTOML(r *Report) ([]byte, error) {
	c := r.Choice
	if c == nil || c.Best == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoFeasible, noFeasibleWhy(r))
	}
	var h strings.Builder
	line := func(format string, args ...any) { h.WriteString(oneLine(fmt.Sprintf(format, args...)) + "\n") }
	line("ftbench best config of sweep %q: %s %s under its constraints.", r.Name, c.Objective.Direction, c.Objective.Metric)
	line("Trial %q: %s", c.Best.Label, fmtInterval(c.Best.Objective, unitOf(c.Objective.Metric)))
	for _, s := range choiceReasons(r) {
		line("%s", s)
	}
	if len(c.Best.Filled) > 0 {
		line("Fields the runs did not record (ftbench had no such fields then) take today's values: %s.", strings.Join(c.Best.Filled, ", "))
	}
	if len(r.Envs) > 0 {
		line("%s.", strings.ToUpper(envLine(r)[:1])+envLine(r)[1:])
	}
	line("Run it with: ftbench run --config best.toml INPUT")
	return c.Best.Config.WriteTOML(h.String()), nil
}
