package detect

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
)

// PigoModule is the module whose cascade and sample photo ftbench reads.
const PigoModule = "github.com/esimov/pigo"

// pigoVersion is the version go.mod pins; the build info overrides it when
// present so a binary always looks for the version it was built with.
const pigoVersion = "v1.4.6"

// PigoModuleFile returns the path of rel (for example "cascade/facefinder")
// inside the pigo module that go.mod pins, as the Go module cache holds it.
//
// Note: the cascade and the photo are read from the module rather than
// committed, so their licence and provenance stay with their authors.
func PigoModuleFile(rel string) (string, error) {
	version := pigoVersion
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == PigoModule {
				version = d.Version
				if d.Replace != nil && d.Replace.Version != "" {
					version = d.Replace.Version
				}
			}
		}
	}
	var tried []string
	for _, cache := range moduleCaches() {
		p := filepath.Join(cache, escapeModulePath(PigoModule)+"@"+version, filepath.FromSlash(rel))
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		tried = append(tried, p)
	}
	return "", fmt.Errorf("%s not found in the Go module cache (looked in %s); run `go mod download %s@%s` or pass its path",
		rel, strings.Join(tried, ", "), PigoModule, version)
}

func moduleCaches() []string {
	var out []string
	add := func(p string) {
		if p == "" {
			return
		}
		for _, q := range out {
			if q == p {
				return
			}
		}
		out = append(out, p)
	}
	add(os.Getenv("GOMODCACHE"))
	if gp := os.Getenv("GOPATH"); gp != "" {
		for _, p := range filepath.SplitList(gp) {
			add(filepath.Join(p, "pkg", "mod"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		add(filepath.Join(home, "go", "pkg", "mod"))
	}
	if len(out) == 0 || !exists(out[0]) {
		if b, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
			add(strings.TrimSpace(string(b)))
		}
	}
	return out
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// escapeModulePath applies the module cache's case encoding ("!x" for "X").
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('!')
			b.WriteRune(r + ('a' - 'A'))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
