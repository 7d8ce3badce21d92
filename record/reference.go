package record

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/ftbench/ftbench/pipeline/config"
)

// ReferenceLabel is the label of the reference workload's trials and
// records: the ffmpeg CLI doing the pipeline's decode, crop and encode on
// the same input. Reports and the gate tell reference records from trial
// records by it (IsReference); no axis label can take this form.
const ReferenceLabel = "reference:ffmpeg"

// IsReference reports whether a record is a run of the reference workload,
// the plain ffmpeg CLI or one of its variants (CLIVariant), rather than of
// a trial.
func IsReference(r *Result) bool { return isReferenceLabel(r.Label) }

// IsCalibration reports whether a record is a run of the plain reference
// workload, the one the gate divides frames/s by; a variant's runs are
// references too but never calibrate.
func IsCalibration(r *Result) bool { return r.Label == ReferenceLabel }

// IsReferenceTrial reports whether a trial is the reference workload or
// one of its variants.
func IsReferenceTrial(t *Trial) bool { return isReferenceLabel(t.Label) }

func isReferenceLabel(l string) bool {
	return l == ReferenceLabel || strings.HasPrefix(l, ReferenceLabel+" ")
}

// ReferenceTrial returns the reference workload on an input: the ffmpeg
// CLI decoding it, cropping the centre at cfg's aspect to the size the
// pipeline would (geom.CropSize), and encoding with cfg's encoder,
// preset, CRF and thread counts, copying the audio when cfg does.
//
// Note: its id hashes only what the ffmpeg command depends on, so it is
// the same across sweeps with different axes and survives pipeline config
// fields being added.
func ReferenceTrial(cfg config.Config, in Input) Trial {
	fields := map[string]any{
		"workload": ReferenceLabel, "input": in.key(),
		"encoder": cfg.Encoder, "preset": cfg.Preset, "crf": cfg.CRF, "aspect": cfg.Aspect,
		"copy_audio": cfg.CopyAudio, "decoder_threads": cfg.DecoderThreads, "encode_threads": cfg.EncodeThreads,
	}
	if cfg.HWAccel != "" && cfg.HWAccel != config.HWAccelNone {
		fields["hwaccel"] = cfg.HWAccel // only when set: earlier ids stay
	}
	return Trial{ID: trialHash(fields), Label: ReferenceLabel, Index: -1, Config: cfg, Input: in}
}

// trialHash is the first 12 hex digits of fields' JSON's SHA-256.
func trialHash(fields map[string]any) string {
	key, err := json.Marshal(fields)
	if err != nil {
		panic(err) // a map of plain values always marshals
	}
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:])[:12]
}

// WithReference returns the plan with the reference workload (run with
// cfg's encoder settings, normally the spec's base) placed before the
// first trial of each input, so that every round, warm-ups included, runs
// it once per input, interleaved with the trials.
//
// Note: interleaving is what makes the reference a calibration: it sees
// the same machine, in the same state, as the trials of its round. The
// gate divides frames/s by it to compare runs across machines.
//
// Each of variants (CLIVariant) runs right after the plain reference, so
// that the CLI's best on this machine is measured in the same rounds.
func WithReference(p Plan, cfg config.Config, variants ...CLIVariant) Plan {
	q := p
	q.Trials = nil
	seen := map[string]bool{}
	for _, t := range p.Trials {
		if !seen[t.Input.Name] {
			seen[t.Input.Name] = true
			q.Trials = append(q.Trials, ReferenceTrial(cfg, t.Input))
			for _, v := range variants {
				q.Trials = append(q.Trials, VariantTrial(cfg, t.Input, v))
			}
		}
		q.Trials = append(q.Trials, t)
	}
	return q
}
