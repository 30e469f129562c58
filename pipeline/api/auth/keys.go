package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// Algorithms accepted for JWT_ALGORITHM. Exactly one is in force at a time:
// the parser's allow-list holds only that one.
const (
	AlgHS256 = "HS256"
	AlgEdDSA = "EdDSA"
	AlgRS256 = "RS256"
	AlgES256 = "ES256"
)

// Environment variables read by KeySetFromEnv.
const (
	EnvAlgorithm          = "JWT_ALGORITHM"
	EnvSecretKey          = "JWT_SECRET_KEY"
	EnvPreviousSecretKeys = "JWT_PREVIOUS_SECRET_KEYS" // comma-separated, verify only
	EnvPrivateKeyFile     = "JWT_PRIVATE_KEY_FILE"     // PEM, PKCS#8
	EnvPreviousPublicKeys = "JWT_PREVIOUS_PUBLIC_KEY_FILES"
)

// MinHMACKeySize is the shortest HMAC secret accepted, in bytes (256 bits).
const MinHMACKeySize = 32

// minRSABits is the smallest RSA modulus accepted.
const minRSABits = 2048

// Key errors.
var (
	ErrNoSigningKey = errors.New("auth: no JWT signing key configured")
	ErrWeakKey      = errors.New("auth: JWT key too weak")
	ErrKeyType      = errors.New("auth: JWT key type does not match the algorithm")
)

// KeySet is one signing key and every key tokens may still be verified
// with, by kid. Rotation: make the new key the signing key and keep the old
// one as a verification key until the longest token it signed expired;
// nobody is logged out. A KeySet is immutable.
type KeySet struct {
	method  jwt.SigningMethod
	signKID string
	signKey any
	verify  map[string]any // kid -> []byte, ed25519.PublicKey, *rsa.PublicKey, *ecdsa.PublicKey
}

// NewHMACKeySet makes an HS256 key set signing with active and also
// verifying with previous.
func NewHMACKeySet(active []byte, previous ...[]byte) (*KeySet, error) {
	if len(active) == 0 {
		return nil, ErrNoSigningKey
	}
	ks := &KeySet{method: jwt.SigningMethodHS256, verify: map[string]any{}}
	for i, k := range append([][]byte{active}, previous...) {
		if len(k) < MinHMACKeySize {
			return nil, fmt.Errorf("%w: HMAC key %d is %d bits, want at least %d", ErrWeakKey, i, len(k)*8, MinHMACKeySize*8)
		}
		c := append([]byte(nil), k...)
		kid := keyID(AlgHS256, c)
		ks.verify[kid] = c
		if i == 0 {
			ks.signKID, ks.signKey = kid, c
		}
	}
	return ks, nil
}

// NewAsymmetricKeySet makes a key set for alg (EdDSA, RS256 or ES256)
// signing with priv and also verifying with previous public keys.
func NewAsymmetricKeySet(alg string, priv crypto.Signer, previous ...crypto.PublicKey) (*KeySet, error) {
	if priv == nil {
		return nil, ErrNoSigningKey
	}
	var m jwt.SigningMethod
	switch alg {
	case AlgEdDSA:
		m = jwt.SigningMethodEdDSA
	case AlgRS256:
		m = jwt.SigningMethodRS256
	case AlgES256:
		m = jwt.SigningMethodES256
	default:
		return nil, fmt.Errorf("auth: algorithm %q is not one of %s, %s, %s", alg, AlgEdDSA, AlgRS256, AlgES256)
	}
	ks := &KeySet{method: m, signKey: priv, verify: map[string]any{}}
	for i, pub := range append([]crypto.PublicKey{priv.Public()}, previous...) {
		der, err := checkPublic(alg, pub)
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i, err)
		}
		kid := keyID(alg, der)
		ks.verify[kid] = pub
		if i == 0 {
			ks.signKID = kid
		}
	}
	return ks, nil
}

func checkPublic(alg string, pub crypto.PublicKey) ([]byte, error) {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if alg != AlgEdDSA {
			return nil, ErrKeyType
		}
	case *rsa.PublicKey:
		if alg != AlgRS256 {
			return nil, ErrKeyType
		}
		if k.N.BitLen() < minRSABits {
			return nil, fmt.Errorf("%w: RSA key is %d bits, want at least %d", ErrWeakKey, k.N.BitLen(), minRSABits)
		}
	case *ecdsa.PublicKey:
		if alg != AlgES256 || k.Curve != elliptic.P256() {
			return nil, ErrKeyType
		}
	default:
		return nil, ErrKeyType
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("auth: marshal public key: %w", err)
	}
	return der, nil
}

// keyID names a key without revealing it: a truncated SHA-256 of the
// algorithm and the key (the public key, or the secret for HMAC; 128 bits
// of a hash of a 256-bit secret reveal nothing usable).
func keyID(alg string, material []byte) string {
	h := sha256.New()
	h.Write([]byte("phishx/jwt-kid/" + alg + "\x00"))
	h.Write(material)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:12])
}

// Algorithm returns the algorithm in force.
func (ks *KeySet) Algorithm() string { return ks.method.Alg() }

// SigningKID returns the kid of the signing key.
func (ks *KeySet) SigningKID() string { return ks.signKID }

// KIDs returns every verification kid.
func (ks *KeySet) KIDs() []string { return sortedKeys(ks.verify) }

// WithoutKID returns a copy that no longer verifies kid (a key rotated
// out). The signing key cannot be removed.
func (ks *KeySet) WithoutKID(kid string) (*KeySet, error) {
	if kid == ks.signKID {
		return nil, errors.New("auth: cannot remove the signing key")
	}
	out := *ks
	out.verify = maps.Clone(ks.verify)
	delete(out.verify, kid)
	return &out, nil
}

func (ks *KeySet) verifyKey(kid string) (any, bool) {
	k, ok := ks.verify[kid]
	return k, ok
}

// KeySetFromEnv builds the key set from JWT_ALGORITHM (default HS256) and
// JWT_SECRET_KEY / JWT_PREVIOUS_SECRET_KEYS, or JWT_PRIVATE_KEY_FILE /
// JWT_PREVIOUS_PUBLIC_KEY_FILES for the asymmetric algorithms.
func KeySetFromEnv(lookup func(string) (string, bool), readFile func(string) ([]byte, error)) (*KeySet, error) {
	alg, _ := lookup(EnvAlgorithm)
	if alg == "" {
		alg = AlgHS256
	}
	if alg == AlgHS256 {
		secret, _ := lookup(EnvSecretKey)
		if secret == "" {
			return nil, fmt.Errorf("%w: set %s", ErrNoSigningKey, EnvSecretKey)
		}
		var prev [][]byte
		if v, _ := lookup(EnvPreviousSecretKeys); v != "" {
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p != "" {
					prev = append(prev, []byte(p))
				}
			}
		}
		return NewHMACKeySet([]byte(secret), prev...)
	}
	path, _ := lookup(EnvPrivateKeyFile)
	if path == "" {
		return nil, fmt.Errorf("%w: set %s for %s", ErrNoSigningKey, EnvPrivateKeyFile, alg)
	}
	raw, err := readFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth: read %s: %w", EnvPrivateKeyFile, err)
	}
	priv, err := ParsePrivateKeyPEM(raw)
	if err != nil {
		return nil, err
	}
	var prev []crypto.PublicKey
	if v, _ := lookup(EnvPreviousPublicKeys); v != "" {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			raw, err := readFile(p)
			if err != nil {
				return nil, fmt.Errorf("auth: read %s: %w", EnvPreviousPublicKeys, err)
			}
			pub, err := ParsePublicKeyPEM(raw)
			if err != nil {
				return nil, err
			}
			prev = append(prev, pub)
		}
	}
	return NewAsymmetricKeySet(alg, priv, prev...)
}

// ParsePrivateKeyPEM reads a PKCS#8 "PRIVATE KEY" block.
func ParsePrivateKeyPEM(raw []byte) (crypto.Signer, error) {
	b, _ := pem.Decode(raw)
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, errors.New("auth: private key: want a PEM PKCS#8 \"PRIVATE KEY\" block")
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("auth: private key: %w", err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, ErrKeyType
	}
	return s, nil
}

// ParsePublicKeyPEM reads a PKIX "PUBLIC KEY" block.
func ParsePublicKeyPEM(raw []byte) (crypto.PublicKey, error) {
	b, _ := pem.Decode(raw)
	if b == nil || b.Type != "PUBLIC KEY" {
		return nil, errors.New("auth: public key: want a PEM \"PUBLIC KEY\" block")
	}
	k, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("auth: public key: %w", err)
	}
	return k, nil
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range maps.Keys(m) {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
