package auth

import (
	"errors"
	"fmt"
	"slices"
)

// Role is what a user is. A role bounds the scopes a user may hold.
type Role string

// The four roles.
const (
	RoleAdmin    Role = "admin"
	RoleAnalyst  Role = "analyst"
	RoleOperator Role = "operator"
	RoleGateway  Role = "gateway"
)

// Scope is one permission carried in an access token.
type Scope string

// The six scopes.
const (
	ScopeEmailsSubmit  Scope = "emails:submit"
	ScopeVerdictsRead  Scope = "verdicts:read"
	ScopePIIRead       Scope = "pii:read"
	ScopeModelsManage  Scope = "models:manage"
	ScopeRegionsManage Scope = "regions:manage"
	ScopeAuditRead     Scope = "audit:read"
)

// ErrUnknownRole and ErrScopeNotAllowed report bad role or scope input.
var (
	ErrUnknownRole     = errors.New("auth: unknown role")
	ErrUnknownScope    = errors.New("auth: unknown scope")
	ErrScopeNotAllowed = errors.New("auth: scope not allowed for role")
)

// Roles returns every role.
func Roles() []Role { return []Role{RoleAdmin, RoleAnalyst, RoleOperator, RoleGateway} }

// Scopes returns every scope.
func Scopes() []Scope {
	return []Scope{ScopeEmailsSubmit, ScopeVerdictsRead, ScopePIIRead, ScopeModelsManage, ScopeRegionsManage, ScopeAuditRead}
}

// ParseRole checks s names a role.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if slices.Contains(Roles(), r) {
		return r, nil
	}
	return "", fmt.Errorf("%w (%d bytes)", ErrUnknownRole, len(s))
}

// ParseScope checks s names a scope.
func ParseScope(s string) (Scope, error) {
	sc := Scope(s)
	if slices.Contains(Scopes(), sc) {
		return sc, nil
	}
	return "", fmt.Errorf("%w (%d bytes)", ErrUnknownScope, len(s))
}

// DefaultScopes are what a new user of role r gets when no scopes are
// given: least privilege, so pii:read is never a default.
func DefaultScopes(r Role) []Scope {
	switch r {
	case RoleAdmin:
		return []Scope{ScopeVerdictsRead, ScopeAuditRead}
	case RoleAnalyst:
		return []Scope{ScopeVerdictsRead}
	case RoleOperator:
		return []Scope{ScopeVerdictsRead, ScopeModelsManage, ScopeRegionsManage}
	case RoleGateway:
		return []Scope{ScopeEmailsSubmit, ScopeVerdictsRead}
	}
	return nil
}

// AllowedScopes bounds what role r may be granted at all. A gateway can
// never read PII or the audit log; an operator never reads PII.
func AllowedScopes(r Role) []Scope {
	switch r {
	case RoleAdmin:
		return Scopes()
	case RoleAnalyst:
		return []Scope{ScopeVerdictsRead, ScopePIIRead}
	case RoleOperator:
		return []Scope{ScopeVerdictsRead, ScopeModelsManage, ScopeRegionsManage, ScopeAuditRead}
	case RoleGateway:
		return []Scope{ScopeEmailsSubmit, ScopeVerdictsRead}
	}
	return nil
}

// CheckScopes verifies every scope is known and allowed for r, and returns
// them sorted without duplicates.
func CheckScopes(r Role, scopes []Scope) ([]Scope, error) {
	allowed := AllowedScopes(r)
	if allowed == nil {
		return nil, ErrUnknownRole
	}
	out := make([]Scope, 0, len(scopes))
	for _, s := range scopes {
		if !slices.Contains(Scopes(), s) {
			return nil, fmt.Errorf("%w (%d bytes)", ErrUnknownScope, len(s))
		}
		if !slices.Contains(allowed, s) {
			return nil, fmt.Errorf("%w: %s for %s", ErrScopeNotAllowed, s, r)
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// HasScope reports whether scopes contains want.
func HasScope(scopes []Scope, want Scope) bool { return slices.Contains(scopes, want) }
