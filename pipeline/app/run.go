package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/sinks/clickhouse"
	"github.com/phishx/phishx/sinks/kafka"
	"github.com/phishx/phishx/stages/decrypt"
	"github.com/phishx/phishx/stages/pii"
)

// Pipeline is a fully wired PhishX pipeline: broker (embedded or not),
// stages, ClickHouse and Kafka sinks, and the engine.
type Pipeline struct {
	cfg      Config
	log      *zap.Logger
	embedded *pipeline.EmbeddedKafka
	producer *kgo.Client
	keys     *Keys
	engine   *pipeline.Engine
	ran      bool // Run was called; it closes the engine
	ch       *clickhouse.Store
}

// Brokers returns the brokers in use (the embedded one's when started).
func (p *Pipeline) Brokers() []string { return p.cfg.Pipeline.Brokers }

// Engine returns the engine (for its Stats).
func (p *Pipeline) Engine() *pipeline.Engine { return p.engine }

// Start wires everything and starts the embedded broker when no brokers are
// configured. Nothing is consumed until Run. Close releases what Start
// acquired if Run is never called.
func Start(ctx context.Context, cfg Config, log *zap.Logger) (_ *Pipeline, err error) {
	p := &Pipeline{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	// Keys first: without them nothing can run, so fail before starting
	// anything else.
	keys, err := OpenKeys(cfg.Keys, log)
	if err != nil {
		return nil, err
	}
	p.keys = keys
	if len(p.cfg.Pipeline.Brokers) == 0 {
		k, err := pipeline.StartEmbeddedKafka(cfg.Embedded.Port)
		if err != nil {
			return nil, err
		}
		p.embedded = k
		p.cfg.Pipeline.Brokers = k.Brokers()
		log.Info("no brokers configured: started the embedded in-process Kafka (development only, data kept in memory)",
			zap.Strings("brokers", k.Brokers()))
	}
	if cfg.Topics.Create {
		if err := pipeline.EnsureTopics(ctx, p.cfg.Pipeline.Brokers,
			p.cfg.Pipeline.PipelineTopics(cfg.Topics.Partitions, cfg.Topics.ReplicationFactor)...); err != nil {
			return nil, err
		}
	}

	sealer, err := keys.Sealer()
	if err != nil {
		return nil, err
	}

	codec, err := NewCodec(ctx, p.cfg)
	if err != nil {
		return nil, err
	}

	store, err := clickhouse.OpenStore(ctx, cfg.ClickHouse, log)
	if err != nil {
		return nil, err
	}
	p.ch = store
	if cfg.ClickHouse.AutoMigrate {
		if err := store.Migrate(ctx); err != nil {
			return nil, err
		}
	}

	dc := decrypt.DefaultConfig()
	dc.RequireEncryption = cfg.Keys.RequireEncryption
	decryptStage, err := decrypt.New(keys.Source(), dc)
	if err != nil {
		return nil, err
	}
	scoreStage, err := NewScoreStage(cfg.Scoring)
	if err != nil {
		return nil, err
	}
	stages := []pipeline.Stage{decryptStage, scoreStage}
	if cfg.PII.Findings {
		pc := pii.DefaultStageConfig()
		pc.MaxScanBytes = cfg.PII.MaxScanBytes
		piiStage, err := pii.NewStage(pc)
		if err != nil {
			return nil, fmt.Errorf("pii: %w", err)
		}
		stages = append(stages, piiStage) // after score, which decodes the subject
	}

	p.producer, err = kgo.NewClient(
		kgo.SeedBrokers(p.cfg.Pipeline.Brokers...),
		kgo.ClientID(cfg.Pipeline.ClientID+"-producer"),
		kgo.ProducerLinger(2*time.Millisecond),
		kgo.ProducerBatchCompression(kgo.Lz4Compression()), // batches stay under the broker default 1 MB
	)
	if err != nil {
		return nil, fmt.Errorf("kafka producer: %w", err)
	}
	chSink, err := store.NewSink(sealer)
	if err != nil {
		return nil, err
	}
	sinks := []pipeline.Sink{
		chSink,
		kafka.NewVerdictSink(p.producer, cfg.Pipeline.VerdictsTopic, codec),
	}
	p.engine, err = pipeline.NewEngine(p.cfg.Pipeline, log, codec, stages, sinks,
		pipeline.WithDeadLetters(kafka.NewDeadLetterQueue(p.producer, cfg.Pipeline.DLQTopic)),
		pipeline.WithLedger(store.Ledger()),
	)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Run consumes until ctx is cancelled, then flushes, commits and releases
// everything.
func (p *Pipeline) Run(ctx context.Context) error {
	p.ran = true
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return p.keys.Watch(gctx) })
	g.Go(func() error { return p.engine.Run(gctx) })
	err := g.Wait()
	p.Close()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// Close releases resources. Safe to call more than once.
func (p *Pipeline) Close() {
	if p.engine != nil && !p.ran {
		p.engine.Close()
		p.ran = true
	}
	if p.producer != nil {
		p.producer.Close()
		p.producer = nil
	}
	if p.ch != nil {
		_ = p.ch.Close()
		p.ch = nil
	}
	if p.embedded != nil {
		p.embedded.Close()
		p.embedded = nil
	}
}
