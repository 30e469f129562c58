package pii

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/phishx/phishx/benchmarks/loadgen"
	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/schemas"
)

// proseText is ~2 KiB of ordinary mail prose: few digits, no addresses.
func proseText() string {
	var b strings.Builder
	for b.Len() < 2048 {
		b.WriteString("Hello team, thanks for joining the meeting yesterday. As discussed, we will move the quarterly review to next week ")
		b.WriteString("so that everyone has time to read the draft. Please send your comments before Friday; the summary has 3 sections. ")
	}
	return b.String()[:2048]
}

// numericText is ~2 KiB of number-dense text: invoices, dates, ids, one
// real phone and one card among many look-alikes.
func numericText() string {
	var b strings.Builder
	for b.Len() < 2048 {
		b.WriteString("Invoice 2024-0117 dated 2024-01-15, qty 12 x 1,234.56 = 14,814.72; SKU 4711-0815-22; ")
		b.WriteString("ref 20240115123045 ip 192.168.100.200 v1.2.3.4 call 415-555-2671 card 4111 1111 1111 1111. ")
	}
	return b.String()[:2048]
}

func benchDetect(b *testing.B, text string, detect func(string) []Match) {
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		detect(text)
	}
}

func BenchmarkDetect(b *testing.B) {
	for _, tc := range []struct {
		name string
		text string
	}{
		{"prose2KiB", proseText()},
		{"numeric2KiB", numericText()},
		{"mixed2KiB", benchText()},
	} {
		b.Run(tc.name+"/fast", func(b *testing.B) { benchDetect(b, tc.text, Detect) })
		b.Run(tc.name+"/regexp", func(b *testing.B) { benchDetect(b, tc.text, refDetect) })
	}
}

func loadgenEvents(b *testing.B, n int) []*schemas.EmailEvent {
	cfg := loadgen.DefaultConfig()
	fixed := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	cfg.Clock = func() time.Time { return fixed }
	gen, err := loadgen.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	evs := make([]*schemas.EmailEvent, n)
	for i := range evs {
		evs[i] = gen.Next()
	}
	return evs
}

// BenchmarkDetectContent runs Detect on the decoded content (what the stage
// scans) of synthetic messages; b.SetBytes is their mean size.
func BenchmarkDetectContent(b *testing.B) {
	const pool = 500
	var texts []string
	total := 0
	for _, ev := range loadgenEvents(b, pool) {
		c := content{max: DefaultStageConfig().MaxScanBytes, maxParts: 32, maxDepth: 4}
		texts = append(texts, c.extract(ev.RawMessage, ""))
		total += len(texts[len(texts)-1])
	}
	b.ReportAllocs()
	b.SetBytes(int64(total / pool))
	i := 0
	for b.Loop() {
		Detect(texts[i%pool])
		i++
	}
}

// BenchmarkStage runs the stage over a pool of synthetic messages with the
// load generator's size mix (median ~2.7 KB). "before" is what the stage
// did until it scanned content: the regexp detector over the first 64 KiB
// of the raw message, headers included.
func BenchmarkStage(b *testing.B) {
	const pool = 500
	evs := loadgenEvents(b, pool)
	st, err := NewStage(DefaultStageConfig())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.Run("content", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			rec := pipeline.Record{Event: evs[i%pool]}
			if err := st.Process(ctx, &rec); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("before", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			raw := evs[i%pool].RawMessage
			refDetect(string(raw[:min(len(raw), 64<<10)]))
			i++
		}
	})
}
