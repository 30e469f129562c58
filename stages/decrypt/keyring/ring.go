package keyring

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/phishx/phishx/stages/decrypt/fernet"
)

// ErrUnknownKeyVersion reports a key version the ring does not hold.
var ErrUnknownKeyVersion = errors.New("keyring: unknown key version")

// UnknownVersionError names the version that was asked for. It matches
// ErrUnknownKeyVersion with errors.Is.
type UnknownVersionError struct {
	Version int32
}

func (e *UnknownVersionError) Error() string {
	return fmt.Sprintf("keyring: unknown key version %d", e.Version)
}

// Unwrap returns ErrUnknownKeyVersion.
func (e *UnknownVersionError) Unwrap() error { return ErrUnknownKeyVersion }

// DefaultRingID names the ring when none is configured. It is part of every
// derived key's salt: two rings with different ids derive different keys
// from the same master key.
const DefaultRingID = "phishx"

// Ring is an immutable set of versioned keys with one active version.
type Ring struct {
	id       string
	active   int32
	versions []int32 // ascending
	keys     map[int32]*fernet.Key
}

// Source is anything that can hand out the current ring: a *Ring (always
// itself), a *Holder or a *Watcher.
type Source interface {
	Ring() *Ring
}

var (
	_ Source       = (*Ring)(nil)
	_ Source       = (*Holder)(nil)
	_ fmt.Stringer = (*Ring)(nil)
)

// New makes a ring from explicit keys. active must be one of the versions,
// and every version must be >= 1.
func New(id string, active int32, keys map[int32]*fernet.Key) (*Ring, error) {
	if id == "" {
		return nil, errors.New("keyring: empty ring id")
	}
	if len(keys) == 0 {
		return nil, errors.New("keyring: no keys")
	}
	r := &Ring{id: id, active: active, keys: make(map[int32]*fernet.Key, len(keys))}
	for v, k := range keys {
		if v < 1 {
			return nil, fmt.Errorf("keyring: version %d: versions start at 1", v)
		}
		if k == nil {
			return nil, fmt.Errorf("keyring: version %d: nil key", v)
		}
		r.keys[v] = k
		r.versions = append(r.versions, v)
	}
	slices.Sort(r.versions)
	if _, ok := r.keys[active]; !ok {
		return nil, fmt.Errorf("keyring: active version %d is not in the ring", active)
	}
	return r, nil
}

// ID returns the ring id.
func (r *Ring) ID() string { return r.id }

// Ring returns r, so a fixed *Ring is a Source.
func (r *Ring) Ring() *Ring { return r }

// Active returns the version new values are sealed with.
func (r *Ring) Active() int32 { return r.active }

// Versions returns the versions in the ring, ascending.
func (r *Ring) Versions() []int32 { return slices.Clone(r.versions) }

// ActiveKey returns the active version and its key.
func (r *Ring) ActiveKey() (int32, *fernet.Key) { return r.active, r.keys[r.active] }

// Key returns the key of version v, or an *UnknownVersionError.
func (r *Ring) Key(v int32) (*fernet.Key, error) {
	k, ok := r.keys[v]
	if !ok {
		return nil, &UnknownVersionError{Version: v}
	}
	return k, nil
}

// String describes the ring without key material, e.g.
// "keyring(id=phishx, versions=[1 2], active=2)".
func (r *Ring) String() string {
	if r == nil {
		return "keyring(nil)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "keyring(id=%s, versions=%v, active=%d)", r.id, r.versions, r.active)
	return b.String()
}

// GoString is String, so %#v does not print the key map.
func (r *Ring) GoString() string { return r.String() }

// Format prints String for every verb.
func (r *Ring) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(r.String())) }

// Holder keeps the current ring for readers on many goroutines while a
// writer swaps it. The zero Holder is not usable; use NewHolder.
type Holder struct {
	p atomic.Pointer[Ring]
}

// NewHolder returns a Holder with r as the current ring.
func NewHolder(r *Ring) (*Holder, error) {
	if r == nil {
		return nil, errors.New("keyring: nil ring")
	}
	h := &Holder{}
	h.p.Store(r)
	return h, nil
}

// Ring returns the current ring.
func (h *Holder) Ring() *Ring { return h.p.Load() }

// Store makes r the current ring. A nil r is ignored.
func (h *Holder) Store(r *Ring) {
	if r != nil {
		h.p.Store(r)
	}
}

// ActiveKey returns the current ring's active version and key.
func (h *Holder) ActiveKey() (int32, *fernet.Key) { return h.Ring().ActiveKey() }

// Key returns version v of the current ring.
func (h *Holder) Key(v int32) (*fernet.Key, error) { return h.Ring().Key(v) }
