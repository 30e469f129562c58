package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/phishx/phishx/pipeline/api/auth"
	"github.com/phishx/phishx/pipeline/api/store"
)

// LoginRequest is the body of POST /auth/login.
type LoginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// RefreshRequest is the body of POST /auth/refresh.
type RefreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

// TokenResponse carries a token pair.
type TokenResponse struct {
	AccessToken  string       `json:"access_token"`
	RefreshToken string       `json:"refresh_token"`
	TokenType    string       `json:"token_type"`
	ExpiresIn    int          `json:"expires_in"`
	Role         auth.Role    `json:"role"`
	Scopes       []auth.Scope `json:"scopes"`
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request, p *principal) {
	ctx := r.Context()
	var req LoginRequest
	if err := decodeJSON(w, r, min(s.cfg.MaxJSONBytes, 8<<10), &req); err != nil {
		writeDecodeError(w, err)
		return
	}
	idx := EmailIndex(s.d.IndexKey, req.Email)
	fail := func(status int, code, msg, reason, actor string) {
		s.metrics.authFailures.WithLabelValues("login_" + reason).Inc()
		s.audit(ctx, Event{Actor: actor, Action: ActLogin, Outcome: OutcomeFailure, Reason: reason, RequestID: p.RequestID,
			IP: p.IP, Detail: map[string]any{"email": req.Email}})
		writeError(w, status, code, msg)
	}
	if !s.perAddr.Allow(p.IP) || !s.perAcct.Allow(idx) {
		fail(http.StatusTooManyRequests, CodeThrottled, "too many login attempts; try again later", "throttled", "")
		return
	}
	u, found := s.d.Store.UserByEmailIndex(idx)
	hash := ""
	if found {
		hash = u.PasswordHash
	}
	// Unknown users are compared against a dummy hash: same work, same
	// answer.
	if err := s.hasher.Compare(hash, req.Password); err != nil || u.Disabled {
		actor := ""
		if found {
			actor = u.ID
		}
		fail(http.StatusUnauthorized, CodeUnauthenticated, "invalid email or password", "bad_credentials", actor)
		return
	}
	fam := auth.NewID()
	refresh, rc, err := s.d.Tokens.IssueRefresh(u.ID, fam)
	if err != nil {
		writeError(w, http.StatusInternalServerError, CodeInternal, "could not issue tokens")
		return
	}
	if err := s.d.Store.CreateFamily(ctx, store.Family{ID: fam, UserID: u.ID, CreatedAt: s.now().UTC(), ExpiresAt: rc.ExpiresAt.Time}); err != nil {
		storeErr(w, err)
		return
	}
	resp, ok := s.issueAccess(w, u, fam, refresh)
	if !ok {
		return
	}
	s.audit(ctx, Event{Actor: u.ID, ActorRole: string(u.Role), Action: ActLogin, Target: fam, Outcome: OutcomeSuccess,
		RequestID: p.RequestID, IP: p.IP})
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) issueAccess(w http.ResponseWriter, u store.User, fam, refresh string) (TokenResponse, bool) {
	access, _, err := s.d.Tokens.IssueAccess(u.ID, u.Role, u.Scopes, fam)
	if err != nil {
		writeError(w, http.StatusInternalServerError, CodeInternal, "could not issue tokens")
		return TokenResponse{}, false
	}
	return TokenResponse{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer",
		ExpiresIn: int(s.cfg.Tokens.AccessTTL / time.Second), Role: u.Role, Scopes: u.Scopes}, true
}

func (s *Server) handleRefresh(w http.ResponseWriter, r *http.Request, p *principal) {
	ctx := r.Context()
	var req RefreshRequest
	if err := decodeJSON(w, r, min(s.cfg.MaxJSONBytes, 8<<10), &req); err != nil {
		writeDecodeError(w, err)
		return
	}
	refuse := func(reason, actor, fam string) {
		s.metrics.authFailures.WithLabelValues("refresh_" + reason).Inc()
		act := ActRefresh
		if reason == "reused" {
			act = ActRefreshReuse
		}
		s.audit(ctx, Event{Actor: actor, Action: act, Target: fam, Outcome: OutcomeFailure, Reason: reason, RequestID: p.RequestID, IP: p.IP})
		writeError(w, http.StatusUnauthorized, CodeUnauthenticated, "invalid refresh token")
	}
	c, err := s.d.Tokens.Parse(req.RefreshToken, auth.TypeRefresh)
	if err != nil {
		reason := "invalid"
		var te *auth.TokenError
		if errors.As(err, &te) {
			reason = te.Reason
		}
		refuse(reason, "", "")
		return
	}
	if s.d.Store.IsRevoked(c.ID) {
		refuse("revoked", c.Subject, c.Family)
		return
	}
	u, ok := s.d.Store.User(c.Subject)
	if !ok || u.Disabled || (c.IssuedAt != nil && c.IssuedAt.Before(u.TokensNotBefore)) {
		refuse("user_inactive", c.Subject, c.Family)
		return
	}
	next, nc, err := s.d.Tokens.IssueRefresh(u.ID, c.Family)
	if err != nil {
		writeError(w, http.StatusInternalServerError, CodeInternal, "could not issue tokens")
		return
	}
	switch err := s.d.Store.Rotate(ctx, c.Family, c.ID, nc.ID, c.ExpiresAt.Time); {
	case errors.Is(err, store.ErrRefreshReused):
		// Theft detection: whoever holds the newer token loses it too.
		if rerr := s.d.Store.RevokeFamily(ctx, c.Family, "refresh_reuse"); rerr != nil {
			storeErr(w, rerr)
			return
		}
		refuse("reused", c.Subject, c.Family)
		return
	case errors.Is(err, store.ErrFamilyRevoked), errors.Is(err, store.ErrNotFound):
		refuse("family_revoked", c.Subject, c.Family)
		return
	case err != nil:
		storeErr(w, err)
		return
	}
	resp, ok := s.issueAccess(w, u, c.Family, next)
	if !ok {
		return
	}
	s.audit(ctx, Event{Actor: u.ID, ActorRole: string(u.Role), Action: ActRefresh, Target: c.Family, Outcome: OutcomeSuccess,
		RequestID: p.RequestID, IP: p.IP})
	writeJSON(w, http.StatusOK, resp)
}

// handleLogout revokes the access token's jti and its whole family, which
// ends every refresh token of this login.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request, p *principal) {
	ctx := r.Context()
	c := p.Claims
	if err := s.d.Store.Revoke(ctx, c.ID, c.ExpiresAt.Time, "logout"); err != nil {
		storeErr(w, err)
		return
	}
	if err := s.d.Store.RevokeFamily(ctx, c.Family, "logout"); err != nil {
		storeErr(w, err)
		return
	}
	s.audit(ctx, Event{Actor: p.UserID, ActorRole: string(p.Role), Action: ActLogout, Target: c.Family, Outcome: OutcomeSuccess,
		RequestID: p.RequestID, IP: p.IP})
	w.WriteHeader(http.StatusNoContent)
}
