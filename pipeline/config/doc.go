// Package config holds the pipeline's knobs: Config, one flat struct whose
// fields are the TOML keys of a config file and the axes a sweep may vary,
// with its defaults, parsing, validation and TOML writing. It builds
// without cgo, so whatever only reads or writes configs builds anywhere.
package config
