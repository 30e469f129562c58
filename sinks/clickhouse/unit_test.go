package clickhouse

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/schemas"
)

// hashSealer stands in for the Fernet sealer: its output is a digest, so a
// test can tell that no plaintext got through.
type hashSealer struct {
	version int
	calls   int
	err     error
}

func (h *hashSealer) SealString(p []byte) (string, error) {
	h.calls++
	if h.err != nil {
		return "", h.err
	}
	sum := sha256.Sum256(p)
	return fmt.Sprintf("v%d:%s", h.version, hex.EncodeToString(sum[:])), nil
}

// The PII every test record carries; none of it may reach a column.
const (
	piiSender    = "alice.victim@corp.example"
	piiRecipient = "bob.target@corp.example"
	piiSubject   = "Urgent: verify your payroll account 4411"
	piiIP        = "203.0.113.77"
	piiDetail    = "link text says paypal.com but points to evil.example for alice.victim"
)

func piiValues() []string { return []string{piiSender, piiRecipient, piiSubject, piiIP, piiDetail} }

// testRecord is record i of a stream of emails on partition i%3, received
// a minute before it was processed.
func testRecord(i int, processed time.Time) *pipeline.Record {
	received := processed.Add(-time.Minute).UTC().Truncate(time.Millisecond)
	if processed.IsZero() {
		received = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	}
	return &pipeline.Record{
		Topic:     pipeline.DefaultEventsTopic,
		Partition: int32(i % 3),
		Offset:    int64(i),
		Timestamp: received,
		Event: &schemas.EmailEvent{
			EventID:      fmt.Sprintf("evt-%06d", i),
			Tenant:       "acme",
			Gateway:      "mx1",
			ReceivedAt:   received,
			EnvelopeFrom: piiSender,
			EnvelopeTo:   []string{piiRecipient, "carol@corp.example"},
			ClientIP:     piiIP,
		},
		Analysis: pipeline.Analysis{
			SenderDomain: "evil.example",
			Subject:      piiSubject,
			URLCount:     3,
			Attachments:  1,
			Score:        0.91,
			Action:       schemas.ActionQuarantine,
			ModelName:    "logreg",
			ModelVersion: "2026.12.1",
			Findings: []pipeline.Finding{
				{Code: "brand_mismatch", Severity: 0.4, Detail: piiDetail},
				{Code: "new_domain", Severity: 0.2, Detail: ""},
			},
			ProcessedAt: processed,
		},
	}
}

// offlineStore is a Store without a server, for what needs none.
func offlineStore(caps Capabilities) *Store {
	return &Store{cfg: DefaultConfig(), caps: caps, log: zap.NewNop()}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		give   func(*Config)
		want   string // a substring of the error; "" for valid
		wantOK bool
	}{
		{name: "default", give: func(*Config) {}, wantOK: true},
		{name: "addr", give: func(c *Config) { c.Addr = "" }, want: "clickhouse.addr"},
		{name: "database injection", give: func(c *Config) { c.Database = "x; DROP TABLE y" }, want: "clickhouse.database"},
		{name: "database empty", give: func(c *Config) { c.Database = "" }, want: "clickhouse.database"},
		{name: "user", give: func(c *Config) { c.User = "" }, want: "clickhouse.user"},
		{name: "dial timeout", give: func(c *Config) { c.DialTimeout = 0 }, want: "clickhouse.dial_timeout"},
		{name: "max open conns", give: func(c *Config) { c.MaxOpenConns = 0 }, want: "clickhouse.max_open_conns"},
		{name: "compression", give: func(c *Config) { c.Compression = "gzip" }, want: "clickhouse.compression"},
		{name: "zstd", give: func(c *Config) { c.Compression = "zstd" }, wantOK: true},
		{name: "retention", give: func(c *Config) { c.RetentionDays = -1 }, want: "clickhouse.retention_days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.give(&c)
			err := c.Validate()
			if tt.wantOK {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want an error naming %s", err, tt.want)
			}
		})
	}
}

func TestConfigPasswordOnlyFromEnv(t *testing.T) {
	c := DefaultConfig()
	c.ApplyEnv(func(k string) (string, bool) {
		if k == EnvPassword {
			return "s3cret", true
		}
		return "", false
	})
	if c.Password != "s3cret" {
		t.Fatalf("Password = %q after ApplyEnv, want s3cret", c.Password)
	}
}

func TestOpenUnreachable(t *testing.T) {
	c := DefaultConfig()
	c.Addr = "127.0.0.1:1" // nothing listens on port 1
	c.DialTimeout = 500 * time.Millisecond
	c.Password = "must-not-leak"
	_, err := Open(context.Background(), c)
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("Open() = %v, want ErrUnreachable", err)
	}
	if strings.Contains(err.Error(), c.Password) {
		t.Fatalf("error %q contains the password", err)
	}
}

func TestCapabilitiesOf(t *testing.T) {
	tests := []struct {
		give       string
		wantModern bool
		wantLC     bool
		wantDT64   bool
		wantTTL    bool
		wantToken  bool
	}{
		{give: "18.16.1"},
		{give: "19.9.2.4", wantLC: true, wantTTL: true},
		{give: "20.3.1", wantLC: true, wantDT64: true, wantTTL: true},
		{give: "22.3.7", wantLC: true, wantDT64: true, wantTTL: true},
		{give: "22.4.1", wantModern: true, wantLC: true, wantDT64: true, wantTTL: true, wantToken: true},
		{give: "24.8.4.13", wantModern: true, wantLC: true, wantDT64: true, wantTTL: true, wantToken: true},
		{give: "garbage"},
		{give: ""},
		{give: "-5.-3"},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			c := capabilitiesOf(tt.give)
			got := []bool{c.Modern(), c.LowCardinality, c.DateTime64, c.TTL, c.DedupToken}
			want := []bool{tt.wantModern, tt.wantLC, tt.wantDT64, tt.wantTTL, tt.wantToken}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("capabilitiesOf(%q) = %+v, want modern/lc/dt64/ttl/token %v", tt.give, c, want)
				}
			}
		})
	}
}

func FuzzCapabilitiesOf(f *testing.F) {
	for _, s := range []string{"18.16.1", "24.8.4.13", "", ".", "99999999999999999999.1", "1.", "a.b.c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if len(v) > 256 {
			t.Skip()
		}
		c := capabilitiesOf(v)
		if c.DedupToken && !c.DateTime64 {
			t.Fatalf("capabilitiesOf(%q): token without DateTime64", v)
		}
		_ = emailAnalysisDDL("db", c, DefaultConfig())
	})
}

func TestMigrationsOrdered(t *testing.T) {
	all := migrations()
	for i, m := range all {
		if m.version != uint32(i+1) {
			t.Errorf("migration %d (%s) has version %d, want %d: versions are dense and ordered", i, m.name, m.version, i+1)
		}
		for _, q := range m.sql("db", capabilitiesOf("18.16.1"), DefaultConfig()) {
			if !strings.Contains(q, "IF NOT EXISTS") {
				t.Errorf("migration %d: statement is not idempotent: %s", m.version, q)
			}
		}
	}
}

func TestDDLFollowsCapabilities(t *testing.T) {
	withTTL := DefaultConfig()
	withTTL.RetentionDays = 90
	tests := []struct {
		name     string
		give     string // server version
		cfg      Config
		want     []string
		wantNone []string
	}{
		{
			name:     "18.16 plain types",
			give:     "18.16.1",
			cfg:      withTTL, // TTL asked for but not supported: left out
			want:     []string{"DateTime('UTC')", "ReplacingMergeTree(ingest_version)", "PARTITION BY toYYYYMM(received_at)"},
			wantNone: []string{"LowCardinality", "DateTime64", "TTL", "SETTINGS", "Map("},
		},
		{
			name:     "24.8 without retention",
			give:     "24.8.4",
			cfg:      DefaultConfig(),
			want:     []string{"LowCardinality(String)", "DateTime64(3, 'UTC')", "non_replicated_deduplication_window"},
			wantNone: []string{"TTL"},
		},
		{
			name: "24.8 with retention",
			give: "24.8.4",
			cfg:  withTTL,
			want: []string{"TTL toDateTime(received_at) + INTERVAL 90 DAY"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := capabilitiesOf(tt.give)
			ddl := strings.Join(append(emailAnalysisDDL("db", c, tt.cfg), findingsDDL("db", c, tt.cfg)...), "\n")
			for _, w := range tt.want {
				if !strings.Contains(ddl, w) {
					t.Errorf("DDL lacks %q:\n%s", w, ddl)
				}
			}
			for _, w := range tt.wantNone {
				if strings.Contains(ddl, w) {
					t.Errorf("DDL has %q:\n%s", w, ddl)
				}
			}
		})
	}
}

func TestWriteCopiesAndSeals(t *testing.T) {
	sealer := &hashSealer{version: 7}
	k := NewSink(offlineStore(capabilitiesOf("18.16.1")), sealer)
	rec := testRecord(1, time.Now())
	if err := k.Write(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	// The engine reuses the record: nothing buffered may change with it.
	rec.Event.EventID = "reused"
	rec.Event.EnvelopeTo[0] = "changed"
	rec.Analysis.Findings[0].Code = "reused"
	rec.Analysis.Score = 0

	rows, bytes := k.Buffered()
	if rows != 3 || bytes <= 0 {
		t.Fatalf("Buffered() = %d rows, %d bytes, want 3 rows (1 analysis + 2 findings) and some bytes", rows, bytes)
	}
	a := k.analyses[0]
	if a.eventID != "evt-000001" || a.findingCodes[0] != "brand_mismatch" || a.score != 0.91 {
		t.Fatalf("buffered row changed with the record: %+v", a)
	}
	if a.keyVersion != 7 {
		t.Fatalf("keyVersion = %d, want 7", a.keyVersion)
	}
	if k.findings[0].code != "brand_mismatch" || k.findings[1].detail != "" {
		t.Fatalf("findings = %+v", k.findings)
	}
	for _, v := range []string{a.sender, a.recipients, a.subject, a.ip, k.findings[0].detail} {
		if !strings.HasPrefix(v, "v7:") {
			t.Errorf("sealed column %q is not a sealed token", v)
		}
		for _, p := range piiValues() {
			if strings.Contains(v, p) {
				t.Errorf("sealed column %q holds plaintext %q", v, p)
			}
		}
	}
	k.Reset()
	if rows, bytes := k.Buffered(); rows != 0 || bytes != 0 {
		t.Fatalf("Buffered() after Reset = %d, %d", rows, bytes)
	}
}

func TestWriteWithoutSealerStoresNoPII(t *testing.T) {
	k := NewSink(offlineStore(capabilitiesOf("18.16.1")), nil)
	if err := k.Write(context.Background(), testRecord(2, time.Now())); err != nil {
		t.Fatal(err)
	}
	a := k.analyses[0]
	for _, v := range []string{a.sender, a.recipients, a.subject, a.ip, k.findings[0].detail} {
		if v != "" {
			t.Errorf("sealed column = %q without a sealer, want empty", v)
		}
	}
	if a.keyVersion != 0 || a.senderDomain != "evil.example" {
		t.Fatalf("row = %+v", a)
	}
}

func TestWriteErrors(t *testing.T) {
	sealErr := errors.New("no active key")
	tests := []struct {
		name    string
		sealer  Sealer
		rec     *pipeline.Record
		close   bool
		wantErr error
	}{
		{name: "no event", rec: &pipeline.Record{}, wantErr: ErrNoEvent},
		{name: "sealer fails", sealer: &hashSealer{err: sealErr}, rec: testRecord(3, time.Now()), wantErr: sealErr},
		{name: "closed", rec: testRecord(3, time.Now()), close: true, wantErr: ErrClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := NewSink(offlineStore(Capabilities{}), tt.sealer)
			if tt.close {
				_ = k.Close(context.Background())
			}
			err := k.Write(context.Background(), tt.rec)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Write() = %v, want %v", err, tt.wantErr)
			}
			for _, p := range piiValues() {
				if strings.Contains(err.Error(), p) {
					t.Fatalf("error %q holds PII", err)
				}
			}
			if rows, _ := k.Buffered(); rows != 0 {
				t.Fatalf("a failed Write buffered %d rows", rows)
			}
		})
	}
}

func TestWriteDefaultsTimes(t *testing.T) {
	k := NewSink(offlineStore(Capabilities{}), nil)
	rec := testRecord(4, time.Time{})
	rec.Event.ReceivedAt = time.Time{}
	if err := k.Write(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	a := k.analyses[0]
	if !a.receivedAt.Equal(rec.Timestamp) || a.processedAt.IsZero() || a.ingestVersion == 0 {
		t.Fatalf("zero times not defaulted: received %v processed %v version %d", a.receivedAt, a.processedAt, a.ingestVersion)
	}
}

func TestFlushEmptyIsNoop(t *testing.T) {
	// No connection at all: an empty Flush must not touch it.
	k := NewSink(offlineStore(Capabilities{}), nil)
	if err := k.Flush(context.Background()); err != nil {
		t.Fatalf("Flush() of an empty buffer = %v", err)
	}
}

func TestSealedVersion(t *testing.T) {
	tests := []struct {
		give []string
		want uint32
	}{
		{give: []string{"v3:gAAAA"}, want: 3},
		{give: []string{"", "v12:x"}, want: 12},
		{give: []string{"v:x", "vx:y", "v99999999999:z"}, want: 0},
		{give: []string{"plain", "v1"}, want: 0},
		{give: nil, want: 0},
	}
	for _, tt := range tests {
		if got := sealedVersion(tt.give...); got != tt.want {
			t.Errorf("sealedVersion(%q) = %d, want %d", tt.give, got, tt.want)
		}
	}
}

func TestDedupToken(t *testing.T) {
	at := time.Unix(1_800_000_000, 0)
	tokenOf := func(recs ...*pipeline.Record) (string, string) {
		k := NewSink(offlineStore(capabilitiesOf("24.8.1")), nil)
		for _, r := range recs {
			if err := k.Write(context.Background(), r); err != nil {
				t.Fatal(err)
			}
		}
		return k.analysesToken(), k.findingsToken()
	}
	a1, f1 := tokenOf(testRecord(0, at), testRecord(1, at), testRecord(2, at))
	a2, f2 := tokenOf(testRecord(0, at), testRecord(1, at), testRecord(2, at))
	if a1 != a2 || f1 != f2 {
		t.Fatalf("the same rows gave tokens %q/%q and %q/%q: a retried Flush would not be deduplicated", a1, f1, a2, f2)
	}
	if a1 == f1 {
		t.Fatalf("both tables share token %q", a1)
	}
	// Same first and last source, different rows in between.
	mid := testRecord(1, at)
	mid.Partition = 2
	a3, _ := tokenOf(testRecord(0, at), mid, testRecord(2, at))
	if a3 == a1 {
		t.Fatalf("different batches with the same ends share token %q: the server would drop one", a1)
	}
	// A redelivery, processed again later, must be inserted.
	a4, _ := tokenOf(testRecord(0, at.Add(time.Second)), testRecord(1, at), testRecord(2, at))
	if a4 == a1 {
		t.Fatalf("a reprocessed batch kept token %q", a1)
	}
	for _, p := range piiValues() {
		if strings.Contains(a1+f1, p) {
			t.Fatalf("token holds PII")
		}
	}
}
