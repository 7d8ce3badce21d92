package cluster

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"
)

// SlurmArray returns a batch script for `sbatch`: an array job whose task I
// runs shard I, at most Parallelism at a time, into Results/shard-I on a
// file system every node shares. Comments at the top say how to submit it
// with the merge and report as a second job that starts once every task
// has succeeded.
func SlurmArray(o Options) ([]byte, error) {
	o, err := o.resolve(Slurm)
	if err != nil {
		return nil, err
	}
	cmds := o.mergeArgs()
	mergeLine := shellLine(cmds[0]) + " && " + shellLine(cmds[1])
	var b bytes.Buffer
	err = slurmScript.Execute(&b, map[string]any{
		"Name":        o.Name,
		"Shards":      o.Shards,
		"Last":        o.Shards - 1,
		"Parallelism": o.Parallelism,
		"Resources":   o.slurmResources(),
		"Merged":      o.join("merged"),
		"ShardDir":    o.shardDir("I"),
		"Submit":      fmt.Sprintf("sbatch --dependency=afterok:\"$jobid\" --job-name=%s-merge --wrap=%s", o.Name, shellQuote(mergeLine)),
		"Command":     shellLine(o.shardArgs(Slurm)),
	})
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Note: #SBATCH lines are read by sbatch, not by a shell, so they hold
// only values checked here: Name is a DNS label, the rest are numbers.
var slurmScript = template.Must(template.New("slurm").Parse(`#!/bin/bash
# ftbench sweep {{.Name}} on Slurm: {{.Shards}} shards, at most {{.Parallelism}} at a time, one array task each;
# task I writes {{.ShardDir}}. Save this as {{.Name}}.sbatch in a folder every node shares,
# and submit it, with the merge and report as a job that starts once every task has succeeded:
#
#   jobid=$(sbatch --parsable {{.Name}}.sbatch)
#   {{.Submit}}
#
# The merged results and the report (report.html, summary.md, best.toml) are then in
# {{.Merged}}. sbatch options on the command line (a partition: -p NAME) override these.
#SBATCH --job-name={{.Name}}
#SBATCH --array=0-{{.Last}}%{{.Parallelism}}
{{- range .Resources}}
#SBATCH {{.}}
{{- end}}
set -eu
exec {{.Command}}
`))

// slurmResources are the sbatch options that ask for Options.CPUs,
// MemoryBytes and GPUs.
func (o Options) slurmResources() []string {
	var r []string
	if o.CPUs > 0 {
		r = append(r, fmt.Sprintf("--cpus-per-task=%d", o.CPUs))
	}
	if o.MemoryBytes > 0 {
		const mib = 1 << 20
		r = append(r, fmt.Sprintf("--mem=%dM", (o.MemoryBytes+mib-1)/mib))
	}
	if o.GPUs > 0 {
		r = append(r, fmt.Sprintf("--gres=gpu:%d", o.GPUs))
	}
	return r
}

// shellLine writes a command line for bash: every word quoted, and the
// shard's index as "${SLURM_ARRAY_TASK_ID}".
func shellLine(args []string) string {
	words := make([]string, len(args))
	for i, a := range args {
		parts := strings.Split(a, indexMark)
		var w strings.Builder
		for j, p := range parts {
			if j > 0 {
				w.WriteString(`"${` + slurmIndexVar + `}"`)
			}
			if p != "" || len(parts) == 1 {
				w.WriteString(shellQuote(p))
			}
		}
		words[i] = w.String()
	}
	return strings.Join(words, " ")
}

// shellQuote quotes s for a POSIX shell: as it is when it holds only
// characters no shell treats specially, else in single quotes.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
