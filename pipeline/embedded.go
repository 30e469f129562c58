package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// DefaultEmbeddedPort is where the embedded broker listens (127.0.0.1
// only). It is not 9092 so that it never collides with a real local Kafka.
const DefaultEmbeddedPort = 39092

// EmbeddedKafka is an in-process Kafka (franz-go's kfake) speaking the real
// protocol over TCP on loopback. It is for development and fast tests: it
// keeps every record in memory and is not a substitute for a real broker.
type EmbeddedKafka struct {
	cluster *kfake.Cluster
}

// StartEmbeddedKafka starts a one-broker cluster on 127.0.0.1:port (0 picks
// a free port) with automatic topic creation off, like a production broker.
func StartEmbeddedKafka(port int) (*EmbeddedKafka, error) {
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.DefaultNumPartitions(6)}
	if port != 0 {
		opts = append(opts, kfake.Ports(port))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("start embedded kafka on port %d: %w", port, err)
	}
	return &EmbeddedKafka{cluster: c}, nil
}

// Brokers returns the listen addresses.
func (k *EmbeddedKafka) Brokers() []string { return k.cluster.ListenAddrs() }

// Close stops the broker; its data is gone.
func (k *EmbeddedKafka) Close() { k.cluster.Close() }

// TopicSpec describes a topic to ensure.
type TopicSpec struct {
	Topic             Topic
	Partitions        int32
	ReplicationFactor int16
	Configs           map[string]*string
}

// EnsureTopics creates the topics that do not exist yet and leaves existing
// ones alone. Producing to a missing topic hangs silently in Kafka clients,
// so the pipeline creates its topics explicitly at start.
func EnsureTopics(ctx context.Context, brokers []string, specs ...TopicSpec) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return fmt.Errorf("admin client: %w", err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	var errs []error
	for _, s := range specs {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		resp, err := adm.CreateTopic(ctx, s.Partitions, s.ReplicationFactor, s.Configs, string(s.Topic))
		cancel()
		if err == nil {
			err = resp.Err
		}
		if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			errs = append(errs, fmt.Errorf("create topic %s: %w", s.Topic, err))
		}
	}
	return errors.Join(errs...)
}

// PipelineTopics returns the topic specs the pipeline needs.
func (c *Config) PipelineTopics(partitions int32, replication int16) []TopicSpec {
	compactNone := "delete"
	return []TopicSpec{
		{Topic: c.EventsTopic, Partitions: partitions, ReplicationFactor: replication},
		{Topic: c.VerdictsTopic, Partitions: partitions, ReplicationFactor: replication},
		{Topic: c.DLQTopic, Partitions: max(1, partitions/2), ReplicationFactor: replication,
			Configs: map[string]*string{"cleanup.policy": &compactNone}},
	}
}

// BrokerList splits a comma-separated broker list, dropping blanks.
func BrokerList(s string) []string {
	var out []string
	for _, b := range strings.Split(s, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}
