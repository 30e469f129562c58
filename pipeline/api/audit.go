package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/phishx/phishx/schemas/seal"
)

// Audit actions.
const (
	ActLogin         = "auth.login"
	ActRefresh       = "auth.refresh"
	ActRefreshReuse  = "auth.refresh_reuse"
	ActLogout        = "auth.logout"
	ActTokenRejected = "auth.token_rejected"
	ActAccessDenied  = "auth.access_denied"
	ActRevoke        = "auth.revoke"
	ActUserCreate    = "user.create"
	ActUserUpdate    = "user.update"
	ActUserList      = "user.list"
	ActPIIRead       = "pii.read"
	ActEmailSubmit   = "email.submit"
	ActAuditRead     = "audit.read"
	ActBootstrap     = "user.bootstrap"
)

// Audit outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure" // bad credentials, invalid token
	OutcomeDenied  = "denied"  // authenticated but not allowed, or throttled
	OutcomeError   = "error"   // our fault
)

// AuditRecord is one audit row. IPSealed and DetailSealed are
// seal.SealString values; everything else is non-identifying.
type AuditRecord struct {
	ID           string    `json:"id"`
	At           time.Time `json:"at"`
	Actor        string    `json:"actor"` // user id, "" when unknown
	ActorRole    string    `json:"actor_role"`
	Action       string    `json:"action"`
	Target       string    `json:"target"` // user id, event id, jti...
	Outcome      string    `json:"outcome"`
	Reason       string    `json:"reason"`
	RequestID    string    `json:"request_id"`
	IPSealed     string    `json:"-"`
	DetailSealed string    `json:"-"`
}

// AuditFilter selects audit rows, newest first.
type AuditFilter struct {
	Actor   string
	Action  string
	Outcome string
	Since   time.Time
	Limit   int
}

// AuditWriter stores audit rows durably. ClickHouse implements it.
type AuditWriter interface {
	WriteAudit(ctx context.Context, recs []AuditRecord) error
}

// AuditReader reads audit rows back.
type AuditReader interface {
	QueryAudit(ctx context.Context, f AuditFilter) ([]AuditRecord, error)
}

// ErrAuditBacklog means the audit queue is full and the event could not
// be accepted in time.
var ErrAuditBacklog = errors.New("api: audit queue full")

// AuditorConfig configures an Auditor.
type AuditorConfig struct {
	QueueSize     int
	BatchSize     int
	FlushInterval time.Duration
	// EnqueueTimeout bounds how long Record waits when the queue is full.
	EnqueueTimeout time.Duration
}

// DefaultAuditorConfig flushes every 500 ms or 256 rows.
func DefaultAuditorConfig() AuditorConfig {
	return AuditorConfig{QueueSize: 8192, BatchSize: 256, FlushInterval: 500 * time.Millisecond, EnqueueTimeout: 2 * time.Second}
}

// Auditor seals and queues audit rows and writes them in batches; ClickHouse
// wants few large inserts, not one per request. Run owns the writer loop.
// A failed batch is retried until it is written or Run's context ends and
// the final flush fails (then it is logged as lost, by count only).
type Auditor struct {
	cfg    AuditorConfig
	w      AuditWriter
	sealer *seal.Sealer
	log    *zap.Logger
	q      chan AuditRecord
	now    func() time.Time
}

// NewAuditor returns an Auditor writing to w.
func NewAuditor(cfg AuditorConfig, w AuditWriter, sealer *seal.Sealer, log *zap.Logger) (*Auditor, error) {
	if cfg.QueueSize < 1 || cfg.BatchSize < 1 || cfg.FlushInterval <= 0 || cfg.EnqueueTimeout <= 0 {
		return nil, errors.New("api: auditor config: sizes and intervals must be positive")
	}
	if w == nil || sealer == nil {
		return nil, errors.New("api: auditor needs a writer and a sealer")
	}
	return &Auditor{cfg: cfg, w: w, sealer: sealer, log: log.Named("audit"), q: make(chan AuditRecord, cfg.QueueSize), now: time.Now}, nil
}

// Event is what handlers report; Record seals IP and Detail.
type Event struct {
	Actor, ActorRole, Action, Target, Outcome, Reason, RequestID string
	IP                                                           string
	Detail                                                       map[string]any
}

// Record seals ev and queues it. It blocks at most EnqueueTimeout.
func (a *Auditor) Record(ctx context.Context, ev Event) error {
	rec := AuditRecord{
		ID: newRequestID(), At: a.now().UTC().Truncate(time.Second), Actor: ev.Actor, ActorRole: ev.ActorRole,
		Action: ev.Action, Target: ev.Target, Outcome: ev.Outcome, Reason: ev.Reason, RequestID: ev.RequestID,
	}
	var err error
	if ev.IP != "" {
		if rec.IPSealed, err = a.sealer.SealString([]byte(ev.IP)); err != nil {
			return fmt.Errorf("api: seal audit ip: %w", err)
		}
	}
	if len(ev.Detail) > 0 {
		raw, err := json.Marshal(ev.Detail)
		if err != nil {
			return fmt.Errorf("api: encode audit detail: %w", err)
		}
		if rec.DetailSealed, err = a.sealer.SealString(raw); err != nil {
			return fmt.Errorf("api: seal audit detail: %w", err)
		}
	}
	t := time.NewTimer(a.cfg.EnqueueTimeout)
	defer t.Stop()
	select {
	case a.q <- rec:
		return nil
	case <-t.C:
		return ErrAuditBacklog
	case <-ctx.Done():
		return fmt.Errorf("api: queue audit record: %w", ctx.Err())
	}
}

// Run writes queued rows until ctx ends, then flushes what is left with a
// short grace period.
func (a *Auditor) Run(ctx context.Context) error {
	tick := time.NewTicker(a.cfg.FlushInterval)
	defer tick.Stop()
	var batch []AuditRecord
	flush := func(ctx context.Context) {
		if len(batch) == 0 {
			return
		}
		if err := a.w.WriteAudit(ctx, batch); err != nil {
			a.log.Warn("audit write failed, will retry", zap.Int("rows", len(batch)), zap.Error(err))
			return
		}
		batch = batch[:0]
	}
	for {
		select {
		case rec := <-a.q:
			batch = append(batch, rec)
			if len(batch) >= a.cfg.BatchSize {
				flush(ctx)
			}
		case <-tick.C:
			flush(ctx)
		case <-ctx.Done():
			for {
				select {
				case rec := <-a.q:
					batch = append(batch, rec)
					continue
				default:
				}
				break
			}
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			flush(fctx)
			cancel()
			if len(batch) > 0 {
				a.log.Error("audit rows lost at shutdown", zap.Int("rows", len(batch)))
			}
			return nil
		}
	}
}
