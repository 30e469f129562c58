package seal

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/phishx/phishx/schemas"
	"github.com/phishx/phishx/stages/decrypt/fernet"
)

// Avro names of the PII fields, in the order Seal lists them.
const (
	FieldEnvelopeFrom = "envelope_from"
	FieldEnvelopeTo   = "envelope_to"
	FieldClientIP     = "client_ip"
	FieldRawMessage   = "raw_message"
)

// PIIFields returns the Avro names of every PII field, in sealing order.
func PIIFields() []string {
	return []string{FieldEnvelopeFrom, FieldEnvelopeTo, FieldClientIP, FieldRawMessage}
}

// KeySource hands out keys by version. *keyring.Ring, *keyring.Holder and
// *keyring.Watcher implement it. Key returns an error wrapping
// keyring.ErrUnknownKeyVersion for a version it does not hold.
type KeySource interface {
	ActiveKey() (version int32, key *fernet.Key)
	Key(version int32) (*fernet.Key, error)
}

// Errors. Each is wrapped with the field and version it concerns.
var (
	ErrAlreadySealed = errors.New("seal: event already has encrypted fields")
	ErrMalformed     = errors.New("seal: malformed encrypted fields")
	ErrNotSealed     = errors.New("seal: value has no key version prefix")
)

// FieldError says which field and key version an Open failed on. Its text
// never contains the token or plaintext.
type FieldError struct {
	Field   string
	Version int32
	Err     error
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("seal: field %s (key version %d): %v", e.Field, e.Version, e.Err)
}

// Unwrap returns the cause.
func (e *FieldError) Unwrap() error { return e.Err }

// Sealer seals and opens events and values.
type Sealer struct {
	keys  KeySource
	codec *fernet.Codec
}

// NewSealer returns a Sealer using keys and codec. A nil codec means
// fernet.DefaultConfig().
func NewSealer(keys KeySource, codec *fernet.Codec) (*Sealer, error) {
	if keys == nil {
		return nil, errors.New("seal: nil key source")
	}
	if codec == nil {
		c, err := fernet.NewCodec(fernet.DefaultConfig())
		if err != nil {
			return nil, err
		}
		codec = c
	}
	return &Sealer{keys: keys, codec: codec}, nil
}

// Seal returns a copy of ev with every PII field replaced by a token made
// with the active key, KeyVersion set and EncryptedFields listing the
// fields. ev is not modified. An event that already has encrypted fields or
// a key version is refused with ErrAlreadySealed.
func (s *Sealer) Seal(ev *schemas.EmailEvent) (*schemas.EmailEvent, error) {
	if ev == nil {
		return nil, errors.New("seal: nil event")
	}
	if ev.KeyVersion != 0 || len(ev.EncryptedFields) != 0 {
		return nil, ErrAlreadySealed
	}
	v, k := s.keys.ActiveKey()
	if k == nil {
		return nil, fmt.Errorf("seal: key source has no active key (version %d)", v)
	}
	out := *ev
	var err error
	enc := func(field string, p []byte) []byte {
		if err != nil {
			return nil
		}
		tok, e := s.codec.Encrypt(k, p)
		if e != nil {
			err = &FieldError{Field: field, Version: v, Err: e}
		}
		return tok
	}
	out.EnvelopeFrom = string(enc(FieldEnvelopeFrom, []byte(ev.EnvelopeFrom)))
	if ev.EnvelopeTo != nil {
		out.EnvelopeTo = make([]string, len(ev.EnvelopeTo))
		for i, to := range ev.EnvelopeTo {
			out.EnvelopeTo[i] = string(enc(FieldEnvelopeTo, []byte(to)))
		}
	}
	out.ClientIP = string(enc(FieldClientIP, []byte(ev.ClientIP)))
	out.RawMessage = enc(FieldRawMessage, ev.RawMessage)
	if err != nil {
		return nil, err
	}
	out.KeyVersion = v
	out.EncryptedFields = PIIFields()
	return &out, nil
}

// Open returns a copy of ev with its encrypted fields decrypted, KeyVersion
// 0 and no EncryptedFields. ev is not modified.
func (s *Sealer) Open(ev *schemas.EmailEvent) (*schemas.EmailEvent, error) {
	if ev == nil {
		return nil, errors.New("seal: nil event")
	}
	out := *ev
	out.EnvelopeTo = slices.Clone(ev.EnvelopeTo)
	out.EncryptedFields = slices.Clone(ev.EncryptedFields)
	if err := s.OpenInPlace(&out); err != nil {
		return nil, err
	}
	return &out, nil
}

// OpenInPlace decrypts ev's encrypted fields in place. Either every field is
// opened, KeyVersion set to 0 and EncryptedFields emptied, or ev is left
// unchanged and the error says which field failed. An event with no
// encrypted fields is left as it is (its KeyVersion is also cleared).
func (s *Sealer) OpenInPlace(ev *schemas.EmailEvent) error {
	if ev == nil {
		return errors.New("seal: nil event")
	}
	if len(ev.EncryptedFields) == 0 {
		ev.KeyVersion = 0
		return nil
	}
	if ev.KeyVersion < 1 {
		return fmt.Errorf("%w: key version %d with %d encrypted field(s)", ErrMalformed, ev.KeyVersion, len(ev.EncryptedFields))
	}
	v := ev.KeyVersion
	k, err := s.keys.Key(v)
	if err != nil {
		return fmt.Errorf("seal: key version %d: %w", v, err)
	}
	var (
		from, ip string
		to       []string
		raw      []byte
		seen     [4]bool
	)
	for _, f := range ev.EncryptedFields {
		i := slices.Index(PIIFields(), f)
		if i < 0 {
			return fmt.Errorf("%w: unknown field name (%d bytes)", ErrMalformed, len(f))
		}
		if seen[i] {
			return fmt.Errorf("%w: field %s listed twice", ErrMalformed, f)
		}
		seen[i] = true
		fail := func(e error) error { return &FieldError{Field: f, Version: v, Err: e} }
		switch f {
		case FieldEnvelopeFrom:
			p, err := s.codec.DecryptString(k, ev.EnvelopeFrom)
			if err != nil {
				return fail(err)
			}
			from = string(p)
		case FieldEnvelopeTo:
			to = make([]string, len(ev.EnvelopeTo))
			for j, t := range ev.EnvelopeTo {
				p, err := s.codec.DecryptString(k, t)
				if err != nil {
					return fail(err)
				}
				to[j] = string(p)
			}
		case FieldClientIP:
			p, err := s.codec.DecryptString(k, ev.ClientIP)
			if err != nil {
				return fail(err)
			}
			ip = string(p)
		case FieldRawMessage:
			p, err := s.codec.Decrypt(k, ev.RawMessage)
			if err != nil {
				return fail(err)
			}
			raw = p
		}
	}
	if seen[0] {
		ev.EnvelopeFrom = from
	}
	if seen[1] {
		ev.EnvelopeTo = to
	}
	if seen[2] {
		ev.ClientIP = ip
	}
	if seen[3] {
		ev.RawMessage = raw
	}
	ev.KeyVersion = 0
	ev.EncryptedFields = nil
	return nil
}

// SealString seals plaintext with the active key and returns
// "v<version>:<token>".
func (s *Sealer) SealString(plaintext []byte) (string, error) {
	v, k := s.keys.ActiveKey()
	if k == nil {
		return "", fmt.Errorf("seal: key source has no active key (version %d)", v)
	}
	buf := make([]byte, 0, 12+fernet.EncodedLen(len(plaintext)))
	buf = append(strconv.AppendInt(append(buf, 'v'), int64(v), 10), ':')
	tok, err := s.codec.AppendEncrypt(buf, k, plaintext)
	if err != nil {
		return "", fmt.Errorf("seal: key version %d: %w", v, err)
	}
	return string(tok), nil
}

// OpenString opens a value made by SealString with whichever key version it
// records.
func (s *Sealer) OpenString(sealed string) ([]byte, error) {
	v, tok, err := ParseSealed(sealed)
	if err != nil {
		return nil, err
	}
	k, err := s.keys.Key(v)
	if err != nil {
		return nil, fmt.Errorf("seal: key version %d: %w", v, err)
	}
	p, err := s.codec.DecryptString(k, tok)
	if err != nil {
		return nil, fmt.Errorf("seal: key version %d: %w", v, err)
	}
	return p, nil
}

// ParseSealed splits "v<version>:<token>" without decrypting, for tools that
// re-encrypt values whose version is not the active one.
func ParseSealed(sealed string) (version int32, token string, err error) {
	rest, ok := strings.CutPrefix(sealed, "v")
	if !ok {
		return 0, "", ErrNotSealed
	}
	num, token, ok := strings.Cut(rest, ":")
	if !ok || num == "" || len(num) > 10 || num[0] == '0' {
		return 0, "", ErrNotSealed
	}
	n, err := strconv.ParseInt(num, 10, 32)
	if err != nil || n < 1 {
		return 0, "", ErrNotSealed
	}
	return int32(n), token, nil
}
