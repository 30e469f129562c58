package keyring

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/phishx/phishx/stages/decrypt/fernet"
	"go.yaml.in/yaml/v3"
)

// File is the key file: YAML, or JSON (a subset of YAML).
//
//	ring_id: phishx       # optional; DefaultRingID when empty
//	active: 2
//	keys:
//	  - version: 1
//	    derive: true      # derived from ENCRYPTION_MASTER_KEY
//	  - version: 2
//	    key: <base64url of 32 bytes>
type File struct {
	RingID string      `yaml:"ring_id" json:"ring_id,omitempty"`
	Active int32       `yaml:"active" json:"active"`
	Keys   []FileEntry `yaml:"keys" json:"keys"`
}

// FileEntry is one version in a key file: either Key or Derive.
type FileEntry struct {
	Version int32  `yaml:"version" json:"version"`
	Key     string `yaml:"key,omitempty" json:"key,omitempty"`
	Derive  bool   `yaml:"derive,omitempty" json:"derive,omitempty"`
}

// String describes the file without key material.
func (e FileEntry) String() string {
	src := "explicit key"
	if e.Derive {
		src = "derived"
	}
	return fmt.Sprintf("version %d (%s)", e.Version, src)
}

// GoString is String.
func (e FileEntry) GoString() string { return e.String() }

// Format prints String for every verb.
func (e FileEntry) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, e.String()) }

// LoadConfig configures a Loader.
type LoadConfig struct {
	// Derive is used for entries with derive: true. A ring_id in the file
	// replaces Derive.RingID.
	Derive DeriveConfig
	// LookupEnv reads ENCRYPTION_MASTER_KEY (os.LookupEnv in production).
	LookupEnv func(string) (string, bool)
	// MaxFileSize caps the key file.
	MaxFileSize int64
}

// DefaultLoadConfig returns the default derivation, os.LookupEnv and a
// 1 MiB file limit.
func DefaultLoadConfig() LoadConfig {
	return LoadConfig{
		Derive:      DefaultDeriveConfig(),
		LookupEnv:   os.LookupEnv,
		MaxFileSize: 1 << 20,
	}
}

// Validate names the first bad field.
func (c LoadConfig) Validate() error {
	if err := c.Derive.Validate(); err != nil {
		return err
	}
	switch {
	case c.LookupEnv == nil:
		return errors.New("keyring: load config: LookupEnv must be set")
	case c.MaxFileSize <= 0:
		return errors.New("keyring: load config: MaxFileSize must be > 0")
	}
	return nil
}

// Loader reads key files and remembers derived keys, so a reload re-derives
// only versions it has not seen (derivation takes a fraction of a second per
// version). It is safe for concurrent use.
type Loader struct {
	cfg   LoadConfig
	mu    sync.Mutex
	cache map[[sha256.Size]byte]*fernet.Key // keyed by a hash of master, ring id, version, iterations
}

// NewLoader validates cfg and returns a Loader.
func NewLoader(cfg LoadConfig) (*Loader, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Loader{cfg: cfg, cache: make(map[[sha256.Size]byte]*fernet.Key)}, nil
}

// LoadFile reads and parses the key file at path.
func LoadFile(path string) (*Ring, error) {
	l, err := NewLoader(DefaultLoadConfig())
	if err != nil {
		return nil, err
	}
	return l.LoadFile(path)
}

// LoadFile reads and parses the key file at path.
func (l *Loader) LoadFile(path string) (*Ring, error) {
	data, err := readLimited(path, l.cfg.MaxFileSize)
	if err != nil {
		return nil, err
	}
	r, err := l.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("keyring: key file %s: %w", path, err)
	}
	return r, nil
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("keyring: open key file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("keyring: read key file %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("keyring: key file %s exceeds %d bytes", path, limit)
	}
	return data, nil
}

// Parse builds a ring from key file contents. Errors name versions and
// fields, never key bytes; YAML errors are summarised rather than quoted
// because the YAML library quotes the offending value.
func (l *Loader) Parse(data []byte) (*Ring, error) {
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("not a key ring: %d field(s) of the wrong type or unknown", len(te.Errors))
		}
		return nil, errors.New("not valid YAML or JSON")
	}
	return l.build(f)
}

func (l *Loader) build(f File) (*Ring, error) {
	dcfg := l.cfg.Derive
	if f.RingID != "" {
		dcfg.RingID = f.RingID
	}
	if err := dcfg.Validate(); err != nil {
		return nil, err
	}
	if len(f.Keys) == 0 {
		return nil, errors.New("no keys")
	}
	var master []byte
	defer func() { clear(master) }()
	keys := make(map[int32]*fernet.Key, len(f.Keys))
	for _, e := range f.Keys {
		if _, dup := keys[e.Version]; dup {
			return nil, fmt.Errorf("version %d listed twice", e.Version)
		}
		if e.Version < 1 {
			return nil, fmt.Errorf("version %d: versions start at 1", e.Version)
		}
		switch {
		case e.Derive && e.Key != "":
			return nil, fmt.Errorf("version %d: set key or derive, not both", e.Version)
		case e.Derive:
			if master == nil {
				m, err := MasterKeyFromEnv(l.cfg.LookupEnv)
				if err != nil {
					return nil, fmt.Errorf("version %d: %w", e.Version, err)
				}
				master = m
			}
			k, err := l.derive(dcfg, master, e.Version)
			if err != nil {
				return nil, err
			}
			keys[e.Version] = k
		case e.Key != "":
			k, err := fernet.DecodeKey(e.Key)
			if err != nil {
				return nil, fmt.Errorf("version %d: %w", e.Version, err)
			}
			keys[e.Version] = k
		default:
			return nil, fmt.Errorf("version %d: neither key nor derive is set", e.Version)
		}
	}
	if f.Active == 0 {
		return nil, errors.New("active version not set")
	}
	return New(dcfg.RingID, f.Active, keys)
}

func (l *Loader) derive(cfg DeriveConfig, master []byte, v int32) (*fernet.Key, error) {
	h := sha256.New()
	h.Write(master)
	h.Write([]byte{0})
	h.Write([]byte(cfg.RingID))
	h.Write([]byte{0})
	var nums [12]byte
	binary.BigEndian.PutUint32(nums[:4], uint32(v))
	binary.BigEndian.PutUint64(nums[4:], uint64(cfg.Iterations))
	h.Write(nums[:])
	var id [sha256.Size]byte
	h.Sum(id[:0])

	l.mu.Lock()
	k, ok := l.cache[id]
	l.mu.Unlock()
	if ok {
		return k, nil
	}
	k, err := DeriveKey(cfg, master, v)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.cache[id] = k
	l.mu.Unlock()
	return k, nil
}
