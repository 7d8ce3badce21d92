package reports

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// EChartsVersion is the ECharts release the report is written for and
// tested with; scripts/fetch-echarts.sh installs the same one.
const EChartsVersion = "5.6.0"

// DefaultEChartsURL is where a report loads ECharts from by default.
const DefaultEChartsURL = "https://cdn.jsdelivr.net/npm/echarts@" + EChartsVersion + "/dist/echarts.min.js"

// defaultEChartsSRI is the Subresource Integrity hash of DefaultEChartsURL
// (the npm package's dist/echarts.min.js), so a changed CDN copy is refused.
const defaultEChartsSRI = "sha384-pPi0zxBAoDu6+JXW/C68UZLvBUUtU+7zonhif43rqj7pxsGyqyqzcian2Rj37Rss"

// EChartsFile is the name of the ECharts script in its npm package's dist folder.
const EChartsFile = "echarts.min.js"

// EnvEChartsDir is the environment variable naming a folder that holds a
// local ECharts (see FindECharts).
const EnvEChartsDir = "FTBENCH_ECHARTS_DIR"

// Script says where a report's page gets ECharts, the only script it
// loads.
type Script struct {
	// Src is the URL, or the path relative to the report, the page loads
	// ECharts from; empty means DefaultEChartsURL.
	Src string
	// Inline is ECharts' own text, embedded into the page so that it opens
	// with no network and no other file; it overrides Src.
	Inline []byte
}

// FindECharts returns the path of a local echarts.min.js. dir may be the
// file's folder, an unpacked npm package (DIR/dist/echarts.min.js) or an
// npm prefix (DIR/node_modules/echarts/dist/echarts.min.js), as
// `npm install --prefix DIR echarts` makes. With dir empty it looks in
// $FTBENCH_ECHARTS_DIR, then in the user cache folder's ftbench/echarts,
// where scripts/fetch-echarts.sh installs it.
func FindECharts(dir string) (string, error) {
	var dirs []string
	if dir != "" {
		dirs = []string{dir}
	} else {
		if d := os.Getenv(EnvEChartsDir); d != "" {
			dirs = append(dirs, d)
		}
		if c, err := os.UserCacheDir(); err == nil {
			dirs = append(dirs, filepath.Join(c, "ftbench", "echarts"))
		}
	}
	for _, d := range dirs {
		if st, err := os.Stat(d); err == nil && !st.IsDir() && filepath.Base(d) == EChartsFile {
			return d, nil
		}
		for _, sub := range []string{"", "dist", filepath.Join("node_modules", "echarts", "dist")} {
			p := filepath.Join(d, sub, EChartsFile)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p, nil
			}
		}
	}
	if dir != "" {
		return "", fmt.Errorf("%s: no %s there, in dist/ or in node_modules/echarts/dist/ (scripts/fetch-echarts.sh DIR installs it)", dir, EChartsFile)
	}
	return "", fmt.Errorf("no local ECharts in %s (scripts/fetch-echarts.sh installs it, or set %s)", strings.Join(dirs, " or "), EnvEChartsDir)
}

// LocalScript returns the Script of a local echarts.min.js for a report
// written into reportDir: the file's path relative to the report, or with
// inline the file's text.
func LocalScript(file, reportDir string, inline bool) (Script, error) {
	if inline {
		data, err := os.ReadFile(file)
		if err != nil {
			return Script{}, err
		}
		if !bytes.Contains(data, []byte("echarts")) {
			return Script{}, fmt.Errorf("%s does not look like ECharts", file)
		}
		return Script{Inline: data}, nil
	}
	absFile, err := filepath.Abs(file)
	if err != nil {
		return Script{}, err
	}
	absDir, err := filepath.Abs(reportDir)
	if err != nil {
		return Script{}, err
	}
	rel, err := filepath.Rel(absDir, absFile)
	if err != nil {
		return Script{Src: "file://" + filepath.ToSlash(absFile)}, nil
	}
	return Script{Src: filepath.ToSlash(rel)}, nil
}

// inlineSafe reports whether script text can sit inside a <script> element
// verbatim.
func inlineSafe(js []byte) bool {
	low := bytes.ToLower(js)
	return !bytes.Contains(low, []byte("</script")) && !bytes.Contains(low, []byte("<!--"))
}
