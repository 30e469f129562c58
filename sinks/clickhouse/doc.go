// Package clickhouse is PhishX's ClickHouse sink: the versioned schema
// (migrations), batched inserts of analyses and findings, the sink-side
// offset ledger, and the summaries `phishx demo` prints.
//
// # What it owns
//
// A Store owns one clickhouse-go connection pool (native protocol: the HTTP
// protocol of clickhouse-go does not work with ClickHouse 18.16) when
// OpenStore made it; NewStore wraps a connection the caller keeps owning.
// The Sink, the Ledger and the migrations use the Store's connection and
// close nothing of their own.
//
// # Server versions
//
// The Store asks the server its version once (SELECT version()) and the
// DDL and inserts follow its Capabilities. Modern servers (22.4+) get
// LowCardinality(String), DateTime64(3, 'UTC'), an optional TTL
// (Config.RetentionDays, default none) and insert_deduplication_token.
// Debian's 18.16 gets String, DateTime('UTC') (second precision), no TTL
// and no token; LowCardinality is not used there although 18.16 has it
// behind allow_experimental_low_cardinality_type=1, because it changes
// storage only and was experimental. Every INSERT names its columns, which
// 18.16 requires.
//
// Migrations are numbered Go values whose SQL is a function of the
// capabilities; schema_migrations records the applied ones. Adding a table
// is appending one value to migrations() (4 shadow_predictions and
// 5 anomalies are reserved).
//
// # Idempotence
//
// Delivery from Kafka is at least once; three layers make it effectively
// exactly once in ClickHouse:
//
//   - Every table is a ReplacingMergeTree keyed by the event
//     ((event_id, tenant), plus code for findings: event_id first so a
//     lookup by id reads a few granules, tenant in the key so one tenant's
//     gateway cannot replace another tenant's row by reusing its id),
//     versioned by
//     ingest_version (the processing time in ns): a redelivered event
//     replaces its earlier row. Replacement happens at merge time, so
//     queries must read with FINAL or argMax (deploy/sql/analyst.sql).
//   - The Ledger (table pipeline_offsets) holds the highest offset per
//     partition that every sink wrote, so a consumer that restarts before
//     its commit skips what is already written.
//   - On servers that have it, each batch carries an
//     insert_deduplication_token derived from its rows' sources (first and
//     last offsets and a digest of all of them and their versions), so a
//     Flush retried after a lost answer is dropped by the server instead of
//     written twice.
//
// # PII
//
// Sender, recipients, subject, client address and finding details are
// stored only as sealed tokens ("v<key version>:<Fernet token>") made by
// the Sealer given to NewSink, in the *_sealed columns, with key_version
// telling which key sealed them. Without a Sealer those columns are
// written empty: the sink never writes plaintext PII, and errors and logs
// never contain it. Sender domain, scores, actions and finding codes are
// stored in clear.
//
// # Blocking and concurrency
//
// Write only buffers (and seals) and does not block on the network.
// Flush blocks on the inserts until they finish or its context ends; on
// error it keeps the rows that were not acknowledged (a clickhouse-go batch
// cannot be resent, so each try builds a new batch from the Sink's own
// copy). Migrate, Status, Ledger.Load and Ledger.Save block on the server
// within their context.
//
// A Sink is used by one goroutine at a time, as pipeline.Sink says; it has
// no locks. A Store and a Ledger are safe for concurrent use (the
// connection pool is).
package clickhouse
