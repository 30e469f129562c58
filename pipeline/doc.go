// Package pipeline is the PhishX engine: a Kafka consumer-group source, the
// stage chain, batching, offset marking and commits, back-pressure and
// dead-lettering.
//
// # Delivery
//
// The engine consumes with franz-go's AutoCommitMarks and
// BlockRebalanceOnPoll: a record's offset is marked only after every sink
// has flushed its results (and, when a Ledger is set, after the ledger has
// recorded them), and rebalances wait until the records of a poll are
// handled. On revocation the engine flushes and commits before the
// partitions move. Delivery is at-least-once; the sinks make it effectively
// exactly-once (idempotent rows keyed by event id, plus the ledger that lets
// a restarted consumer skip what it already wrote).
//
// # Failure
//
// A stage error is permanent (PermanentError: dead-lettered at once),
// retryable (anything else: retried with back-off, then dead-lettered) or
// ErrDrop (filtered on purpose). Undecodable or oversized records are
// dead-lettered with stage "decode". A failed record never reaches the main
// sinks and nothing is ever dropped silently: the dead-letter writer is a
// required, flushed, breaker-guarded sink like the others.
//
// Each sink's Flush runs behind a circuit breaker (sony/gobreaker). When a
// flush fails the engine pauses fetching, keeps every buffered row, marks
// nothing and retries; when it succeeds, fetching resumes.
//
// # Concurrency
//
// Run owns one goroutine that polls; within a poll, partitions are
// processed in parallel (Config.Workers) and records of one partition in
// offset order, so stages must be safe for concurrent use across
// partitions. Sinks are called from one goroutine at a time. Group
// callbacks (PartitionObserver) are serialised with processing.
//
// Run blocks until its context is cancelled, then flushes what is in
// flight, commits and leaves the group.
package pipeline
