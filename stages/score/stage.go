package score

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/schemas"
	"github.com/phishx/phishx/stages/features"
)

// StageName is the name of the production scoring stage.
const StageName = "score"

// StageConfig configures the score stage.
type StageConfig struct {
	// Scores at or above QuarantineThreshold quarantine; at or above
	// FlagThreshold flag; below, deliver.
	QuarantineThreshold float64 `yaml:"quarantine_threshold"`
	FlagThreshold       float64 `yaml:"flag_threshold"`
	MaxFindings         int     `yaml:"max_findings"`
	Features            features.Config
}

// DefaultStageConfig returns the production defaults.
func DefaultStageConfig() StageConfig {
	return StageConfig{
		QuarantineThreshold: 0.9,
		FlagThreshold:       0.5,
		MaxFindings:         5,
		Features:            features.DefaultConfig(),
	}
}

// Validate names the first bad field.
func (c StageConfig) Validate() error {
	switch {
	case !(c.FlagThreshold > 0 && c.FlagThreshold <= 1):
		return fmt.Errorf("score config: FlagThreshold must be in (0, 1], got %g", c.FlagThreshold)
	case !(c.QuarantineThreshold >= c.FlagThreshold && c.QuarantineThreshold <= 1):
		return fmt.Errorf("score config: QuarantineThreshold must be in [FlagThreshold, 1], got %g", c.QuarantineThreshold)
	case c.MaxFindings < 0:
		return fmt.Errorf("score config: MaxFindings must be >= 0, got %d", c.MaxFindings)
	}
	if err := c.Features.Validate(); err != nil {
		return fmt.Errorf("score config: %w", err)
	}
	return nil
}

// Action maps a score to a verdict action.
func (c StageConfig) Action(score float64) string {
	switch {
	case score >= c.QuarantineThreshold:
		return schemas.ActionQuarantine
	case score >= c.FlagThreshold:
		return schemas.ActionFlag
	}
	return schemas.ActionDeliver
}

// Stage is the pipeline stage "score": it extracts features from the
// event's raw message and fills rec.Analysis with the derived fields, the
// production model's score, action, name, version and findings. It is
// safe for concurrent use; Process never blocks beyond
// Features.Timeout.
type Stage struct {
	model Model
	cfg   StageConfig
}

var _ pipeline.Stage = (*Stage)(nil)

// NewStage returns the score stage for a production model.
func NewStage(m Model, cfg StageConfig) (*Stage, error) {
	if m == nil {
		return nil, errors.New("score stage: nil model")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Stage{model: m, cfg: cfg}, nil
}

// NewEmbeddedStage returns the score stage with the shipped model.
func NewEmbeddedStage(cfg StageConfig) (*Stage, error) {
	m, err := Embedded()
	if err != nil {
		return nil, err
	}
	return NewStage(m, cfg)
}

// Name returns "score".
func (s *Stage) Name() string { return StageName }

// Model returns the production model.
func (s *Stage) Model() Model { return s.model }

// Process scores one record. A missing or still-encrypted message, one
// over the size limit or one whose extraction overruns the time budget is
// a permanent error (reason "score: ..."); the parent context ending is
// returned as is (retryable).
func (s *Stage) Process(ctx context.Context, rec *pipeline.Record) error {
	ev := rec.Event
	if ev == nil || len(ev.RawMessage) == 0 {
		return pipeline.Permanent("score: no raw message", nil)
	}
	if slices.Contains(ev.EncryptedFields, "raw_message") {
		return pipeline.Permanent("score: raw message still encrypted", nil)
	}
	set, err := s.Features(ctx, ev.RawMessage)
	if err != nil {
		return err
	}
	p, err := s.model.Score(set)
	if err != nil {
		return pipeline.Permanent("score: model "+s.model.Name()+" "+s.model.Version(), err)
	}
	a := &rec.Analysis
	a.SenderDomain = set.SenderDomain
	a.Subject = set.Subject
	a.URLCount = set.URLCount
	a.Attachments = set.Attachments
	a.Score = p.Score
	a.Action = s.cfg.Action(p.Score)
	a.ModelName = s.model.Name()
	a.ModelVersion = s.model.Version()
	if len(p.Findings) > s.cfg.MaxFindings {
		p.Findings = p.Findings[:s.cfg.MaxFindings]
	}
	a.Findings = p.Findings
	return nil
}

// Features extracts a message's features within the stage's budget,
// classing errors as Process does.
func (s *Stage) Features(ctx context.Context, raw []byte) (*features.Set, error) {
	fctx, cancel := context.WithTimeout(ctx, s.cfg.Features.Timeout)
	defer cancel()
	set, err := features.Extract(fctx, raw, s.cfg.Features)
	switch {
	case err == nil:
		return set, nil
	case ctx.Err() != nil:
		return nil, fmt.Errorf("score: %w", ctx.Err())
	case errors.Is(err, features.ErrTooLarge):
		return nil, pipeline.Permanent("score: message too large", err)
	case errors.Is(err, features.ErrDeadline):
		return nil, pipeline.Permanent("score: feature extraction over time budget", err)
	}
	return nil, pipeline.Permanent("score: feature extraction", err)
}
