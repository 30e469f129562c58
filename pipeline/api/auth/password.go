package auth

import (
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// DefaultBcryptCost is the work factor for new hashes.
const DefaultBcryptCost = 12

// Password length bounds, in bytes. bcrypt reads at most 72 bytes; longer
// passwords are refused rather than silently truncated.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 72
)

// Password errors.
var (
	ErrBadPassword    = errors.New("auth: password does not match")
	ErrPasswordPolicy = errors.New("auth: password does not meet the policy")
)

// Hasher hashes and checks passwords with bcrypt.
type Hasher struct {
	cost  int
	dummy []byte
}

// NewHasher returns a Hasher at cost (DefaultBcryptCost in production;
// tests may use bcrypt.MinCost). It hashes a dummy password once so that
// checking an unknown user costs the same as a wrong password.
func NewHasher(cost int) (*Hasher, error) {
	if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		return nil, fmt.Errorf("auth: bcrypt cost %d out of range", cost)
	}
	d, err := bcrypt.GenerateFromPassword([]byte("phishx-dummy-password-for-timing"), cost)
	if err != nil {
		return nil, fmt.Errorf("auth: dummy hash: %w", err)
	}
	return &Hasher{cost: cost, dummy: d}, nil
}

// CheckPolicy refuses passwords outside the length bounds.
func CheckPolicy(password string) error {
	if len(password) < MinPasswordLen || len(password) > MaxPasswordLen {
		return fmt.Errorf("%w: length must be %d to %d bytes", ErrPasswordPolicy, MinPasswordLen, MaxPasswordLen)
	}
	return nil
}

// Hash returns the bcrypt hash of password after checking the policy.
func (h *Hasher) Hash(password string) (string, error) {
	if err := CheckPolicy(password); err != nil {
		return "", err
	}
	b, err := bcrypt.GenerateFromPassword([]byte(password), h.cost)
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return string(b), nil
}

// Compare checks password against hash. An empty hash (unknown user) is
// compared against the dummy hash and always fails, taking the same time.
func (h *Hasher) Compare(hash, password string) error {
	if len(password) > MaxPasswordLen {
		// Still spend the work so length does not become an oracle.
		password = password[:MaxPasswordLen]
		hash = ""
	}
	target := []byte(hash)
	if hash == "" {
		target = h.dummy
	}
	err := bcrypt.CompareHashAndPassword(target, []byte(password))
	if hash == "" || err != nil {
		return ErrBadPassword
	}
	return nil
}
