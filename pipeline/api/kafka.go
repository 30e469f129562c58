package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/phishx/phishx/pipeline"
)

// KafkaProducer produces submitted events to the events topic with an
// idempotent producer. It does not own the client.
type KafkaProducer struct {
	cl    *kgo.Client
	topic pipeline.Topic
}

var _ EventProducer = (*KafkaProducer)(nil)

// NewKafkaProducer returns a producer to topic over cl.
func NewKafkaProducer(cl *kgo.Client, topic pipeline.Topic) (*KafkaProducer, error) {
	if cl == nil || topic == "" {
		return nil, errors.New("api: kafka producer needs a client and a topic")
	}
	return &KafkaProducer{cl: cl, topic: topic}, nil
}

// ProduceEvent produces one record keyed by event id and waits for the ack.
func (p *KafkaProducer) ProduceEvent(ctx context.Context, key, value []byte) error {
	if err := p.cl.ProduceSync(ctx, &kgo.Record{Topic: string(p.topic), Key: key, Value: value}).FirstErr(); err != nil {
		return fmt.Errorf("api: produce to %s: %w", p.topic, err)
	}
	return nil
}
