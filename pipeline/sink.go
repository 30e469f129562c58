package pipeline

import "context"

// Sink receives the records that passed every stage. The engine calls Write
// for each record, then Flush when its batch policy says so (rows, bytes or
// interval, whichever first), and marks a record's offset only after every
// sink's Flush that covers it returned nil.
//
// Write must copy what it keeps: the record is reused after Write returns.
// Flush must be durable when it returns nil; on error it keeps the buffered
// rows so that a later Flush retries them. Reset discards the buffer (used
// when partitions are revoked while the sink cannot flush: the records will
// be redelivered to the partitions' next owner).
//
// The engine calls a sink from one goroutine at a time.
type Sink interface {
	Name() string
	Write(ctx context.Context, rec *Record) error
	Flush(ctx context.Context) error
	// Buffered reports the rows and approximate bytes waiting for Flush.
	Buffered() (rows, bytes int)
	Reset()
	Close(ctx context.Context) error
}

// Ledger remembers, per partition, the highest offset whose results every
// sink has durably written. It lets a consumer that restarts after a crash
// (before its commit) skip what is already written instead of writing it
// twice. Offsets in the ledger are always at or ahead of committed offsets.
type Ledger interface {
	// Load returns the highest written offset for each partition it knows.
	Load(ctx context.Context, group string, parts []TopicPartition) (map[TopicPartition]int64, error)
	// Save records the highest written offset of each partition.
	Save(ctx context.Context, group string, written map[TopicPartition]int64) error
}
