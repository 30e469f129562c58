package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/schemas"
	"github.com/phishx/phishx/sinks/kafka"
	"github.com/phishx/phishx/sinks/sinktest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/twmb/franz-go/pkg/kfake.(*Cluster).run"))
}

// textDecoder decodes "EV:<id>" values; anything else is undecodable.
type textDecoder struct{}

func (textDecoder) DecodeEvent(b []byte) (*schemas.EmailEvent, error) {
	s := string(b)
	if !strings.HasPrefix(s, "EV:") {
		return nil, errors.New("not an event")
	}
	return &schemas.EmailEvent{EventID: s[3:], Tenant: "t"}, nil
}

type harness struct {
	t       *testing.T
	kafka   *pipeline.EmbeddedKafka
	cfg     pipeline.Config
	produce *kgo.Client
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	k, err := pipeline.StartEmbeddedKafka(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	cfg := pipeline.DefaultConfig()
	cfg.Brokers = k.Brokers()
	cfg.FlushInterval = 50 * time.Millisecond
	cfg.BatchRows = 300
	cfg.Retry.InitialBackoff = time.Millisecond
	cfg.Retry.MaxBackoff = 5 * time.Millisecond
	cfg.Breaker.OpenTimeout = 100 * time.Millisecond
	cfg.SessionTimeout = 6 * time.Second
	cfg.RebalanceTimeout = 10 * time.Second
	if err := pipeline.EnsureTopics(context.Background(), cfg.Brokers, cfg.PipelineTopics(4, 1)...); err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(cfg.Brokers...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return &harness{t: t, kafka: k, cfg: cfg, produce: cl}
}

func (h *harness) produceValues(values ...string) {
	h.t.Helper()
	recs := make([]*kgo.Record, len(values))
	for i, v := range values {
		recs[i] = &kgo.Record{Topic: string(h.cfg.EventsTopic), Key: []byte(fmt.Sprint(i)), Value: []byte(v)}
	}
	if err := h.produce.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		h.t.Fatal(err)
	}
}

func events(from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("EV:e%06d", from+i)
	}
	return out
}

type running struct {
	engine *pipeline.Engine
	cancel context.CancelFunc
	done   chan error
}

func (h *harness) start(log *zap.Logger, stages []pipeline.Stage, sinks []pipeline.Sink, ledger pipeline.Ledger) *running {
	h.t.Helper()
	opts := []pipeline.Option{pipeline.WithDeadLetters(kafka.NewDeadLetterQueue(h.produce, h.cfg.DLQTopic))}
	if ledger != nil {
		opts = append(opts, pipeline.WithLedger(ledger))
	}
	e, err := pipeline.NewEngine(h.cfg, log, textDecoder{}, stages, sinks, opts...)
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{engine: e, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- e.Run(ctx) }()
	h.t.Cleanup(func() { r.stop(h.t) })
	return r
}

func (r *running) stop(t *testing.T) {
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	if err := <-r.done; err != nil {
		t.Errorf("engine stopped with error: %v", err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func uniqueIDs(rows []sinktest.Row) map[string]int {
	m := make(map[string]int)
	for _, r := range rows {
		m[r.EventID]++
	}
	return m
}

func (h *harness) dlq(n int) []*kgo.Record {
	h.t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(h.cfg.Brokers...), kgo.ConsumeTopics(string(h.cfg.DLQTopic)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		h.t.Fatal(err)
	}
	defer cl.Close()
	var out []*kgo.Record
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for len(out) < n && ctx.Err() == nil {
		out = append(out, cl.PollFetches(ctx).Records()...)
	}
	return out
}

func header(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

func TestEngineWritesEveryEventOnceAndDeadLettersBadInput(t *testing.T) {
	h := newHarness(t)
	sink := sinktest.New("mem")
	permanent := pipeline.StageFunc{StageName: "reject", Fn: func(_ context.Context, rec *pipeline.Record) error {
		if rec.Event.EventID == "poison" {
			return pipeline.Permanent("poison event", nil)
		}
		return nil
	}}
	drop := pipeline.StageFunc{StageName: "filter", Fn: func(_ context.Context, rec *pipeline.Record) error {
		if rec.Event.EventID == "drop-me" {
			return fmt.Errorf("test filter: %w", pipeline.ErrDrop)
		}
		return nil
	}}
	vals := events(0, 1500)
	vals = append(vals, "garbage", "EV:poison", "EV:drop-me")
	vals = append(vals, events(1500, 500)...)
	h.produceValues(vals...)
	r := h.start(zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)), []pipeline.Stage{permanent, drop}, []pipeline.Sink{sink}, nil)

	waitFor(t, "2000 rows", func() bool { return len(sink.Written()) >= 2000 })
	waitFor(t, "all consumed", func() bool { return r.engine.Stats().Consumed >= int64(len(vals)) })
	r.stop(t)

	ids := uniqueIDs(sink.Written())
	if len(ids) != 2000 || len(sink.Written()) != 2000 {
		t.Fatalf("rows=%d unique=%d, want 2000 each", len(sink.Written()), len(ids))
	}
	dead := h.dlq(2)
	if len(dead) != 2 {
		t.Fatalf("dead letters = %d, want 2", len(dead))
	}
	reasons := map[string]string{}
	for _, d := range dead {
		reasons[header(d, pipeline.HeaderDLQStage)] = header(d, pipeline.HeaderDLQReason)
	}
	if !strings.Contains(reasons["decode"], "not an event") || !strings.Contains(reasons["reject"], "poison event") {
		t.Fatalf("dead-letter reasons = %v", reasons)
	}
	if st := r.engine.Stats(); st.Dropped != 1 || st.DeadLettered != 2 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestEngineRetriesThenDeadLetters(t *testing.T) {
	h := newHarness(t)
	sink := sinktest.New("mem")
	var calls sync.Map
	flaky := pipeline.StageFunc{StageName: "flaky", Fn: func(_ context.Context, rec *pipeline.Record) error {
		n, _ := calls.LoadOrStore(rec.Event.EventID, new(atomic.Int32))
		c := n.(*atomic.Int32).Add(1)
		switch {
		case rec.Event.EventID == "always":
			return errors.New("downstream busy")
		case c < 3:
			return errors.New("transient")
		}
		return nil
	}}
	h.produceValues("EV:a", "EV:always", "EV:b")
	h.start(zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)), []pipeline.Stage{flaky}, []pipeline.Sink{sink}, nil)
	waitFor(t, "2 rows", func() bool { return len(sink.Written()) == 2 })
	dead := h.dlq(1)
	if len(dead) != 1 || header(dead[0], pipeline.HeaderDLQAttempts) != "3" ||
		!strings.Contains(header(dead[0], pipeline.HeaderDLQReason), "gave up after 3 attempts") {
		t.Fatalf("dead letter: %d records, attempts %q reason %q", len(dead),
			header(dead[0], pipeline.HeaderDLQAttempts), header(dead[0], pipeline.HeaderDLQReason))
	}
}

func TestEngineBreakerPausesWithoutCommittingThenResumes(t *testing.T) {
	h := newHarness(t)
	sink := sinktest.New("mem")
	h.produceValues(events(0, 500)...)
	r := h.start(zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)), nil, []pipeline.Sink{sink}, nil)
	waitFor(t, "first 500", func() bool { return len(sink.Written()) == 500 })

	sink.SetFailing(true)
	h.produceValues(events(500, 500)...)
	waitFor(t, "breaker open", func() bool { return r.engine.BreakerState("mem") == "open" })
	committed := h.committed()
	if committed > 500 {
		t.Fatalf("committed %d offsets while the sink was failing, only 500 were written", committed)
	}
	sink.SetFailing(false)
	waitFor(t, "all 1000", func() bool { return len(sink.Written()) >= 1000 })
	r.stop(t)
	if ids := uniqueIDs(sink.Written()); len(ids) != 1000 || len(sink.Written()) != 1000 {
		t.Fatalf("rows=%d unique=%d, want 1000", len(sink.Written()), len(ids))
	}
	if c := h.committed(); c != 1000 {
		t.Fatalf("committed %d, want 1000", c)
	}
}

// committed sums the group's committed offsets over all partitions.
func (h *harness) committed() int64 {
	h.t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(h.cfg.Brokers...))
	if err != nil {
		h.t.Fatal(err)
	}
	defer cl.Close()
	return pipeline.CommittedTotal(context.Background(), cl, h.cfg.Group, h.cfg.EventsTopic)
}

func TestEngineSecondConsumerJoinsMidStream(t *testing.T) {
	h := newHarness(t)
	ledger := sinktest.NewLedger()
	a, b := sinktest.New("mem"), sinktest.New("mem")
	slow := pipeline.StageFunc{StageName: "slow", Fn: func(context.Context, *pipeline.Record) error {
		time.Sleep(200 * time.Microsecond)
		return nil
	}}
	h.produceValues(events(0, 3000)...)
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	ra := h.start(log, []pipeline.Stage{slow}, []pipeline.Sink{a}, ledger)
	waitFor(t, "first rows", func() bool { return len(a.Written()) > 200 })
	rb := h.start(log, []pipeline.Stage{slow}, []pipeline.Sink{b}, ledger)
	waitFor(t, "second consumer assigned", func() bool { return rb.engine.Stats().Partitions > 0 })
	for i := 3000; i < 6000; i += 100 {
		h.produceValues(events(i, 100)...)
		time.Sleep(20 * time.Millisecond)
	}
	waitFor(t, "all rows", func() bool { return len(uniqueIDs(append(a.Written(), b.Written()...))) == 6000 })
	ra.stop(t)
	rb.stop(t)
	all := append(a.Written(), b.Written()...)
	if len(b.Written()) == 0 {
		t.Fatal("second consumer got no partitions")
	}
	for id, n := range uniqueIDs(all) {
		if n != 1 {
			t.Fatalf("event %s written %d times", id, n)
		}
	}
}

// A ledger entry for another incarnation of the topic (recreated, or on
// another cluster) must not make the engine skip records it never wrote.
func TestEngineLedgerIgnoresOtherTopicIncarnations(t *testing.T) {
	h := newHarness(t)
	ledger := sinktest.NewLedger()
	stale := map[pipeline.TopicPartition]int64{}
	for p := range int32(4) {
		stale[pipeline.TopicPartition{Topic: h.cfg.EventsTopic, Partition: p}] = 1_000_000
		stale[pipeline.TopicPartition{Topic: h.cfg.EventsTopic + "@00000000-0000-0000-0000-000000000001", Partition: p}] = 1_000_000
	}
	if err := ledger.Save(context.Background(), h.cfg.Group, stale); err != nil {
		t.Fatal(err)
	}
	sink := sinktest.New("mem")
	h.produceValues(events(0, 200)...)
	r := h.start(zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)), nil, []pipeline.Sink{sink}, ledger)
	waitFor(t, "200 rows", func() bool { return len(sink.Written()) == 200 })
	r.stop(t)
	if st := r.engine.Stats(); st.Skipped != 0 {
		t.Fatalf("skipped %d records on the strength of a stale ledger", st.Skipped)
	}
}
