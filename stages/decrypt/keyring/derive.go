package keyring

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/phishx/phishx/stages/decrypt/fernet"
)

// EnvMasterKey is the environment variable holding the master key.
const EnvMasterKey = "ENCRYPTION_MASTER_KEY"

// MinMasterKeySize is the shortest master key accepted, in bytes.
const MinMasterKeySize = 32

// ErrNoMasterKey reports that the master key is not set.
var ErrNoMasterKey = errors.New("keyring: master key not set")

// DeriveConfig says how versions are derived from a master key.
type DeriveConfig struct {
	// RingID is part of every salt: "phishx/keyring/<RingID>/v<N>".
	RingID string
	// Iterations of PBKDF2-HMAC-SHA256. OWASP's 2023 guidance is 600,000.
	Iterations int
}

// DefaultDeriveConfig returns ring id "phishx" and 600,000 iterations.
func DefaultDeriveConfig() DeriveConfig {
	return DeriveConfig{RingID: DefaultRingID, Iterations: 600_000}
}

// Validate names the first bad field. Iterations below MinIterations are
// refused; tests use a low count to stay fast, production uses the default.
func (c DeriveConfig) Validate() error {
	switch {
	case c.RingID == "":
		return errors.New("keyring: derive config: RingID must be set")
	case strings.ContainsAny(c.RingID, "/\x00"):
		return errors.New("keyring: derive config: RingID must not contain '/' or NUL")
	case c.Iterations < MinIterations:
		return fmt.Errorf("keyring: derive config: Iterations must be >= %d", MinIterations)
	}
	return nil
}

// MinIterations is the lowest PBKDF2 iteration count DeriveConfig accepts.
// It is low so that tests can derive quickly; the key file cannot set the
// count, so production rings use DefaultDeriveConfig's 600,000.
const MinIterations = 1_000

// Salt returns the PBKDF2 salt of one version.
func Salt(ringID string, version int32) []byte {
	return []byte("phishx/keyring/" + ringID + "/v" + strconv.FormatInt(int64(version), 10))
}

// DeriveKey derives the Fernet key of one version from master.
func DeriveKey(cfg DeriveConfig, master []byte, version int32) (*fernet.Key, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(master) < MinMasterKeySize {
		return nil, fmt.Errorf("keyring: master key is %d bytes, want at least %d", len(master), MinMasterKeySize)
	}
	if version < 1 {
		return nil, fmt.Errorf("keyring: version %d: versions start at 1", version)
	}
	raw, err := pbkdf2.Key(sha256.New, string(master), Salt(cfg.RingID, version), cfg.Iterations, fernet.KeySize)
	if err != nil {
		return nil, fmt.Errorf("keyring: derive version %d: %w", version, err)
	}
	k, err := fernet.NewKey(raw)
	clear(raw)
	if err != nil {
		return nil, fmt.Errorf("keyring: derive version %d: %w", version, err)
	}
	return k, nil
}

// FromMasterKey derives a ring with the default DeriveConfig. The highest
// version is active.
func FromMasterKey(master []byte, versions ...int32) (*Ring, error) {
	return DeriveRing(DefaultDeriveConfig(), master, versions...)
}

// DeriveRing derives every version from master; the highest is active.
func DeriveRing(cfg DeriveConfig, master []byte, versions ...int32) (*Ring, error) {
	if len(versions) == 0 {
		return nil, errors.New("keyring: no versions to derive")
	}
	keys := make(map[int32]*fernet.Key, len(versions))
	active := versions[0]
	for _, v := range versions {
		if _, dup := keys[v]; dup {
			return nil, fmt.Errorf("keyring: version %d listed twice", v)
		}
		k, err := DeriveKey(cfg, master, v)
		if err != nil {
			return nil, err
		}
		keys[v] = k
		active = max(active, v)
	}
	return New(cfg.RingID, active, keys)
}

// MasterKeyFromEnv reads ENCRYPTION_MASTER_KEY through lookup (os.LookupEnv
// in production) and decodes it: base64, URL-safe or standard, padded or
// not, of at least MinMasterKeySize bytes.
func MasterKeyFromEnv(lookup func(string) (string, bool)) ([]byte, error) {
	s, ok := lookup(EnvMasterKey)
	if !ok || strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("%w: %s is empty", ErrNoMasterKey, EnvMasterKey)
	}
	m, err := DecodeMasterKey(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvMasterKey, err)
	}
	return m, nil
}

// DecodeMasterKey decodes a base64 master key of at least MinMasterKeySize
// bytes. The error never quotes the input.
func DecodeMasterKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.URLEncoding, base64.RawURLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
		m, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(m) < MinMasterKeySize {
			clear(m)
			return nil, fmt.Errorf("keyring: master key is %d bytes, want at least %d", len(m), MinMasterKeySize)
		}
		return m, nil
	}
	return nil, errors.New("keyring: master key is not base64")
}
