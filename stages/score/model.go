package score

import (
	"errors"
	"fmt"

	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/stages/features"
)

// Model scores one message's features. Implementations are safe for
// concurrent use and never block.
type Model interface {
	Name() string
	Version() string
	// Score returns the probability of phishing and the findings that
	// drove it, most important first.
	Score(f *features.Set) (Prediction, error)
}

// Prediction is one model's verdict on one message.
type Prediction struct {
	Score    float64            // probability of phishing, 0..1
	Findings []pipeline.Finding // reasons that raised the score, most important first
}

// Sentinel errors.
var (
	// ErrFeatureSetVersion: the model was trained on a feature set this
	// code does not compute.
	ErrFeatureSetVersion = errors.New("unsupported feature-set version")
	// ErrModelFormat: the model file is not a model this code reads.
	ErrModelFormat = errors.New("invalid model file")
)

// ModelError says which model file could not be used and why.
type ModelError struct {
	Source string // file name or "embedded"
	Err    error
}

func (e *ModelError) Error() string { return fmt.Sprintf("model %s: %v", e.Source, e.Err) }

// Unwrap returns the underlying error.
func (e *ModelError) Unwrap() error { return e.Err }
