package features

import (
	"context"
	"slices"
	"testing"

	"github.com/phishx/phishx/stages/score/corpus"
)

// TestCorpusSanitizedViewInvariance proves on a sample of the real corpus
// that the features of a message equal those of its sanitized view.
func TestCorpusSanitizedViewInvariance(t *testing.T) {
	exs, err := corpus.Load(corpus.Require(t))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for i := 0; i < len(exs); i += 7 {
		e := exs[i]
		raw, err := Extract(context.Background(), e.Raw, DefaultConfig())
		if err != nil {
			t.Fatalf("%s: %v", e.Path, err)
		}
		san, err := Extract(context.Background(), Sanitize(e.Raw), DefaultConfig())
		if err != nil {
			t.Fatalf("%s sanitized: %v", e.Path, err)
		}
		if !slices.Equal(raw.Vector, san.Vector) || !slices.Equal(raw.Signals, san.Signals) {
			t.Errorf("%s: features differ between raw and sanitized view", e.Path)
		}
		checked++
	}
	t.Logf("checked %d messages", checked)
}
