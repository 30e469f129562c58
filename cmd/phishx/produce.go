package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/zap"
	"golang.org/x/term"
	"golang.org/x/time/rate"

	"github.com/phishx/phishx/benchmarks/loadgen"
	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/pipeline/app"
	"github.com/phishx/phishx/schemas"
)

type produceFlags struct {
	brokers   string
	topic     string
	synthetic bool
	count     int
	rate      float64
	seed      int64
	plaintext bool
	tenant    string
	gateway   string
	// labels, when set, receives every synthetic event id with whether
	// the generator made it as phish (the demo grades verdicts with it).
	labels map[string]bool
}

func newProduceCmd(g *globalFlags) *cobra.Command {
	f := &produceFlags{}
	cmd := &cobra.Command{
		Use:   "produce [--synthetic --count N | FILE.eml|DIR ...]",
		Short: "Act as a mail gateway: seal and produce email events to Kafka",
		Long: `produce reads .eml files (or directories of them), or generates realistic
synthetic mail, turns each message into an email event, encrypts its PII
fields with the current key (ENCRYPTION_MASTER_KEY or keys.key_file), and
produces it to the events topic. With no brokers configured it talks to the
embedded broker of a local 'phishx run' (127.0.0.1:39092).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runProduce(cmd.Context(), g, f, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.brokers, "brokers", "", "comma-separated Kafka brokers (default: config, $PHISHX_KAFKA_BROKERS, or the embedded broker)")
	fl.StringVar(&f.topic, "topic", "", "events topic (default: config)")
	fl.BoolVar(&f.synthetic, "synthetic", false, "generate synthetic mail instead of reading files")
	fl.IntVar(&f.count, "count", 1000, "with --synthetic: how many events")
	fl.Float64Var(&f.rate, "rate", 0, "events per second (0: as fast as possible)")
	fl.Int64Var(&f.seed, "seed", 1, "with --synthetic: random seed (same seed, same mail)")
	fl.BoolVar(&f.plaintext, "plaintext", false, "produce PII in clear (testing only; the pipeline may refuse it)")
	fl.StringVar(&f.tenant, "tenant", "", "tenant for events read from files (default: acme)")
	fl.StringVar(&f.gateway, "gateway", "", "gateway name for events read from files (default: phishx-produce)")
	return cmd
}

type produceSummary struct {
	Topic     string  `json:"topic"`
	Produced  int64   `json:"produced"`
	Failed    int64   `json:"failed"`
	Phish     int64   `json:"synthetic_phish,omitempty"`
	Encrypted bool    `json:"encrypted"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"per_second"`
}

func runProduce(ctx context.Context, g *globalFlags, f *produceFlags, args []string, stdout, stderr io.Writer) error {
	cfg, err := app.Load(g.configPath)
	if err != nil {
		return err
	}
	if !f.synthetic && len(args) == 0 {
		return errors.New("nothing to produce: give .eml files or directories, or --synthetic")
	}
	if f.synthetic && len(args) > 0 {
		return errors.New("give either --synthetic or files, not both")
	}
	if f.synthetic && f.count < 1 {
		return errors.New("--count must be at least 1")
	}
	brokers := pipeline.BrokerList(f.brokers)
	if len(brokers) == 0 {
		brokers = cfg.Pipeline.Brokers
	}
	if len(brokers) == 0 {
		brokers = []string{fmt.Sprintf("127.0.0.1:%d", cfg.Embedded.Port)}
	}
	topic := cfg.Pipeline.EventsTopic
	if f.topic != "" {
		topic = pipeline.Topic(f.topic)
	}
	log, err := app.NewLogger(cfg.Log, g.logLevel, stderr)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()

	var seal func(*schemas.EmailEvent) (*schemas.EmailEvent, error)
	if !f.plaintext {
		keys, err := app.OpenKeys(cfg.Keys, log)
		if err != nil {
			return fmt.Errorf("%w (or pass --plaintext for a test run)", err)
		}
		sealer, err := keys.Sealer()
		if err != nil {
			return err
		}
		seal = sealer.Seal
	}
	codec, err := app.NewCodec(ctx, cfg)
	if err != nil {
		return err
	}

	cl, err := kgo.NewClient(
		kgo.SeedBrokers(brokers...),
		kgo.ProducerLinger(5*time.Millisecond),
		kgo.ProducerBatchCompression(kgo.Lz4Compression()), // batches stay under the broker default 1 MB
		kgo.MaxBufferedRecords(20000),
	)
	if err != nil {
		return fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()
	if cfg.Topics.Create {
		if err := pipeline.EnsureTopics(ctx, brokers, pipeline.TopicSpec{
			Topic: topic, Partitions: cfg.Topics.Partitions, ReplicationFactor: cfg.Topics.ReplicationFactor,
		}); err != nil {
			return err
		}
	}

	next, total, err := eventSource(f, args)
	if err != nil {
		return err
	}
	var limiter *rate.Limiter
	if f.rate > 0 {
		limiter = rate.NewLimiter(rate.Limit(f.rate), max(1, int(f.rate/10)))
	}
	prog := newProgress(stderr, total, "producing")
	var produced, failed atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var phish int64
	start := time.Now()
	for {
		if ctx.Err() != nil {
			break
		}
		ev, isPhish, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if isPhish {
			phish++
		}
		if f.labels != nil {
			f.labels[ev.EventID] = isPhish
		}
		key := schemas.PartitionKey(ev) // from the plaintext sender, before sealing
		if seal != nil {
			if ev, err = seal(ev); err != nil {
				return fmt.Errorf("seal event: %w", err)
			}
		}
		val, err := codec.EncodeEvent(ev)
		if err != nil {
			return fmt.Errorf("encode event: %w", err)
		}
		if limiter != nil {
			if err := limiter.Wait(ctx); err != nil {
				break
			}
		}
		rec := &kgo.Record{Topic: string(topic), Key: []byte(key), Value: val}
		cl.Produce(ctx, rec, func(_ *kgo.Record, err error) {
			if err != nil {
				failed.Add(1)
				errOnce.Do(func() { firstErr = err })
				return
			}
			produced.Add(1)
			prog.add(1)
		})
	}
	if err := cl.Flush(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("flush producer: %w", err)
	}
	prog.finish()
	elapsed := time.Since(start)
	sum := produceSummary{
		Topic: string(topic), Produced: produced.Load(), Failed: failed.Load(), Phish: phish,
		Encrypted: seal != nil, Seconds: elapsed.Seconds(), PerSecond: float64(produced.Load()) / elapsed.Seconds(),
	}
	if g.json {
		if err := json.NewEncoder(stdout).Encode(sum); err != nil {
			return err
		}
	} else {
		enc := "encrypted"
		if seal == nil {
			enc = "PII IN CLEAR"
		}
		fmt.Fprintf(stdout, "produced %d events to %s (%s) in %.1fs, %.0f/s\n", sum.Produced, topic, enc, sum.Seconds, sum.PerSecond)
		if sum.Failed > 0 {
			fmt.Fprintf(stdout, "%d events failed\n", sum.Failed)
		}
	}
	if firstErr != nil {
		return fmt.Errorf("%d events not produced: %w", failed.Load(), firstErr)
	}
	log.Debug("produce done", zap.Int64("produced", sum.Produced))
	return nil
}

// eventSource returns a function yielding events until io.EOF, and how many
// it expects to yield (-1 when unknown).
func eventSource(f *produceFlags, args []string) (func() (*schemas.EmailEvent, bool, error), int, error) {
	if f.synthetic {
		gc := loadgen.DefaultConfig()
		gc.Seed = f.seed
		gen, err := loadgen.New(gc)
		if err != nil {
			return nil, 0, err
		}
		left := f.count
		return func() (*schemas.EmailEvent, bool, error) {
			if left == 0 {
				return nil, false, io.EOF
			}
			left--
			ev, phish := gen.NextLabeled()
			return ev, phish, nil
		}, f.count, nil
	}
	gc := loadgen.DefaultConfig()
	if f.tenant != "" {
		gc.Tenants = []string{f.tenant}
	}
	if f.gateway != "" {
		gc.Gateways = []string{f.gateway}
	}
	gen, err := loadgen.New(gc)
	if err != nil {
		return nil, 0, err
	}
	var events []*schemas.EmailEvent
	for _, a := range args {
		err := loadgen.WalkEML(a, func(_ string, raw []byte) error {
			events = append(events, gen.FromEML(raw))
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
	}
	if len(events) == 0 {
		return nil, 0, fmt.Errorf("no .eml files found in %v", args)
	}
	i := 0
	return func() (*schemas.EmailEvent, bool, error) {
		if i == len(events) {
			return nil, false, io.EOF
		}
		i++
		return events[i-1], false, nil
	}, len(events), nil
}

// progress shows a bar on a terminal and a line every few seconds
// elsewhere (CI logs).
type progress struct {
	bar   *progressbar.ProgressBar
	w     io.Writer
	what  string
	total int
	n     atomic.Int64
	last  atomic.Int64
	start time.Time
}

func newProgress(w io.Writer, total int, what string) *progress {
	p := &progress{w: w, what: what, total: total, start: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(what),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("events"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

func (p *progress) add(n int) {
	if p.bar != nil {
		_ = p.bar.Add(n)
		return
	}
	v := p.n.Add(int64(n))
	now := time.Now().UnixNano()
	if last := p.last.Load(); now-last > int64(3*time.Second) && p.last.CompareAndSwap(last, now) {
		fmt.Fprintf(p.w, "%s: %d/%d\n", p.what, v, p.total)
	}
}

// set moves the progress to n done.
func (p *progress) set(n int) {
	if p.bar != nil {
		_ = p.bar.Set(n)
		return
	}
	p.add(n - int(p.n.Load()))
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
