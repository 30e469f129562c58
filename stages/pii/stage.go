package pii

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/phishx/phishx/pipeline"
)

// StageName is the pipeline stage name.
const StageName = "pii"

// FindingCode is the code of the finding the stage records.
const FindingCode = "pii_present"

// StageConfig configures Stage. Every field must be positive.
type StageConfig struct {
	// MaxScanBytes caps the decoded text scanned per message: the subject
	// first, then the body text in part order.
	MaxScanBytes int
	// MaxParts caps the MIME parts looked at per message, at every depth.
	MaxParts int
	// MaxDepth caps how deeply multiparts nest before the walk stops.
	MaxDepth int
}

// DefaultStageConfig scans up to 16 KiB of decoded text in at most 32
// parts nested at most 4 deep.
func DefaultStageConfig() StageConfig {
	return StageConfig{MaxScanBytes: 16 << 10, MaxParts: 32, MaxDepth: 4}
}

// ErrInvalidConfig is wrapped by every StageConfig.Validate error.
var ErrInvalidConfig = errors.New("pii: invalid stage config")

// Validate names the first bad field.
func (c StageConfig) Validate() error {
	switch {
	case c.MaxScanBytes < 1:
		return fmt.Errorf("%w: MaxScanBytes must be >= 1, got %d", ErrInvalidConfig, c.MaxScanBytes)
	case c.MaxParts < 1:
		return fmt.Errorf("%w: MaxParts must be >= 1, got %d", ErrInvalidConfig, c.MaxParts)
	case c.MaxDepth < 1:
		return fmt.Errorf("%w: MaxDepth must be >= 1, got %d", ErrInvalidConfig, c.MaxDepth)
	}
	return nil
}

// Stage records a "pii_present" finding when the content of a message, its
// subject and decoded body text, contains PII. Header addresses (From, To,
// Received...) are not content: every message has them. It must run after
// decrypt; a raw message still listed in EncryptedFields is not scanned (the
// subject still is). Safe for concurrent use.
type Stage struct {
	cfg StageConfig
	// scratch holds *bytes.Buffer for decoding parts, so a message costs
	// no buffer growth once the stage is warm.
	scratch sync.Pool
}

var _ pipeline.Stage = (*Stage)(nil)

// NewStage validates cfg and returns the stage.
func NewStage(cfg StageConfig) (*Stage, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Stage{cfg: cfg}, nil
}

// maxPooledScratch is the largest scratch buffer kept for reuse: a quoted-
// printable HTML part may need its room times 3 times htmlReadFactor, plus
// bytes.Buffer's read slack.
func maxPooledScratch(cfg StageConfig) int { return cfg.MaxScanBytes*3*htmlReadFactor + 4096 }

// Name returns "pii".
func (s *Stage) Name() string { return StageName }

// Process scans and appends at most one finding. Its Detail lists the kinds
// ("pii kinds: email, phone"), never the values. It never fails: a message
// whose MIME structure is broken is scanned as far as it can be read.
func (s *Stage) Process(_ context.Context, rec *pipeline.Record) error {
	text := rec.Analysis.Subject
	if ev := rec.Event; ev != nil && !slices.Contains(ev.EncryptedFields, "raw_message") {
		buf, _ := s.scratch.Get().(*bytes.Buffer)
		c := content{max: s.cfg.MaxScanBytes, maxParts: s.cfg.MaxParts, maxDepth: s.cfg.MaxDepth, scratch: buf}
		text = c.extract(ev.RawMessage, rec.Analysis.Subject)
		if c.scratch != nil && c.scratch.Cap() <= maxPooledScratch(s.cfg) {
			s.scratch.Put(c.scratch)
		}
	} else if len(text) > s.cfg.MaxScanBytes {
		text = text[:s.cfg.MaxScanBytes]
	}
	kinds := Kinds(text)
	if len(kinds) == 0 {
		return nil
	}
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
