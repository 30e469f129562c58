package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/phishx/phishx/pipeline/api/auth"
	"github.com/phishx/phishx/pipeline/api/store"
)

// CreateUserRequest is the body of POST /v1/users. Nil Scopes means the
// role's defaults.
type CreateUserRequest struct {
	Email    string       `json:"email"`
	Name     string       `json:"name"`
	Password string       `json:"password"`
	Role     auth.Role    `json:"role"`
	Scopes   []auth.Scope `json:"scopes"`
}

// UpdateUserRequest is the body of PATCH /v1/users/{id}; absent fields are
// left alone.
type UpdateUserRequest struct {
	Role     *auth.Role    `json:"role"`
	Scopes   *[]auth.Scope `json:"scopes"`
	Disabled *bool         `json:"disabled"`
	Password *string       `json:"password"`
}

// RevokeTokenRequest is the body of POST /v1/tokens/revoke. ExpiresAt is
// when the revocation may be forgotten (the token's exp); zero means the
// longest token lifetime from now.
type RevokeTokenRequest struct {
	JTI       string    `json:"jti"`
	ExpiresAt time.Time `json:"expires_at"`
}

// UserView is a user over HTTP. Email and Name need pii:read.
type UserView struct {
	ID        string       `json:"id"`
	Email     *string      `json:"email,omitempty"`
	Name      *string      `json:"name,omitempty"`
	Role      auth.Role    `json:"role"`
	Scopes    []auth.Scope `json:"scopes"`
	Disabled  bool         `json:"disabled"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
}

func (s *Server) userView(u store.User, pii bool) UserView {
	v := UserView{ID: u.ID, Role: u.Role, Scopes: u.Scopes, Disabled: u.Disabled, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if v.Scopes == nil {
		v.Scopes = []auth.Scope{}
	}
	if pii {
		v.Email, v.Name = s.open(u.EmailSealed), s.open(u.NameSealed)
	}
	return v
}

func (s *Server) adminAudit(r *http.Request, p *principal, action, target, outcome, reason string) {
	s.audit(r.Context(), Event{Actor: p.UserID, ActorRole: string(p.Role), Action: action, Target: target, Outcome: outcome,
		Reason: reason, RequestID: p.RequestID, IP: p.IP})
}

func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request, p *principal) {
	pii, ok := s.wantPII(w, r, p)
	if !ok {
		return
	}
	users := s.d.Store.Users()
	out := make([]UserView, 0, len(users))
	for _, u := range users {
		out = append(out, s.userView(u, pii))
	}
	act := ActUserList
	if pii {
		act = ActPIIRead
	}
	s.adminAudit(r, p, act, "users", OutcomeSuccess, "")
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
}

func (s *Server) handleCreateUser(w http.ResponseWriter, r *http.Request, p *principal) {
	var req CreateUserRequest
	if err := decodeJSON(w, r, s.cfg.MaxJSONBytes, &req); err != nil {
		writeDecodeError(w, err)
		return
	}
	role, err := auth.ParseRole(string(req.Role))
	if err != nil {
		writeError(w, http.StatusBadRequest, CodeBadRequest, "role must be admin, analyst, operator or gateway")
		return
	}
	u, err := s.newUser(req.Email, req.Name, req.Password, role, req.Scopes)
	if err != nil {
		s.adminAudit(r, p, ActUserCreate, "", OutcomeFailure, "invalid")
		writeError(w, http.StatusBadRequest, CodeBadRequest, userInputMessage(err))
		return
	}
	if err := s.d.Store.PutUser(r.Context(), u); err != nil {
		s.adminAudit(r, p, ActUserCreate, u.ID, OutcomeFailure, "store")
		storeErr(w, err)
		return
	}
	s.adminAudit(r, p, ActUserCreate, u.ID, OutcomeSuccess, "")
	writeJSON(w, http.StatusCreated, s.userView(u, false))
}

// userInputMessage explains a refusal without echoing the input.
func userInputMessage(err error) string {
	switch {
	case errors.Is(err, auth.ErrPasswordPolicy):
		return "password must be 12 to 72 bytes"
	case errors.Is(err, auth.ErrScopeNotAllowed), errors.Is(err, auth.ErrUnknownScope):
		return "a scope is unknown or not allowed for the role"
	case errors.Is(err, errInvalidEmail):
		return errInvalidEmail.Error()
	}
	return "invalid user"
}

func (s *Server) handleUpdateUser(w http.ResponseWriter, r *http.Request, p *principal) {
	id := r.PathValue("id")
	var req UpdateUserRequest
	if err := decodeJSON(w, r, s.cfg.MaxJSONBytes, &req); err != nil {
		writeDecodeError(w, err)
		return
	}
	u, ok := s.d.Store.User(id)
	if !ok {
		writeError(w, http.StatusNotFound, CodeNotFound, "no such user")
		return
	}
	if req.Role != nil {
		role, err := auth.ParseRole(string(*req.Role))
		if err != nil {
			writeError(w, http.StatusBadRequest, CodeBadRequest, "role must be admin, analyst, operator or gateway")
			return
		}
		if id == p.UserID && role != auth.RoleAdmin {
			writeError(w, http.StatusBadRequest, CodeBadRequest, "an admin cannot demote themselves")
			return
		}
		u.Role = role
		if req.Scopes == nil {
			u.Scopes = auth.DefaultScopes(role)
		}
	}
	if req.Scopes != nil {
		u.Scopes = *req.Scopes
	}
	sc, err := auth.CheckScopes(u.Role, u.Scopes)
	if err != nil {
		writeError(w, http.StatusBadRequest, CodeBadRequest, userInputMessage(err))
		return
	}
	u.Scopes = sc
	if req.Password != nil {
		h, err := s.hasher.Hash(*req.Password)
		if err != nil {
			writeError(w, http.StatusBadRequest, CodeBadRequest, userInputMessage(err))
			return
		}
		u.PasswordHash = h
		u.TokensNotBefore = s.now().UTC()
	}
	if req.Disabled != nil {
		if id == p.UserID && *req.Disabled {
			writeError(w, http.StatusBadRequest, CodeBadRequest, "an admin cannot disable themselves")
			return
		}
		u.Disabled = *req.Disabled
	}
	u.UpdatedAt = s.now().UTC()
	if err := s.d.Store.PutUser(r.Context(), u); err != nil {
		storeErr(w, err)
		return
	}
	s.adminAudit(r, p, ActUserUpdate, u.ID, OutcomeSuccess, "")
	writeJSON(w, http.StatusOK, s.userView(u, false))
}

// handleRevokeUser ends every session of a user: all families revoked and
// every token issued before now refused.
func (s *Server) handleRevokeUser(w http.ResponseWriter, r *http.Request, p *principal) {
	id := r.PathValue("id")
	u, ok := s.d.Store.User(id)
	if !ok {
		writeError(w, http.StatusNotFound, CodeNotFound, "no such user")
		return
	}
	// Tokens carry whole seconds; the next second starts the new era.
	u.TokensNotBefore = s.now().UTC().Truncate(time.Second).Add(time.Second)
	u.UpdatedAt = s.now().UTC()
	if err := s.d.Store.PutUser(r.Context(), u); err != nil {
		storeErr(w, err)
		return
	}
	if err := s.d.Store.RevokeUserFamilies(r.Context(), id, "admin_revoke"); err != nil {
		storeErr(w, err)
		return
	}
	s.adminAudit(r, p, ActRevoke, id, OutcomeSuccess, "user")
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleRevokeToken(w http.ResponseWriter, r *http.Request, p *principal) {
	var req RevokeTokenRequest
	if err := decodeJSON(w, r, s.cfg.MaxJSONBytes, &req); err != nil {
		writeDecodeError(w, err)
		return
	}
	if req.JTI == "" || len(req.JTI) > 64 {
		writeError(w, http.StatusBadRequest, CodeBadRequest, "jti must be 1 to 64 bytes")
		return
	}
	exp := req.ExpiresAt
	if exp.IsZero() {
		exp = s.now().Add(s.cfg.Tokens.RefreshTTL)
	}
	if err := s.d.Store.Revoke(r.Context(), req.JTI, exp, "admin"); err != nil {
		storeErr(w, err)
		return
	}
	s.adminAudit(r, p, ActRevoke, req.JTI, OutcomeSuccess, "jti")
	w.WriteHeader(http.StatusNoContent)
}
