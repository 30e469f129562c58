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
	Version string
	// LowCardinality is true where LowCardinality(String) is no longer
	// experimental (19.9+). 18.16 has it only behind
	// allow_experimental_low_cardinality_type=1; we do not use it there:
	// the type changes storage, not results, and the experimental version
	// had known bugs.
	LowCardinality bool
	DateTime64     bool
	TTL            bool
	// Map is the Map(K, V) type. No table uses it yet; later migrations
	// (shadow_predictions' feature maps) may, with an Array fallback.
	Map bool
	// DedupToken is insert_deduplication_token with non-replicated
	// deduplication (non_replicated_deduplication_window).
	DedupToken bool
}

// Modern reports whether the server has every feature PhishX can use.
func (c Capabilities) Modern() bool {
	return c.LowCardinality && c.DateTime64 && c.TTL && c.Map && c.DedupToken
}

// DetectCapabilities asks the server its version.
func DetectCapabilities(ctx context.Context, conn driver.Conn) (Capabilities, error) {
	var v string
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&v); err != nil {
		return Capabilities{}, fmt.Errorf("server version: %w", err)
	}
	return capabilitiesOf(v), nil
}

// capabilitiesOf maps a version string ("18.16.1", "24.8.4.13") to
// features. An unparsable version counts as the oldest: plain DDL works
// everywhere.
func capabilitiesOf(version string) Capabilities {
	parts := strings.SplitN(version, ".", 3)
	major, err := strconv.Atoi(parts[0])
	if err != nil || major < 0 {
		major = 0
	}
	minor := 0
	if len(parts) > 1 {
		if minor, err = strconv.Atoi(parts[1]); err != nil || minor < 0 {
			minor = 0
		}
	}
	atLeast := func(ma, mi int) bool { return major > ma || (major == ma && minor >= mi) }
	return Capabilities{
		Version:        version,
		LowCardinality: atLeast(19, 9),
		DateTime64:     atLeast(20, 1),
		TTL:            atLeast(19, 6),
		Map:            atLeast(22, 1),
		DedupToken:     atLeast(22, 4),
	}
}

// migration is one numbered schema change. Its SQL is a function of the
// server's capabilities, so one migration serves old and modern servers.
// Every statement must be idempotent on its own (IF NOT EXISTS): a process
// that dies between a statement and its schema_migrations row reruns it.
type migration struct {
	version uint32
	name    string
	sql     func(db string, c Capabilities, cfg Config) []string
}

// migrations returns the migrations in order. Never edit a released one;
// append a new one with the next version. Reserved for later:
// 4 shadow_predictions, 5 anomalies.
func migrations() []migration {
	return []migration{
		{1, "email_analysis", emailAnalysisDDL},
		{2, "findings", findingsDDL},
		{3, "pipeline_offsets", pipelineOffsetsDDL},
	}
}

func emailAnalysisDDL(db string, c Capabilities, cfg Config) []string {
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
ORDER BY (event_id, tenant)%s%s`, db, lc(c), lc(c), ts(c), ts(c), lc(c), lc(c), lc(c),
		ttl(c, cfg, "received_at"), dedupSettings(c))}
}

func findingsDDL(db string, c Capabilities, cfg Config) []string {
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
ORDER BY (event_id, tenant, code)%s%s`, db, lc(c), ts(c), lc(c), lc(c),
		ttl(c, cfg, "received_at"), dedupSettings(c))}
}

// pipelineOffsetsDDL is the ledger. It has no TTL: losing a partition's
// row would make a restarted consumer rewrite what is already written.
func pipelineOffsetsDDL(db string, _ Capabilities, _ Config) []string {
	return []string{fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.pipeline_offsets (
	consumer_group String,
	topic          String,
	partition      Int32,
	offset         Int64,
	written_at     DateTime
) ENGINE = ReplacingMergeTree(offset)
ORDER BY (consumer_group, topic, partition)`, db)}
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

// dedupSettings turns on block deduplication for non-replicated tables, so
// that insert_deduplication_token has an effect.
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

// MigrationError says which migration failed.
type MigrationError struct {
	Version uint32
	Name    string
	Err     error
}

func (e *MigrationError) Error() string {
	return fmt.Sprintf("migration %d (%s): %v", e.Version, e.Name, e.Err)
}

func (e *MigrationError) Unwrap() error { return e.Err }

// Migrate creates the database and applies the pending migrations to it,
// in order, with DDL chosen for the server's version. It is idempotent and
// safe to run from several processes at once: every statement is
// IF NOT EXISTS and schema_migrations deduplicates by version. cfg gives the
// database and the retention; log may be nil.
func Migrate(ctx context.Context, conn driver.Conn, cfg Config, log *zap.Logger) error {
	caps, err := DetectCapabilities(ctx, conn)
	if err != nil {
		return err
	}
	return migrate(ctx, conn, caps, cfg, orNop(log))
}

// Status lists every migration and whether it is applied, without
// changing anything: a database that does not exist yet has every
// migration pending.
func Status(ctx context.Context, conn driver.Conn, cfg Config) ([]MigrationStatus, error) {
	applied, err := appliedMigrations(ctx, conn, cfg.Database)
	if err != nil {
		return nil, err
	}
	all := migrations()
	out := make([]MigrationStatus, 0, len(all))
	for _, m := range all {
		at, ok := applied[m.version]
		out = append(out, MigrationStatus{Version: m.version, Name: m.name, Applied: ok, At: at})
	}
	return out, nil
}

func migrate(ctx context.Context, conn driver.Conn, caps Capabilities, cfg Config, log *zap.Logger) error {
	if err := ensureBookkeeping(ctx, conn, cfg.Database); err != nil {
		return err
	}
	status, err := Status(ctx, conn, cfg)
	if err != nil {
		return err
	}
	all := migrations()
	for i, st := range status {
		if st.Applied {
			continue
		}
		m := all[i]
		for _, q := range m.sql(cfg.Database, caps, cfg) {
			if err := conn.Exec(ctx, q); err != nil {
				return &MigrationError{Version: m.version, Name: m.name, Err: err}
			}
		}
		if err := recordMigration(ctx, conn, cfg.Database, m); err != nil {
			return &MigrationError{Version: m.version, Name: m.name, Err: fmt.Errorf("record in schema_migrations: %w", err)}
		}
		log.Info("migration applied", zap.Uint32("version", m.version), zap.String("name", m.name),
			zap.String("server", caps.Version))
	}
	return nil
}

func ensureBookkeeping(ctx context.Context, conn driver.Conn, db string) error {
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+db); err != nil {
		return fmt.Errorf("create database %s: %w", db, err)
	}
	err := conn.Exec(ctx, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.schema_migrations (
	version    UInt32,
	name       String,
	applied_at DateTime
) ENGINE = ReplacingMergeTree(applied_at) ORDER BY version`, db))
	if err != nil {
		return fmt.Errorf("create %s.schema_migrations: %w", db, err)
	}
	return nil
}

func appliedMigrations(ctx context.Context, conn driver.Conn, db string) (map[uint32]time.Time, error) {
	var n uint64
	if err := conn.QueryRow(ctx,
		"SELECT count() FROM system.tables WHERE database = ? AND name = 'schema_migrations'", db).Scan(&n); err != nil {
		return nil, fmt.Errorf("look for %s.schema_migrations: %w", db, err)
	}
	applied := map[uint32]time.Time{}
	if n == 0 {
		return applied, nil
	}
	rows, err := conn.Query(ctx, fmt.Sprintf(
		"SELECT version, min(applied_at) FROM %s.schema_migrations GROUP BY version", db))
	if err != nil {
		return nil, fmt.Errorf("read %s.schema_migrations: %w", db, err)
	}
	defer rows.Close()
	for rows.Next() {
		var v uint32
		var at time.Time
		if err := rows.Scan(&v, &at); err != nil {
			return nil, fmt.Errorf("read %s.schema_migrations: %w", db, err)
		}
		applied[v] = at
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s.schema_migrations: %w", db, err)
	}
	return applied, nil
}

// recordMigration inserts the migration into schema_migrations. Inserts go
// through a batch: 18.16 does not take INSERT ... VALUES with bound
// parameters over the native protocol.
func recordMigration(ctx context.Context, conn driver.Conn, db string, m migration) error {
	b, err := conn.PrepareBatch(ctx, fmt.Sprintf("INSERT INTO %s.schema_migrations (version, name, applied_at)", db))
	if err != nil {
		return err
	}
	if err := b.Append(m.version, m.name, time.Now().UTC().Truncate(time.Second)); err != nil {
		_ = b.Abort()
		return err
	}
	return b.Send()
}

// Status lists every migration and whether it is applied.
func (s *Store) Status(ctx context.Context) ([]MigrationStatus, error) {
	return Status(ctx, s.conn, s.cfg)
}

// Migrate applies the pending migrations in order; see the function
// Migrate.
func (s *Store) Migrate(ctx context.Context) error {
	return migrate(ctx, s.conn, s.caps, s.cfg, s.log)
}

func orNop(log *zap.Logger) *zap.Logger {
	if log == nil {
		return zap.NewNop()
	}
	return log
}
