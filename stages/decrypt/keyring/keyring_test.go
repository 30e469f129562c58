package keyring

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/phishx/phishx/stages/decrypt/fernet"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	testMaster    = []byte("0123456789abcdef0123456789abcdef")
	testMasterB64 = base64.StdEncoding.EncodeToString(testMaster)
	fastDerive    = DeriveConfig{RingID: "test", Iterations: MinIterations}
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDeriveDeterministicAndDistinct(t *testing.T) {
	r, err := DeriveRing(fastDerive, testMaster, 1, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if r.Active() != 3 || fmt.Sprint(r.Versions()) != "[1 2 3]" {
		t.Fatalf("ring = %v", r)
	}
	again, err := DeriveKey(fastDerive, testMaster, 2)
	if err != nil {
		t.Fatal(err)
	}
	k1, _ := r.Key(1)
	k2, _ := r.Key(2)
	if !k2.Equal(again) || k1.Equal(k2) {
		t.Fatal("derivation is not deterministic per version or versions collide")
	}
	other, _ := DeriveKey(DeriveConfig{RingID: "other", Iterations: MinIterations}, testMaster, 2)
	if other.Equal(k2) {
		t.Fatal("ring id does not change the derived key")
	}
	if _, err := r.Key(7); !errors.Is(err, ErrUnknownKeyVersion) {
		t.Fatalf("Key(7) err = %v", err)
	}
	var uv *UnknownVersionError
	if _, err := r.Key(7); !errors.As(err, &uv) || uv.Version != 7 {
		t.Fatalf("Key(7) err = %v", err)
	}
}

func TestFromMasterKeyDefaultIterations(t *testing.T) {
	if testing.Short() {
		t.Skip("600,000 PBKDF2 iterations")
	}
	r, err := FromMasterKey(testMaster, 1)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := r.Key(1)
	// Pinned so that a change of salt, hash or iteration count is noticed:
	// every sealed value at rest depends on it.
	const want = "ntj2XcWQggs1IRl5PSvWAUSsxfmT8UtRheI4tS-4fpg=" // Python hashlib.pbkdf2_hmac agrees
	if got := k.Encode(); got != want {
		t.Fatalf("derived key changed: got %s", got)
	}
}

func TestDeriveErrors(t *testing.T) {
	tests := []struct {
		name     string
		cfg      DeriveConfig
		master   []byte
		versions []int32
	}{
		{name: "short master", cfg: fastDerive, master: []byte("short"), versions: []int32{1}},
		{name: "version 0", cfg: fastDerive, master: testMaster, versions: []int32{0}},
		{name: "duplicate", cfg: fastDerive, master: testMaster, versions: []int32{1, 1}},
		{name: "none", cfg: fastDerive, master: testMaster},
		{name: "few iterations", cfg: DeriveConfig{RingID: "x", Iterations: 10}, master: testMaster, versions: []int32{1}},
		{name: "slash in id", cfg: DeriveConfig{RingID: "a/b", Iterations: MinIterations}, master: testMaster, versions: []int32{1}},
	}
	for _, tt := range tests {
		if _, err := DeriveRing(tt.cfg, tt.master, tt.versions...); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

func TestMasterKeyFromEnv(t *testing.T) {
	tests := []struct {
		give    map[string]string
		wantErr bool
	}{
		{give: map[string]string{EnvMasterKey: testMasterB64}},
		{give: map[string]string{EnvMasterKey: base64.RawURLEncoding.EncodeToString(testMaster) + "\n"}},
		{give: map[string]string{}, wantErr: true},
		{give: map[string]string{EnvMasterKey: "c2hvcnQ="}, wantErr: true},
		{give: map[string]string{EnvMasterKey: "not base64 at all!!"}, wantErr: true},
	}
	for _, tt := range tests {
		m, err := MasterKeyFromEnv(env(tt.give))
		if (err != nil) != tt.wantErr {
			t.Errorf("MasterKeyFromEnv(%v) err = %v", tt.give, err)
		}
		if err == nil && string(m) != string(testMaster) {
			t.Errorf("decoded master differs")
		}
		if err != nil && tt.give[EnvMasterKey] != "" && strings.Contains(err.Error(), tt.give[EnvMasterKey]) {
			t.Errorf("error quotes the master key: %v", err)
		}
	}
}

func TestRingRedacted(t *testing.T) {
	r, err := DeriveRing(fastDerive, testMaster, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := r.Key(2)
	secret := k.Encode()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
		out := fmt.Sprintf(verb, r)
		if strings.Contains(out, secret[:10]) || !strings.Contains(out, "active=2") {
			t.Errorf("%s: %q", verb, out)
		}
	}
}

func loadCfg(e map[string]string) LoadConfig {
	c := DefaultLoadConfig()
	c.Derive = fastDerive
	c.LookupEnv = env(e)
	return c
}

func TestParseFile(t *testing.T) {
	explicit, _ := fernet.GenerateKey(nil)
	secret := explicit.Encode()
	derived2, _ := DeriveKey(DeriveConfig{RingID: "eu", Iterations: MinIterations}, testMaster, 2)
	tests := []struct {
		name       string
		give       string
		env        map[string]string
		wantActive int32
		wantErr    string
	}{
		{name: "yaml mixed", give: "ring_id: eu\nactive: 2\nkeys:\n  - version: 1\n    key: " + secret + "\n  - version: 2\n    derive: true\n",
			env: map[string]string{EnvMasterKey: testMasterB64}, wantActive: 2},
		{name: "json", give: `{"active": 1, "keys": [{"version": 1, "key": "` + secret + `"}]}`, wantActive: 1},
		{name: "derive without master", give: "active: 1\nkeys: [{version: 1, derive: true}]", wantErr: "ENCRYPTION_MASTER_KEY"},
		{name: "active missing", give: "active: 3\nkeys: [{version: 1, key: " + secret + "}]", wantErr: "active version 3"},
		{name: "no active", give: "keys: [{version: 1, key: " + secret + "}]", wantErr: "active version not set"},
		{name: "both", give: "active: 1\nkeys: [{version: 1, derive: true, key: " + secret + "}]", wantErr: "not both"},
		{name: "neither", give: "active: 1\nkeys: [{version: 1}]", wantErr: "neither"},
		{name: "bad key", give: "active: 1\nkeys: [{version: 1, key: c2hvcnQ=}]", wantErr: "invalid key"},
		{name: "duplicate", give: "active: 1\nkeys: [{version: 1, key: " + secret + "}, {version: 1, key: " + secret + "}]", wantErr: "twice"},
		{name: "unknown field", give: "active: 1\nsecret: " + secret + "\nkeys: [{version: 1, key: " + secret + "}]", wantErr: "not a key ring"},
		{name: "key in wrong field", give: "active: " + secret + "\nkeys: []", wantErr: "not a key ring"},
		{name: "garbage", give: "{{{" + secret, wantErr: "not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := NewLoader(loadCfg(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			r, err := l.Parse([]byte(tt.give))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), secret[:12]) {
					t.Fatalf("error leaks the key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Active() != tt.wantActive {
				t.Fatalf("active = %d", r.Active())
			}
			if k, _ := r.Key(1); !k.Equal(explicit) {
				t.Fatal("explicit key not loaded")
			}
			if r.ID() == "eu" {
				if k, _ := r.Key(2); !k.Equal(derived2) {
					t.Fatal("derived key uses the wrong ring id")
				}
			}
		})
	}
}

func writeFile(t *testing.T, path, s string, mtime time.Time) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func TestWatcherReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys.yaml")
	k1, _ := fernet.GenerateKey(nil)
	k2, _ := fernet.GenerateKey(nil)
	v1 := "active: 1\nkeys: [{version: 1, key: " + k1.Encode() + "}]\n"
	v2 := "active: 2\nkeys: [{version: 1, key: " + k1.Encode() + "}, {version: 2, key: " + k2.Encode() + "}]\n"
	base := time.Now().Add(-time.Hour)
	writeFile(t, path, v1, base)

	cfg := DefaultWatcherConfig(path)
	cfg.Load = loadCfg(nil)
	cfg.Interval = 100 * time.Millisecond
	core, logs := observer.New(zap.DebugLevel)
	w, err := NewWatcher(cfg, zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	if w.Ring().Active() != 1 {
		t.Fatalf("initial ring %v", w.Ring())
	}

	// Unchanged file: nothing to do.
	if changed, err := w.Check(); changed || err != nil {
		t.Fatalf("Check on an unchanged file = %v, %v", changed, err)
	}
	// Same contents, new mtime: hashed, not reloaded.
	writeFile(t, path, v1, base.Add(time.Second))
	if changed, err := w.Check(); changed || err != nil {
		t.Fatalf("Check after touch = %v, %v", changed, err)
	}
	// A broken file keeps the old ring and reports once.
	writeFile(t, path, "active: 9\nkeys: [{version: 1, key: "+k1.Encode()+"}]\n", base.Add(2*time.Second))
	if _, err := w.Check(); err == nil || strings.Contains(err.Error(), k1.Encode()) {
		t.Fatalf("Check on a bad file err = %v", err)
	}
	if w.Ring().Active() != 1 {
		t.Fatal("bad file replaced the ring")
	}

	// Run picks up a good file while readers hammer the ring.
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	errc := make(chan error, 1)
	go func() { defer wg.Done(); errc <- w.Run(ctx) }()
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			if v, k := w.ActiveKey(); k == nil || v < 1 {
				t.Error("ActiveKey returned nothing")
				return
			}
		}
	}()
	writeFile(t, path, v2, base.Add(3*time.Second))
	deadline := time.Now().Add(5 * time.Second)
	for w.Ring().Active() != 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if err := <-errc; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if w.Ring().Active() != 2 {
		t.Fatal("watcher did not reload the changed file")
	}
	if k, err := w.Key(2); err != nil || !k.Equal(k2) {
		t.Fatal("new key not served")
	}
	if logs.FilterMessage("key ring reloaded").Len() != 1 {
		t.Fatalf("reload not logged once: %v", logs.All())
	}
	for _, e := range logs.All() {
		if strings.Contains(fmt.Sprint(e.Context), k2.Encode()[:12]) {
			t.Fatal("log leaks key material")
		}
	}
}

func TestLoaderCachesDerivation(t *testing.T) {
	l, err := NewLoader(loadCfg(map[string]string{EnvMasterKey: testMasterB64}))
	if err != nil {
		t.Fatal(err)
	}
	file := []byte("active: 1\nkeys: [{version: 1, derive: true}]")
	r1, err := l.Parse(file)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := l.Parse(file)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := r1.Key(1)
	b, _ := r2.Key(1)
	if a != b {
		t.Fatal("second load re-derived instead of using the cache")
	}
}
