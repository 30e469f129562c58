package pii

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/phishx/phishx/pipeline"
)

// StageName is the pipeline stage name.
const StageName = "pii"

// FindingCode is the code of the finding the stage records.
const FindingCode = "pii_present"

// StageConfig configures Stage.
type StageConfig struct {
	// MaxScanBytes is how much of the raw message is scanned.
	MaxScanBytes int
}

// DefaultStageConfig scans the first 64 KiB of the raw message.
func DefaultStageConfig() StageConfig { return StageConfig{MaxScanBytes: 64 << 10} }

// Validate names the first bad field.
func (c StageConfig) Validate() error {
	if c.MaxScanBytes < 1 {
		return errors.New("pii: stage config: MaxScanBytes must be >= 1")
	}
	return nil
}

// Stage records a "pii_present" finding when the subject or the start of
// the raw message contains PII. It must run after decrypt; a raw message
// still listed in EncryptedFields is not scanned. Safe for concurrent use.
type Stage struct {
	cfg StageConfig
}

var _ pipeline.Stage = (*Stage)(nil)

// NewStage validates cfg and returns the stage.
func NewStage(cfg StageConfig) (*Stage, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Stage{cfg: cfg}, nil
}

// Name returns "pii".
func (s *Stage) Name() string { return StageName }

// Process scans and appends at most one finding. Its Detail lists the kinds
// ("pii kinds: email, phone"), never the values.
func (s *Stage) Process(_ context.Context, rec *pipeline.Record) error {
	kinds := Kinds(rec.Analysis.Subject)
	if ev := rec.Event; ev != nil && !slices.Contains(ev.EncryptedFields, "raw_message") {
		raw := ev.RawMessage
		if len(raw) > s.cfg.MaxScanBytes {
			raw = raw[:s.cfg.MaxScanBytes]
		}
		for _, k := range Kinds(string(raw)) {
			if !slices.Contains(kinds, k) {
				kinds = append(kinds, k)
			}
		}
	}
	if len(kinds) == 0 {
		return nil
	}
	slices.SortFunc(kinds, func(a, b Kind) int { return kindIndex(a) - kindIndex(b) })
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	rec.Analysis.Findings = append(rec.Analysis.Findings, pipeline.Finding{
		Code:     FindingCode,
		Severity: 0, // informational: PII says nothing about phishing
		Detail:   "pii kinds: " + strings.Join(names, ", "),
	})
	return nil
}
