package app

import (
	"context"
	"fmt"

	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/schemas"
	"github.com/phishx/phishx/stages/score"
)

// NewCodec returns the wire codec: through the Schema Registry when one is
// configured, through the schemas compiled into the binary otherwise.
func NewCodec(ctx context.Context, cfg Config) (*schemas.Codec, error) {
	opts := []schemas.CodecOption{schemas.WithMaxMessageBytes(cfg.Pipeline.MaxEventBytes)}
	if cfg.SchemaRegistryURL == "" {
		reg, err := schemas.NewEmbeddedRegistry()
		if err != nil {
			return nil, err
		}
		return schemas.NewCodec(reg, opts...), nil
	}
	reg, err := schemas.NewSchemaRegistry(ctx, cfg.SchemaRegistryURL,
		string(cfg.Pipeline.EventsTopic)+"-value", string(cfg.Pipeline.VerdictsTopic)+"-value")
	if err != nil {
		return nil, err
	}
	return schemas.NewCodec(reg, opts...), nil
}

// NewScoreStage returns the production scoring stage: the model at
// cfg.ModelPath, or the model shipped in the binary.
func NewScoreStage(cfg ScoringConfig) (pipeline.Stage, error) {
	sc := score.DefaultStageConfig()
	sc.QuarantineThreshold, sc.FlagThreshold = cfg.QuarantineThreshold, cfg.FlagThreshold
	if cfg.ModelPath == "" {
		return score.NewEmbeddedStage(sc)
	}
	m, err := score.LoadFile(cfg.ModelPath)
	if err != nil {
		return nil, fmt.Errorf("scoring.model_path: %w", err)
	}
	return score.NewStage(m, sc)
}
