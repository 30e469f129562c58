package api

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/phishx/phishx/pipeline/api/auth"
	"github.com/phishx/phishx/pipeline/api/store"
	"github.com/phishx/phishx/schemas"
	"github.com/phishx/phishx/schemas/seal"
)

// EventEncoder turns an event into the bytes produced to Kafka (the Avro
// codec with its wire framing).
type EventEncoder interface {
	EncodeEvent(*schemas.EmailEvent) ([]byte, error)
}

// EventProducer produces one encoded event and returns when it is
// acknowledged.
type EventProducer interface {
	ProduceEvent(ctx context.Context, key, value []byte) error
}

// Deps are the server's collaborators. All are required.
type Deps struct {
	Store    *store.Store
	Tokens   *auth.Tokens
	Sealer   *seal.Sealer
	IndexKey []byte // >= 32 bytes; keys the email lookup hash
	Auditor  *Auditor
	Audit    AuditReader
	Verdicts VerdictReader
	Encoder  EventEncoder
	Producer EventProducer
	// Ready reports extra readiness (e.g. ClickHouse ping); nil means none.
	Ready func(context.Context) error
	Log   *zap.Logger
}

// Server is the HTTP control plane. Handler is safe for concurrent use.
type Server struct {
	cfg       Config
	d         Deps
	hasher    *auth.Hasher
	perAcct   *auth.Throttle
	perAddr   *auth.Throttle
	metrics   *metrics
	mux       *http.ServeMux
	routes    []route
	handler   http.Handler
	now       func() time.Time
	dummyHash string
}

// New builds a Server.
func New(cfg Config, d Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch {
	case d.Store == nil, d.Tokens == nil, d.Sealer == nil, d.Auditor == nil, d.Audit == nil,
		d.Verdicts == nil, d.Encoder == nil, d.Producer == nil, d.Log == nil:
		return nil, errors.New("api: every dependency must be set")
	case len(d.IndexKey) < 32:
		return nil, errors.New("api: index key must be at least 32 bytes")
	}
	h, err := auth.NewHasher(cfg.BcryptCost)
	if err != nil {
		return nil, err
	}
	pa, err := auth.NewThrottle(cfg.LoginPerAccount)
	if err != nil {
		return nil, err
	}
	pd, err := auth.NewThrottle(cfg.LoginPerAddress)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, d: d, hasher: h, perAcct: pa, perAddr: pd, metrics: newMetrics(), now: time.Now}
	s.d.Log = d.Log.Named("api")
	s.routes = s.routeTable()
	s.mux = http.NewServeMux()
	for _, rt := range s.routes {
		s.mux.Handle(rt.Method+" "+rt.Pattern, s.wrap(rt))
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, CodeNotFound, "no such endpoint")
	})
	s.handler = s.recoverer(s.mux)
	return s, nil
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Registry returns the Prometheus registry the server reports to.
func (s *Server) Registry() *prometheus.Registry { return s.metrics.reg }

// Serve serves on ln until ctx ends, then shuts down gracefully within
// ShutdownTimeout.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    32 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("api: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return fmt.Errorf("api: shutdown: %w", err)
	}
	return nil
}

// ListenAndServe listens on cfg.Addr and calls Serve.
func (s *Server) ListenAndServe(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("api: listen %s: %w", s.cfg.Addr, err)
	}
	return s.Serve(ctx, ln)
}

// EmailIndex is the keyed hash users are found by: HMAC-SHA256 of the
// trimmed, lower-cased address. It is deterministic (unlike the sealed
// copy) and reveals nothing without the key.
func EmailIndex(key []byte, email string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(strings.ToLower(strings.TrimSpace(email))))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// clientIP is the TCP peer. X-Forwarded-For is not trusted: a proxy in
// front would need an explicit trusted-proxy setting.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.d.Log.Error("handler panic", zap.String("path", r.URL.Path))
				writeError(w, http.StatusInternalServerError, CodeInternal, "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// Bootstrap creates the first admin when the store has no users. It does
// nothing when a user exists.
func (s *Server) Bootstrap(ctx context.Context, email, password string) (bool, error) {
	if s.d.Store.UserCount() > 0 {
		return false, nil
	}
	u, err := s.newUser(email, "bootstrap admin", password, auth.RoleAdmin, nil)
	if err != nil {
		return false, err
	}
	if err := s.d.Store.PutUser(ctx, u); err != nil {
		return false, fmt.Errorf("api: bootstrap admin: %w", err)
	}
	s.audit(ctx, Event{Actor: u.ID, ActorRole: string(u.Role), Action: ActBootstrap, Target: u.ID, Outcome: OutcomeSuccess})
	return true, nil
}

func (s *Server) newUser(email, name, password string, role auth.Role, scopes []auth.Scope) (store.User, error) {
	if !validEmail(email) {
		return store.User{}, errInvalidEmail
	}
	if len(name) > 256 {
		return store.User{}, errors.New("name longer than 256 bytes")
	}
	if scopes == nil {
		scopes = auth.DefaultScopes(role)
	}
	sc, err := auth.CheckScopes(role, scopes)
	if err != nil {
		return store.User{}, err
	}
	hash, err := s.hasher.Hash(password)
	if err != nil {
		return store.User{}, err
	}
	es, err := s.d.Sealer.SealString([]byte(strings.TrimSpace(email)))
	if err != nil {
		return store.User{}, fmt.Errorf("api: seal email: %w", err)
	}
	ns, err := s.d.Sealer.SealString([]byte(name))
	if err != nil {
		return store.User{}, fmt.Errorf("api: seal name: %w", err)
	}
	now := s.now().UTC()
	return store.User{
		ID: auth.NewID(), EmailIndex: EmailIndex(s.d.IndexKey, email), EmailSealed: es, NameSealed: ns,
		PasswordHash: hash, Role: role, Scopes: sc, CreatedAt: now, UpdatedAt: now,
	}, nil
}

var errInvalidEmail = errors.New("email must look like local@domain and be at most 254 bytes")

func validEmail(e string) bool {
	e = strings.TrimSpace(e)
	at := strings.LastIndexByte(e, '@')
	return len(e) <= 254 && at > 0 && at < len(e)-1 && !strings.ContainsAny(e, " \t\r\n")
}

// audit records ev; a failure is logged (without PII) and does not change
// the response, except that the metric counts it.
func (s *Server) audit(ctx context.Context, ev Event) {
	if err := s.d.Auditor.Record(ctx, ev); err != nil {
		s.metrics.auditErrors.Inc()
		s.d.Log.Error("audit record dropped", zap.String("action", ev.Action), zap.Error(err))
	}
}
