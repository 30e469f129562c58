package api

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// ClickHouseConfig says where the audit log and the analysis tables are.
type ClickHouseConfig struct {
	Addr     string `yaml:"addr"`
	Database string `yaml:"database"`
	Username string `yaml:"username"`
	// Password comes from PHISHX_CLICKHOUSE_PASSWORD, never the YAML.
	Password    string        `yaml:"-"`
	AuditTable  string        `yaml:"audit_table"`
	DialTimeout time.Duration `yaml:"dial_timeout"`
}

// DefaultClickHouseConfig points at a local server.
func DefaultClickHouseConfig() ClickHouseConfig {
	return ClickHouseConfig{Addr: "127.0.0.1:9000", Database: "phishx", Username: "default", AuditTable: "audit_log", DialTimeout: 5 * time.Second}
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// Validate names the first bad field.
func (c ClickHouseConfig) Validate() error {
	switch {
	case c.Addr == "":
		return errors.New("api: clickhouse.addr must be set")
	case !identRE.MatchString(c.Database):
		return errors.New("api: clickhouse.database must be a plain identifier")
	case !identRE.MatchString(c.AuditTable):
		return errors.New("api: clickhouse.audit_table must be a plain identifier")
	case c.DialTimeout <= 0:
		return errors.New("api: clickhouse.dial_timeout must be positive")
	}
	return nil
}

// ClickHouse writes the audit log and reads verdicts. It is safe for
// concurrent use; every call blocks on the network until ctx ends.
type ClickHouse struct {
	cfg  ClickHouseConfig
	conn driver.Conn
}

var (
	_ AuditWriter   = (*ClickHouse)(nil)
	_ AuditReader   = (*ClickHouse)(nil)
	_ VerdictReader = (*ClickHouse)(nil)
)

// OpenClickHouse connects, creates the database and audit table if
// missing, and returns the store.
func OpenClickHouse(ctx context.Context, cfg ClickHouseConfig) (*ClickHouse, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	conn, err := ch.Open(&ch.Options{
		Addr:        []string{cfg.Addr},
		Auth:        ch.Auth{Database: "default", Username: cfg.Username, Password: cfg.Password},
		DialTimeout: cfg.DialTimeout,
	})
	if err != nil {
		return nil, fmt.Errorf("api: clickhouse %s: %w", cfg.Addr, err)
	}
	c := &ClickHouse{cfg: cfg, conn: conn}
	if err := c.ensureSchema(ctx); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return c, nil
}

// Close closes the connection pool.
func (c *ClickHouse) Close() error { return c.conn.Close() }

// Ping checks the server answers.
func (c *ClickHouse) Ping(ctx context.Context) error { return c.conn.Ping(ctx) }

func (c *ClickHouse) auditTable() string { return c.cfg.Database + "." + c.cfg.AuditTable }

// ensureSchema uses only what ClickHouse 18.16 has: MergeTree with a
// custom partition key, DateTime, String. The sealed columns hold
// seal.SealString values.
func (c *ClickHouse) ensureSchema(ctx context.Context) error {
	stmts := []string{
		"CREATE DATABASE IF NOT EXISTS " + c.cfg.Database,
		`CREATE TABLE IF NOT EXISTS ` + c.auditTable() + ` (
			id String,
			at DateTime,
			actor String,
			actor_role String,
			action String,
			target String,
			outcome String,
			reason String,
			request_id String,
			ip_sealed String,
			detail_sealed String
		) ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(at) ORDER BY (at, id)`,
	}
	for _, s := range stmts {
		if err := c.conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("api: clickhouse schema: %w", err)
		}
	}
	return nil
}

// WriteAudit inserts recs in one batch. The ReplacingMergeTree keyed on
// (at, id) makes a retried batch replace itself.
func (c *ClickHouse) WriteAudit(ctx context.Context, recs []AuditRecord) error {
	b, err := c.conn.PrepareBatch(ctx, "INSERT INTO "+c.auditTable()+
		" (id, at, actor, actor_role, action, target, outcome, reason, request_id, ip_sealed, detail_sealed)")
	if err != nil {
		return fmt.Errorf("api: audit batch: %w", err)
	}
	for _, r := range recs {
		if err := b.Append(r.ID, r.At, r.Actor, r.ActorRole, r.Action, r.Target, r.Outcome, r.Reason, r.RequestID, r.IPSealed, r.DetailSealed); err != nil {
			_ = b.Abort()
			return fmt.Errorf("api: audit append: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("api: audit insert of %d rows: %w", len(recs), err)
	}
	return nil
}

// QueryAudit reads audit rows, newest first.
func (c *ClickHouse) QueryAudit(ctx context.Context, f AuditFilter) ([]AuditRecord, error) {
	var where []string
	var args []any
	add := func(cond string, v any) { where = append(where, cond); args = append(args, v) }
	if f.Actor != "" {
		add("actor = ?", f.Actor)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Outcome != "" {
		add("outcome = ?", f.Outcome)
	}
	if !f.Since.IsZero() {
		add("at >= toDateTime(?)", f.Since.Unix())
	}
	q := "SELECT id, at, actor, actor_role, action, target, outcome, reason, request_id, ip_sealed, detail_sealed FROM " +
		c.auditTable() + " FINAL"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY at DESC, id LIMIT %d", max(1, f.Limit))
	rows, err := c.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("api: audit query: %w", err)
	}
	defer rows.Close()
	var out []AuditRecord
	for rows.Next() {
		var r AuditRecord
		if err := rows.Scan(&r.ID, &r.At, &r.Actor, &r.ActorRole, &r.Action, &r.Target, &r.Outcome, &r.Reason, &r.RequestID, &r.IPSealed, &r.DetailSealed); err != nil {
			return nil, fmt.Errorf("api: audit scan: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("api: audit rows: %w", err)
	}
	return out, nil
}

// verdictColumns casts so the reader does not depend on the exact column
// types the sink chose (Float32 or Float64, DateTime or DateTime64, ...).
const verdictColumns = `toString(event_id), toString(tenant), toString(gateway),
	toInt64(toUnixTimestamp(received_at)), toInt64(toUnixTimestamp(processed_at)),
	toString(sender_domain), toFloat64(score), toString(action), toString(model_name),
	toString(model_version), arrayMap(x -> toString(x), finding_codes),
	toString(sender_sealed), toString(subject_sealed)`

func scanVerdict(rows driver.Rows) (Verdict, error) {
	var v Verdict
	var recv, proc int64
	err := rows.Scan(&v.EventID, &v.Tenant, &v.Gateway, &recv, &proc, &v.SenderDomain, &v.Score, &v.Action,
		&v.ModelName, &v.ModelVersion, &v.FindingCodes, &v.SenderSealed, &v.SubjectSealed)
	v.ReceivedAt, v.ProcessedAt = time.Unix(recv, 0).UTC(), time.Unix(proc, 0).UTC()
	return v, err
}

// Verdict reads one analysis row and its findings.
func (c *ClickHouse) Verdict(ctx context.Context, eventID string) (Verdict, error) {
	rows, err := c.conn.Query(ctx, "SELECT "+verdictColumns+" FROM "+c.cfg.Database+".email_analysis FINAL WHERE event_id = ? LIMIT 1", eventID)
	if err != nil {
		return Verdict{}, fmt.Errorf("api: verdict query: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return Verdict{}, fmt.Errorf("api: verdict rows: %w", err)
		}
		return Verdict{}, ErrVerdictNotFound
	}
	v, err := scanVerdict(rows)
	if err != nil {
		return Verdict{}, fmt.Errorf("api: verdict scan: %w", err)
	}
	rows.Close()
	frows, err := c.conn.Query(ctx, "SELECT toString(code), toString(severity), toString(detail_sealed) FROM "+
		c.cfg.Database+".findings FINAL WHERE event_id = ? ORDER BY code", eventID)
	if err != nil {
		return Verdict{}, fmt.Errorf("api: findings query: %w", err)
	}
	defer frows.Close()
	for frows.Next() {
		var f Finding
		if err := frows.Scan(&f.Code, &f.Severity, &f.DetailSealed); err != nil {
			return Verdict{}, fmt.Errorf("api: findings scan: %w", err)
		}
		v.Findings = append(v.Findings, f)
	}
	if err := frows.Err(); err != nil {
		return Verdict{}, fmt.Errorf("api: findings rows: %w", err)
	}
	return v, nil
}

// Verdicts lists recent analysis rows, newest first.
func (c *ClickHouse) Verdicts(ctx context.Context, f VerdictFilter) ([]Verdict, error) {
	var where []string
	var args []any
	add := func(cond string, v any) { where = append(where, cond); args = append(args, v) }
	if f.Tenant != "" {
		add("tenant = ?", f.Tenant)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.MinScore > 0 {
		add("score >= ?", f.MinScore)
	}
	if !f.Since.IsZero() {
		add("received_at >= toDateTime(?)", f.Since.Unix())
	}
	q := "SELECT " + verdictColumns + " FROM " + c.cfg.Database + ".email_analysis FINAL"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY received_at DESC LIMIT %d", max(1, f.Limit))
	rows, err := c.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("api: verdicts query: %w", err)
	}
	defer rows.Close()
	var out []Verdict
	for rows.Next() {
		v, err := scanVerdict(rows)
		if err != nil {
			return nil, fmt.Errorf("api: verdicts scan: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("api: verdicts rows: %w", err)
	}
	return out, nil
}
