package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef-test")

func newTestTokens(t testing.TB, ks *KeySet, now func() time.Time) *Tokens {
	t.Helper()
	if ks == nil {
		var err error
		ks, err = NewHMACKeySet(testSecret)
		if err != nil {
			t.Fatal(err)
		}
	}
	opts := []TokenOption{}
	if now != nil {
		opts = append(opts, WithClock(now))
	}
	tk, err := NewTokens(DefaultTokenConfig(), ks, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestIssueParseRoundTrip(t *testing.T) {
	tk := newTestTokens(t, nil, nil)
	s, c, err := tk.IssueAccess("u1", RoleAnalyst, []Scope{ScopeVerdictsRead}, "fam1")
	if err != nil {
		t.Fatal(err)
	}
	got, err := tk.Parse(s, TypeAccess)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got.ID != c.ID || got.Subject != "u1" || got.Role != RoleAnalyst || got.Family != "fam1" || !HasScope(got.Scopes, ScopeVerdictsRead) {
		t.Fatalf("claims = %+v", got)
	}
	if d := got.ExpiresAt.Sub(got.IssuedAt.Time); d != 15*time.Minute {
		t.Fatalf("access ttl = %v", d)
	}
	if _, err := tk.Parse(s, TypeRefresh); !errors.Is(err, ErrTokenWrongType) {
		t.Fatalf("access as refresh: %v", err)
	}
	r, rc, err := tk.IssueRefresh("u1", "fam1")
	if err != nil {
		t.Fatal(err)
	}
	if rc.ID == c.ID {
		t.Fatal("jti reused")
	}
	if d := rc.ExpiresAt.Sub(rc.IssuedAt.Time); d != 30*24*time.Hour {
		t.Fatalf("refresh ttl = %v", d)
	}
	if _, err := tk.Parse(r, TypeAccess); !errors.Is(err, ErrTokenWrongType) {
		t.Fatalf("refresh as access: %v", err)
	}
}

// b64 encodes a JSON value as a JWT segment.
func b64(t testing.TB, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

func validPayload(tk *Tokens, now time.Time) map[string]any {
	return map[string]any{
		"iss": tk.cfg.Issuer, "aud": []string{tk.cfg.Audience}, "sub": "u1", "jti": "j1", "fam": "f1",
		"tt": "access", "role": "admin", "scp": []string{"audit:read"},
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Minute).Unix(),
	}
}

func TestParseAttacks(t *testing.T) {
	now := time.Now()
	tk := newTestTokens(t, nil, func() time.Time { return now })
	good, _, err := tk.IssueAccess("u1", RoleAnalyst, []Scope{ScopeVerdictsRead}, "f1")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, ".")
	kid := tk.keys.SigningKID()

	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaPubDER, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)

	signHS := func(claims map[string]any, key []byte, hdr map[string]any) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(claims))
		for k, v := range hdr {
			tok.Header[k] = v
		}
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	with := func(mod func(m map[string]any)) map[string]any {
		m := validPayload(tk, now)
		mod(m)
		return m
	}
	otherKS, _ := NewHMACKeySet([]byte("another-secret-another-secret-another"))

	tests := []struct {
		name       string
		give       string
		wantErr    error
		wantReason string
	}{
		{"empty", "", ErrTokenMissing, "missing"},
		{"oversized", strings.Repeat("a", 5000), ErrTokenTooLarge, "too_large"},
		{"garbage", "not-a-token", ErrTokenMalformed, "malformed"},
		{"alg none", b64(t, map[string]any{"alg": "none", "typ": "JWT", "kid": kid}) + "." + b64(t, validPayload(tk, now)) + ".", ErrTokenInvalid, "bad_algorithm"},
		{"alg none unsigned via lib", func() string {
			s, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims(validPayload(tk, now))).SignedString(jwt.UnsafeAllowNoneSignatureType)
			return s
		}(), ErrTokenInvalid, "bad_algorithm"},
		{"tampered payload", parts[0] + "." + b64(t, with(func(m map[string]any) { m["role"] = "admin" })) + "." + parts[2], ErrTokenInvalid, "bad_signature"},
		{"expired", signHS(with(func(m map[string]any) {
			m["iat"] = now.Add(-2 * time.Hour).Unix()
			m["nbf"] = now.Add(-2 * time.Hour).Unix()
			m["exp"] = now.Add(-time.Hour).Unix()
		}), testSecret, map[string]any{"kid": kid}), ErrTokenExpired, "expired"},
		{"no exp", signHS(with(func(m map[string]any) { delete(m, "exp") }), testSecret, map[string]any{"kid": kid}), ErrTokenInvalid, "missing_claim"},
		{"other audience", signHS(with(func(m map[string]any) { m["aud"] = []string{"someone-else"} }), testSecret, map[string]any{"kid": kid}), ErrTokenInvalid, "bad_audience"},
		{"no audience", signHS(with(func(m map[string]any) { delete(m, "aud") }), testSecret, map[string]any{"kid": kid}), ErrTokenInvalid, "missing_claim"},
		{"other issuer", signHS(with(func(m map[string]any) { m["iss"] = "evil" }), testSecret, map[string]any{"kid": kid}), ErrTokenInvalid, "bad_issuer"},
		{"no jti", signHS(with(func(m map[string]any) { delete(m, "jti") }), testSecret, map[string]any{"kid": kid}), ErrTokenInvalid, "missing_claim"},
		{"not yet valid", signHS(with(func(m map[string]any) { m["nbf"] = now.Add(time.Hour).Unix() }), testSecret, map[string]any{"kid": kid}), ErrTokenInvalid, "not_yet_valid"},
		{"unknown kid", signHS(validPayload(tk, now), otherKS.signKey.([]byte), map[string]any{"kid": otherKS.SigningKID()}), ErrTokenInvalid, "unknown_kid"},
		{"wrong key right kid", signHS(validPayload(tk, now), otherKS.signKey.([]byte), map[string]any{"kid": kid}), ErrTokenInvalid, "bad_signature"},
		{"no kid", signHS(validPayload(tk, now), testSecret, nil), ErrTokenInvalid, "missing_kid"},
		{"RS256 token", func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims(validPayload(tk, now)))
			tok.Header["kid"] = kid
			s, _ := tok.SignedString(rsaKey)
			return s
		}(), ErrTokenInvalid, "bad_algorithm"},
		{"HS256 signed with public key bytes", signHS(validPayload(tk, now), rsaPubDER, map[string]any{"kid": kid}), ErrTokenInvalid, "bad_signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tk.Parse(tt.give, TypeAccess)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			var te *TokenError
			if !errors.As(err, &te) || te.Reason != tt.wantReason {
				t.Fatalf("reason = %v, want %s", err, tt.wantReason)
			}
			if tt.give != "" && strings.Contains(err.Error(), tt.give) {
				t.Fatal("error text contains the token")
			}
		})
	}
}

// An RS256 deployment must refuse an HS256 token whose HMAC key is the RSA
// public key (the classic algorithm confusion).
func TestAlgorithmConfusionRSA(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := NewAsymmetricKeySet(AlgRS256, priv)
	if err != nil {
		t.Fatal(err)
	}
	tk := newTestTokens(t, ks, nil)
	good, _, err := tk.IssueAccess("u1", RoleAdmin, nil, "f")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tk.Parse(good, TypeAccess); err != nil {
		t.Fatalf("good RS256: %v", err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	forged := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(validPayload(tk, time.Now())))
	forged.Header["kid"] = ks.SigningKID()
	s, _ := forged.SignedString(der)
	_, err = tk.Parse(s, TypeAccess)
	var te *TokenError
	if !errors.As(err, &te) || te.Reason != "bad_algorithm" {
		t.Fatalf("confusion: %v", err)
	}
}

func TestAsymmetricAlgorithms(t *testing.T) {
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	ecPriv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	tests := []struct {
		name    string
		alg     string
		key     any
		wantErr bool
	}{
		{"eddsa", AlgEdDSA, edPriv, false},
		{"es256", AlgES256, ecPriv, false},
		{"es256 wrong curve", AlgES256, ec384, true},
		{"rs256 1024 bits", AlgRS256, small, true},
		{"eddsa with ec key", AlgEdDSA, ecPriv, true},
		{"unknown alg", "HS512", ecPriv, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks, err := newAsymForTest(tt.alg, tt.key)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			tk := newTestTokens(t, ks, nil)
			s, _, err := tk.IssueRefresh("u", "f")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tk.Parse(s, TypeRefresh); err != nil {
				t.Fatalf("parse: %v", err)
			}
		})
	}
}

func TestKeyRotation(t *testing.T) {
	oldKey := []byte("old-secret-old-secret-old-secret-old")
	newKey := []byte("new-secret-new-secret-new-secret-new")
	oldKS, _ := NewHMACKeySet(oldKey)
	oldTokens := newTestTokens(t, oldKS, nil)
	s, _, err := oldTokens.IssueAccess("u", RoleAnalyst, nil, "f")
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := NewHMACKeySet(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	tk := newTestTokens(t, rotated, nil)
	if _, err := tk.Parse(s, TypeAccess); err != nil {
		t.Fatalf("old token after rotation: %v", err)
	}
	if rotated.SigningKID() == oldKS.SigningKID() {
		t.Fatal("kid did not change")
	}
	out, err := rotated.WithoutKID(oldKS.SigningKID())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newTestTokens(t, out, nil).Parse(s, TypeAccess); err == nil {
		t.Fatal("token of rotated-out key accepted")
	}
	if _, err := rotated.WithoutKID(rotated.SigningKID()); err == nil {
		t.Fatal("removed the signing key")
	}
}

func TestWeakHMACKeyRefused(t *testing.T) {
	if _, err := NewHMACKeySet([]byte("short")); !errors.Is(err, ErrWeakKey) {
		t.Fatalf("err = %v", err)
	}
	if _, err := NewHMACKeySet(testSecret, []byte("short")); !errors.Is(err, ErrWeakKey) {
		t.Fatalf("previous: err = %v", err)
	}
}

func TestKeySetFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	noFile := func(string) ([]byte, error) { return nil, errors.New("no files") }
	tests := []struct {
		name    string
		give    map[string]string
		wantAlg string
		wantErr error
	}{
		{"default hs256", map[string]string{EnvSecretKey: string(testSecret)}, AlgHS256, nil},
		{"missing secret", map[string]string{}, "", ErrNoSigningKey},
		{"short secret", map[string]string{EnvSecretKey: "abc"}, "", ErrWeakKey},
		{"asym without file", map[string]string{EnvAlgorithm: AlgEdDSA}, "", ErrNoSigningKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks, err := KeySetFromEnv(env(tt.give), noFile)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && ks.Algorithm() != tt.wantAlg {
				t.Fatalf("alg = %s", ks.Algorithm())
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	tk := newTestTokens(f, nil, nil)
	good, _, _ := tk.IssueAccess("u1", RoleAdmin, []Scope{ScopeAuditRead}, "f")
	f.Add(good)
	f.Add("")
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add(strings.Repeat("A", 5000))
	f.Fuzz(func(t *testing.T, s string) {
		c, err := tk.Parse(s, TypeAccess)
		if err == nil {
			if c.ID == "" || c.Subject == "" || c.ExpiresAt == nil {
				t.Fatalf("accepted token without required claims: %+v", c)
			}
			if s != good && !strings.HasPrefix(s, strings.Split(good, ".")[0]) {
				t.Fatalf("accepted a token we did not sign")
			}
			return
		}
		var te *TokenError
		if !errors.As(err, &te) {
			t.Fatalf("error %T is not a *TokenError", err)
		}
	})
}

func BenchmarkParseHS256(b *testing.B) {
	tk := newTestTokens(b, nil, nil)
	s, _, _ := tk.IssueAccess("u1", RoleAnalyst, []Scope{ScopeVerdictsRead}, "f")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := tk.Parse(s, TypeAccess); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseEdDSA(b *testing.B) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	ks, _ := NewAsymmetricKeySet(AlgEdDSA, priv)
	tk := newTestTokens(b, ks, nil)
	s, _, _ := tk.IssueAccess("u1", RoleAnalyst, []Scope{ScopeVerdictsRead}, "f")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tk.Parse(s, TypeAccess); err != nil {
			b.Fatal(err)
		}
	}
}
