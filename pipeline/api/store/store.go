package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/zap"

	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/pipeline/api/auth"
)

// DefaultTopic is the compacted control topic.
const DefaultTopic pipeline.Topic = "phishx.control.v1"

// Key prefixes.
const (
	prefixUser    = "user/"
	prefixFamily  = "family/"
	prefixUsed    = "used/"
	prefixRevoked = "revoked/"
)

// Errors.
var (
	ErrNotFound      = errors.New("store: not found")
	ErrEmailTaken    = errors.New("store: email already registered")
	ErrRefreshReused = errors.New("store: refresh token already used")
	ErrFamilyRevoked = errors.New("store: token family revoked")
	ErrNotReady      = errors.New("store: not caught up with the control topic")
	ErrClosed        = errors.New("store: closed")
)

// Config configures a Store.
type Config struct {
	Brokers []string       `yaml:"brokers"`
	Topic   pipeline.Topic `yaml:"topic"`
	// CreateTopic creates the compacted topic when missing.
	CreateTopic       bool  `yaml:"create_topic"`
	ReplicationFactor int16 `yaml:"replication_factor"`
	// FetchMaxWait bounds how long a fetch waits for new records; it bounds
	// how stale another instance's view can be.
	FetchMaxWait time.Duration `yaml:"fetch_max_wait"`
}

// DefaultConfig returns a config for the default topic; Brokers must be set.
func DefaultConfig() Config {
	return Config{Topic: DefaultTopic, CreateTopic: true, ReplicationFactor: 1, FetchMaxWait: 250 * time.Millisecond}
}

// Validate names the first bad field.
func (c Config) Validate() error {
	switch {
	case len(c.Brokers) == 0:
		return errors.New("store: brokers must be set")
	case c.Topic == "":
		return errors.New("store: topic must be set")
	case c.ReplicationFactor < 1:
		return errors.New("store: replication_factor must be at least 1")
	case c.FetchMaxWait <= 0 || c.FetchMaxWait > 5*time.Second:
		return errors.New("store: fetch_max_wait must be in (0, 5s]")
	}
	return nil
}

// User is one account. EmailSealed and NameSealed are seal.SealString
// values; EmailIndex is a keyed hash of the normalised email for lookups.
type User struct {
	ID           string       `json:"id"`
	EmailIndex   string       `json:"email_index"`
	EmailSealed  string       `json:"email_sealed"`
	NameSealed   string       `json:"name_sealed"`
	PasswordHash string       `json:"password_hash"`
	Role         auth.Role    `json:"role"`
	Scopes       []auth.Scope `json:"scopes"`
	Disabled     bool         `json:"disabled"`
	// TokensNotBefore invalidates every token issued before it.
	TokensNotBefore time.Time `json:"tokens_not_before"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// Family is a chain of refresh tokens from one login.
type Family struct {
	ID            string    `json:"id"`
	UserID        string    `json:"user_id"`
	CreatedAt     time.Time `json:"created_at"`
	ExpiresAt     time.Time `json:"expires_at"`
	Revoked       bool      `json:"revoked"`
	RevokedReason string    `json:"revoked_reason,omitempty"`
}

// Use records that refresh token JTI was exchanged for Successor.
type Use struct {
	JTI       string    `json:"jti"`
	Family    string    `json:"family"`
	Successor string    `json:"successor"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Revocation records a revoked token id.
type Revocation struct {
	JTI       string    `json:"jti"`
	ExpiresAt time.Time `json:"expires_at"`
	At        time.Time `json:"at"`
	Reason    string    `json:"reason"`
}

// Store is the materialised control topic.
type Store struct {
	cfg Config
	cl  *kgo.Client
	log *zap.Logger

	mu       sync.RWMutex
	users    map[string]User
	byEmail  map[string]string // email index -> user id
	families map[string]Family
	used     map[string]Use
	revoked  map[string]Revocation
	applied  int64         // last applied offset, -1 before any
	readyAt  int64         // offset to reach before ready (end offset - 1)
	ready    bool          //
	changed  chan struct{} // closed and replaced after each applied batch
}

// Open connects, creates the topic if configured, and records the end
// offset to catch up with. Call Run to start consuming.
func Open(ctx context.Context, cfg Config, log *zap.Logger) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.CreateTopic {
		compact := "compact"
		err := pipeline.EnsureTopics(ctx, cfg.Brokers, pipeline.TopicSpec{
			Topic: cfg.Topic, Partitions: 1, ReplicationFactor: cfg.ReplicationFactor,
			Configs: map[string]*string{"cleanup.policy": &compact},
		})
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ConsumeTopics(string(cfg.Topic)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(cfg.FetchMaxWait),
		kgo.DefaultProduceTopic(string(cfg.Topic)),
		kgo.ProducerLinger(0),
		kgo.RequiredAcks(kgo.AllISRAcks()),
	)
	if err != nil {
		return nil, fmt.Errorf("store: kafka client: %w", err)
	}
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, string(cfg.Topic))
	if err != nil {
		cl.Close()
		return nil, fmt.Errorf("store: end offsets of %s: %w", cfg.Topic, err)
	}
	end := int64(0)
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err == nil && o.Offset > end {
			end = o.Offset
		}
	})
	s := &Store{
		cfg: cfg, cl: cl, log: log.Named("store"),
		users: map[string]User{}, byEmail: map[string]string{}, families: map[string]Family{},
		used: map[string]Use{}, revoked: map[string]Revocation{},
		applied: -1, readyAt: end - 1, ready: end == 0, changed: make(chan struct{}),
	}
	return s, nil
}

// Run consumes the topic into memory until ctx ends.
func (s *Store) Run(ctx context.Context) error {
	for {
		fs := s.cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if fs.IsClientClosed() {
			return ErrClosed
		}
		fs.EachError(func(t string, p int32, err error) {
			s.log.Warn("fetch error", zap.String("topic", t), zap.Int32("partition", p), zap.Error(err))
		})
		s.mu.Lock()
		fs.EachRecord(s.applyLocked)
		if !s.ready && s.applied >= s.readyAt {
			s.ready = true
			s.log.Info("caught up", zap.Int64("offset", s.applied), zap.Int("users", len(s.users)))
		}
		close(s.changed)
		s.changed = make(chan struct{})
		s.mu.Unlock()
	}
}

// Close closes the Kafka client. Call it after Run returned.
func (s *Store) Close() { s.cl.Close() }

// Ready reports whether the store has caught up with the topic as it was
// at Open.
func (s *Store) Ready() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ready
}

// WaitReady blocks until Ready or ctx ends.
func (s *Store) WaitReady(ctx context.Context) error {
	for {
		s.mu.RLock()
		ready, ch := s.ready, s.changed
		s.mu.RUnlock()
		if ready {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", ErrNotReady, ctx.Err())
		}
	}
}

func (s *Store) applyLocked(r *kgo.Record) {
	s.applied = r.Offset
	key := string(r.Key)
	del := r.Value == nil
	bad := func(err error) {
		s.log.Warn("skipping undecodable control record", zap.Int64("offset", r.Offset), zap.Error(err))
	}
	switch {
	case strings.HasPrefix(key, prefixUser):
		id := key[len(prefixUser):]
		if old, ok := s.users[id]; ok && s.byEmail[old.EmailIndex] == id {
			delete(s.byEmail, old.EmailIndex)
		}
		if del {
			delete(s.users, id)
			return
		}
		var u User
		if err := json.Unmarshal(r.Value, &u); err != nil {
			bad(err)
			return
		}
		s.users[id] = u
		s.byEmail[u.EmailIndex] = id
	case strings.HasPrefix(key, prefixFamily):
		id := key[len(prefixFamily):]
		if del {
			delete(s.families, id)
			return
		}
		var f Family
		if err := json.Unmarshal(r.Value, &f); err != nil {
			bad(err)
			return
		}
		if old, ok := s.families[id]; ok && old.Revoked {
			f.Revoked, f.RevokedReason = true, old.RevokedReason // sticky
		}
		s.families[id] = f
	case strings.HasPrefix(key, prefixUsed):
		jti := key[len(prefixUsed):]
		if del {
			delete(s.used, jti)
			return
		}
		var u Use
		if err := json.Unmarshal(r.Value, &u); err != nil {
			bad(err)
			return
		}
		if old, ok := s.used[jti]; ok {
			if old.Successor != u.Successor {
				// Two exchanges of one token: the first wins everywhere and
				// the family is dead on every instance at once. The loser
				// also writes the revocation so it survives compaction.
				if f, ok := s.families[u.Family]; ok && !f.Revoked {
					f.Revoked, f.RevokedReason = true, "refresh_reuse"
					s.families[u.Family] = f
				}
			}
			return
		}
		s.used[jti] = u
	case strings.HasPrefix(key, prefixRevoked):
		jti := key[len(prefixRevoked):]
		if del {
			delete(s.revoked, jti)
			return
		}
		var rv Revocation
		if err := json.Unmarshal(r.Value, &rv); err != nil {
			bad(err)
			return
		}
		s.revoked[jti] = rv
	default:
		bad(fmt.Errorf("unknown key prefix (%d bytes)", len(key)))
	}
}

// write produces key=v and waits until this instance applied it.
func (s *Store) write(ctx context.Context, key string, v any) error {
	val, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode %s: %w", strings.SplitN(key, "/", 2)[0], err)
	}
	res := s.cl.ProduceSync(ctx, &kgo.Record{Key: []byte(key), Value: val})
	rec, err := res.First()
	if err != nil {
		return fmt.Errorf("store: produce to %s: %w", s.cfg.Topic, err)
	}
	return s.waitApplied(ctx, rec.Offset)
}

func (s *Store) waitApplied(ctx context.Context, off int64) error {
	for {
		s.mu.RLock()
		applied, ch := s.applied, s.changed
		s.mu.RUnlock()
		if applied >= off {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("store: wait for offset %d: %w", off, ctx.Err())
		}
	}
}

// PutUser creates or replaces u. A different user holding the same email
// index is refused with ErrEmailTaken (checked locally, so two instances
// racing on one email within the fetch interval could both succeed; the
// later write then owns the index).
func (s *Store) PutUser(ctx context.Context, u User) error {
	if u.ID == "" || u.EmailIndex == "" {
		return errors.New("store: user id and email index must be set")
	}
	s.mu.RLock()
	other, taken := s.byEmail[u.EmailIndex]
	s.mu.RUnlock()
	if taken && other != u.ID {
		return ErrEmailTaken
	}
	return s.write(ctx, prefixUser+u.ID, u)
}

// User returns the user with id.
func (s *Store) User(id string) (User, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.users[id]
	return cloneUser(u), ok
}

// UserByEmailIndex returns the user whose email index is idx.
func (s *Store) UserByEmailIndex(idx string) (User, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.byEmail[idx]
	if !ok {
		return User{}, false
	}
	u, ok := s.users[id]
	return cloneUser(u), ok
}

// Users returns every user, ordered by creation time.
func (s *Store) Users() []User {
	s.mu.RLock()
	out := make([]User, 0, len(s.users))
	for _, u := range s.users {
		out = append(out, cloneUser(u))
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b User) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// UserCount returns the number of users.
func (s *Store) UserCount() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.users)
}

func cloneUser(u User) User {
	u.Scopes = slices.Clone(u.Scopes)
	return u
}

// CreateFamily records a new refresh-token family.
func (s *Store) CreateFamily(ctx context.Context, f Family) error {
	if f.ID == "" || f.UserID == "" {
		return errors.New("store: family id and user id must be set")
	}
	return s.write(ctx, prefixFamily+f.ID, f)
}

// Family returns family id.
func (s *Store) Family(id string) (Family, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	f, ok := s.families[id]
	return f, ok
}

// RevokeFamily marks family id revoked for reason. Revoking a revoked or
// unknown family is not an error.
func (s *Store) RevokeFamily(ctx context.Context, id, reason string) error {
	f, ok := s.Family(id)
	if !ok {
		return nil
	}
	// Written even when already revoked in memory: a revocation derived
	// from a rotation race exists only in memory until written.
	f.Revoked, f.RevokedReason = true, reason
	return s.write(ctx, prefixFamily+id, f)
}

// RevokeUserFamilies revokes every family of user id.
func (s *Store) RevokeUserFamilies(ctx context.Context, userID, reason string) error {
	s.mu.RLock()
	var ids []string
	for id, f := range s.families {
		if f.UserID == userID && !f.Revoked {
			ids = append(ids, id)
		}
	}
	s.mu.RUnlock()
	var errs []error
	for _, id := range ids {
		errs = append(errs, s.RevokeFamily(ctx, id, reason))
	}
	return errors.Join(errs...)
}

// Rotate exchanges refresh token oldJTI of family fam for newJTI. It
// returns ErrFamilyRevoked if the family is dead, ErrNotFound if unknown,
// and ErrRefreshReused if oldJTI was already exchanged (here or on another
// instance, even concurrently). On ErrRefreshReused the caller revokes the
// family.
func (s *Store) Rotate(ctx context.Context, fam, oldJTI, newJTI string, exp time.Time) error {
	if err := s.checkFamily(fam); err != nil {
		return err
	}
	s.mu.RLock()
	_, usedBefore := s.used[oldJTI]
	s.mu.RUnlock()
	if usedBefore {
		return ErrRefreshReused
	}
	if err := s.write(ctx, prefixUsed+oldJTI, Use{JTI: oldJTI, Family: fam, Successor: newJTI, ExpiresAt: exp}); err != nil {
		return err
	}
	s.mu.RLock()
	won := s.used[oldJTI].Successor == newJTI
	s.mu.RUnlock()
	if !won {
		return ErrRefreshReused
	}
	return s.checkFamily(fam)
}

func (s *Store) checkFamily(fam string) error {
	f, ok := s.Family(fam)
	switch {
	case !ok:
		return fmt.Errorf("family: %w", ErrNotFound)
	case f.Revoked:
		return ErrFamilyRevoked
	}
	return nil
}

// Revoke marks token id jti revoked until exp.
func (s *Store) Revoke(ctx context.Context, jti string, exp time.Time, reason string) error {
	if jti == "" {
		return errors.New("store: empty jti")
	}
	return s.write(ctx, prefixRevoked+jti, Revocation{JTI: jti, ExpiresAt: exp, At: time.Now().UTC(), Reason: reason})
}

// IsRevoked reports whether jti was revoked.
func (s *Store) IsRevoked(jti string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.revoked[jti]
	return ok
}

// FamilyActive reports whether family id exists and is not revoked.
func (s *Store) FamilyActive(id string) bool { return s.checkFamily(id) == nil }
