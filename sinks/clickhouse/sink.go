package clickhouse

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/fnv"
	"math"
	"strconv"
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

// ErrNoEvent is returned by Write for a record without a decoded event.
var ErrNoEvent = errors.New("record has no event")

// ErrClosed is returned by a Sink used after Close.
var ErrClosed = errors.New("clickhouse sink closed")

// Store is a connection to the PhishX database: migrations, the sink, the
// ledger and analyst summaries share it.
type Store struct {
	cfg  Config
	conn driver.Conn
	caps Capabilities
	log  *zap.Logger
	owns bool // Close closes conn
}

// OpenStore connects, pings and detects the server's capabilities. The
// Store owns the connection.
func OpenStore(ctx context.Context, cfg Config, log *zap.Logger) (*Store, error) {
	conn, err := Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s, err := NewStore(ctx, conn, cfg, log)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	s.owns = true
	return s, nil
}

// NewStore wraps a connection the caller owns (and closes) and detects the
// server's capabilities. cfg gives the database and the retention.
func NewStore(ctx context.Context, conn driver.Conn, cfg Config, log *zap.Logger) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	caps, err := DetectCapabilities(ctx, conn)
	if err != nil {
		return nil, err
	}
	s := &Store{cfg: cfg, conn: conn, caps: caps, log: orNop(log).Named("clickhouse")}
	s.log.Info("connected", zap.String("addr", cfg.Addr), zap.String("server", caps.Version),
		zap.Bool("modern", caps.Modern()))
	return s, nil
}

// Capabilities returns what the server supports.
func (s *Store) Capabilities() Capabilities { return s.caps }

// Conn is the underlying connection (for tools and tests).
func (s *Store) Conn() driver.Conn { return s.conn }

// Database is the database the Store writes to.
func (s *Store) Database() string { return s.cfg.Database }

// Close closes the connection if the Store opened it.
func (s *Store) Close() error {
	if !s.owns {
		return nil
	}
	return s.conn.Close()
}

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

// Row size estimates for Buffered: the fixed columns of a row, before its
// strings.
const (
	analysisRowBytes = 120
	findingRowBytes  = 60
)

// Sink writes analysis rows and findings. PII (sender, recipients,
// subject, client address, finding details) is sealed with the Sealer
// when Write buffers it; plaintext never reaches ClickHouse. Without a
// Sealer the PII columns are stored empty.
type Sink struct {
	store    *Store
	seal     Sealer // nil: PII columns stay empty
	analyses []analysisRow
	findings []findingRow
	aBytes   int // approximate bytes of analyses
	fBytes   int // approximate bytes of findings
	closed   bool
	// tokenPrefix tells insert_deduplication_token apart for writers that
	// rewrite rows with the same offsets on purpose (re-sealing).
	tokenPrefix string
}

var _ pipeline.Sink = (*Sink)(nil)

// NewSink returns a sink over the store. With a nil sealer the sealed PII
// columns are written as empty strings: the sink never stores plaintext.
func NewSink(s *Store, sealer Sealer) *Sink {
	if sealer == nil {
		s.log.Warn("no sealer configured: PII columns are stored empty")
	}
	return &Sink{store: s, seal: sealer}
}

// NewSink returns a sink over the store; see the function NewSink. It
// never fails; the error is kept for callers written against an earlier
// version.
func (s *Store) NewSink(sealer Sealer) (*Sink, error) {
	return NewSink(s, sealer), nil
}

// Name implements pipeline.Sink.
func (k *Sink) Name() string { return "clickhouse" }

func (k *Sink) sealString(v string) (string, error) {
	if v == "" || k.seal == nil {
		return "", nil
	}
	return k.seal.SealString([]byte(v))
}

// Write seals the record's PII and buffers copies of its rows.
func (k *Sink) Write(_ context.Context, rec *pipeline.Record) error {
	if k.closed {
		return ErrClosed
	}
	ev, a := rec.Event, &rec.Analysis
	if ev == nil {
		return fmt.Errorf("%s/%d@%d: %w", rec.Topic, rec.Partition, rec.Offset, ErrNoEvent)
	}
	sender, err := k.sealString(ev.EnvelopeFrom)
	if err != nil {
		return fmt.Errorf("seal sender: %w", err)
	}
	recipients, err := k.sealString(strings.Join(ev.EnvelopeTo, ", "))
	if err != nil {
		return fmt.Errorf("seal recipients: %w", err)
	}
	subject, err := k.sealString(a.Subject)
	if err != nil {
		return fmt.Errorf("seal subject: %w", err)
	}
	ip, err := k.sealString(ev.ClientIP)
	if err != nil {
		return fmt.Errorf("seal client ip: %w", err)
	}
	details := make([]string, len(a.Findings))
	for i, f := range a.Findings {
		if details[i], err = k.sealString(f.Detail); err != nil {
			return fmt.Errorf("seal finding detail: %w", err)
		}
	}
	processed := a.ProcessedAt
	if processed.IsZero() {
		processed = time.Now()
	}
	received := ev.ReceivedAt
	if received.IsZero() {
		received = rec.Timestamp
	}
	if received.IsZero() {
		received = processed
	}
	// The version orders rewrites of one event: the latest processing wins.
	version := uint64(max(processed.UnixNano(), 0))
	codes := make([]string, len(a.Findings))
	for i, f := range a.Findings {
		codes[i] = f.Code
	}
	row := analysisRow{
		eventID: ev.EventID, tenant: ev.Tenant, gateway: ev.Gateway,
		receivedAt: received, processedAt: processed,
		senderDomain: a.SenderDomain, score: a.Score, action: a.Action,
		modelName: a.ModelName, modelVersion: a.ModelVersion,
		urlCount: uint32(min(max(a.URLCount, 0), math.MaxUint32)), attachments: uint16(min(max(a.Attachments, 0), math.MaxUint16)),
		findingCodes: codes,
		sender:       sender, recipients: recipients, subject: subject, ip: ip,
		keyVersion: sealedVersion(sender, recipients, subject, ip),
		srcTopic:   string(rec.Topic), srcPartition: rec.Partition, srcOffset: rec.Offset,
		ingestVersion: version,
	}
	k.analyses = append(k.analyses, row)
	k.aBytes += analysisRowBytes + len(row.eventID) + len(row.tenant) + len(row.gateway) + len(row.senderDomain) +
		len(row.action) + len(row.modelName) + len(row.modelVersion) + len(sender) + len(recipients) +
		len(subject) + len(ip) + len(row.srcTopic)
	for i, f := range a.Findings {
		k.findings = append(k.findings, findingRow{
			eventID: ev.EventID, tenant: ev.Tenant, receivedAt: received,
			code: f.Code, severity: f.Severity, detail: details[i], modelVersion: a.ModelVersion,
			srcTopic: string(rec.Topic), srcPartition: rec.Partition, srcOffset: rec.Offset,
			ingestVersion: version,
		})
		k.aBytes += len(f.Code) // the code is in finding_codes too
		k.fBytes += findingRowBytes + len(ev.EventID) + len(ev.Tenant) + len(f.Code) + len(details[i]) +
			len(a.ModelVersion) + len(rec.Topic)
	}
	return nil
}

// sealedVersion reads the key version from the first "v<N>:token".
func sealedVersion(values ...string) uint32 {
	for _, v := range values {
		if !strings.HasPrefix(v, "v") {
			continue
		}
		i := strings.IndexByte(v, ':')
		if i < 2 {
			continue
		}
		if n, err := strconv.ParseUint(v[1:i], 10, 32); err == nil {
			return uint32(n)
		}
	}
	return 0
}

// Flush inserts the buffered rows, one batch per table, within ctx's
// deadline. A table whose insert succeeded is cleared; a failed one keeps
// its rows for the next Flush (a clickhouse-go batch cannot be resent, so
// each try builds a new one). Flush of an empty buffer does nothing.
func (k *Sink) Flush(ctx context.Context) error {
	if k.closed {
		return ErrClosed
	}
	if len(k.analyses) == 0 && len(k.findings) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	if len(k.analyses) > 0 {
		if err := k.insertAnalyses(ctx); err != nil {
			return err
		}
		clear(k.analyses) // drop references to sealed strings
		k.analyses, k.aBytes = k.analyses[:0], 0
	}
	if len(k.findings) > 0 {
		if err := k.insertFindings(ctx); err != nil {
			return err
		}
		clear(k.findings)
		k.findings, k.fBytes = k.findings[:0], 0
	}
	return nil
}

// dedupToken names a batch by its content: the source of every row and
// its version. A retried Flush of the same rows sends the same token, so a
// server that stored the first try (and lost the answer) drops the second;
// a redelivered record has a newer version, so its batch is inserted and
// ReplacingMergeTree keeps the newer row.
func dedupToken(prefix, table string, n int, first, last string, sum []byte) string {
	return fmt.Sprintf("%s%s/%d/%s..%s/%x", prefix, table, n, first, last, sum)
}

type tokenHash struct {
	h   hash.Hash
	buf []byte
}

func newTokenHash() *tokenHash { return &tokenHash{h: fnv.New128a(), buf: make([]byte, 0, 128)} }

func (t *tokenHash) add(topic string, partition int32, offset int64, version uint64, extra string) {
	b := t.buf[:0]
	b = append(b, topic...)
	b = append(b, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(partition))
	b = binary.BigEndian.AppendUint64(b, uint64(offset))
	b = binary.BigEndian.AppendUint64(b, version)
	b = append(b, extra...)
	b = append(b, 0)
	t.buf = b
	_, _ = t.h.Write(b)
}

func source(topic string, partition int32, offset int64) string {
	return topic + ":" + strconv.FormatInt(int64(partition), 10) + "@" + strconv.FormatInt(offset, 10)
}

func (k *Sink) batchContext(ctx context.Context, token string) context.Context {
	if !k.store.caps.DedupToken {
		return ctx // 18.16 rejects the unknown setting
	}
	return ch.Context(ctx, ch.WithSettings(ch.Settings{"insert_deduplication_token": token}))
}

func (k *Sink) analysesToken() string {
	rows := k.analyses
	th := newTokenHash()
	for i := range rows {
		r := &rows[i]
		th.add(r.srcTopic, r.srcPartition, r.srcOffset, r.ingestVersion, r.eventID)
	}
	f, l := &rows[0], &rows[len(rows)-1]
	return dedupToken(k.tokenPrefix, "email_analysis", len(rows), source(f.srcTopic, f.srcPartition, f.srcOffset),
		source(l.srcTopic, l.srcPartition, l.srcOffset), th.h.Sum(nil))
}

func (k *Sink) findingsToken() string {
	rows := k.findings
	th := newTokenHash()
	for i := range rows {
		r := &rows[i]
		th.add(r.srcTopic, r.srcPartition, r.srcOffset, r.ingestVersion, r.eventID+"\x00"+r.code)
	}
	f, l := &rows[0], &rows[len(rows)-1]
	return dedupToken(k.tokenPrefix, "findings", len(rows), source(f.srcTopic, f.srcPartition, f.srcOffset),
		source(l.srcTopic, l.srcPartition, l.srcOffset), th.h.Sum(nil))
}

// analysisColumns are email_analysis's columns in the order of
// analysisColumnData.
const analysisColumns = `event_id, tenant, gateway, received_at, processed_at, sender_domain, score, action,
	model_name, model_version, url_count, attachments, finding_codes, sender_sealed, recipients_sealed,
	subject_sealed, client_ip_sealed, key_version, src_topic, src_partition, src_offset, ingest_version`

func (k *Sink) insertAnalyses(ctx context.Context) error {
	rows := k.analyses
	if k.store.caps.DedupToken {
		ctx = k.batchContext(ctx, k.analysesToken())
	}
	return k.store.insertColumns(ctx, "email_analysis", analysisColumns, len(rows), analysisColumnData(rows))
}

// analysisColumnData turns rows into one slice per column, in the order of
// analysisColumns: appending whole columns costs a fraction of appending
// row by row, which boxes every value.
func analysisColumnData(rows []analysisRow) []any {
	n := len(rows)
	var (
		eventID, tenant, gateway, domain       = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		action, modelName, modelVersion, topic = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		sender, recipients, subject, ip        = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		received, processed                    = make([]time.Time, n), make([]time.Time, n)
		score                                  = make([]float64, n)
		urls, keyVersion                       = make([]uint32, n), make([]uint32, n)
		attachments                            = make([]uint16, n)
		codes                                  = make([][]string, n)
		partition                              = make([]int32, n)
		offset                                 = make([]int64, n)
		version                                = make([]uint64, n)
	)
	for i := range rows {
		r := &rows[i]
		eventID[i], tenant[i], gateway[i], domain[i] = r.eventID, r.tenant, r.gateway, r.senderDomain
		action[i], modelName[i], modelVersion[i], topic[i] = r.action, r.modelName, r.modelVersion, r.srcTopic
		sender[i], recipients[i], subject[i], ip[i] = r.sender, r.recipients, r.subject, r.ip
		received[i], processed[i] = r.receivedAt, r.processedAt
		score[i], urls[i], keyVersion[i], attachments[i] = r.score, r.urlCount, r.keyVersion, r.attachments
		codes[i] = r.findingCodes
		partition[i], offset[i], version[i] = r.srcPartition, r.srcOffset, r.ingestVersion
	}
	return []any{eventID, tenant, gateway, received, processed, domain, score, action, modelName, modelVersion,
		urls, attachments, codes, sender, recipients, subject, ip, keyVersion, topic, partition, offset, version}
}

const findingColumns = `event_id, tenant, received_at, code, severity, detail_sealed, model_version,
	src_topic, src_partition, src_offset, ingest_version`

func (k *Sink) insertFindings(ctx context.Context) error {
	rows := k.findings
	if k.store.caps.DedupToken {
		ctx = k.batchContext(ctx, k.findingsToken())
	}
	return k.store.insertColumns(ctx, "findings", findingColumns, len(rows), findingColumnData(rows))
}

func findingColumnData(rows []findingRow) []any {
	n := len(rows)
	var (
		eventID, tenant, code, detail = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		modelVersion, topic           = make([]string, n), make([]string, n)
		received                      = make([]time.Time, n)
		severity                      = make([]float64, n)
		partition                     = make([]int32, n)
		offset                        = make([]int64, n)
		version                       = make([]uint64, n)
	)
	for i := range rows {
		r := &rows[i]
		eventID[i], tenant[i], code[i], detail[i] = r.eventID, r.tenant, r.code, r.detail
		modelVersion[i], topic[i], received[i], severity[i] = r.modelVersion, r.srcTopic, r.receivedAt, r.severity
		partition[i], offset[i], version[i] = r.srcPartition, r.srcOffset, r.ingestVersion
	}
	return []any{eventID, tenant, received, code, severity, detail, modelVersion, topic, partition, offset, version}
}

// insertColumns inserts n rows given column by column, naming the columns
// (18.16 requires it). The batch is built anew on every call: a
// clickhouse-go batch cannot be resent after Send fails.
func (s *Store) insertColumns(ctx context.Context, table, columns string, n int, data []any) error {
	b, err := s.conn.PrepareBatch(ctx, fmt.Sprintf("INSERT INTO %s.%s (%s)", s.cfg.Database, table, columns))
	if err != nil {
		return fmt.Errorf("prepare %s batch: %w", table, err)
	}
	for i, col := range data {
		if err := b.Column(i).Append(col); err != nil {
			_ = b.Abort()
			return fmt.Errorf("append %s column %d: %w", table, i, err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("insert %d %s rows: %w", n, table, err)
	}
	return nil
}

// Buffered implements pipeline.Sink: rows counts both tables' rows, so a
// findings batch that failed after its analyses were written still shows.
func (k *Sink) Buffered() (rows, bytes int) {
	return len(k.analyses) + len(k.findings), k.aBytes + k.fBytes
}

// Reset implements pipeline.Sink.
func (k *Sink) Reset() {
	clear(k.analyses) // drop references to sealed strings
	clear(k.findings)
	k.analyses, k.findings, k.aBytes, k.fBytes = k.analyses[:0], k.findings[:0], 0, 0
}

// Close implements pipeline.Sink. It drops what is still buffered (the
// engine flushes first) and leaves the connection to the Store that owns
// it; Write and Flush fail with ErrClosed afterwards.
func (k *Sink) Close(context.Context) error {
	k.Reset()
	k.closed = true
	return nil
}
