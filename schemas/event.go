package schemas

import "time"

// EmailEvent is one email as a gateway reports it: the Go form of the
// EmailEvent Avro record (email_event.v1.avsc).
//
// PII fields (EnvelopeFrom, EnvelopeTo, ClientIP, RawMessage) hold either
// plaintext or, when their name is listed in EncryptedFields, a Fernet token
// made with key KeyVersion of the key ring. A decoder never decrypts.
type EmailEvent struct {
	EventID      string    // unique per email, chosen by the gateway (UUID)
	Tenant       string    // the customer the mail belongs to
	Gateway      string    // which gateway saw it
	ReceivedAt   time.Time // when the gateway accepted it (millisecond precision)
	EnvelopeFrom string    // SMTP MAIL FROM (PII)
	EnvelopeTo   []string  // SMTP RCPT TO (PII)
	ClientIP     string    // connecting client address, "" when unknown (PII)
	RawMessage   []byte    // the whole RFC 822 message (PII)

	// KeyVersion is the key-ring version the encrypted fields were sealed
	// with; 0 means nothing is encrypted.
	KeyVersion int32
	// EncryptedFields names the fields above (by their Avro names, for
	// example "raw_message") that hold Fernet tokens.
	EncryptedFields []string
}

// Verdict is what PhishX tells gateways about one email: the Go form of the
// Verdict Avro record (verdict.v1.avsc), keyed by event id on the verdicts
// topic.
type Verdict struct {
	EventID      string
	Tenant       string
	Gateway      string
	Score        float64 // probability of phishing, 0..1
	Action       string  // one of ActionDeliver, ActionFlag, ActionQuarantine
	ModelName    string
	ModelVersion string
	Reasons      []string // the few findings that drove the score, in words
	ScoredAt     time.Time
}

// Verdict actions, in rising severity.
const (
	ActionDeliver    = "deliver"
	ActionFlag       = "flag"
	ActionQuarantine = "quarantine"
)
