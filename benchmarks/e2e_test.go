package benchmarks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/zap"

	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/pipeline/app"
	"github.com/phishx/phishx/schemas/seal"
	"github.com/phishx/phishx/sinks/clickhouse"
	"github.com/phishx/phishx/stages/decrypt/keyring"
)

// BenchmarkEndToEnd produces synthetic sealed mail to Kafka, then runs the
// whole pipeline (decode, decrypt, score, ClickHouse and verdict sinks,
// ledger) until every email is in ClickHouse. It reports emails/s end to
// end and per core. Kafka is PHISHX_KAFKA_BROKERS when set (the real broker
// of `make bench`), the embedded broker otherwise; ClickHouse is
// PHISHX_CLICKHOUSE_ADDR or 127.0.0.1:9000. PHISHX_BENCH_EVENTS sets the
// volume (default 20000).
//
//	go test -run '^$' -bench EndToEnd -benchtime 1x ./benchmarks/
func BenchmarkEndToEnd(b *testing.B) {
	events := 20000
	if v, err := strconv.Atoi(os.Getenv("PHISHX_BENCH_EVENTS")); err == nil && v > 0 {
		events = v
	}
	chAddr := os.Getenv(app.EnvClickHouseAddr)
	if chAddr == "" {
		chAddr = "127.0.0.1:9000"
	}
	master := make([]byte, 32)
	_, _ = rand.Read(master)
	b.Setenv(keyring.EnvMasterKey, base64.StdEncoding.EncodeToString(master))

	brokers := pipeline.BrokerList(os.Getenv(app.EnvKafkaBrokers))
	if len(brokers) == 0 {
		k, err := pipeline.StartEmbeddedKafka(0)
		if err != nil {
			b.Fatal(err)
		}
		defer k.Close()
		brokers = k.Brokers()
	}
	mk, _ := keyring.DecodeMasterKey(base64.StdEncoding.EncodeToString(master))
	ring, err := keyring.FromMasterKey(mk, 1)
	if err != nil {
		b.Fatal(err)
	}
	sealer, err := seal.NewSealer(ring, nil)
	if err != nil {
		b.Fatal(err)
	}
	wire := sealedWire(b, sealer, events)

	for i := 0; b.Loop(); i++ {
		name := fmt.Sprintf("bench_%d_%d", time.Now().Unix(), i)
		cfg := app.DefaultConfig()
		cfg.Pipeline.Brokers = brokers
		cfg.Pipeline.Group = name
		cfg.Pipeline.EventsTopic = pipeline.Topic(name + ".emails")
		cfg.Pipeline.VerdictsTopic = pipeline.Topic(name + ".verdicts")
		cfg.Pipeline.DLQTopic = pipeline.Topic(name + ".dlq")
		cfg.ClickHouse.Addr = chAddr
		cfg.ClickHouse.Database = name
		cfg.Log.Level = "warn"

		produceStart := time.Now()
		if err := pipeline.EnsureTopics(context.Background(), brokers, cfg.Pipeline.PipelineTopics(6, 1)...); err != nil {
			b.Fatal(err)
		}
		produceWire(b, brokers, cfg.Pipeline.EventsTopic, wire)
		produceSecs := time.Since(produceStart).Seconds()

		ctx, cancel := context.WithCancel(context.Background())
		p, err := app.Start(ctx, cfg, zap.NewNop())
		if err != nil {
			cancel()
			b.Skipf("pipeline cannot start (is ClickHouse at %s running?): %v", chAddr, err)
		}
		store, err := clickhouse.OpenStore(ctx, cfg.ClickHouse, zap.NewNop())
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		for {
			var n uint64
			_ = store.Conn().QueryRow(ctx, fmt.Sprintf("SELECT count() FROM %s.email_analysis", name)).Scan(&n)
			if n >= uint64(events) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		elapsed := time.Since(start).Seconds()
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		_ = store.Conn().Exec(context.Background(), "DROP DATABASE IF EXISTS "+name)
		_ = store.Close()

		b.ReportMetric(float64(events)/elapsed, "emails/s")
		b.ReportMetric(float64(events)/elapsed/float64(runtime.GOMAXPROCS(0)), "emails/s/core")
		b.ReportMetric(float64(events)/produceSecs, "produced/s")
	}
}

func sealedWire(tb testing.TB, sealer *seal.Sealer, n int) [][]byte {
	tb.Helper()
	w := newWorkload(tb)
	out := make([][]byte, 0, n)
	for i := range n {
		ev := *w.plain[i%poolSize]
		ev.EventID = fmt.Sprintf("%s-%d", ev.EventID[:24], i)
		s, err := sealer.Seal(&ev)
		if err != nil {
			tb.Fatal(err)
		}
		b, err := w.codec.EncodeEvent(s)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func produceWire(tb testing.TB, brokers []string, topic pipeline.Topic, wire [][]byte) {
	tb.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ProducerBatchCompression(kgo.Lz4Compression()),
		kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		tb.Fatal(err)
	}
	defer cl.Close()
	var failed atomic.Pointer[error]
	for i, v := range wire {
		cl.Produce(context.Background(), &kgo.Record{Topic: string(topic), Key: []byte(strconv.Itoa(i % 97)), Value: v},
			func(_ *kgo.Record, err error) {
				if err != nil {
					failed.CompareAndSwap(nil, &err)
				}
			})
	}
	if err := cl.Flush(context.Background()); err != nil {
		tb.Fatal(err)
	}
	if err := failed.Load(); err != nil {
		tb.Fatal(*err)
	}
}
