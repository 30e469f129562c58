package pipeline

import (
	"context"
	"errors"
	"fmt"
)

// Stage is one step of the chain. Process reads and fills rec and returns:
//
//   - nil: the record goes on to the next stage;
//   - an error wrapping ErrDrop: the record is filtered on purpose; its offset
//     is marked and it reaches no sink;
//   - an error made with Permanent: the record goes to the dead-letter topic
//     with the stage name and the reason in its headers;
//   - any other error: retryable; the engine retries with back-off and, when
//     the attempts run out, dead-letters the record.
//
// Process is called concurrently for records of different partitions, and
// in offset order for records of one partition. A Stage knows nothing of
// Kafka.
type Stage interface {
	Name() string
	Process(ctx context.Context, rec *Record) error
}

// StageFunc adapts a function to a Stage.
type StageFunc struct {
	StageName string
	Fn        func(ctx context.Context, rec *Record) error
}

// Name returns the stage name.
func (f StageFunc) Name() string { return f.StageName }

// Process calls Fn.
func (f StageFunc) Process(ctx context.Context, rec *Record) error { return f.Fn(ctx, rec) }

var _ Stage = StageFunc{}

// PartitionObserver is implemented by stages and sinks that keep state per
// partition (sliding windows keyed by sender, for example). The engine calls
// PartitionsAssigned before the first record of a new partition and
// PartitionsRevoked after the last record of a revoked one has been flushed
// and marked. Calls come from the engine goroutine, never concurrently with
// Process for the same partitions.
type PartitionObserver interface {
	PartitionsAssigned(ctx context.Context, parts []TopicPartition)
	PartitionsRevoked(ctx context.Context, parts []TopicPartition)
}

// ErrDrop marks a record filtered on purpose.
var ErrDrop = errors.New("record dropped")

// PermanentError is an error that retrying cannot fix: the record goes to
// the dead-letter topic.
type PermanentError struct {
	Reason string // short, stable, safe to log: never PII or key material
	Err    error
}

func (e *PermanentError) Error() string {
	if e.Err == nil {
		return e.Reason
	}
	return fmt.Sprintf("%s: %v", e.Reason, e.Err)
}

func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent classes err as permanent with a short reason.
func Permanent(reason string, err error) error {
	return &PermanentError{Reason: reason, Err: err}
}

// IsPermanent reports whether err is (or wraps) a PermanentError.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}
