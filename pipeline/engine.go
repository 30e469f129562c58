package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/phishx/phishx/schemas"
)

// Log field keys, kept constant so log queries stay stable.
const (
	logKeyRecords   = "records"
	logKeyWritten   = "written"
	logKeyDead      = "dead_lettered"
	logKeyDropped   = "dropped"
	logKeySkipped   = "skipped"
	logKeySink      = "sink"
	logKeyState     = "state"
	logKeyPartition = "partitions"
	logKeyElapsed   = "elapsed"
)

// Engine is the consumer-group engine: it polls the events topic, runs the
// stage chain, hands results to the sinks, dead-letters failures, and marks
// offsets only for records whose results every sink has flushed.
type Engine struct {
	cfg           Config
	log           *zap.Logger
	client        *kgo.Client
	decode        Decoder
	stages        []Stage
	sinks         []*guardedSink // dead letters first, then the sinks in order
	ledger        Ledger
	ledgerBreaker *gobreaker.CircuitBreaker[struct{}]
	// ledgerTopic names the events topic in the ledger by name and topic
	// id, so that offsets of a recreated topic or another cluster (whose
	// offsets mean other records) are never mistaken for written ones.
	ledgerTopic    Topic
	ledgerResolved bool
	observers      []PartitionObserver
	now            func() time.Time
	extraKgo       []kgo.Opt

	// mu serialises the poll loop's processing and flushing with the
	// group callbacks (which run on the client's goroutine).
	mu         sync.Mutex
	dead       DeadLetterWriter
	pending    map[TopicPartition]*pendingPartition
	written    map[TopicPartition]int64 // from the ledger, at assignment
	rewind     map[TopicPartition]int64 // set when buffered work was discarded
	batchStart time.Time
	pendingN   int
	paused     bool
	flushErrs  int

	stats      statsCounters
	slots      []slot // reused across polls
	lastReport time.Time
	lastStats  Stats
}

type pendingPartition struct {
	first int64
	last  *kgo.Record
}

type outcome uint8

const (
	outcomeOK outcome = iota
	outcomeDrop
	outcomeDead
	outcomeSkip
)

type slot struct {
	kr       *kgo.Record
	rec      Record
	out      outcome
	stage    string
	reason   string
	attempts int
}

// Option configures an Engine.
type Option func(*Engine)

// WithLedger sets the sink-side offset ledger used to skip, after a crash,
// records whose results are already written.
func WithLedger(l Ledger) Option { return func(e *Engine) { e.ledger = l } }

// WithDeadLetters sets where failed records go. Without it the engine
// refuses to start: a failed record must never be dropped.
func WithDeadLetters(d DeadLetterWriter) Option { return func(e *Engine) { e.dead = d } }

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(e *Engine) { e.now = now } }

// WithKafkaOptions appends franz-go client options (TLS, SASL, logging).
func WithKafkaOptions(opts ...kgo.Opt) Option {
	return func(e *Engine) { e.extraKgo = append(e.extraKgo, opts...) }
}

// NewEngine builds an engine and its Kafka client. Nothing is consumed until
// Run. Stages run in the order given; every sink receives every record that
// passed them all.
func NewEngine(cfg Config, log *zap.Logger, decode Decoder, stages []Stage, sinks []Sink, opts ...Option) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("pipeline.brokers: no brokers given (the caller starts the embedded broker)")
	}
	if decode == nil {
		return nil, errors.New("pipeline: a decoder is required")
	}
	e := &Engine{
		cfg:     cfg,
		log:     log.Named("engine"),
		decode:  decode,
		stages:  stages,
		now:     time.Now,
		pending: make(map[TopicPartition]*pendingPartition),
		written: make(map[TopicPartition]int64),
		rewind:  make(map[TopicPartition]int64),
	}
	for _, o := range opts {
		o(e)
	}
	if e.dead == nil {
		return nil, errors.New("pipeline: a dead-letter writer is required")
	}
	e.sinks = append(e.sinks, e.guard(deadLetterSink{e.dead}))
	for _, s := range sinks {
		e.sinks = append(e.sinks, e.guard(s))
	}
	if e.ledger != nil {
		e.ledgerBreaker = e.newBreaker("ledger")
	}
	for _, st := range stages {
		if o, ok := st.(PartitionObserver); ok {
			e.observers = append(e.observers, o)
		}
	}
	for _, s := range sinks {
		if o, ok := s.(PartitionObserver); ok {
			e.observers = append(e.observers, o)
		}
	}

	kopts := []kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ClientID(cfg.ClientID),
		kgo.ConsumerGroup(cfg.Group),
		kgo.ConsumeTopics(string(cfg.EventsTopic)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.AutoCommitMarks(),
		kgo.BlockRebalanceOnPoll(),
		kgo.SessionTimeout(cfg.SessionTimeout),
		kgo.RebalanceTimeout(cfg.RebalanceTimeout),
		kgo.FetchMaxPartitionBytes(int32(max(cfg.MaxEventBytes*2, 1<<20))),
		kgo.OnPartitionsAssigned(e.onAssigned),
		kgo.OnPartitionsRevoked(e.onRevoked),
		kgo.OnPartitionsLost(e.onLost),
	}
	kopts = append(kopts, e.extraKgo...)
	cl, err := kgo.NewClient(kopts...)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	e.client = cl
	return e, nil
}

// Run consumes until ctx is cancelled, then flushes what is in flight,
// commits, leaves the group and returns. It returns a non-nil error only if
// the final flush or commit failed (the records will be redelivered).
func (e *Engine) Run(ctx context.Context) error {
	e.mu.Lock()
	e.resolveLedgerTopic(ctx)
	e.mu.Unlock()
	e.log.Info("consuming",
		zap.String("topic", string(e.cfg.EventsTopic)),
		zap.String("group", e.cfg.Group),
		zap.Int("stages", len(e.stages)),
		zap.Int("sinks", len(e.sinks)-1))
	for ctx.Err() == nil {
		pctx, cancel := context.WithTimeout(ctx, e.pollWait())
		fetches := e.client.PollRecords(pctx, e.cfg.MaxPollRecords)
		cancel()
		if fetches.IsClientClosed() {
			break
		}
		fetches.EachError(func(t string, p int32, err error) {
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
				return
			}
			e.log.Warn("fetch error", zap.String("topic", t), zap.Int32("partition", p), zap.Error(err))
		})
		e.mu.Lock()
		// Work on what was polled even when ctx is done: a stop request
		// means "flush and leave", and a flush cut short by it would only
		// count as a sink failure. Flushes are bounded by FlushTimeout.
		work := context.WithoutCancel(ctx)
		e.handle(work, fetches.Records())
		if e.flushDue() && ctx.Err() == nil {
			_ = e.flushLocked(work) // logged inside; retried on the next turn
		}
		e.mu.Unlock()
		e.client.AllowRebalance()
		e.reportProgress()
	}
	return e.shutdown()
}

func (e *Engine) shutdown() error {
	e.mu.Lock()
	fctx, cancel := context.WithTimeout(context.Background(), e.cfg.FlushTimeout)
	err := e.flushLocked(fctx)
	if err == nil {
		if cerr := e.client.CommitMarkedOffsets(fctx); cerr != nil {
			err = fmt.Errorf("commit on shutdown: %w", cerr)
		}
	} else {
		err = fmt.Errorf("final flush (offsets not committed; the records will be redelivered): %w", err)
	}
	cancel()
	e.mu.Unlock()
	e.client.AllowRebalance()
	e.client.Close()
	for _, s := range e.sinks {
		cctx, cancel := context.WithTimeout(context.Background(), e.cfg.FlushTimeout)
		if cerr := s.Close(cctx); cerr != nil {
			err = errors.Join(err, fmt.Errorf("close %s: %w", s.Name(), cerr))
		}
		cancel()
	}
	st := e.Stats()
	e.log.Info("stopped",
		zap.Int64(logKeyRecords, st.Consumed), zap.Int64(logKeyWritten, st.Written),
		zap.Int64(logKeyDead, st.DeadLettered), zap.Int64(logKeyDropped, st.Dropped),
		zap.Int64(logKeySkipped, st.Skipped))
	return err
}

// resolveLedgerTopic looks up the events topic's id. Without one (an old
// broker, or the lookup failing) the ledger is written but never used to
// skip: rewriting rows is safe, skipping unwritten ones is not.
//
// It runs once, with e.mu held.
func (e *Engine) resolveLedgerTopic(ctx context.Context) {
	if e.ledger == nil || e.ledgerResolved {
		return
	}
	e.ledgerResolved = true
	mctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	md, err := kadm.NewClient(e.client).Metadata(mctx, string(e.cfg.EventsTopic))
	if err == nil {
		td, ok := md.Topics[string(e.cfg.EventsTopic)]
		switch {
		case !ok:
			err = errors.New("topic not in metadata")
		case td.Err != nil:
			err = td.Err
		case td.ID == (kadm.TopicID{}):
			err = errors.New("broker reports no topic id")
		default:
			e.ledgerTopic = Topic(string(e.cfg.EventsTopic) + "@" + td.ID.String())
			return
		}
	}
	e.log.Warn("events topic id unknown: the ledger will not be used to skip written records", zap.Error(err))
}

// ledgerKey is tp as the ledger names it.
func (e *Engine) ledgerKey(tp TopicPartition) TopicPartition {
	if e.ledgerTopic == "" {
		return tp
	}
	return TopicPartition{Topic: e.ledgerTopic, Partition: tp.Partition}
}

// progressEvery is how often a running engine logs one progress line.
const progressEvery = 30 * time.Second

// reportProgress logs throughput since the last report, at most once per
// progressEvery, so an operator watching the log sees the pipeline move.
func (e *Engine) reportProgress() {
	now := e.now()
	if e.lastReport.IsZero() {
		e.lastReport, e.lastStats = now, e.Stats()
		return
	}
	if now.Sub(e.lastReport) < progressEvery {
		return
	}
	st := e.Stats()
	secs := now.Sub(e.lastReport).Seconds()
	e.log.Info("progress",
		zap.Int64(logKeyRecords, st.Consumed-e.lastStats.Consumed),
		zap.Float64("per_second", float64(st.Consumed-e.lastStats.Consumed)/secs),
		zap.Int64(logKeyWritten, st.Written-e.lastStats.Written),
		zap.Int64(logKeyDead, st.DeadLettered-e.lastStats.DeadLettered),
		zap.Int64(logKeySkipped, st.Skipped-e.lastStats.Skipped),
		zap.Int64(logKeyPartition, st.Partitions))
	e.lastReport, e.lastStats = now, st
}

// Close releases the Kafka client of an engine whose Run was never called
// (Run closes it itself). Nothing is flushed: nothing was consumed.
func (e *Engine) Close() { e.client.Close() }

// pollWait is how long one poll may wait: until the batch is due, or a
// short retry tick while the sinks are failing.
func (e *Engine) pollWait() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.paused {
		return 200 * time.Millisecond
	}
	if e.pendingN == 0 {
		return e.cfg.FlushInterval
	}
	return max(time.Millisecond, e.cfg.FlushInterval-e.now().Sub(e.batchStart))
}

func (e *Engine) flushDue() bool {
	if e.paused {
		return true
	}
	if e.pendingN == 0 {
		return false
	}
	if e.pendingN >= e.cfg.BatchRows || e.now().Sub(e.batchStart) >= e.cfg.FlushInterval {
		return true
	}
	bytes := 0
	for _, s := range e.sinks {
		_, b := s.Buffered()
		bytes += b
	}
	return bytes >= e.cfg.BatchBytes
}

// handle processes one poll's records: stages in parallel across
// partitions, then sink writes in poll order.
func (e *Engine) handle(ctx context.Context, recs []*kgo.Record) {
	if len(recs) == 0 {
		return
	}
	recs = e.applyRewind(recs)
	if len(recs) == 0 {
		return
	}
	e.stats.consumed.Add(int64(len(recs)))
	if cap(e.slots) < len(recs) {
		e.slots = make([]slot, len(recs))
	}
	slots := e.slots[:len(recs)]
	byPart := make(map[int32][]int)
	var order []int32
	for i, kr := range recs {
		slots[i] = slot{kr: kr}
		tp := TopicPartition{Topic: Topic(kr.Topic), Partition: kr.Partition}
		if w, ok := e.written[tp]; ok && kr.Offset <= w {
			slots[i].out = outcomeSkip
			continue
		}
		if _, ok := byPart[kr.Partition]; !ok {
			order = append(order, kr.Partition)
		}
		byPart[kr.Partition] = append(byPart[kr.Partition], i)
	}
	var g errgroup.Group
	g.SetLimit(e.cfg.Workers)
	for _, p := range order {
		idx := byPart[p]
		g.Go(func() error {
			for _, i := range idx {
				e.process(ctx, &slots[i])
			}
			return nil
		})
	}
	_ = g.Wait() // process never returns an error; outcomes are in the slots

	for i := range slots {
		s := &slots[i]
		if e.pendingN == 0 {
			e.batchStart = e.now()
		}
		switch s.out {
		case outcomeOK:
			if err := e.writeSinks(ctx, s); err != nil {
				s.out, s.stage, s.reason = outcomeDead, "sink", err.Error()
				e.writeDead(s)
			} else {
				e.stats.written.Add(1)
			}
		case outcomeDead:
			e.writeDead(s)
		case outcomeDrop:
			e.stats.dropped.Add(1)
		case outcomeSkip:
			e.stats.skipped.Add(1)
		}
		e.addPending(s.kr)
		s.rec = Record{} // the engine owns records; drop references for GC
	}
}

func (e *Engine) applyRewind(recs []*kgo.Record) []*kgo.Record {
	if len(e.rewind) == 0 {
		return recs
	}
	set := make(map[string]map[int32]kgo.EpochOffset)
	for tp, off := range e.rewind {
		if set[string(tp.Topic)] == nil {
			set[string(tp.Topic)] = make(map[int32]kgo.EpochOffset)
		}
		set[string(tp.Topic)][tp.Partition] = kgo.EpochOffset{Epoch: -1, Offset: off}
	}
	e.client.SetOffsets(set)
	kept := recs[:0]
	for _, kr := range recs {
		if _, ok := e.rewind[TopicPartition{Topic: Topic(kr.Topic), Partition: kr.Partition}]; !ok {
			kept = append(kept, kr)
		}
	}
	e.log.Info("rewound partitions after discarding unflushed work", zap.Int(logKeyPartition, len(e.rewind)))
	clear(e.rewind)
	return kept
}

func (e *Engine) writeSinks(ctx context.Context, s *slot) error {
	for _, sk := range e.sinks[1:] {
		if err := sk.Write(ctx, &s.rec); err != nil {
			return fmt.Errorf("write to %s: %w", sk.Name(), err)
		}
	}
	return nil
}

func (e *Engine) writeDead(s *slot) {
	kr := s.kr
	d := DeadLetter{
		Source:    TopicPartition{Topic: Topic(kr.Topic), Partition: kr.Partition},
		Offset:    kr.Offset,
		Key:       kr.Key,
		Value:     kr.Value,
		Timestamp: kr.Timestamp,
		Stage:     s.stage,
		Reason:    truncateReason(s.reason),
		Attempts:  s.attempts,
	}
	for _, h := range kr.Headers {
		d.Headers = append(d.Headers, Header{Key: h.Key, Value: h.Value})
	}
	e.dead.WriteDead(d)
	e.stats.dead.Add(1)
}

func truncateReason(r string) string {
	const maxReason = 1024
	if len(r) > maxReason {
		return r[:maxReason] + "..."
	}
	return r
}

func (e *Engine) addPending(kr *kgo.Record) {
	tp := TopicPartition{Topic: Topic(kr.Topic), Partition: kr.Partition}
	p := e.pending[tp]
	if p == nil {
		p = &pendingPartition{first: kr.Offset}
		e.pending[tp] = p
	}
	p.last = kr
	e.pendingN++
}

// process decodes one record and runs the stage chain on it. It records the
// outcome in the slot and never returns early without one.
func (e *Engine) process(ctx context.Context, s *slot) {
	kr := s.kr
	if len(kr.Value) > e.cfg.MaxEventBytes {
		s.out, s.stage = outcomeDead, "decode"
		s.reason = fmt.Sprintf("event too large: %d bytes, limit %d", len(kr.Value), e.cfg.MaxEventBytes)
		return
	}
	var ev *schemas.EmailEvent
	attempts, err := e.retry(ctx, func() error {
		var derr error
		ev, derr = e.decode.DecodeEvent(kr.Value)
		if derr != nil && !errors.Is(derr, schemas.ErrRegistryUnavailable) {
			// Bad bytes stay bad: only a registry outage is worth waiting for.
			derr = Permanent(derr.Error(), nil)
		}
		return derr
	})
	if err != nil {
		s.out, s.stage, s.reason, s.attempts = outcomeDead, "decode", err.Error(), attempts
		return
	}
	s.rec = Record{
		Topic:     Topic(kr.Topic),
		Partition: kr.Partition,
		Offset:    kr.Offset,
		Key:       kr.Key,
		Timestamp: kr.Timestamp,
		Event:     ev,
	}
	for _, h := range kr.Headers {
		s.rec.Headers = append(s.rec.Headers, Header{Key: h.Key, Value: h.Value})
	}
	for _, st := range e.stages {
		attempts, err := e.runStage(ctx, st, &s.rec)
		s.attempts = attempts
		switch {
		case err == nil:
			continue
		case errors.Is(err, ErrDrop):
			s.out = outcomeDrop
			return
		default:
			s.out, s.stage, s.reason = outcomeDead, st.Name(), err.Error()
			return
		}
	}
	s.rec.Analysis.ProcessedAt = e.now()
	s.out = outcomeOK
}

// runStage runs one stage with retries for retryable errors. It returns
// the number of attempts made.
func (e *Engine) runStage(ctx context.Context, st Stage, rec *Record) (int, error) {
	return e.retry(ctx, func() error { return safeProcess(ctx, st, rec) })
}

// retry calls fn until it succeeds, drops, fails permanently or runs out of
// attempts, backing off between tries. It returns the attempts made.
func (e *Engine) retry(ctx context.Context, fn func() error) (int, error) {
	backoff := e.cfg.Retry.InitialBackoff
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || errors.Is(err, ErrDrop) || IsPermanent(err) {
			return attempt, err
		}
		if attempt >= e.cfg.Retry.Attempts || ctx.Err() != nil {
			return attempt, fmt.Errorf("gave up after %d attempts: %w", attempt, err)
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return attempt, fmt.Errorf("gave up after %d attempts (shutting down): %w", attempt, err)
		case <-t.C:
		}
		backoff = min(backoff*2, e.cfg.Retry.MaxBackoff)
	}
}

// safeProcess turns a stage panic into a permanent error so that one
// hostile message cannot take the consumer down. The panic value is not
// included: it may quote the message.
func safeProcess(ctx context.Context, st Stage, rec *Record) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = Permanent("panic in stage "+st.Name(), fmt.Errorf("%T", r))
		}
	}()
	return st.Process(ctx, rec)
}

// flushLocked flushes every sink with buffered rows, then saves the ledger
// and marks the pending offsets. On failure nothing is marked, fetching is
// paused and the buffers are kept for the next try.
func (e *Engine) flushLocked(ctx context.Context) error {
	if e.pendingN == 0 {
		return nil
	}
	start := e.now()
	fctx, cancel := context.WithTimeout(ctx, e.cfg.FlushTimeout)
	defer cancel()
	var errs []error
	for _, s := range e.sinks {
		if rows, _ := s.Buffered(); rows == 0 {
			continue
		}
		if err := s.flush(fctx); err != nil {
			errs = append(errs, fmt.Errorf("flush %s: %w", s.Name(), err))
		}
	}
	if len(errs) == 0 && e.ledger != nil {
		written := make(map[TopicPartition]int64, len(e.pending))
		for tp, p := range e.pending {
			written[e.ledgerKey(tp)] = p.last.Offset
		}
		_, err := e.ledgerBreaker.Execute(func() (struct{}, error) {
			return struct{}{}, e.ledger.Save(fctx, e.cfg.Group, written)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("save ledger: %w", err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		e.flushErrs++
		if !e.paused {
			e.client.PauseFetchTopics(string(e.cfg.EventsTopic))
			e.paused = true
			e.log.Warn("sinks failing: fetching paused, nothing committed", zap.Error(err))
		} else if e.flushErrs%50 == 0 {
			e.log.Warn("sinks still failing", zap.Int("attempts", e.flushErrs), zap.Error(err))
		}
		return err
	}
	marks := make([]*kgo.Record, 0, len(e.pending))
	for _, p := range e.pending {
		marks = append(marks, p.last)
	}
	e.client.MarkCommitRecords(marks...)
	n := e.pendingN
	clear(e.pending)
	e.pendingN = 0
	e.stats.flushes.Add(1)
	if e.paused {
		e.client.ResumeFetchTopics(string(e.cfg.EventsTopic))
		e.paused = false
		e.log.Info("sinks recovered: fetching resumed", zap.Int("failed_attempts", e.flushErrs))
	}
	e.flushErrs = 0
	e.log.Debug("flushed", zap.Int(logKeyRecords, n), zap.Duration(logKeyElapsed, e.now().Sub(start)))
	return nil
}

func (e *Engine) onAssigned(ctx context.Context, _ *kgo.Client, assigned map[string][]int32) {
	e.mu.Lock()
	defer e.mu.Unlock()
	parts := toParts(assigned)
	// The group may assign before Run starts: resolve here too.
	e.resolveLedgerTopic(ctx)
	if e.ledger != nil && len(parts) > 0 && e.ledgerTopic != "" {
		keys := make([]TopicPartition, len(parts))
		for i, tp := range parts {
			keys[i] = e.ledgerKey(tp)
		}
		written, err := e.ledger.Load(ctx, e.cfg.Group, keys)
		if err != nil {
			// Safe to go on: without the ledger we may rewrite rows, and the
			// sinks are idempotent; we only lose the shortcut.
			e.log.Warn("ledger unavailable; redelivered records will be rewritten", zap.Error(err))
		}
		for _, tp := range parts {
			if off, ok := written[e.ledgerKey(tp)]; ok {
				e.written[tp] = off
			}
		}
	}
	for _, o := range e.observers {
		o.PartitionsAssigned(ctx, parts)
	}
	e.stats.partitions.Add(int64(len(parts)))
	e.log.Info("partitions assigned", zap.Int(logKeyPartition, len(parts)), zap.String(logKeyState, fmtParts(parts)))
}

func (e *Engine) onRevoked(ctx context.Context, cl *kgo.Client, revoked map[string][]int32) {
	e.release(ctx, cl, revoked, true)
}

func (e *Engine) onLost(ctx context.Context, cl *kgo.Client, lost map[string][]int32) {
	e.release(ctx, cl, lost, false)
}

// release flushes and (when commit is true) commits before partitions move
// away. If the sinks cannot flush, their buffers are discarded and the
// partitions we keep are rewound so that nothing is lost: the revoked ones
// will be redelivered to their next owner from the last commit.
func (e *Engine) release(ctx context.Context, cl *kgo.Client, gone map[string][]int32, commit bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	parts := toParts(gone)
	if err := e.flushLocked(ctx); err != nil {
		goneSet := make(map[TopicPartition]bool, len(parts))
		for _, tp := range parts {
			goneSet[tp] = true
		}
		for tp, p := range e.pending {
			if !goneSet[tp] {
				e.rewind[tp] = p.first
			}
		}
		for _, s := range e.sinks {
			s.Reset()
		}
		clear(e.pending)
		e.pendingN = 0
		e.log.Warn("partitions moving while sinks fail: discarded unflushed work, it will be redelivered",
			zap.Int(logKeyPartition, len(parts)), zap.Error(err))
	} else if commit {
		if err := cl.CommitMarkedOffsets(ctx); err != nil {
			e.log.Warn("commit on revoke", zap.Error(err))
		}
	}
	for _, tp := range parts {
		delete(e.written, tp)
	}
	e.stats.partitions.Add(-int64(len(parts)))
	for _, o := range e.observers {
		o.PartitionsRevoked(ctx, parts)
	}
	if len(parts) > 0 {
		e.log.Info("partitions released", zap.Bool("committed", commit), zap.String(logKeyState, fmtParts(parts)))
	}
}

func toParts(m map[string][]int32) []TopicPartition {
	var out []TopicPartition
	for t, ps := range m {
		for _, p := range ps {
			out = append(out, TopicPartition{Topic: Topic(t), Partition: p})
		}
	}
	slices.SortFunc(out, func(a, b TopicPartition) int {
		if a.Topic != b.Topic {
			if a.Topic < b.Topic {
				return -1
			}
			return 1
		}
		return int(a.Partition - b.Partition)
	})
	return out
}

func fmtParts(parts []TopicPartition) string {
	b := make([]byte, 0, 8*len(parts))
	for i, tp := range parts {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(tp.Partition), 10)
	}
	return string(b)
}
