package main

import (
	"bytes"
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/ftbench/ftbench/record"
)

func TestEnvCmd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string // in stderr
	}{
		{name: "no gpu", args: []string{"--no-gpu"}, wantCode: exitOK},
		{name: "stray argument", args: []string{"--no-gpu", "extra"}, wantCode: exitUsage, wantErr: `unexpected argument "extra"`},
		{name: "unknown flag", args: []string{"--gpu"}, wantCode: exitUsage, wantErr: "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run(&stdout, &stderr, append([]string{"env"}, tt.args...))
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d; stderr: %s", code, tt.wantCode, stderr.String())
			}
			if tt.wantErr != "" {
				if !strings.Contains(stderr.String(), tt.wantErr) {
					t.Errorf("stderr %q lacks %q", stderr.String(), tt.wantErr)
				}
				return
			}
			var env record.Env
			if err := json.Unmarshal(stdout.Bytes(), &env); err != nil {
				t.Fatalf("stdout is not one JSON fingerprint: %v\n%s", err, stdout.String())
			}
			if env.OS != runtime.GOOS || env.Arch != runtime.GOARCH || env.UsableCPUs < 1 {
				t.Errorf("fingerprint os/arch/cpus = %s/%s/%d, want %s/%s/>=1", env.OS, env.Arch, env.UsableCPUs, runtime.GOOS, runtime.GOARCH)
			}
			if len(env.FFmpeg) == 0 {
				t.Error("fingerprint names no FFmpeg library")
			}
			if !strings.Contains(env.GPU.Error, "--no-gpu") || len(env.GPU.Devices) != 0 {
				t.Errorf("gpu = %+v, want no devices and an error naming --no-gpu", env.GPU)
			}
		})
	}
}
