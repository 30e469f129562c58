package sinktest

import (
	"context"
	"errors"
	"sync"

	"github.com/phishx/phishx/pipeline"
)

// ErrInjected is the error a failing Sink returns from Flush.
var ErrInjected = errors.New("sinktest: injected flush failure")

// Row is what the memory sink keeps of one record.
type Row struct {
	EventID   string
	Topic     pipeline.Topic
	Partition int32
	Offset    int64
	Score     float64
	Action    string
}

// Sink is an in-memory pipeline.Sink that can be told to fail. Rows count
// as written only once Flush returns nil, like a real sink.
type Sink struct {
	name string

	mu      sync.Mutex
	buf     []Row
	written []Row
	failing bool
	flushes int
}

var _ pipeline.Sink = (*Sink)(nil)

// New returns an empty memory sink.
func New(name string) *Sink { return &Sink{name: name} }

// Name implements pipeline.Sink.
func (s *Sink) Name() string { return s.name }

// Write implements pipeline.Sink.
func (s *Sink) Write(_ context.Context, rec *pipeline.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = append(s.buf, Row{
		EventID: rec.Event.EventID, Topic: rec.Topic, Partition: rec.Partition, Offset: rec.Offset,
		Score: rec.Analysis.Score, Action: rec.Analysis.Action,
	})
	return nil
}

// Flush implements pipeline.Sink; it fails while SetFailing(true).
func (s *Sink) Flush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.failing {
		return ErrInjected
	}
	s.written = append(s.written, s.buf...)
	s.buf = s.buf[:0]
	s.flushes++
	return nil
}

// Buffered implements pipeline.Sink.
func (s *Sink) Buffered() (int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.buf), 64 * len(s.buf)
}

// Reset implements pipeline.Sink.
func (s *Sink) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = s.buf[:0]
}

// Close implements pipeline.Sink.
func (s *Sink) Close(context.Context) error { return nil }

// SetFailing makes every Flush fail (true) or work (false).
func (s *Sink) SetFailing(f bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing = f
}

// Written returns a copy of the durably written rows.
func (s *Sink) Written() []Row {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Row(nil), s.written...)
}

// Ledger is an in-memory pipeline.Ledger.
type Ledger struct {
	mu sync.Mutex
	m  map[string]map[pipeline.TopicPartition]int64
}

var _ pipeline.Ledger = (*Ledger)(nil)

// NewLedger returns an empty ledger.
func NewLedger() *Ledger { return &Ledger{m: make(map[string]map[pipeline.TopicPartition]int64)} }

// Load implements pipeline.Ledger.
func (l *Ledger) Load(_ context.Context, group string, parts []pipeline.TopicPartition) (map[pipeline.TopicPartition]int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[pipeline.TopicPartition]int64)
	for _, tp := range parts {
		if off, ok := l.m[group][tp]; ok {
			out[tp] = off
		}
	}
	return out, nil
}

// Save implements pipeline.Ledger.
func (l *Ledger) Save(_ context.Context, group string, written map[pipeline.TopicPartition]int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m[group] == nil {
		l.m[group] = make(map[pipeline.TopicPartition]int64)
	}
	for tp, off := range written {
		if cur, ok := l.m[group][tp]; !ok || off > cur {
			l.m[group][tp] = off
		}
	}
	return nil
}
