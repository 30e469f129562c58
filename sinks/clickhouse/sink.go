package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"go.uber.org/zap"

	"github.com/phishx/phishx/pipeline"
)

// Sealer seals PII for storage at rest ("v<key version>:<Fernet token>").
// *seal.Sealer implements it.
type Sealer interface {
	SealString(plaintext []byte) (string, error)
}

// Store is a connection to the PhishX database: migrations, the sink, the
// ledger and analyst summaries share it.
type Store struct {
	cfg  Config
	conn driver.Conn
	caps Capabilities
	log  *zap.Logger
}

// OpenStore connects, pings and detects the server's capabilities.
func OpenStore(ctx context.Context, cfg Config, log *zap.Logger) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	conn, err := Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	caps, err := DetectCapabilities(ctx, conn)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	s := &Store{cfg: cfg, conn: conn, caps: caps, log: log.Named("clickhouse")}
	s.log.Info("connected", zap.String("addr", cfg.Addr), zap.String("server", caps.Version),
		zap.Bool("modern", caps.DateTime64 && caps.LowCardinality))
	return s, nil
}

// Capabilities returns what the server supports.
func (s *Store) Capabilities() Capabilities { return s.caps }

// Conn is the underlying connection (for tools and tests).
func (s *Store) Conn() driver.Conn { return s.conn }

// Close closes the connection.
func (s *Store) Close() error { return s.conn.Close() }

type analysisRow struct {
	eventID, tenant, gateway        string
	receivedAt, processedAt         time.Time
	senderDomain                    string
	score                           float64
	action, modelName, modelVersion string
	urlCount                        uint32
	attachments                     uint16
	findingCodes                    []string
	sender, recipients, subject, ip string
	keyVersion                      uint32
	srcTopic                        string
	srcPartition                    int32
	srcOffset                       int64
	ingestVersion                   uint64
}

type findingRow struct {
	eventID, tenant string
	receivedAt      time.Time
	code            string
	severity        float64
	detail          string
	modelVersion    string
	srcTopic        string
	srcPartition    int32
	srcOffset       int64
	ingestVersion   uint64
}

// Sink writes analysis rows and findings. PII (sender, recipients,
// subject, client address, finding details) is sealed with the Sealer
// before it is buffered; plaintext never reaches ClickHouse.
type Sink struct {
	store    *Store
	seal     Sealer
	analyses []analysisRow
	findings []findingRow
	bytes    int
	// tokenPrefix tells insert_deduplication_token apart for writers that
	// rewrite rows with the same offsets on purpose (re-sealing).
	tokenPrefix string
}

var _ pipeline.Sink = (*Sink)(nil)

// NewSink returns a sink over the store. sealer is required: there is no
// mode that stores PII in clear.
func (s *Store) NewSink(sealer Sealer) (*Sink, error) {
	if sealer == nil {
		return nil, fmt.Errorf("clickhouse sink: a sealer is required to store PII columns")
	}
	return &Sink{store: s, seal: sealer}, nil
}

// Name implements pipeline.Sink.
func (k *Sink) Name() string { return "clickhouse" }

// Write seals the record's PII and buffers its rows.
func (k *Sink) Write(_ context.Context, rec *pipeline.Record) error {
	ev, a := rec.Event, &rec.Analysis
	sealStr := func(v string) (string, error) {
		if v == "" {
			return "", nil
		}
		return k.seal.SealString([]byte(v))
	}
	sender, err := sealStr(ev.EnvelopeFrom)
	if err != nil {
		return fmt.Errorf("seal sender: %w", err)
	}
	recipients, err := sealStr(strings.Join(ev.EnvelopeTo, ", "))
	if err != nil {
		return fmt.Errorf("seal recipients: %w", err)
	}
	subject, err := sealStr(a.Subject)
	if err != nil {
		return fmt.Errorf("seal subject: %w", err)
	}
	ip, err := sealStr(ev.ClientIP)
	if err != nil {
		return fmt.Errorf("seal client ip: %w", err)
	}
	version := uint64(a.ProcessedAt.UnixNano())
	codes := make([]string, len(a.Findings))
	for i, f := range a.Findings {
		codes[i] = f.Code
	}
	k.analyses = append(k.analyses, analysisRow{
		eventID: ev.EventID, tenant: ev.Tenant, gateway: ev.Gateway,
		receivedAt: ev.ReceivedAt, processedAt: a.ProcessedAt,
		senderDomain: a.SenderDomain, score: a.Score, action: a.Action,
		modelName: a.ModelName, modelVersion: a.ModelVersion,
		urlCount: uint32(max(a.URLCount, 0)), attachments: uint16(min(max(a.Attachments, 0), 65535)),
		findingCodes: codes,
		sender:       sender, recipients: recipients, subject: subject, ip: ip,
		keyVersion: sealedVersion(sender, subject),
		srcTopic:   string(rec.Topic), srcPartition: rec.Partition, srcOffset: rec.Offset,
		ingestVersion: version,
	})
	k.bytes += 200 + len(ev.EventID) + len(sender) + len(recipients) + len(subject) + len(ip)
	for _, f := range a.Findings {
		detail, err := sealStr(f.Detail)
		if err != nil {
			return fmt.Errorf("seal finding detail: %w", err)
		}
		k.findings = append(k.findings, findingRow{
			eventID: ev.EventID, tenant: ev.Tenant, receivedAt: ev.ReceivedAt,
			code: f.Code, severity: f.Severity, detail: detail, modelVersion: a.ModelVersion,
			srcTopic: string(rec.Topic), srcPartition: rec.Partition, srcOffset: rec.Offset,
			ingestVersion: version,
		})
		k.bytes += 100 + len(detail)
	}
	return nil
}

// sealedVersion reads the key version from "v<N>:token".
func sealedVersion(values ...string) uint32 {
	for _, v := range values {
		if !strings.HasPrefix(v, "v") {
			continue
		}
		if i := strings.IndexByte(v, ':'); i > 1 {
			var n uint32
			if _, err := fmt.Sscanf(v[1:i], "%d", &n); err == nil {
				return n
			}
		}
	}
	return 0
}

// Flush inserts the buffered rows, one batch per table. A table whose
// insert succeeded is cleared; a failed one keeps its rows for the next
// Flush (a clickhouse-go batch cannot be resent, so each try builds anew).
func (k *Sink) Flush(ctx context.Context) error {
	if len(k.analyses) > 0 {
		if err := k.insertAnalyses(ctx); err != nil {
			return err
		}
		k.analyses = k.analyses[:0]
	}
	if len(k.findings) > 0 {
		if err := k.insertFindings(ctx); err != nil {
			return err
		}
		k.findings = k.findings[:0]
	}
	k.bytes = 0
	return nil
}

func (k *Sink) batchContext(ctx context.Context, table string, first, last int64, partition int32) context.Context {
	if !k.store.caps.DedupToken {
		return ctx
	}
	token := fmt.Sprintf("%s%s/%d/%d-%d", k.tokenPrefix, table, partition, first, last)
	return ch.Context(ctx, ch.WithSettings(ch.Settings{"insert_deduplication_token": token}))
}

func (k *Sink) insertAnalyses(ctx context.Context) error {
	rows := k.analyses
	ctx = k.batchContext(ctx, "email_analysis", rows[0].srcOffset, rows[len(rows)-1].srcOffset, rows[0].srcPartition)
	b, err := k.store.conn.PrepareBatch(ctx, fmt.Sprintf(`INSERT INTO %s.email_analysis (event_id, tenant, gateway,
		received_at, processed_at, sender_domain, score, action, model_name, model_version, url_count, attachments,
		finding_codes, sender_sealed, recipients_sealed, subject_sealed, client_ip_sealed, key_version,
		src_topic, src_partition, src_offset, ingest_version)`, k.store.cfg.Database))
	if err != nil {
		return fmt.Errorf("prepare email_analysis batch: %w", err)
	}
	for _, r := range rows {
		if err := b.Append(r.eventID, r.tenant, r.gateway, r.receivedAt, r.processedAt, r.senderDomain, r.score,
			r.action, r.modelName, r.modelVersion, r.urlCount, r.attachments, r.findingCodes, r.sender, r.recipients,
			r.subject, r.ip, r.keyVersion, r.srcTopic, r.srcPartition, r.srcOffset, r.ingestVersion); err != nil {
			_ = b.Abort()
			return fmt.Errorf("append email_analysis row: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("insert %d email_analysis rows: %w", len(rows), err)
	}
	return nil
}

func (k *Sink) insertFindings(ctx context.Context) error {
	rows := k.findings
	ctx = k.batchContext(ctx, "findings", rows[0].srcOffset, rows[len(rows)-1].srcOffset, rows[0].srcPartition)
	b, err := k.store.conn.PrepareBatch(ctx, fmt.Sprintf(`INSERT INTO %s.findings (event_id, tenant, received_at,
		code, severity, detail_sealed, model_version, src_topic, src_partition, src_offset, ingest_version)`, k.store.cfg.Database))
	if err != nil {
		return fmt.Errorf("prepare findings batch: %w", err)
	}
	for _, r := range rows {
		if err := b.Append(r.eventID, r.tenant, r.receivedAt, r.code, r.severity, r.detail, r.modelVersion,
			r.srcTopic, r.srcPartition, r.srcOffset, r.ingestVersion); err != nil {
			_ = b.Abort()
			return fmt.Errorf("append findings row: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("insert %d findings rows: %w", len(rows), err)
	}
	return nil
}

// Buffered implements pipeline.Sink.
func (k *Sink) Buffered() (int, int) { return len(k.analyses), k.bytes }

// Reset implements pipeline.Sink.
func (k *Sink) Reset() {
	k.analyses, k.findings, k.bytes = k.analyses[:0], k.findings[:0], 0
}

// Close implements pipeline.Sink; the Store owns the connection.
func (k *Sink) Close(context.Context) error { return nil }

// Ledger is the sink-side offset ledger on table pipeline_offsets.
type Ledger struct{ store *Store }

var _ pipeline.Ledger = (*Ledger)(nil)

// Ledger returns the offset ledger.
func (s *Store) Ledger() *Ledger { return &Ledger{store: s} }

// Load implements pipeline.Ledger.
func (l *Ledger) Load(ctx context.Context, group string, parts []pipeline.TopicPartition) (map[pipeline.TopicPartition]int64, error) {
	rows, err := l.store.conn.Query(ctx, fmt.Sprintf(
		"SELECT topic, partition, max(offset) FROM %s.pipeline_offsets WHERE consumer_group = ? GROUP BY topic, partition",
		l.store.cfg.Database), group)
	if err != nil {
		return nil, fmt.Errorf("load ledger: %w", err)
	}
	defer rows.Close()
	want := make(map[pipeline.TopicPartition]bool, len(parts))
	for _, tp := range parts {
		want[tp] = true
	}
	out := make(map[pipeline.TopicPartition]int64)
	for rows.Next() {
		var topic string
		var partition int32
		var offset int64
		if err := rows.Scan(&topic, &partition, &offset); err != nil {
			return nil, fmt.Errorf("load ledger: %w", err)
		}
		tp := pipeline.TopicPartition{Topic: pipeline.Topic(topic), Partition: partition}
		if want[tp] {
			out[tp] = offset
		}
	}
	return out, rows.Err()
}

// Save implements pipeline.Ledger.
func (l *Ledger) Save(ctx context.Context, group string, written map[pipeline.TopicPartition]int64) error {
	if len(written) == 0 {
		return nil
	}
	b, err := l.store.conn.PrepareBatch(ctx, fmt.Sprintf(
		"INSERT INTO %s.pipeline_offsets (consumer_group, topic, partition, offset, written_at)", l.store.cfg.Database))
	if err != nil {
		return fmt.Errorf("prepare ledger batch: %w", err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	for tp, off := range written {
		if err := b.Append(group, string(tp.Topic), tp.Partition, off, now); err != nil {
			_ = b.Abort()
			return fmt.Errorf("append ledger row: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("save ledger: %w", err)
	}
	return nil
}
