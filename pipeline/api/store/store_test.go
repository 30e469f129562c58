package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap"

	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/pipeline/api/auth"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// instance is one running store; stop ends Run and closes it.
type instance struct {
	*Store
	stop func()
}

func startStore(t *testing.T, brokers []string) *instance {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Brokers = brokers
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := Open(ctx, cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stopRun := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = s.Run(runCtx) })
	if err := s.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	in := &instance{Store: s}
	var once sync.Once
	in.stop = func() { once.Do(func() { stopRun(); wg.Wait(); s.Close() }) }
	t.Cleanup(in.stop)
	return in
}

func startKafka(t *testing.T) []string {
	t.Helper()
	k, err := pipeline.StartEmbeddedKafka(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	return k.Brokers()
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSharedAndDurable(t *testing.T) {
	brokers := startKafka(t)
	a, b := startStore(t, brokers), startStore(t, brokers)
	ctx := ctxT(t)
	u := User{ID: "u1", EmailIndex: "idx1", EmailSealed: "v1:x", Role: auth.RoleAnalyst, CreatedAt: time.Now()}
	if err := a.PutUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got, ok := a.UserByEmailIndex("idx1"); !ok || got.ID != "u1" {
		t.Fatalf("read-your-write failed: %+v %v", got, ok)
	}
	waitFor(t, func() bool { _, ok := b.User("u1"); return ok })
	if err := b.PutUser(ctx, User{ID: "u2", EmailIndex: "idx1"}); !errors.Is(err, ErrEmailTaken) {
		t.Fatalf("email taken on the other instance: err = %v", err)
	}
	if err := a.Revoke(ctx, "jti-1", time.Now().Add(time.Hour), "logout"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	waitFor(t, func() bool { return b.IsRevoked("jti-1") })
	if d := time.Since(start); d > time.Second {
		t.Errorf("revocation reached the other instance after %v, want under 1s", d)
	}
	a.stop()
	c := startStore(t, brokers)
	if !c.IsRevoked("jti-1") {
		t.Fatal("revocation lost on restart")
	}
	if _, ok := c.User("u1"); !ok {
		t.Fatal("user lost on restart")
	}
}

func TestEmailTaken(t *testing.T) {
	s := startStore(t, startKafka(t))
	ctx := ctxT(t)
	if err := s.PutUser(ctx, User{ID: "u1", EmailIndex: "i"}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutUser(ctx, User{ID: "u2", EmailIndex: "i"}); !errors.Is(err, ErrEmailTaken) {
		t.Fatalf("err = %v", err)
	}
	if err := s.PutUser(ctx, User{ID: "u1", EmailIndex: "i", Disabled: true}); err != nil {
		t.Fatalf("update own user: %v", err)
	}
}

func TestRotateAndReuse(t *testing.T) {
	brokers := startKafka(t)
	a, b := startStore(t, brokers), startStore(t, brokers)
	ctx := ctxT(t)
	exp := time.Now().Add(time.Hour)
	if err := a.CreateFamily(ctx, Family{ID: "f1", UserID: "u1", ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	if err := a.Rotate(ctx, "f1", "r1", "r2", exp); err != nil {
		t.Fatalf("first rotation: %v", err)
	}
	waitFor(t, func() bool { _, ok := b.Family("f1"); return ok })
	// r1 replayed on the other instance: reuse.
	waitFor(t, func() bool {
		b.mu.RLock()
		defer b.mu.RUnlock()
		_, ok := b.used["r1"]
		return ok
	})
	if err := b.Rotate(ctx, "f1", "r1", "r9", exp); !errors.Is(err, ErrRefreshReused) {
		t.Fatalf("reuse: err = %v", err)
	}
	if err := b.RevokeFamily(ctx, "f1", "refresh_reuse"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return !a.FamilyActive("f1") })
	if err := a.Rotate(ctx, "f1", "r2", "r3", exp); !errors.Is(err, ErrFamilyRevoked) {
		t.Fatalf("after revocation: err = %v", err)
	}
	// A revoked family stays revoked whatever is written later.
	if err := a.CreateFamily(ctx, Family{ID: "f1", UserID: "u1", ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	if a.FamilyActive("f1") {
		t.Fatal("revocation was not sticky")
	}
	if err := a.Rotate(ctx, "nope", "x", "y", exp); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown family: %v", err)
	}
}

// Two instances exchanging the same refresh token at once: exactly one may
// win, and the family ends up revoked on both.
func TestConcurrentRotation(t *testing.T) {
	brokers := startKafka(t)
	a, b := startStore(t, brokers), startStore(t, brokers)
	ctx := ctxT(t)
	exp := time.Now().Add(time.Hour)
	if err := a.CreateFamily(ctx, Family{ID: "f", UserID: "u", ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { _, ok := b.Family("f"); return ok })
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, s := range []*instance{a, b} {
		wg.Go(func() {
			errs[i] = s.Rotate(ctx, "f", "r1", []string{"ra", "rb"}[i], exp)
			if errors.Is(errs[i], ErrRefreshReused) {
				_ = s.RevokeFamily(ctx, "f", "refresh_reuse")
			}
		})
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
		}
	}
	if wins != 1 {
		t.Fatalf("%d rotations won, want exactly 1: %v", wins, errs)
	}
	waitFor(t, func() bool { return !a.FamilyActive("f") && !b.FamilyActive("f") })
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		give func(*Config)
		ok   bool
	}{
		{"no brokers", func(c *Config) {}, false},
		{"ok", func(c *Config) { c.Brokers = []string{"x"} }, true},
		{"no topic", func(c *Config) { c.Brokers = []string{"x"}; c.Topic = "" }, false},
		{"wait too long", func(c *Config) { c.Brokers = []string{"x"}; c.FetchMaxWait = time.Minute }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.give(&c)
			if err := c.Validate(); (err == nil) != tt.ok {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
