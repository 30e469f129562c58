package pipeline

import (
	"time"

	"github.com/phishx/phishx/schemas"
)

// Topic names a Kafka topic. A named type so a topic cannot be passed where a
// group id or a table name is expected.
type Topic string

// Default topic and group names. They are defaults, not constants of the
// protocol: every one can be changed in the config.
const (
	DefaultEventsTopic   Topic  = "phishx.emails.v1"
	DefaultVerdictsTopic Topic  = "phishx.verdicts.v1"
	DefaultDLQTopic      Topic  = "phishx.emails.dlq"
	DefaultGroup         string = "phishx-pipeline"
)

// Header is one Kafka record header.
type Header struct {
	Key   string
	Value []byte
}

// Record is one email moving through the pipeline. The engine owns it:
// stages and sinks may read and fill it while their call runs and must not
// keep a pointer to it (or to its slices) after returning. A sink that
// buffers copies what it needs.
type Record struct {
	Topic     Topic
	Partition int32
	Offset    int64
	Key       []byte
	Headers   []Header
	Timestamp time.Time // the Kafka record's timestamp

	// Event is the decoded email event. After the decrypt stage its PII
	// fields are plaintext, in memory only.
	Event *schemas.EmailEvent

	// Analysis is filled in by the stages, in chain order.
	Analysis Analysis
}

// Analysis is what the stages learned about one email.
type Analysis struct {
	// Derived, non-identifying fields analysts group by.
	SenderDomain string
	Subject      string // PII: sinks store it sealed, never in clear
	URLCount     int
	Attachments  int

	// The production verdict.
	Score        float64 // probability of phishing, 0..1
	Action       string  // schemas.ActionDeliver, ActionFlag or ActionQuarantine
	ModelName    string
	ModelVersion string
	Findings     []Finding // most important first

	// Set by the time the record reaches the sinks.
	ProcessedAt time.Time
}

// Finding is one reason behind a verdict, in words an analyst understands.
type Finding struct {
	Code     string  // stable machine name, e.g. "reply_to_mismatch"
	Severity float64 // how much it moved the score, 0..1
	Detail   string  // human text; may quote the message, so it is PII
}

// TopicPartition names one partition.
type TopicPartition struct {
	Topic     Topic
	Partition int32
}
