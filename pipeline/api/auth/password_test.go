package auth

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func TestHasherDefaultCost(t *testing.T) {
	h, err := NewHasher(DefaultBcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	cost, err := bcrypt.Cost([]byte(hash))
	if err != nil || cost != 12 {
		t.Fatalf("cost = %d, %v", cost, err)
	}
}

func TestHasherCompare(t *testing.T) {
	h, err := NewHasher(bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		hash     string
		password string
		wantErr  error
	}{
		{"right", hash, "correct horse battery", nil},
		{"wrong", hash, "wrong horse battery!", ErrBadPassword},
		{"unknown user", "", "correct horse battery", ErrBadPassword},
		{"unknown user dummy password", "", "phishx-dummy-password-for-timing", ErrBadPassword},
		{"too long", hash, strings.Repeat("x", 100), ErrBadPassword},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := h.Compare(tt.hash, tt.password); !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestPasswordPolicy(t *testing.T) {
	for _, tt := range []struct {
		give    string
		wantErr bool
	}{
		{"short", true},
		{strings.Repeat("a", 12), false},
		{strings.Repeat("a", 72), false},
		{strings.Repeat("a", 73), true},
	} {
		t.Run(fmt.Sprint(len(tt.give)), func(t *testing.T) {
			if err := CheckPolicy(tt.give); (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestThrottle(t *testing.T) {
	th, err := NewThrottle(ThrottleConfig{Every: time.Minute, Burst: 3, MaxKeys: 2})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1000, 0)
	th.now = func() time.Time { return now }
	for i := range 3 {
		if !th.Allow("a") {
			t.Fatalf("attempt %d refused", i)
		}
	}
	if th.Allow("a") {
		t.Fatal("4th attempt allowed")
	}
	th.Allow("b")
	th.Allow("c") // evicts the least recently used
	if th.Len() != 2 {
		t.Fatalf("len = %d, want 2", th.Len())
	}
	now = now.Add(time.Minute)
	if !th.Allow("c") {
		t.Fatal("refill did not happen")
	}
	if _, err := NewThrottle(ThrottleConfig{}); err == nil {
		t.Fatal("zero config accepted")
	}
}

func TestCheckScopes(t *testing.T) {
	tests := []struct {
		role    Role
		give    []Scope
		want    int
		wantErr error
	}{
		{RoleAnalyst, []Scope{ScopePIIRead, ScopeVerdictsRead, ScopePIIRead}, 2, nil},
		{RoleGateway, []Scope{ScopePIIRead}, 0, ErrScopeNotAllowed},
		{RoleOperator, []Scope{"nope"}, 0, ErrUnknownScope},
		{"nobody", nil, 0, ErrUnknownRole},
	}
	for _, tt := range tests {
		t.Run(string(tt.role), func(t *testing.T) {
			got, err := CheckScopes(tt.role, tt.give)
			if !errors.Is(err, tt.wantErr) || len(got) != tt.want {
				t.Fatalf("got %v, %v", got, err)
			}
		})
	}
	for _, r := range Roles() {
		if HasScope(DefaultScopes(r), ScopePIIRead) {
			t.Fatalf("%s has pii:read by default", r)
		}
		if _, err := CheckScopes(r, DefaultScopes(r)); err != nil {
			t.Fatalf("%s defaults not allowed: %v", r, err)
		}
	}
}
