package features

import (
	"context"
	"testing"

	"github.com/phishx/phishx/stages/score/corpus"
)

func BenchmarkExtractSynthetic(b *testing.B) {
	raw := []byte(phishMsg)
	cfg := DefaultConfig()
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := Extract(context.Background(), raw, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExtractCorpus cycles through the corpus, so the figures follow
// its size distribution (ns/op is per message).
func BenchmarkExtractCorpus(b *testing.B) {
	exs, err := corpus.Load(corpus.Require(b))
	if err != nil {
		b.Fatal(err)
	}
	cfg := DefaultConfig()
	var total int64
	for _, e := range exs {
		total += int64(len(e.Raw))
	}
	b.ReportAllocs()
	b.SetBytes(total / int64(len(exs)))
	i := 0
	for b.Loop() {
		if _, err := Extract(context.Background(), exs[i%len(exs)].Raw, cfg); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(i), "ns/msg")
}
