package reports

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ftbench/ftbench/internal/testutil"
	"github.com/ftbench/ftbench/record"
	"github.com/ftbench/ftbench/sweeps"
)

// TestGoldenRecordedSweep checks the whole output of `ftbench report` on a
// real recorded sweep (testdata/recorded: 4 configs of face_360p, 6 counted
// runs each, with the reference workload, recorded on this project's 2-core
// machine under load): summary.md, best.toml and report.html, byte for
// byte. The goldens were written by the ftbench of commit 26bc3df, before
// the redesign of issue 13 (record, metric, stats, sweeprun packages), so
// this test holds the redesign to "the same records give the same report".
// A deliberate change to the report refreshes them with -update, in a
// commit that says what changed.
func TestGoldenRecordedSweep(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "recorded")
	spec, err := sweeps.Load(filepath.Join(dir, "spec.toml"))
	if err != nil {
		t.Fatal(err)
	}
	results, warns, err := record.ReadResults(filepath.Join(dir, record.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warns {
		t.Errorf("recorded results: %v", w)
	}
	// As `ftbench report .` does in the sweep's folder: the calibration
	// runs (reference:ffmpeg) are the gate's, not a trial.
	results = slices.DeleteFunc(results, record.IsReference)
	spec.File = record.SpecFile
	r := Analyze(results, spec, Options{Files: []string{record.ResultsFile}})
	var md, html bytes.Buffer
	if err := WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&html, r); err != nil {
		t.Fatal(err)
	}
	best, err := BestTOML(r)
	if err != nil {
		t.Fatal(err)
	}
	testutil.Golden(t, filepath.Join(dir, "summary.golden.md"), md.Bytes())
	testutil.Golden(t, filepath.Join(dir, "best.golden.toml"), best)
	testutil.Golden(t, filepath.Join(dir, "report.golden.html"), html.Bytes())
}
