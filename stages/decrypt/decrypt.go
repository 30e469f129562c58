package decrypt

import (
	"context"
	"errors"
	"fmt"

	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/schemas"
	"github.com/phishx/phishx/schemas/seal"
	"github.com/phishx/phishx/stages/decrypt/fernet"
	"github.com/phishx/phishx/stages/decrypt/keyring"
)

// Name is the stage name, used in dead-letter headers.
const Name = "decrypt"

// Errors wrapped by this stage's permanent errors.
var (
	ErrNoEvent      = errors.New("decrypt: record has no event")
	ErrNotEncrypted = errors.New("decrypt: event not encrypted")
	ErrIncomplete   = errors.New("decrypt: not every PII field is encrypted")
)

// Config configures the stage.
type Config struct {
	// RequireEncryption rejects (permanently) events that are not sealed,
	// or that leave a PII field out of EncryptedFields.
	RequireEncryption bool
	// Fernet configures token verification (TTL, skew, size limit).
	Fernet fernet.Config
}

// DefaultConfig accepts plaintext events and uses fernet.DefaultConfig.
func DefaultConfig() Config {
	return Config{RequireEncryption: false, Fernet: fernet.DefaultConfig()}
}

// Validate names the first bad field.
func (c Config) Validate() error {
	if err := c.Fernet.Validate(); err != nil {
		return fmt.Errorf("decrypt: Fernet: %w", err)
	}
	return nil
}

// Stage opens sealed events. Make one with New.
type Stage struct {
	cfg    Config
	sealer *seal.Sealer
}

var _ pipeline.Stage = (*Stage)(nil)

// New returns the stage. keys is read on every record, so a *keyring.Holder
// or *keyring.Watcher makes rotation take effect without a restart.
func New(keys seal.KeySource, cfg Config) (*Stage, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	codec, err := fernet.NewCodec(cfg.Fernet)
	if err != nil {
		return nil, err
	}
	s, err := seal.NewSealer(keys, codec)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	return &Stage{cfg: cfg, sealer: s}, nil
}

// Name returns "decrypt".
func (s *Stage) Name() string { return Name }

// Process opens rec.Event in place. See the package doc for the outcomes.
func (s *Stage) Process(_ context.Context, rec *pipeline.Record) error {
	ev := rec.Event
	if ev == nil {
		return pipeline.Permanent("decrypt: no event", ErrNoEvent)
	}
	if len(ev.EncryptedFields) == 0 && ev.KeyVersion == 0 {
		if s.cfg.RequireEncryption {
			return pipeline.Permanent("decrypt: event not encrypted", ErrNotEncrypted)
		}
		return nil
	}
	if s.cfg.RequireEncryption && !allPII(ev) {
		return pipeline.Permanent("decrypt: not every PII field is encrypted", ErrIncomplete)
	}
	if err := s.sealer.OpenInPlace(ev); err != nil {
		return pipeline.Permanent(reason(ev.KeyVersion, err), err)
	}
	return nil
}

func allPII(ev *schemas.EmailEvent) bool {
	for _, want := range seal.PIIFields() {
		found := false
		for _, f := range ev.EncryptedFields {
			found = found || f == want
		}
		if !found {
			return false
		}
	}
	return true
}

// reason turns an Open error into a short, stable, PII-free reason.
func reason(version int32, err error) string {
	var fe *seal.FieldError
	switch {
	case errors.Is(err, keyring.ErrUnknownKeyVersion):
		return fmt.Sprintf("decrypt: unknown key version %d", version)
	case errors.As(err, &fe):
		what := "token verification failed"
		switch {
		case errors.Is(err, fernet.ErrExpired):
			what = "token expired"
		case errors.Is(err, fernet.ErrFromFuture):
			what = "token timestamp in the future"
		case errors.Is(err, fernet.ErrTooLarge):
			what = "token too large"
		case errors.Is(err, fernet.ErrMalformed), errors.Is(err, fernet.ErrBadVersion):
			what = "malformed token"
		}
		return fmt.Sprintf("decrypt: %s (field %s, key version %d)", what, fe.Field, fe.Version)
	case errors.Is(err, seal.ErrMalformed):
		return "decrypt: malformed encrypted fields"
	default:
		return "decrypt: cannot open event"
	}
}
