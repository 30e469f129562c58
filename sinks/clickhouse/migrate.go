package clickhouse

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"go.uber.org/zap"
)

// Capabilities are the server features the DDL and inserts depend on.
// Debian's ClickHouse 18.16 has none of them; servers users run (22+) have
// all.
type Capabilities struct {
	Version        string
	LowCardinality bool
	DateTime64     bool
	TTL            bool
	DedupToken     bool // insert_deduplication_token with non-replicated deduplication
}

// DetectCapabilities asks the server its version.
func DetectCapabilities(ctx context.Context, conn driver.Conn) (Capabilities, error) {
	var v string
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&v); err != nil {
		return Capabilities{}, fmt.Errorf("server version: %w", err)
	}
	return capabilitiesOf(v), nil
}

func capabilitiesOf(version string) Capabilities {
	parts := strings.SplitN(version, ".", 3)
	major, _ := strconv.Atoi(parts[0])
	minor := 0
	if len(parts) > 1 {
		minor, _ = strconv.Atoi(parts[1])
	}
	atLeast := func(ma, mi int) bool { return major > ma || (major == ma && minor >= mi) }
	return Capabilities{
		Version:        version,
		LowCardinality: atLeast(19, 9), // no longer experimental
		DateTime64:     atLeast(20, 1),
		TTL:            atLeast(19, 6),
		DedupToken:     atLeast(22, 4),
	}
}

// migration is one numbered schema change. Its SQL is a function of the
// server's capabilities, so one migration serves old and modern servers.
type migration struct {
	version uint32
	name    string
	sql     func(db string, c Capabilities, cfg Config) []string
}

// migrations are applied in order and recorded in schema_migrations. Never
// edit a released one; add a new one.
var migrations = []migration{
	{1, "email_analysis", func(db string, c Capabilities, cfg Config) []string {
		return []string{fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.email_analysis (
	event_id          String,
	tenant            %s,
	gateway           %s,
	received_at       %s,
	processed_at      %s,
	sender_domain     String,
	score             Float64,
	action            %s,
	model_name        %s,
	model_version     %s,
	url_count         UInt32,
	attachments       UInt16,
	finding_codes     Array(String),
	sender_sealed     String,
	recipients_sealed String,
	subject_sealed    String,
	client_ip_sealed  String,
	key_version       UInt32,
	src_topic         String,
	src_partition     Int32,
	src_offset        Int64,
	ingest_version    UInt64
) ENGINE = ReplacingMergeTree(ingest_version)
PARTITION BY toYYYYMM(received_at)
ORDER BY (tenant, event_id)%s%s`, db, lc(c), lc(c), ts(c), ts(c), lc(c), lc(c), lc(c), ttl(c, cfg, "received_at"), dedupSettings(c))}
	}},
	{2, "findings", func(db string, c Capabilities, cfg Config) []string {
		return []string{fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.findings (
	event_id       String,
	tenant         %s,
	received_at    %s,
	code           %s,
	severity       Float64,
	detail_sealed  String,
	model_version  %s,
	src_topic      String,
	src_partition  Int32,
	src_offset     Int64,
	ingest_version UInt64
) ENGINE = ReplacingMergeTree(ingest_version)
PARTITION BY toYYYYMM(received_at)
ORDER BY (tenant, event_id, code)%s%s`, db, lc(c), ts(c), lc(c), lc(c), ttl(c, cfg, "received_at"), dedupSettings(c))}
	}},
	{3, "pipeline_offsets", func(db string, c Capabilities, _ Config) []string {
		return []string{fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.pipeline_offsets (
	consumer_group String,
	topic          String,
	partition      Int32,
	offset         Int64,
	written_at     DateTime
) ENGINE = ReplacingMergeTree(offset)
ORDER BY (consumer_group, topic, partition)`, db)}
	}},
}

func lc(c Capabilities) string {
	if c.LowCardinality {
		return "LowCardinality(String)"
	}
	return "String"
}

func ts(c Capabilities) string {
	if c.DateTime64 {
		return "DateTime64(3, 'UTC')"
	}
	return "DateTime('UTC')"
}

func ttl(c Capabilities, cfg Config, col string) string {
	if cfg.RetentionDays == 0 || !c.TTL {
		return ""
	}
	if c.DateTime64 {
		col = "toDateTime(" + col + ")"
	}
	return fmt.Sprintf("\nTTL %s + INTERVAL %d DAY", col, cfg.RetentionDays)
}

func dedupSettings(c Capabilities) string {
	if !c.DedupToken {
		return ""
	}
	return "\nSETTINGS non_replicated_deduplication_window = 1000"
}

// MigrationStatus is one migration and whether it is applied.
type MigrationStatus struct {
	Version uint32    `json:"version"`
	Name    string    `json:"name"`
	Applied bool      `json:"applied"`
	At      time.Time `json:"applied_at,omitzero"`
}

func (s *Store) ensureBookkeeping(ctx context.Context) error {
	if err := s.conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+s.cfg.Database); err != nil {
		return fmt.Errorf("create database %s: %w", s.cfg.Database, err)
	}
	err := s.conn.Exec(ctx, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.schema_migrations (
	version    UInt32,
	name       String,
	applied_at DateTime
) ENGINE = ReplacingMergeTree(applied_at) ORDER BY version`, s.cfg.Database))
	if err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	return nil
}

// Status lists every migration and whether it is applied.
func (s *Store) Status(ctx context.Context) ([]MigrationStatus, error) {
	if err := s.ensureBookkeeping(ctx); err != nil {
		return nil, err
	}
	rows, err := s.conn.Query(ctx, fmt.Sprintf("SELECT version, min(applied_at) FROM %s.schema_migrations GROUP BY version", s.cfg.Database))
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	applied := map[uint32]time.Time{}
	for rows.Next() {
		var v uint32
		var at time.Time
		if err := rows.Scan(&v, &at); err != nil {
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
		applied[v] = at
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	out := make([]MigrationStatus, 0, len(migrations))
	for _, m := range migrations {
		at, ok := applied[m.version]
		out = append(out, MigrationStatus{Version: m.version, Name: m.name, Applied: ok, At: at})
	}
	return out, nil
}

// Migrate applies the pending migrations in order. It is idempotent, and
// safe to run from several processes at once: every statement is
// IF NOT EXISTS and schema_migrations deduplicates by version.
func (s *Store) Migrate(ctx context.Context) error {
	status, err := s.Status(ctx)
	if err != nil {
		return err
	}
	for i, st := range status {
		if st.Applied {
			continue
		}
		m := migrations[i]
		for _, q := range m.sql(s.cfg.Database, s.caps, s.cfg) {
			if err := s.conn.Exec(ctx, q); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
		}
		if err := s.record(ctx, m); err != nil {
			return fmt.Errorf("record migration %d: %w", m.version, err)
		}
		s.log.Info("migration applied", zap.Uint32("version", m.version), zap.String("name", m.name),
			zap.String("server", s.caps.Version))
	}
	return nil
}

// record inserts the migration into schema_migrations. Inserts go through
// a batch: 18.16 does not take INSERT ... VALUES with bound parameters over
// the native protocol.
func (s *Store) record(ctx context.Context, m migration) error {
	b, err := s.conn.PrepareBatch(ctx, fmt.Sprintf("INSERT INTO %s.schema_migrations (version, name, applied_at)", s.cfg.Database))
	if err != nil {
		return err
	}
	if err := b.Append(m.version, m.name, time.Now().UTC().Truncate(time.Second)); err != nil {
		_ = b.Abort()
		return err
	}
	return b.Send()
}
