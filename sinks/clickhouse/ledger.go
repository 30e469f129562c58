package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/phishx/phishx/pipeline"
)

// Ledger is the sink-side offset ledger on table pipeline_offsets, a
// ReplacingMergeTree(offset) keyed by (consumer_group, topic, partition):
// merges keep each partition's highest offset, and Load takes max(offset)
// so it does not depend on merges having happened.
type Ledger struct{ store *Store }

var _ pipeline.Ledger = (*Ledger)(nil)

// NewLedger returns the offset ledger of the store's database.
func NewLedger(s *Store) *Ledger { return &Ledger{store: s} }

// Ledger returns the offset ledger.
func (s *Store) Ledger() *Ledger { return NewLedger(s) }

// Load implements pipeline.Ledger. Partitions the ledger has never seen
// are absent from the result.
func (l *Ledger) Load(ctx context.Context, group string, parts []pipeline.TopicPartition) (map[pipeline.TopicPartition]int64, error) {
	if len(parts) == 0 {
		return map[pipeline.TopicPartition]int64{}, nil
	}
	rows, err := l.store.conn.Query(ctx, fmt.Sprintf(
		"SELECT topic, partition, max(offset) FROM %s.pipeline_offsets WHERE consumer_group = ? GROUP BY topic, partition",
		l.store.cfg.Database), group)
	if err != nil {
		return nil, fmt.Errorf("load ledger: %w", err)
	}
	defer rows.Close()
	want := make(map[pipeline.TopicPartition]bool, len(parts))
	for _, tp := range parts {
		want[tp] = true
	}
	out := make(map[pipeline.TopicPartition]int64)
	for rows.Next() {
		var topic string
		var partition int32
		var offset int64
		if err := rows.Scan(&topic, &partition, &offset); err != nil {
			return nil, fmt.Errorf("load ledger: %w", err)
		}
		tp := pipeline.TopicPartition{Topic: pipeline.Topic(topic), Partition: partition}
		if want[tp] {
			out[tp] = offset
		}
	}
	return out, rows.Err()
}

// Save implements pipeline.Ledger.
func (l *Ledger) Save(ctx context.Context, group string, written map[pipeline.TopicPartition]int64) error {
	if len(written) == 0 {
		return nil
	}
	b, err := l.store.conn.PrepareBatch(ctx, fmt.Sprintf(
		"INSERT INTO %s.pipeline_offsets (consumer_group, topic, partition, offset, written_at)", l.store.cfg.Database))
	if err != nil {
		return fmt.Errorf("prepare ledger batch: %w", err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	for tp, off := range written {
		if err := b.Append(group, string(tp.Topic), tp.Partition, off, now); err != nil {
			_ = b.Abort()
			return fmt.Errorf("append ledger row: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("save ledger: %w", err)
	}
	return nil
}
