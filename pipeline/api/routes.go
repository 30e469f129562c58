package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/phishx/phishx/pipeline/api/auth"
	"github.com/phishx/phishx/pipeline/api/store"
)

// access says who may call a route.
type access struct {
	// Public routes take no access token; Why says why that is safe.
	Public bool
	Why    string
	// Scope is required when set; Role is required when set.
	Scope auth.Scope
	Role  auth.Role
}

// route is one entry of the route table; the mux is built only from it,
// and a test walks it so that no endpoint can be added unprotected.
type route struct {
	Method  string
	Pattern string
	Access  access
	Handle  func(http.ResponseWriter, *http.Request, *principal)
}

func (s *Server) routeTable() []route {
	authed := access{}
	return []route{
		{"POST", "/auth/login", access{Public: true, Why: "exchanges credentials for tokens"}, s.handleLogin},
		{"POST", "/auth/refresh", access{Public: true, Why: "authenticated by the refresh token in the body"}, s.handleRefresh},
		{"POST", "/auth/logout", authed, s.handleLogout},
		{"POST", "/v1/emails", access{Scope: auth.ScopeEmailsSubmit}, s.handleSubmitEmail},
		{"GET", "/v1/verdicts/{event_id}", access{Scope: auth.ScopeVerdictsRead}, s.handleVerdict},
		{"GET", "/v1/verdicts", access{Scope: auth.ScopeVerdictsRead}, s.handleVerdicts},
		{"GET", "/v1/users", access{Role: auth.RoleAdmin}, s.handleListUsers},
		{"POST", "/v1/users", access{Role: auth.RoleAdmin}, s.handleCreateUser},
		{"PATCH", "/v1/users/{id}", access{Role: auth.RoleAdmin}, s.handleUpdateUser},
		{"POST", "/v1/users/{id}/revoke", access{Role: auth.RoleAdmin}, s.handleRevokeUser},
		{"POST", "/v1/tokens/revoke", access{Role: auth.RoleAdmin}, s.handleRevokeToken},
		{"GET", "/v1/audit", access{Scope: auth.ScopeAuditRead}, s.handleAudit},
		{"GET", "/healthz", access{Public: true, Why: "liveness, no data"}, s.handleHealthz},
		{"GET", "/readyz", access{Public: true, Why: "readiness, no data"}, s.handleReadyz},
		{"GET", "/metrics", access{Public: true, Why: "aggregate counters only; bind to loopback or scrape network"}, s.handleMetrics},
	}
}

// principal is the authenticated caller.
type principal struct {
	UserID    string
	Role      auth.Role
	Scopes    []auth.Scope // token scopes still held by the user now
	Claims    *auth.Claims
	IP        string
	RequestID string
}

func (p *principal) has(s auth.Scope) bool { return p != nil && slices.Contains(p.Scopes, s) }

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// wrap adds metrics, request ids, authentication and authorisation.
func (s *Server) wrap(rt route) http.Handler {
	name := rt.Method + " " + rt.Pattern
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		rid := newRequestID()
		sw.Header().Set("X-Request-ID", rid)
		defer func() {
			code := sw.code
			if code == 0 {
				code = http.StatusOK
			}
			s.metrics.requests.WithLabelValues(name, strconv.Itoa(code)).Inc()
			s.metrics.duration.WithLabelValues(name).Observe(time.Since(start).Seconds())
		}()
		p := &principal{IP: clientIP(r), RequestID: rid}
		if !rt.Access.Public {
			var ok bool
			if p, ok = s.authenticate(sw, r, p, rt); !ok {
				return
			}
		}
		rt.Handle(sw, r, p)
	})
}

// authenticate checks the bearer token and the route's access rule,
// writing a 401 or 403 (audited) when refused.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, p *principal, rt route) (*principal, bool) {
	ctx := r.Context()
	refuse := func(reason, actor string) (*principal, bool) {
		s.metrics.authFailures.WithLabelValues(reason).Inc()
		s.audit(ctx, Event{Actor: actor, Action: ActTokenRejected, Target: rt.Method + " " + rt.Pattern,
			Outcome: OutcomeFailure, Reason: reason, RequestID: p.RequestID, IP: p.IP})
		writeError(w, http.StatusUnauthorized, CodeUnauthenticated, "missing or invalid access token")
		return nil, false
	}
	tok, ok := bearer(r)
	if !ok {
		return refuse("missing", "")
	}
	c, err := s.d.Tokens.Parse(tok, auth.TypeAccess)
	if err != nil {
		reason := "invalid"
		var te *auth.TokenError
		if errors.As(err, &te) {
			reason = te.Reason
		}
		return refuse(reason, "")
	}
	if s.d.Store.IsRevoked(c.ID) {
		return refuse("revoked", c.Subject)
	}
	if !s.d.Store.FamilyActive(c.Family) {
		return refuse("family_revoked", c.Subject)
	}
	u, ok := s.d.Store.User(c.Subject)
	switch {
	case !ok:
		return refuse("unknown_user", c.Subject)
	case u.Disabled:
		return refuse("user_disabled", c.Subject)
	case c.IssuedAt != nil && c.IssuedAt.Before(u.TokensNotBefore):
		return refuse("user_tokens_revoked", c.Subject)
	}
	// The user's current role and scopes bound the token's: a demotion
	// takes effect on the next request, not at token expiry.
	p.UserID, p.Role, p.Claims = u.ID, u.Role, c
	for _, sc := range c.Scopes {
		if slices.Contains(u.Scopes, sc) && slices.Contains(auth.AllowedScopes(u.Role), sc) {
			p.Scopes = append(p.Scopes, sc)
		}
	}
	if (rt.Access.Role != "" && p.Role != rt.Access.Role) || (rt.Access.Scope != "" && !p.has(rt.Access.Scope)) {
		s.metrics.authFailures.WithLabelValues("forbidden").Inc()
		need := string(rt.Access.Scope)
		if rt.Access.Role != "" {
			need = "role " + string(rt.Access.Role)
		}
		s.audit(ctx, Event{Actor: p.UserID, ActorRole: string(p.Role), Action: ActAccessDenied, Target: rt.Method + " " + rt.Pattern,
			Outcome: OutcomeDenied, Reason: "missing " + need, RequestID: p.RequestID, IP: p.IP})
		writeError(w, http.StatusForbidden, CodeForbidden, "requires "+need)
		return nil, false
	}
	return p, true
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

func (s *Server) handleHealthz(w http.ResponseWriter, _ *http.Request, _ *principal) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request, _ *principal) {
	if !s.d.Store.Ready() {
		writeError(w, http.StatusServiceUnavailable, CodeUnavailable, "state store catching up")
		return
	}
	if s.d.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.d.Ready(ctx); err != nil {
			writeError(w, http.StatusServiceUnavailable, CodeUnavailable, "a dependency is not ready")
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request, _ *principal) {
	promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}

// storeErr maps store errors to responses.
func storeErr(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, store.ErrEmailTaken):
		writeError(w, http.StatusConflict, CodeConflict, "email already registered")
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, CodeNotFound, "not found")
	default:
		writeError(w, http.StatusServiceUnavailable, CodeUnavailable, "state store unavailable")
	}
}
