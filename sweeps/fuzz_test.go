package sweeps

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftbench/ftbench/internal/testutil"
)

// FuzzParse feeds arbitrary text to the spec parser. It must never panic
// or hang, must fail with a non-empty ErrorList whose every entry names the
// file on one line, and a spec it accepts must expand into trials whose
// configs are valid and whose ids are unique.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("*.toml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"[[input]]\nfixture = \"face_360p\"\n[axes]\nbatch = { from = 1, to = 8, pow2 = true }\n",
		"[[input]]\nfixture = \"face_360p\"\n[axes]\nbatch = { from = 1, to = 9223372036854775807, step = 4611686018427387904 }\n",
		"[[input]]\nfixture = \"face_360p\"\n[axes]\nbatch = { from = 9223372036854775800, to = 9223372036854775807 }\n",
		"[[input]]\nfixture = \"face_360p\"\n[axes]\nbatch = { from = -9223372036854775808, to = 9223372036854775807 }\n",
		"[[input]]\nvideo = \"nope.mp4\"\ngt = \"\"\n[base]\nbatch = 1.5\n",
		"timeout = \"-1s\"\nrepeats = 0\nconstraints = [\"fps >= x\", 3]\n[objective]\nmetric = \"fsp\"\n",
		"name = \"\"\n[[input]]\nfixture = \"face_360p\"\n[axes]\nmin_face = [0.5]\nmax_face = [0.2]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		defer testutil.Watchdog(10*time.Second, "sweeps.Parse")()
		s, err := Parse(data, "fuzz.toml", "")
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error is not a non-empty ErrorList: %T %v", err, err)
			}
			for _, e := range list {
				msg := e.Error()
				if !strings.HasPrefix(msg, "fuzz.toml") || strings.Contains(msg, "\n") {
					t.Fatalf("error is not one line naming the file: %q", msg)
				}
			}
			return
		}
		trials := s.Trials()
		if len(trials) == 0 || len(trials) > maxTrials {
			t.Fatalf("accepted spec has %d trials", len(trials))
		}
		ids := map[string]bool{}
		for _, tr := range trials {
			if err := tr.Config.Validate(); err != nil {
				t.Fatalf("trial %s has an invalid config: %v", tr.Label, err)
			}
			if ids[tr.ID] {
				t.Fatalf("trial id %s twice", tr.ID)
			}
			ids[tr.ID] = true
		}
		if s.Repeats < 1 || s.Warmups < 0 || s.Timeout <= 0 {
			t.Fatalf("accepted repeats %d warmups %d timeout %v", s.Repeats, s.Warmups, s.Timeout)
		}
	})
}
