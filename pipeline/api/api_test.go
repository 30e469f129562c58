package api

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"go.uber.org/goleak"

	"github.com/phishx/phishx/pipeline/api/auth"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Every route that is not explicitly public refuses a request without a
// token, and with a garbage one, with 401 in the error shape.
func TestRouteTableAllProtected(t *testing.T) {
	h := newHarness(t, nil, nil, nil)
	public := map[string]bool{"POST /auth/login": true, "POST /auth/refresh": true, "GET /healthz": true, "GET /readyz": true, "GET /metrics": true}
	for _, rt := range h.srv.routes {
		name := rt.Method + " " + rt.Pattern
		if rt.Access.Public {
			if !public[name] {
				t.Errorf("%s is public but not on the reviewed list", name)
			}
			if rt.Access.Why == "" {
				t.Errorf("%s is public without a reason", name)
			}
			continue
		}
		path := strings.NewReplacer("{event_id}", "e1", "{id}", "u1").Replace(rt.Pattern)
		for _, tok := range []string{"", "garbage.token.value"} {
			rec := h.do(t, rt.Method, path, tok, "{}")
			if rec.Code != http.StatusUnauthorized || errorCode(t, rec) != CodeUnauthenticated {
				t.Errorf("%s with token %q: %d %s", name, tok, rec.Code, rec.Body)
			}
		}
	}
	waitFor(t, func() bool { return h.audit.has(ActTokenRejected, OutcomeFailure, "missing") })
}

func TestAttacks(t *testing.T) {
	h := newHarness(t, nil, nil, nil)
	analyst := h.createUser(t, "analyst@example.com", auth.RoleAnalyst, nil)
	now := time.Now()
	claims := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		c, err := h.tokens.Parse(analyst.AccessToken, auth.TypeAccess)
		if err != nil {
			t.Fatal(err)
		}
		m := jwt.MapClaims{"iss": "phishx", "aud": []string{"phishx-api"}, "sub": c.Subject, "jti": auth.NewID(), "fam": c.Family,
			"tt": "access", "role": "admin", "scp": []string{"verdicts:read", "audit:read", "pii:read"},
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Minute).Unix()}
		if mod != nil {
			mod(m)
		}
		return m
	}
	ks, _ := auth.NewHMACKeySet(testJWTSecret)
	sign := func(c jwt.MapClaims, key []byte, kid string) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
		tok.Header["kid"] = kid
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	parts := strings.Split(analyst.AccessToken, ".")
	payload, _ := json.Marshal(claims(nil))
	oldKey := []byte("old-rotated-out-secret-old-rotated-out-secret")
	oldKS, _ := auth.NewHMACKeySet(oldKey)

	tests := []struct {
		name       string
		give       string
		wantReason string
	}{
		{"alg none", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + base64.RawURLEncoding.EncodeToString(payload) + ".", "bad_algorithm"},
		{"hmac with wrong key", sign(claims(nil), []byte("wrong-secret-wrong-secret-wrong-secret"), ks.SigningKID()), "bad_signature"},
		{"tampered payload", parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2], "bad_signature"},
		{"expired", sign(claims(func(m jwt.MapClaims) {
			m["iat"], m["nbf"], m["exp"] = now.Add(-time.Hour).Unix(), now.Add(-time.Hour).Unix(), now.Add(-30*time.Minute).Unix()
		}), testJWTSecret, ks.SigningKID()), "expired"},
		{"other audience", sign(claims(func(m jwt.MapClaims) { m["aud"] = []string{"other"} }), testJWTSecret, ks.SigningKID()), "bad_audience"},
		{"other issuer", sign(claims(func(m jwt.MapClaims) { m["iss"] = "other" }), testJWTSecret, ks.SigningKID()), "bad_issuer"},
		{"rotated-out key", sign(claims(nil), oldKey, oldKS.SigningKID()), "unknown_kid"},
		{"oversized", strings.Repeat("A", 10000), "too_large"},
		{"malformed", "a.b", "malformed"},
		{"refresh token as access", analyst.RefreshToken, "wrong_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := h.do(t, "GET", "/v1/verdicts", tt.give, nil)
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			waitFor(t, func() bool { return h.audit.has(ActTokenRejected, OutcomeFailure, tt.wantReason) })
		})
	}

	t.Run("missing scope", func(t *testing.T) {
		rec := h.do(t, "GET", "/v1/audit", analyst.AccessToken, nil)
		if rec.Code != http.StatusForbidden || errorCode(t, rec) != CodeForbidden {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		rec = h.do(t, "GET", "/v1/users", analyst.AccessToken, nil)
		if rec.Code != http.StatusForbidden {
			t.Fatalf("admin route: %d", rec.Code)
		}
		waitFor(t, func() bool { return h.audit.has(ActAccessDenied, OutcomeDenied, "missing audit:read") })
	})

	t.Run("revoked jti", func(t *testing.T) {
		c, _ := h.tokens.Parse(analyst.AccessToken, auth.TypeAccess)
		if rec := h.do(t, "POST", "/v1/tokens/revoke", h.adminTok, RevokeTokenRequest{JTI: c.ID}); rec.Code != http.StatusNoContent {
			t.Fatalf("revoke: %d %s", rec.Code, rec.Body)
		}
		if rec := h.do(t, "GET", "/v1/verdicts", analyst.AccessToken, nil); rec.Code != http.StatusUnauthorized {
			t.Fatalf("revoked token: %d", rec.Code)
		}
		waitFor(t, func() bool { return h.audit.has(ActTokenRejected, OutcomeFailure, "revoked") })
	})

	t.Run("reused refresh token revokes the family", func(t *testing.T) {
		first := h.login(t, "analyst@example.com", "user-password-123")
		rec := h.do(t, "POST", "/auth/refresh", "", RefreshRequest{RefreshToken: first.RefreshToken})
		if rec.Code != http.StatusOK {
			t.Fatalf("refresh: %d %s", rec.Code, rec.Body)
		}
		var second TokenResponse
		_ = json.Unmarshal(rec.Body.Bytes(), &second)
		// The thief replays the first refresh token.
		if rec := h.do(t, "POST", "/auth/refresh", "", RefreshRequest{RefreshToken: first.RefreshToken}); rec.Code != http.StatusUnauthorized {
			t.Fatalf("reuse: %d", rec.Code)
		}
		// The whole family is dead: the newer refresh and access tokens too.
		if rec := h.do(t, "POST", "/auth/refresh", "", RefreshRequest{RefreshToken: second.RefreshToken}); rec.Code != http.StatusUnauthorized {
			t.Fatalf("family refresh after reuse: %d", rec.Code)
		}
		if rec := h.do(t, "GET", "/v1/verdicts", second.AccessToken, nil); rec.Code != http.StatusUnauthorized {
			t.Fatalf("family access after reuse: %d", rec.Code)
		}
		waitFor(t, func() bool { return h.audit.has(ActRefreshReuse, OutcomeFailure, "reused") })
	})
}

func TestLoginFlowAndLogout(t *testing.T) {
	h := newHarness(t, nil, &memVerdicts{byID: map[string]Verdict{}}, nil)
	gw := h.createUser(t, "gw@example.com", auth.RoleGateway, nil)
	// A gateway submits a message.
	rec := h.doEmail(t, gw.AccessToken, "From: a@b.example\r\n\r\nhello")
	if rec.Code != http.StatusAccepted {
		t.Fatalf("submit: %d %s", rec.Code, rec.Body)
	}
	var sr SubmitResponse
	_ = json.Unmarshal(rec.Body.Bytes(), &sr)
	if sr.EventID == "" || len(h.prod.vals) != 1 || strings.Contains(string(h.prod.vals[0]), "hello") {
		t.Fatalf("event not produced sealed: %+v", sr)
	}
	// Refresh rotates.
	rec = h.do(t, "POST", "/auth/refresh", "", RefreshRequest{RefreshToken: gw.RefreshToken})
	if rec.Code != http.StatusOK {
		t.Fatalf("refresh: %d", rec.Code)
	}
	var next TokenResponse
	_ = json.Unmarshal(rec.Body.Bytes(), &next)
	if next.RefreshToken == gw.RefreshToken {
		t.Fatal("refresh token not rotated")
	}
	// Logout kills the access token and the refresh chain.
	if rec := h.do(t, "POST", "/auth/logout", next.AccessToken, nil); rec.Code != http.StatusNoContent {
		t.Fatalf("logout: %d %s", rec.Code, rec.Body)
	}
	if rec := h.do(t, "GET", "/v1/verdicts", next.AccessToken, nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("after logout: %d", rec.Code)
	}
	if rec := h.do(t, "POST", "/auth/refresh", "", RefreshRequest{RefreshToken: next.RefreshToken}); rec.Code != http.StatusUnauthorized {
		t.Fatalf("refresh after logout: %d", rec.Code)
	}
	// A gateway cannot read the audit log or submit without the scope.
	analyst := h.createUser(t, "an@example.com", auth.RoleAnalyst, nil)
	if rec := h.doEmail(t, analyst.AccessToken, "x"); rec.Code != http.StatusForbidden {
		t.Fatalf("analyst submit: %d", rec.Code)
	}
	for _, a := range []string{ActLogin, ActRefresh, ActLogout, ActEmailSubmit, ActUserCreate} {
		waitFor(t, func() bool { return h.audit.has(a, OutcomeSuccess, "") })
	}
}

func (h *harness) doEmail(t *testing.T, tok, body string) *httptestRecorder {
	req := newRequest("POST", "/v1/emails", body)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set(HeaderTenant, "acme")
	req.Header.Set(HeaderEnvelopeFrom, "a@b.example")
	req.Header.Set(HeaderEnvelopeTo, "c@d.example, e@f.example")
	rec := newRecorder()
	h.h.ServeHTTP(rec, req)
	return rec
}

func TestLoginSameAnswerAndThrottle(t *testing.T) {
	h := newHarness(t, nil, nil, nil)
	unknown := h.do(t, "POST", "/auth/login", "", LoginRequest{Email: "nobody@example.com", Password: "whatever-password"})
	wrong := h.do(t, "POST", "/auth/login", "", LoginRequest{Email: adminEmail, Password: "wrong-password-123"})
	if unknown.Code != http.StatusUnauthorized || wrong.Code != http.StatusUnauthorized || unknown.Body.String() != wrong.Body.String() {
		t.Fatalf("answers differ: %d %q vs %d %q", unknown.Code, unknown.Body, wrong.Code, wrong.Body)
	}
	var last int
	for range 10 {
		last = h.do(t, "POST", "/auth/login", "", LoginRequest{Email: adminEmail, Password: "wrong-password-123"}).Code
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("not throttled: %d", last)
	}
	waitFor(t, func() bool { return h.audit.has(ActLogin, OutcomeFailure, "throttled") })
}

func TestPIIRequiresScopeAndIsAudited(t *testing.T) {
	sealer := testSealer(t)
	sender, _ := sealer.SealString([]byte("alice@victim.example"))
	v := &memVerdicts{byID: map[string]Verdict{"e1": {EventID: "e1", Tenant: "acme", Score: 0.97, Action: "quarantine", SenderSealed: sender}}}
	h := newHarness(t, nil, v, nil)
	plain := h.createUser(t, "a1@example.com", auth.RoleAnalyst, nil)
	pii := h.createUser(t, "a2@example.com", auth.RoleAnalyst, []auth.Scope{auth.ScopeVerdictsRead, auth.ScopePIIRead})

	rec := h.do(t, "GET", "/v1/verdicts/e1", plain.AccessToken, nil)
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "alice") || strings.Contains(rec.Body.String(), "sender\"") {
		t.Fatalf("without pii: %d %s", rec.Code, rec.Body)
	}
	if rec := h.do(t, "GET", "/v1/verdicts/e1?include_pii=true", plain.AccessToken, nil); rec.Code != http.StatusForbidden {
		t.Fatalf("include_pii without scope: %d", rec.Code)
	}
	rec = h.do(t, "GET", "/v1/verdicts/e1?include_pii=true", pii.AccessToken, nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "alice@victim.example") {
		t.Fatalf("with pii: %d %s", rec.Code, rec.Body)
	}
	waitFor(t, func() bool { return h.audit.has(ActPIIRead, OutcomeSuccess, "") })
	if rec := h.do(t, "GET", "/v1/verdicts/nope", plain.AccessToken, nil); rec.Code != http.StatusNotFound || errorCode(t, rec) != CodeNotFound {
		t.Fatalf("missing verdict: %d", rec.Code)
	}
	// A gateway can never be granted pii:read.
	rec = h.do(t, "POST", "/v1/users", h.adminTok, CreateUserRequest{Email: "g@example.com", Password: "user-password-123", Role: auth.RoleGateway, Scopes: []auth.Scope{auth.ScopePIIRead}})
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("gateway with pii:read: %d", rec.Code)
	}
}

// A token revoked on one instance is refused by another sharing the topic.
func TestRevocationAcrossInstances(t *testing.T) {
	a := newHarness(t, nil, nil, nil)
	b := newHarness(t, a.brokers, nil, nil)
	an := a.createUser(t, "x@example.com", auth.RoleAnalyst, nil)
	waitFor(t, func() bool { return b.do(t, "GET", "/v1/verdicts", an.AccessToken, nil).Code == http.StatusOK })
	if rec := a.do(t, "POST", "/auth/logout", an.AccessToken, nil); rec.Code != http.StatusNoContent {
		t.Fatalf("logout: %d", rec.Code)
	}
	start := time.Now()
	waitFor(t, func() bool {
		return b.do(t, "GET", "/v1/verdicts", an.AccessToken, nil).Code == http.StatusUnauthorized
	})
	if d := time.Since(start); d > time.Second {
		t.Errorf("other instance refused the token after %v, want under 1s", d)
	}
}

func TestBodyLimitsAndShape(t *testing.T) {
	h := newHarness(t, nil, nil, nil)
	tests := []struct {
		name     string
		path     string
		body     string
		wantCode int
		want     string
	}{
		{"huge login", "/auth/login", `{"email":"` + strings.Repeat("a", 20000) + `"}`, http.StatusRequestEntityTooLarge, CodeTooLarge},
		{"unknown field", "/auth/login", `{"email":"a@b.c","password":"x","admin":true}`, http.StatusBadRequest, CodeBadRequest},
		{"trailing data", "/auth/login", `{"email":"a@b.c","password":"x"} {}`, http.StatusBadRequest, CodeBadRequest},
		{"not json", "/auth/refresh", `nope`, http.StatusBadRequest, CodeBadRequest},
		{"no such route", "/v2/whatever", ``, http.StatusNotFound, CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := h.do(t, "POST", tt.path, "", tt.body)
			if rec.Code != tt.wantCode || errorCode(t, rec) != tt.want {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
		})
	}
	if rec := h.do(t, "GET", "/metrics", "", nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "phishx_api_requests_total") {
		t.Fatalf("metrics: %d", rec.Code)
	}
	if rec := h.do(t, "GET", "/readyz", "", nil); rec.Code != http.StatusOK {
		t.Fatalf("readyz: %d", rec.Code)
	}
}

func FuzzJSONBodies(f *testing.F) {
	h := newHarness(f, nil, nil, nil)
	f.Add("/auth/login", `{"email":"admin@example.com","password":"x"}`)
	f.Add("/auth/refresh", `{"refresh_token":"a.b.c"}`)
	f.Add("/v1/users", `{"email":"a@b.c","password":"user-password-123","role":"analyst","scopes":["pii:read"]}`)
	f.Add("/v1/tokens/revoke", `{"jti":"x","expires_at":"2030-01-01T00:00:00Z"}`)
	f.Add("/auth/login", `{"email":`)
	paths := []string{"/auth/login", "/auth/refresh", "/v1/users", "/v1/tokens/revoke"}
	f.Fuzz(func(t *testing.T, path, body string) {
		if !strings.HasPrefix(path, "/") {
			path = paths[len(path)%len(paths)]
		}
		for _, p := range paths {
			if path != p {
				continue
			}
			rec := h.do(t, "POST", p, h.adminTok, body)
			if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
				t.Fatalf("%s: %d %s", p, rec.Code, rec.Body)
			}
			if rec.Code >= 400 {
				errorCode(t, rec)
			}
		}
	})
}

func BenchmarkAuthenticatedVerdict(b *testing.B) {
	v := &memVerdicts{byID: map[string]Verdict{"e1": {EventID: "e1", Tenant: "acme", Score: 0.5}}}
	h := newHarness(b, nil, v, nil)
	b.ReportAllocs()
	for b.Loop() {
		if rec := h.do(b, "GET", "/v1/verdicts/e1", h.adminTok, nil); rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}
