package pipeline

import "sync/atomic"

// Stats counts what the engine has done since it started.
type Stats struct {
	Consumed     int64 // records polled
	Written      int64 // records handed to every sink
	DeadLettered int64 // records sent to the dead-letter topic
	Dropped      int64 // records filtered on purpose by a stage
	Skipped      int64 // records the ledger showed as already written
	Flushes      int64 // successful flushes (each marks offsets)
	Partitions   int64 // partitions currently assigned
}

type statsCounters struct {
	consumed, written, dead, dropped, skipped, flushes, partitions atomic.Int64
}

// Stats returns a snapshot. Safe to call concurrently with Run.
func (e *Engine) Stats() Stats {
	return Stats{
		Consumed:     e.stats.consumed.Load(),
		Written:      e.stats.written.Load(),
		DeadLettered: e.stats.dead.Load(),
		Dropped:      e.stats.dropped.Load(),
		Skipped:      e.stats.skipped.Load(),
		Flushes:      e.stats.flushes.Load(),
		Partitions:   e.stats.partitions.Load(),
	}
}
