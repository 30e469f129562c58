package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"golang.org/x/crypto/bcrypt"

	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/pipeline/api/auth"
	"github.com/phishx/phishx/pipeline/api/store"
	"github.com/phishx/phishx/schemas"
	"github.com/phishx/phishx/schemas/seal"
	"github.com/phishx/phishx/stages/decrypt/fernet"
	"github.com/phishx/phishx/stages/decrypt/keyring"
)

var testJWTSecret = []byte("api-test-secret-api-test-secret-0123456789")

// memAudit is an in-memory AuditWriter and AuditReader.
type memAudit struct {
	mu   sync.Mutex
	recs []AuditRecord
}

func (m *memAudit) WriteAudit(_ context.Context, recs []AuditRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.recs = append(m.recs, recs...)
	return nil
}

func (m *memAudit) QueryAudit(_ context.Context, f AuditFilter) ([]AuditRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []AuditRecord
	for i := len(m.recs) - 1; i >= 0 && len(out) < f.Limit; i-- {
		r := m.recs[i]
		if (f.Action == "" || r.Action == f.Action) && (f.Actor == "" || r.Actor == f.Actor) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m *memAudit) has(action, outcome, reason string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.ContainsFunc(m.recs, func(r AuditRecord) bool {
		return r.Action == action && (outcome == "" || r.Outcome == outcome) && (reason == "" || r.Reason == reason)
	})
}

// memVerdicts serves fixed verdicts.
type memVerdicts struct{ byID map[string]Verdict }

func (m *memVerdicts) Verdict(_ context.Context, id string) (Verdict, error) {
	v, ok := m.byID[id]
	if !ok {
		return Verdict{}, ErrVerdictNotFound
	}
	return v, nil
}

func (m *memVerdicts) Verdicts(_ context.Context, f VerdictFilter) ([]Verdict, error) {
	var out []Verdict
	for _, v := range m.byID {
		if (f.Tenant == "" || v.Tenant == f.Tenant) && len(out) < f.Limit {
			out = append(out, v)
		}
	}
	return out, nil
}

// jsonEncoder stands in for the Avro codec.
type jsonEncoder struct{}

func (jsonEncoder) EncodeEvent(ev *schemas.EmailEvent) ([]byte, error) { return json.Marshal(ev) }

type memProducer struct {
	mu   sync.Mutex
	vals [][]byte
}

func (p *memProducer) ProduceEvent(_ context.Context, _, v []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.vals = append(p.vals, v)
	return nil
}

type harness struct {
	srv      *Server
	h        http.Handler
	audit    *memAudit
	prod     *memProducer
	sealer   *seal.Sealer
	tokens   *auth.Tokens
	store    *store.Store
	brokers  []string
	adminTok string
}

const (
	adminEmail = "admin@example.com"
	adminPass  = "admin-password-123"
)

func testSealer(t testing.TB) *seal.Sealer {
	k, err := fernet.NewKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	ring, err := keyring.New("test", 1, map[int32]*fernet.Key{1: k})
	if err != nil {
		t.Fatal(err)
	}
	s, err := seal.NewSealer(ring, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func startStore(t testing.TB, brokers []string, topic pipeline.Topic) *store.Store {
	cfg := store.DefaultConfig()
	cfg.Brokers = brokers
	cfg.Topic = topic
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := store.Open(ctx, cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = st.Run(runCtx) })
	t.Cleanup(func() { stop(); wg.Wait(); st.Close() })
	if err := st.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// newHarness starts kfake, a store, an auditor and a server. brokers may
// name an existing cluster to add a second instance.
func newHarness(t testing.TB, brokers []string, verdicts VerdictReader, aw interface {
	AuditWriter
	AuditReader
}) *harness {
	t.Helper()
	return newHarnessOn(t, brokers, store.DefaultConfig().Topic, verdicts, aw)
}

// newHarnessOn is newHarness with the control topic named, for tests on a
// shared real broker where every test needs its own topic.
func newHarnessOn(t testing.TB, brokers []string, topic pipeline.Topic, verdicts VerdictReader, aw interface {
	AuditWriter
	AuditReader
}) *harness {
	t.Helper()
	if brokers == nil {
		k, err := pipeline.StartEmbeddedKafka(0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(k.Close)
		brokers = k.Brokers()
	}
	st := startStore(t, brokers, topic)
	sealer := testSealer(t)
	ks, err := auth.NewHMACKeySet(testJWTSecret)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.BcryptCost = bcrypt.MinCost
	tokens, err := auth.NewTokens(cfg.Tokens, ks)
	if err != nil {
		t.Fatal(err)
	}
	ma, _ := aw.(*memAudit)
	if aw == nil {
		ma = &memAudit{}
		aw = ma
	}
	acfg := DefaultAuditorConfig()
	acfg.FlushInterval = 10 * time.Millisecond
	auditor, err := NewAuditor(acfg, aw, sealer, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	actx, astop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = auditor.Run(actx) })
	t.Cleanup(func() { astop(); wg.Wait() })
	if verdicts == nil {
		verdicts = &memVerdicts{byID: map[string]Verdict{}}
	}
	prod := &memProducer{}
	srv, err := New(cfg, Deps{Store: st, Tokens: tokens, Sealer: sealer, IndexKey: bytes.Repeat([]byte{9}, 32),
		Auditor: auditor, Audit: aw, Verdicts: verdicts, Encoder: jsonEncoder{}, Producer: prod, Log: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{srv: srv, h: srv.Handler(), audit: ma, prod: prod, sealer: sealer, tokens: tokens, store: st, brokers: brokers}
	if _, err := srv.Bootstrap(context.Background(), adminEmail, adminPass); err != nil {
		t.Fatal(err)
	}
	if st.UserCount() > 0 {
		waitFor(t, func() bool {
			_, ok := st.UserByEmailIndex(EmailIndex(bytes.Repeat([]byte{9}, 32), adminEmail))
			return ok
		})
		h.adminTok = h.login(t, adminEmail, adminPass).AccessToken
	}
	return h
}

func (h *harness) do(t testing.TB, method, path, tok string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	req.RemoteAddr = "192.0.2.10:4444"
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	return rec
}

func (h *harness) login(t testing.TB, email, pass string) TokenResponse {
	t.Helper()
	rec := h.do(t, "POST", "/auth/login", "", LoginRequest{Email: email, Password: pass})
	if rec.Code != http.StatusOK {
		t.Fatalf("login %d: %s", rec.Code, rec.Body)
	}
	var tr TokenResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &tr); err != nil {
		t.Fatal(err)
	}
	return tr
}

// createUser makes a user as admin and logs in.
func (h *harness) createUser(t testing.TB, email string, role auth.Role, scopes []auth.Scope) TokenResponse {
	t.Helper()
	rec := h.do(t, "POST", "/v1/users", h.adminTok, CreateUserRequest{Email: email, Name: "Test User", Password: "user-password-123", Role: role, Scopes: scopes})
	if rec.Code != http.StatusCreated {
		t.Fatalf("create user %d: %s", rec.Code, rec.Body)
	}
	return h.login(t, email, "user-password-123")
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func errorCode(t testing.TB, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var eb ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.Error.Code == "" || eb.Error.Message == "" {
		t.Fatalf("body is not the error shape: %q", rec.Body)
	}
	return eb.Error.Code
}

type httptestRecorder = httptest.ResponseRecorder

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func newRequest(method, path, body string) *http.Request {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.RemoteAddr = "192.0.2.11:5555"
	return r
}
