package pipeline

import (
	"context"
	"time"

	"github.com/phishx/phishx/schemas"
)

// DeadLetter is a record the pipeline could not process: its original bytes
// and why. It goes to the dead-letter topic so that nothing is lost.
type DeadLetter struct {
	Source    TopicPartition
	Offset    int64
	Key       []byte
	Value     []byte // the record value exactly as consumed (PII stays sealed)
	Headers   []Header
	Timestamp time.Time
	Stage     string // "decode" or the name of the stage that failed
	Reason    string // short, human-readable, never PII or key material
	Attempts  int
}

// Dead-letter header keys.
const (
	HeaderDLQStage     = "phishx.dlq.stage"
	HeaderDLQReason    = "phishx.dlq.reason"
	HeaderDLQAttempts  = "phishx.dlq.attempts"
	HeaderDLQTopic     = "phishx.dlq.source.topic"
	HeaderDLQPartition = "phishx.dlq.source.partition"
	HeaderDLQOffset    = "phishx.dlq.source.offset"
	HeaderDLQTime      = "phishx.dlq.time"
)

// DeadLetterWriter buffers dead letters and writes them durably on Flush,
// with the same buffering contract as Sink. WriteDead only buffers and
// cannot fail: refusing a dead letter would lose the record.
type DeadLetterWriter interface {
	Name() string
	WriteDead(d DeadLetter)
	Flush(ctx context.Context) error
	Buffered() (rows, bytes int)
	Reset()
}

// Decoder turns a record value into an event. Errors are permanent (the
// record is dead-lettered with err's text as the reason), except
// schemas.ErrRegistryUnavailable, which is retried like a retryable stage
// error.
type Decoder interface {
	DecodeEvent(value []byte) (*schemas.EmailEvent, error)
}
