package pipeline

import (
	"errors"
	"fmt"
	"runtime"
	"time"
)

// Config is the engine's configuration. Start from DefaultConfig: every
// default is spelled out there, and a zero value means zero, not "default".
type Config struct {
	// Brokers are the Kafka seed brokers. Empty means "start an embedded
	// in-process Kafka" (see Embedded); the composition root decides that.
	Brokers  []string `yaml:"brokers"`
	ClientID string   `yaml:"client_id"`
	Group    string   `yaml:"group"`

	EventsTopic   Topic `yaml:"events_topic"`
	VerdictsTopic Topic `yaml:"verdicts_topic"`
	DLQTopic      Topic `yaml:"dlq_topic"`

	// MaxPollRecords bounds one poll, which bounds the work done while
	// rebalances are blocked.
	MaxPollRecords int `yaml:"max_poll_records"`
	// Workers is how many partitions are processed in parallel within one
	// poll; 0 is not allowed (DefaultConfig uses GOMAXPROCS).
	Workers int `yaml:"workers"`
	// MaxEventBytes is the largest record value accepted; larger ones are
	// dead-lettered unread.
	MaxEventBytes int `yaml:"max_event_bytes"`

	// Batch policy: sinks flush when any limit is reached.
	BatchRows     int           `yaml:"batch_rows"`
	BatchBytes    int           `yaml:"batch_bytes"`
	FlushInterval time.Duration `yaml:"flush_interval"`
	// FlushTimeout bounds one flush of all sinks.
	FlushTimeout time.Duration `yaml:"flush_timeout"`

	Retry   RetryConfig   `yaml:"retry"`
	Breaker BreakerConfig `yaml:"breaker"`

	// SessionTimeout and RebalanceTimeout are the consumer group timeouts.
	SessionTimeout   time.Duration `yaml:"session_timeout"`
	RebalanceTimeout time.Duration `yaml:"rebalance_timeout"`
}

// RetryConfig is the back-off for retryable stage errors.
type RetryConfig struct {
	Attempts       int           `yaml:"attempts"` // total tries, including the first
	InitialBackoff time.Duration `yaml:"initial_backoff"`
	MaxBackoff     time.Duration `yaml:"max_backoff"`
}

// BreakerConfig configures the per-sink circuit breaker.
type BreakerConfig struct {
	// ConsecutiveFailures of Flush open the breaker.
	ConsecutiveFailures uint32 `yaml:"consecutive_failures"`
	// OpenTimeout is how long the breaker stays open before one trial flush.
	OpenTimeout time.Duration `yaml:"open_timeout"`
}

// DefaultConfig returns the engine defaults.
func DefaultConfig() Config {
	return Config{
		ClientID:         "phishx",
		Group:            DefaultGroup,
		EventsTopic:      DefaultEventsTopic,
		VerdictsTopic:    DefaultVerdictsTopic,
		DLQTopic:         DefaultDLQTopic,
		MaxPollRecords:   2000,
		Workers:          runtime.GOMAXPROCS(0),
		MaxEventBytes:    4 << 20,
		BatchRows:        5000,
		BatchBytes:       32 << 20,
		FlushInterval:    time.Second,
		FlushTimeout:     30 * time.Second,
		SessionTimeout:   45 * time.Second,
		RebalanceTimeout: 60 * time.Second,
		Retry: RetryConfig{
			Attempts:       3,
			InitialBackoff: 100 * time.Millisecond,
			MaxBackoff:     2 * time.Second,
		},
		Breaker: BreakerConfig{
			ConsecutiveFailures: 3,
			OpenTimeout:         5 * time.Second,
		},
	}
}

// Validate reports every bad field by its YAML name.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, why string) { errs = append(errs, fmt.Errorf("pipeline.%s: %s", field, why)) }
	if c.Group == "" {
		bad("group", "must not be empty")
	}
	if c.ClientID == "" {
		bad("client_id", "must not be empty")
	}
	for _, t := range []struct {
		field string
		topic Topic
	}{{"events_topic", c.EventsTopic}, {"verdicts_topic", c.VerdictsTopic}, {"dlq_topic", c.DLQTopic}} {
		if t.topic == "" {
			bad(t.field, "must not be empty")
		}
	}
	if c.EventsTopic != "" && (c.EventsTopic == c.DLQTopic || c.EventsTopic == c.VerdictsTopic) {
		bad("events_topic", "must differ from dlq_topic and verdicts_topic")
	}
	if c.MaxPollRecords < 1 {
		bad("max_poll_records", "must be at least 1")
	}
	if c.Workers < 1 {
		bad("workers", "must be at least 1")
	}
	if c.MaxEventBytes < 1024 {
		bad("max_event_bytes", "must be at least 1024")
	}
	if c.BatchRows < 1 {
		bad("batch_rows", "must be at least 1")
	}
	if c.BatchBytes < 1 {
		bad("batch_bytes", "must be at least 1")
	}
	if c.FlushInterval <= 0 {
		bad("flush_interval", "must be positive")
	}
	if c.FlushTimeout <= 0 {
		bad("flush_timeout", "must be positive")
	}
	if c.SessionTimeout <= 0 {
		bad("session_timeout", "must be positive")
	}
	if c.RebalanceTimeout <= 0 {
		bad("rebalance_timeout", "must be positive")
	}
	if c.Retry.Attempts < 1 {
		bad("retry.attempts", "must be at least 1")
	}
	if c.Retry.InitialBackoff <= 0 || c.Retry.MaxBackoff < c.Retry.InitialBackoff {
		bad("retry.initial_backoff", "must be positive and not above retry.max_backoff")
	}
	if c.Breaker.ConsecutiveFailures < 1 {
		bad("breaker.consecutive_failures", "must be at least 1")
	}
	if c.Breaker.OpenTimeout <= 0 {
		bad("breaker.open_timeout", "must be positive")
	}
	return errors.Join(errs...)
}
