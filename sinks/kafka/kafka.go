package kafka

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/schemas"
)

// VerdictEncoder frames a verdict for the wire (schemas.Codec does).
type VerdictEncoder interface {
	EncodeVerdict(v *schemas.Verdict) ([]byte, error)
}

// VerdictSink produces one verdict per record to the verdicts topic, keyed
// by event id so that a gateway's consumer sees every verdict of one email
// on one partition. Redelivery can produce a verdict twice; gateways treat
// the event id as the idempotence key.
type VerdictSink struct {
	client *kgo.Client
	topic  pipeline.Topic
	enc    VerdictEncoder
	buf    []*kgo.Record
	bytes  int
}

var _ pipeline.Sink = (*VerdictSink)(nil)

// NewVerdictSink returns a sink producing through client, which should use
// the idempotent producer (franz-go's default) and which the caller owns.
func NewVerdictSink(client *kgo.Client, topic pipeline.Topic, enc VerdictEncoder) *VerdictSink {
	return &VerdictSink{client: client, topic: topic, enc: enc}
}

// Name implements pipeline.Sink.
func (s *VerdictSink) Name() string { return "kafka-verdicts" }

// Write encodes the verdict of rec and buffers it.
func (s *VerdictSink) Write(_ context.Context, rec *pipeline.Record) error {
	a := &rec.Analysis
	v := schemas.Verdict{
		EventID:      rec.Event.EventID,
		Tenant:       rec.Event.Tenant,
		Gateway:      rec.Event.Gateway,
		Score:        a.Score,
		Action:       a.Action,
		ModelName:    a.ModelName,
		ModelVersion: a.ModelVersion,
		ScoredAt:     a.ProcessedAt,
	}
	for _, f := range a.Findings {
		// Codes, not details: details may quote the message (PII) and
		// verdicts travel to every gateway consumer. Informational
		// findings (severity 0, such as pii_present) did not drive the
		// score and are not reasons.
		if f.Severity > 0 {
			v.Reasons = append(v.Reasons, f.Code)
		}
	}
	b, err := s.enc.EncodeVerdict(&v)
	if err != nil {
		return fmt.Errorf("encode verdict: %w", err)
	}
	s.buf = append(s.buf, &kgo.Record{Topic: string(s.topic), Key: []byte(v.EventID), Value: b})
	s.bytes += len(b) + len(v.EventID)
	return nil
}

// Flush produces the buffer and waits for every acknowledgement. Records
// that failed stay buffered for the next Flush; acknowledged ones do not.
func (s *VerdictSink) Flush(ctx context.Context) error {
	var err error
	s.buf, s.bytes, err = produceAll(ctx, s.client, s.buf)
	return err
}

// Buffered implements pipeline.Sink.
func (s *VerdictSink) Buffered() (int, int) { return len(s.buf), s.bytes }

// Reset implements pipeline.Sink.
func (s *VerdictSink) Reset() { s.buf, s.bytes = s.buf[:0], 0 }

// Close implements pipeline.Sink; the client belongs to the caller.
func (s *VerdictSink) Close(context.Context) error { return nil }

// DeadLetterQueue writes failed records, unchanged, to the dead-letter
// topic, with the failing stage, the reason and the source position in
// headers (pipeline.HeaderDLQ*).
type DeadLetterQueue struct {
	client   *kgo.Client
	topic    pipeline.Topic
	maxValue int
	buf      []*kgo.Record
	bytes    int
}

// DefaultMaxDeadValue keeps dead letters under Kafka's default 1 MB
// message limit. A larger value is cut to this size and the record says
// so in HeaderDLQTruncated; the whole original stays on the source topic at
// the offset the headers name.
const DefaultMaxDeadValue = 512 << 10

// HeaderDLQTruncated holds the original value size when it was cut.
const HeaderDLQTruncated = "phishx.dlq.truncated_from"

var _ pipeline.DeadLetterWriter = (*DeadLetterQueue)(nil)

// NewDeadLetterQueue returns a writer producing through client (owned by
// the caller).
func NewDeadLetterQueue(client *kgo.Client, topic pipeline.Topic) *DeadLetterQueue {
	return &DeadLetterQueue{client: client, topic: topic, maxValue: DefaultMaxDeadValue}
}

// Name implements pipeline.DeadLetterWriter.
func (q *DeadLetterQueue) Name() string { return "kafka-dlq" }

// WriteDead buffers d.
func (q *DeadLetterQueue) WriteDead(d pipeline.DeadLetter) {
	r := &kgo.Record{
		Topic:     string(q.topic),
		Key:       d.Key,
		Value:     d.Value,
		Timestamp: d.Timestamp,
	}
	for _, h := range d.Headers {
		r.Headers = append(r.Headers, kgo.RecordHeader{Key: h.Key, Value: h.Value})
	}
	if len(r.Value) > q.maxValue {
		r.Headers = append(r.Headers, kgo.RecordHeader{Key: HeaderDLQTruncated, Value: strconv.AppendInt(nil, int64(len(r.Value)), 10)})
		r.Value = r.Value[:q.maxValue]
	}
	r.Headers = append(r.Headers,
		kgo.RecordHeader{Key: pipeline.HeaderDLQStage, Value: []byte(d.Stage)},
		kgo.RecordHeader{Key: pipeline.HeaderDLQReason, Value: []byte(d.Reason)},
		kgo.RecordHeader{Key: pipeline.HeaderDLQAttempts, Value: strconv.AppendInt(nil, int64(d.Attempts), 10)},
		kgo.RecordHeader{Key: pipeline.HeaderDLQTopic, Value: []byte(d.Source.Topic)},
		kgo.RecordHeader{Key: pipeline.HeaderDLQPartition, Value: strconv.AppendInt(nil, int64(d.Source.Partition), 10)},
		kgo.RecordHeader{Key: pipeline.HeaderDLQOffset, Value: strconv.AppendInt(nil, d.Offset, 10)},
		kgo.RecordHeader{Key: pipeline.HeaderDLQTime, Value: []byte(time.Now().UTC().Format(time.RFC3339Nano))},
	)
	q.buf = append(q.buf, r)
	q.bytes += len(r.Value) + len(d.Key) + len(d.Reason)
}

// Flush implements pipeline.DeadLetterWriter.
func (q *DeadLetterQueue) Flush(ctx context.Context) error {
	var err error
	q.buf, q.bytes, err = produceAll(ctx, q.client, q.buf)
	return err
}

// Buffered implements pipeline.DeadLetterWriter.
func (q *DeadLetterQueue) Buffered() (int, int) { return len(q.buf), q.bytes }

// Reset implements pipeline.DeadLetterWriter.
func (q *DeadLetterQueue) Reset() { q.buf, q.bytes = q.buf[:0], 0 }

// produceAll produces recs and returns the ones that failed, with their
// size, so a retry resends only those.
func produceAll(ctx context.Context, cl *kgo.Client, recs []*kgo.Record) ([]*kgo.Record, int, error) {
	if len(recs) == 0 {
		return recs, 0, nil
	}
	results := cl.ProduceSync(ctx, recs...)
	var failed []*kgo.Record
	var errs []error
	bytes := 0
	for _, r := range results {
		if r.Err != nil {
			failed = append(failed, r.Record)
			bytes += len(r.Record.Value) + len(r.Record.Key)
			if len(errs) < 3 {
				errs = append(errs, r.Err)
			}
		}
	}
	if len(failed) == 0 {
		return recs[:0], 0, nil
	}
	return failed, bytes, fmt.Errorf("%d of %d records not acknowledged: %w", len(failed), len(recs), errors.Join(errs...))
}
