package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TokenType tells access tokens from refresh tokens; a token of one type is
// never accepted as the other.
type TokenType string

// Token types.
const (
	TypeAccess  TokenType = "access"
	TypeRefresh TokenType = "refresh"
)

// TokenConfig configures Tokens.
type TokenConfig struct {
	Issuer     string        `yaml:"issuer"`
	Audience   string        `yaml:"audience"`
	AccessTTL  time.Duration `yaml:"access_ttl"`
	RefreshTTL time.Duration `yaml:"refresh_ttl"`
	// Leeway absorbs clock skew between instances on exp, nbf and iat.
	Leeway time.Duration `yaml:"leeway"`
	// MaxTokenLen is checked before any decoding.
	MaxTokenLen int `yaml:"max_token_len"`
}

// DefaultTokenConfig returns 15-minute access and 30-day refresh tokens.
func DefaultTokenConfig() TokenConfig {
	return TokenConfig{
		Issuer:      "phishx",
		Audience:    "phishx-api",
		AccessTTL:   15 * time.Minute,
		RefreshTTL:  30 * 24 * time.Hour,
		Leeway:      30 * time.Second,
		MaxTokenLen: 4096,
	}
}

// Validate names the first bad field.
func (c TokenConfig) Validate() error {
	switch {
	case c.Issuer == "":
		return errors.New("auth: tokens.issuer must be set")
	case c.Audience == "":
		return errors.New("auth: tokens.audience must be set")
	case c.AccessTTL <= 0 || c.AccessTTL > 24*time.Hour:
		return errors.New("auth: tokens.access_ttl must be in (0, 24h]")
	case c.RefreshTTL < c.AccessTTL:
		return errors.New("auth: tokens.refresh_ttl must be at least tokens.access_ttl")
	case c.Leeway < 0 || c.Leeway > 5*time.Minute:
		return errors.New("auth: tokens.leeway must be in [0, 5m]")
	case c.MaxTokenLen < 256 || c.MaxTokenLen > 64<<10:
		return errors.New("auth: tokens.max_token_len must be in [256, 65536]")
	}
	return nil
}

// Claims are PhishX's JWT claims. Subject is the user id.
type Claims struct {
	jwt.RegisteredClaims
	Type   TokenType `json:"tt"`
	Role   Role      `json:"role,omitempty"`
	Scopes []Scope   `json:"scp,omitempty"`
	// Family is the refresh-token family the token descends from; access
	// tokens carry it too so revoking a family ends its access tokens.
	Family string `json:"fam"`
}

// Token errors. A *TokenError wraps one of them.
var (
	ErrTokenMissing   = errors.New("auth: token missing")
	ErrTokenTooLarge  = errors.New("auth: token too large")
	ErrTokenMalformed = errors.New("auth: token malformed")
	ErrTokenInvalid   = errors.New("auth: token invalid")
	ErrTokenExpired   = errors.New("auth: token expired")
	ErrTokenWrongType = errors.New("auth: wrong token type")
)

// TokenError says why a token was refused, in a short reason fit for an
// audit record ("expired", "bad_signature", "unknown_kid", ...). It never
// holds the token.
type TokenError struct {
	Reason string
	Err    error
}

func (e *TokenError) Error() string { return fmt.Sprintf("%v (%s)", e.Err, e.Reason) }

// Unwrap returns the sentinel.
func (e *TokenError) Unwrap() error { return e.Err }

func tokErr(reason string, err error) *TokenError { return &TokenError{Reason: reason, Err: err} }

// Tokens issues and verifies tokens.
type Tokens struct {
	cfg    TokenConfig
	keys   *KeySet
	now    func() time.Time
	parser *jwt.Parser
}

// TokenOption configures Tokens.
type TokenOption func(*Tokens)

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) TokenOption { return func(t *Tokens) { t.now = now } }

// NewTokens returns Tokens for cfg and keys.
func NewTokens(cfg TokenConfig, keys *KeySet, opts ...TokenOption) (*Tokens, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if keys == nil {
		return nil, ErrNoSigningKey
	}
	t := &Tokens{cfg: cfg, keys: keys, now: time.Now}
	for _, o := range opts {
		o(t)
	}
	t.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{keys.method.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(func() time.Time { return t.now() }),
		jwt.WithStrictDecoding(),
	)
	return t, nil
}

// Config returns the configuration.
func (t *Tokens) Config() TokenConfig { return t.cfg }

// NewID returns a random 128-bit identifier for jti and family ids.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// IssueAccess signs an access token for user sub in family fam.
func (t *Tokens) IssueAccess(sub string, role Role, scopes []Scope, fam string) (string, *Claims, error) {
	return t.issue(&Claims{Type: TypeAccess, Role: role, Scopes: scopes, Family: fam}, sub, t.cfg.AccessTTL)
}

// IssueRefresh signs a refresh token for user sub in family fam.
func (t *Tokens) IssueRefresh(sub, fam string) (string, *Claims, error) {
	return t.issue(&Claims{Type: TypeRefresh, Family: fam}, sub, t.cfg.RefreshTTL)
}

func (t *Tokens) issue(c *Claims, sub string, ttl time.Duration) (string, *Claims, error) {
	if sub == "" || c.Family == "" {
		return "", nil, errors.New("auth: subject and family must be set")
	}
	now := t.now().Truncate(time.Second)
	c.RegisteredClaims = jwt.RegisteredClaims{
		Issuer:    t.cfg.Issuer,
		Subject:   sub,
		Audience:  jwt.ClaimStrings{t.cfg.Audience},
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		NotBefore: jwt.NewNumericDate(now),
		IssuedAt:  jwt.NewNumericDate(now),
		ID:        NewID(),
	}
	tok := jwt.NewWithClaims(t.keys.method, c)
	tok.Header["kid"] = t.keys.signKID
	s, err := tok.SignedString(t.keys.signKey)
	if err != nil {
		return "", nil, fmt.Errorf("auth: sign %s token: %w", c.Type, err)
	}
	return s, c, nil
}

// Parse verifies s and returns its claims if it is a valid token of type
// want. The length is checked first; the algorithm must be the configured
// one, the kid must name a verification key of that algorithm, and exp,
// iss, aud, sub and jti must be present.
func (t *Tokens) Parse(s string, want TokenType) (*Claims, error) {
	if s == "" {
		return nil, tokErr("missing", ErrTokenMissing)
	}
	if len(s) > t.cfg.MaxTokenLen {
		return nil, tokErr("too_large", ErrTokenTooLarge)
	}
	c := &Claims{}
	_, err := t.parser.ParseWithClaims(s, c, t.keyFunc)
	if err != nil {
		return nil, classify(err)
	}
	switch {
	case c.Type != want:
		return nil, tokErr("wrong_type", ErrTokenWrongType)
	case c.ID == "" || c.Subject == "" || c.Family == "":
		return nil, tokErr("missing_claim", ErrTokenInvalid)
	}
	return c, nil
}

func (t *Tokens) keyFunc(tok *jwt.Token) (any, error) {
	// WithValidMethods already refused other algorithms; checking again
	// keeps the key lookup safe if the parser options ever change.
	if tok.Method.Alg() != t.keys.method.Alg() {
		return nil, errBadAlg
	}
	kid, _ := tok.Header["kid"].(string)
	if kid == "" {
		return nil, errNoKID
	}
	k, ok := t.keys.verifyKey(kid)
	if !ok {
		return nil, errUnknownKID
	}
	return k, nil
}

var (
	errBadAlg     = errors.New("algorithm not allowed")
	errNoKID      = errors.New("kid missing")
	errUnknownKID = errors.New("unknown kid")
)

func classify(err error) *TokenError {
	switch {
	case errors.Is(err, errUnknownKID):
		return tokErr("unknown_kid", ErrTokenInvalid)
	case errors.Is(err, errNoKID):
		return tokErr("missing_kid", ErrTokenInvalid)
	case errors.Is(err, errBadAlg), isAlgErr(err):
		return tokErr("bad_algorithm", ErrTokenInvalid)
	case errors.Is(err, jwt.ErrTokenMalformed):
		return tokErr("malformed", ErrTokenMalformed)
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return tokErr("unverifiable", ErrTokenInvalid)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return tokErr("bad_signature", ErrTokenInvalid)
	case errors.Is(err, jwt.ErrTokenExpired):
		return tokErr("expired", ErrTokenExpired)
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return tokErr("missing_claim", ErrTokenInvalid)
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return tokErr("bad_audience", ErrTokenInvalid)
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return tokErr("bad_issuer", ErrTokenInvalid)
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return tokErr("not_yet_valid", ErrTokenInvalid)
	}
	return tokErr("invalid", ErrTokenInvalid)
}

// isAlgErr spots golang-jwt's "signing method X is invalid" refusal, which
// it reports as ErrTokenSignatureInvalid.
func isAlgErr(err error) bool { return strings.Contains(err.Error(), "signing method") }
