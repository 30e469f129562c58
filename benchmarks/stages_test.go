package benchmarks

import (
	"context"
	"testing"
	"time"

	"github.com/phishx/phishx/benchmarks/loadgen"
	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/schemas"
	"github.com/phishx/phishx/schemas/seal"
	"github.com/phishx/phishx/stages/decrypt"
	"github.com/phishx/phishx/stages/decrypt/fernet"
	"github.com/phishx/phishx/stages/decrypt/keyring"
	"github.com/phishx/phishx/stages/pii"
	"github.com/phishx/phishx/stages/score"
)

// workload is a pool of realistic sealed events, encoded for the wire, so
// per-stage benchmarks cycle through the same size mix the pipeline sees.
type workload struct {
	codec  *schemas.Codec
	keys   *keyring.Holder
	wire   [][]byte
	sealed []*schemas.EmailEvent
	plain  []*schemas.EmailEvent
}

const poolSize = 2000

func newWorkload(tb testing.TB) *workload {
	tb.Helper()
	reg, err := schemas.NewEmbeddedRegistry()
	if err != nil {
		tb.Fatal(err)
	}
	key, err := fernet.GenerateKey(nil)
	if err != nil {
		tb.Fatal(err)
	}
	ring, err := keyring.New("bench", 1, map[int32]*fernet.Key{1: key})
	if err != nil {
		tb.Fatal(err)
	}
	holder, err := keyring.NewHolder(ring)
	if err != nil {
		tb.Fatal(err)
	}
	sealer, err := seal.NewSealer(holder, nil)
	if err != nil {
		tb.Fatal(err)
	}
	cfg := loadgen.DefaultConfig()
	fixed := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	cfg.Clock = func() time.Time { return fixed }
	gen, err := loadgen.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	w := &workload{codec: schemas.NewCodec(reg), keys: holder}
	for range poolSize {
		ev := gen.Next()
		s, err := sealer.Seal(ev)
		if err != nil {
			tb.Fatal(err)
		}
		b, err := w.codec.EncodeEvent(s)
		if err != nil {
			tb.Fatal(err)
		}
		w.plain, w.sealed, w.wire = append(w.plain, ev), append(w.sealed, s), append(w.wire, b)
	}
	return w
}

// BenchmarkStage reports the cost of each stage per email (ns/op and
// allocs/op are per email) over the synthetic size mix.
func BenchmarkStage(b *testing.B) {
	w := newWorkload(b)

	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := w.codec.DecodeEvent(w.wire[i%poolSize]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("decrypt", func(b *testing.B) {
		st, err := decrypt.New(w.keys, decrypt.DefaultConfig())
		benchStage(b, st, err, func(i int) *schemas.EmailEvent {
			ev := *w.sealed[i%poolSize] // the stage opens in place
			ev.EnvelopeTo = append([]string(nil), ev.EnvelopeTo...)
			return &ev
		})
	})
	plain := func(i int) *schemas.EmailEvent { return w.plain[i%poolSize] }
	b.Run("pii", func(b *testing.B) {
		st, err := pii.NewStage(pii.DefaultStageConfig())
		benchStage(b, st, err, plain)
	})
	b.Run("score", func(b *testing.B) {
		st, err := score.NewEmbeddedStage(score.DefaultStageConfig())
		benchStage(b, st, err, plain)
	})
}

// benchStage runs st over event(0), event(1), ... reporting per-email cost.
func benchStage(b *testing.B, st pipeline.Stage, newErr error, event func(i int) *schemas.EmailEvent) {
	if newErr != nil {
		b.Fatal(newErr)
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		rec := pipeline.Record{Event: event(i)}
		if err := st.Process(ctx, &rec); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
