// Package strategy names the search strategies of package tune. It is a
// leaf so that sweeps, which tune imports, can check a spec's
// [search] strategy against the same list tune implements.
package strategy

import (
	"slices"
	"strconv"
	"strings"
)

// The strategies, by the name a spec's [search] table gives them.
const (
	Grid       = "grid"
	Random     = "random"
	Coordinate = "coordinate"
	Halving    = "halving"
)

// Names lists every strategy, in the order the docs and `ftbench tune
// replay` present them.
var Names = []string{Grid, Random, Coordinate, Halving}

// Known reports whether name is a strategy.
func Known(name string) bool { return slices.Contains(Names, name) }

// Describe returns the names as a sentence fragment for error messages:
// "grid", "random", "coordinate" or "halving".
func Describe() string {
	quoted := make([]string, len(Names))
	for i, n := range Names {
		quoted[i] = strconv.Quote(n)
	}
	last := len(quoted) - 1
	return strings.Join(quoted[:last], ", ") + " or " + quoted[last]
}
