package reports

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ftbench/ftbench/internal/testutil"
	"github.com/ftbench/ftbench/record"
)

// TestGoldenRecordedSweep checks the whole output of `ftbench report .`
// on a real recorded sweep (testdata/recorded: 4 configs of face_360p, 6
// counted runs each, with the reference workload, recorded on this
// project's 2-core machine under load): summary.md, best.toml and
// report.html, byte for byte. The goldens were written by the ftbench of
// commit 26bc3df, before the redesign of issue 13 (record, metric, stats,
// sweeprun packages), so this test holds the redesign to "the same
// records give the same report". A deliberate change to the report
// refreshes them with -update, in a commit that says what changed.
func TestGoldenRecordedSweep(t *testing.T) {
	src, err := filepath.Abs(filepath.Join("testdata", "recorded"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range []string{record.ResultsFile, record.SpecFile} {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// As the command runs in the sweep's folder, which the report names.
	t.Chdir(dir)
	if _, err := Generate(Request{Results: []string{"."}, Stdout: io.Discard, Stderr: io.Discard}); err != nil {
		t.Fatal(err)
	}
	for file, golden := range map[string]string{MarkdownFile: "summary.golden.md", BestFile: "best.golden.toml", HTMLFile: "report.golden.html"} {
		got, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		testutil.Golden(t, filepath.Join(src, golden), got)
	}
}
