package fernet

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
)

// KeySize is the length of a Fernet key: 16 bytes of HMAC signing key
// followed by 16 bytes of AES-128 encryption key.
const KeySize = 32

const redacted = "[redacted]"

// Key is one Fernet key. The zero Key is not usable; make one with NewKey,
// DecodeKey or GenerateKey.
type Key struct {
	sign  [16]byte
	enc   [16]byte     // kept only so that Encode can write the key out
	block cipher.Block // AES-128 with enc; immutable, shared by goroutines
}

var (
	_ fmt.Stringer   = (*Key)(nil)
	_ fmt.GoStringer = (*Key)(nil)
	_ fmt.Formatter  = (*Key)(nil)
)

// NewKey makes a key from 32 raw bytes. The bytes are copied.
func NewKey(raw []byte) (*Key, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("fernet: key is %d bytes, want %d: %w", len(raw), KeySize, ErrInvalidKey)
	}
	k := &Key{}
	copy(k.sign[:], raw[:16])
	copy(k.enc[:], raw[16:])
	block, err := aes.NewCipher(raw[16:])
	if err != nil {
		return nil, fmt.Errorf("fernet: encryption key: %w", ErrInvalidKey)
	}
	k.block = block
	return k, nil
}

// DecodeKey decodes a key written as base64 of 32 bytes. URL-safe and
// standard alphabets are accepted, with or without padding.
func DecodeKey(s string) (*Key, error) {
	for _, enc := range []*base64.Encoding{base64.URLEncoding, base64.RawURLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
		raw, err := enc.DecodeString(s)
		if err == nil && len(raw) == KeySize {
			k, err := NewKey(raw)
			clear(raw)
			return k, err
		}
		clear(raw)
	}
	return nil, fmt.Errorf("fernet: key is not base64 of %d bytes: %w", KeySize, ErrInvalidKey)
}

// GenerateKey makes a random key from r (crypto/rand.Reader when nil).
func GenerateKey(r io.Reader) (*Key, error) {
	if r == nil {
		r = rand.Reader
	}
	var raw [KeySize]byte
	if _, err := io.ReadFull(r, raw[:]); err != nil {
		return nil, fmt.Errorf("fernet: generate key: %w", err)
	}
	k, err := NewKey(raw[:])
	clear(raw[:])
	return k, err
}

// Encode returns the key as URL-safe base64 with padding, the form the
// Fernet spec and other libraries use. It is the only method that reveals
// key material: call it only to write a key file.
func (k *Key) Encode() string {
	raw := k.raw()
	s := base64.URLEncoding.EncodeToString(raw[:])
	clear(raw[:])
	return s
}

func (k *Key) raw() [KeySize]byte {
	var out [KeySize]byte
	copy(out[:16], k.sign[:])
	copy(out[16:], k.enc[:])
	return out
}

// Equal reports whether k and o hold the same key bytes, in constant time.
func (k *Key) Equal(o *Key) bool {
	if k == nil || o == nil {
		return k == o
	}
	a, b := k.raw(), o.raw()
	eq := subtle.ConstantTimeCompare(a[:], b[:]) == 1
	clear(a[:])
	clear(b[:])
	return eq
}

// String returns "[redacted]".
func (k *Key) String() string { return redacted }

// GoString returns "[redacted]", so %#v does not print key bytes.
func (k *Key) GoString() string { return redacted }

// Format prints "[redacted]" for every verb, so no fmt verb prints key bytes.
func (k *Key) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }
