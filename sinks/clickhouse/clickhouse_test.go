package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap/zaptest"

	"github.com/phishx/phishx/pipeline"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// EnvAddr overrides the ClickHouse the integration tests use
// (deploy/services.sh prints it).
const envAddr = "PHISHX_CLICKHOUSE_ADDR"

func servicesRequired() bool {
	return os.Getenv("CI") == "true" || os.Getenv("PHISHX_REQUIRE_SERVICES") == "1"
}

// testStore connects to the development ClickHouse and gives the test its
// own database, dropped when the test ends. Without a server the test is
// skipped, or fails where services are required.
func testStore(tb testing.TB) *Store {
	tb.Helper()
	cfg := DefaultConfig()
	if a := os.Getenv(envAddr); a != "" {
		cfg.Addr = a
	}
	cfg.DialTimeout = 2 * time.Second
	cfg.ApplyEnv(os.LookupEnv)
	cfg.Database = fmt.Sprintf("phishx_test_%d_%d", os.Getpid(), time.Now().UnixNano())
	ctx := context.Background()
	conn, err := Open(ctx, cfg)
	if err != nil {
		if servicesRequired() {
			tb.Fatalf("ClickHouse required (CI=true or PHISHX_REQUIRE_SERVICES=1): %v", err)
		}
		tb.Skipf("ClickHouse at %s unreachable, skipping (start it with deploy/clickhouse.sh start): %v", cfg.Addr, err)
	}
	s, err := NewStore(ctx, conn, cfg, zaptest.NewLogger(tb))
	if err != nil {
		_ = conn.Close()
		tb.Fatal(err)
	}
	s.owns = true
	tb.Cleanup(func() {
		if err := conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+cfg.Database); err != nil {
			tb.Errorf("drop test database: %v", err)
		}
		_ = s.Close()
	})
	return s
}

func migrated(tb testing.TB) *Store {
	tb.Helper()
	s := testStore(tb)
	if err := s.Migrate(context.Background()); err != nil {
		tb.Fatalf("Migrate() = %v", err)
	}
	return s
}

func queryCount(tb testing.TB, s *Store, q string) (uint64, uint64) {
	tb.Helper()
	var n, u uint64
	if err := s.conn.QueryRow(context.Background(), q).Scan(&n, &u); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	return n, u
}

func TestMigrateIdempotent(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()

	before, err := s.Status(ctx)
	if err != nil {
		t.Fatalf("Status() before Migrate = %v", err)
	}
	for _, st := range before {
		if st.Applied {
			t.Fatalf("migration %d applied in a new database", st.Version)
		}
	}
	for i := range 2 {
		if err := Migrate(ctx, s.conn, s.cfg, nil); err != nil {
			t.Fatalf("Migrate() run %d = %v", i+1, err)
		}
	}
	status, err := s.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(status) != len(migrations()) {
		t.Fatalf("Status() lists %d migrations, want %d", len(status), len(migrations()))
	}
	for _, st := range status {
		if !st.Applied || st.At.IsZero() {
			t.Errorf("migration %d (%s) not applied after Migrate: %+v", st.Version, st.Name, st)
		}
	}
	var recorded uint64
	if err := s.conn.QueryRow(ctx, fmt.Sprintf("SELECT count() FROM %s.schema_migrations", s.cfg.Database)).Scan(&recorded); err != nil {
		t.Fatal(err)
	}
	if recorded != uint64(len(migrations())) {
		t.Fatalf("schema_migrations has %d rows after two runs, want %d", recorded, len(migrations()))
	}
	for _, table := range []string{"email_analysis", "findings", "pipeline_offsets"} {
		var engine string
		if err := s.conn.QueryRow(ctx, "SELECT engine FROM system.tables WHERE database = ? AND name = ?",
			s.cfg.Database, table).Scan(&engine); err != nil {
			t.Fatalf("table %s: %v", table, err)
		}
		if engine != "ReplacingMergeTree" {
			t.Errorf("table %s engine = %s, want ReplacingMergeTree", table, engine)
		}
	}
}

// writeAndFlush writes records from..to-1, processed at 'at', and flushes.
func writeAndFlush(tb testing.TB, k *Sink, from, to int, at time.Time) {
	tb.Helper()
	ctx := context.Background()
	for i := from; i < to; i++ {
		if err := k.Write(ctx, testRecord(i, at)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := k.Flush(ctx); err != nil {
		tb.Fatalf("Flush() = %v", err)
	}
	if rows, bytes := k.Buffered(); rows != 0 || bytes != 0 {
		tb.Fatalf("Buffered() after Flush = %d rows, %d bytes", rows, bytes)
	}
}

func TestRedeliveryLeavesOneRowEach(t *testing.T) {
	s := migrated(t)
	k := NewSink(s, &hashSealer{version: 1})
	const n = 500
	first := time.Now()
	writeAndFlush(t, k, 0, n, first)
	// The whole range again, as after a crash before the commit, plus an
	// overlap processed later (a newer version).
	writeAndFlush(t, k, 0, n, first)
	writeAndFlush(t, k, n/2, n, first.Add(time.Second))

	db := s.cfg.Database
	for _, tc := range []struct {
		q    string
		want uint64
	}{
		{fmt.Sprintf("SELECT count(), uniqExact(event_id) FROM %s.email_analysis FINAL", db), n},
		{fmt.Sprintf("SELECT count(), uniqExact(event_id, code) FROM %s.findings FINAL", db), 2 * n},
	} {
		rows, unique := queryCount(t, s, tc.q)
		if rows != tc.want || unique != tc.want {
			t.Errorf("%s: count()=%d unique=%d, want both %d", tc.q, rows, unique, tc.want)
		}
	}
	// The newer version wins for the overlap.
	var newer uint64
	if err := s.conn.QueryRow(context.Background(), fmt.Sprintf(
		"SELECT count() FROM %s.email_analysis FINAL WHERE ingest_version = %d", db, first.Add(time.Second).UnixNano())).Scan(&newer); err != nil {
		t.Fatal(err)
	}
	if newer != n/2 {
		t.Errorf("%d rows carry the newer version under FINAL, want %d", newer, n/2)
	}
}

func TestRoundTripColumns(t *testing.T) {
	s := migrated(t)
	k := NewSink(s, &hashSealer{version: 4})
	at := time.Date(2026, 12, 2, 8, 30, 15, 0, time.UTC)
	writeAndFlush(t, k, 7, 8, at)
	var (
		tenant, action, domain, model, topic string
		score                                float64
		urls                                 uint32
		att                                  uint16
		codes                                []string
		kv                                   uint32
		part                                 int32
		off                                  int64
		processed                            time.Time
	)
	err := s.conn.QueryRow(context.Background(), fmt.Sprintf(`SELECT tenant, action, sender_domain, model_version,
		src_topic, score, url_count, attachments, finding_codes, key_version, src_partition, src_offset, processed_at
		FROM %s.email_analysis FINAL WHERE event_id = 'evt-000007'`, s.cfg.Database)).Scan(
		&tenant, &action, &domain, &model, &topic, &score, &urls, &att, &codes, &kv, &part, &off, &processed)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(tenant, action, domain, model, topic, score, urls, att, codes, kv, part, off)
	want := fmt.Sprint("acme", "quarantine", "evil.example", "2026.12.1", string(pipeline.DefaultEventsTopic),
		0.91, 3, 1, []string{"brand_mismatch", "new_domain"}, 4, 1, 7)
	if got != want {
		t.Fatalf("row = %s, want %s", got, want)
	}
	if !processed.Equal(at) {
		t.Fatalf("processed_at = %v, want %v", processed, at)
	}
}

func TestNoPlaintextPII(t *testing.T) {
	for _, sc := range []struct {
		name   string
		sealer Sealer
	}{{"sealed", &hashSealer{version: 2}}, {"no sealer", nil}} {
		t.Run(sc.name, func(t *testing.T) {
			s := migrated(t)
			writeAndFlush(t, NewSink(s, sc.sealer), 0, 50, time.Now())
			ctx := context.Background()
			for _, table := range []string{"email_analysis", "findings"} {
				// Every column as text, whatever its type.
				rows, err := s.conn.Query(ctx, "SELECT name, type FROM system.columns WHERE database = ? AND table = ?",
					s.cfg.Database, table)
				if err != nil {
					t.Fatal(err)
				}
				var exprs []string
				for rows.Next() {
					var name, typ string
					if err := rows.Scan(&name, &typ); err != nil {
						t.Fatal(err)
					}
					if strings.HasPrefix(typ, "Array(") {
						exprs = append(exprs, fmt.Sprintf("arrayStringConcat(%s, ',')", name))
					} else {
						exprs = append(exprs, fmt.Sprintf("toString(%s)", name))
					}
				}
				rows.Close()
				if len(exprs) < 10 {
					t.Fatalf("table %s has only %d columns", table, len(exprs))
				}
				var all []string
				rows, err = s.conn.Query(ctx, fmt.Sprintf("SELECT concat(%s) FROM %s.%s",
					strings.Join(exprs, ", '|', "), s.cfg.Database, table))
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var line string
					if err := rows.Scan(&line); err != nil {
						t.Fatal(err)
					}
					all = append(all, line)
				}
				rows.Close()
				if len(all) == 0 {
					t.Fatalf("table %s is empty", table)
				}
				text := strings.Join(all, "\n")
				for _, p := range append(piiValues(), "carol@corp.example") {
					if strings.Contains(text, p) {
						t.Errorf("table %s holds plaintext PII %q", table, p)
					}
				}
				if sc.sealer != nil && table == "email_analysis" && !strings.Contains(text, "|v2:") {
					t.Errorf("table %s has no sealed tokens", table)
				}
			}
		})
	}
}

func TestLedgerSaveLoad(t *testing.T) {
	s := migrated(t)
	l := s.Ledger()
	ctx := context.Background()
	p0 := pipeline.TopicPartition{Topic: "phishx.emails.v1", Partition: 0}
	p1 := pipeline.TopicPartition{Topic: "phishx.emails.v1", Partition: 1}
	p2 := pipeline.TopicPartition{Topic: "phishx.emails.v1", Partition: 2}
	other := pipeline.TopicPartition{Topic: "A.phishx.emails.v1", Partition: 0}

	if got, err := l.Load(ctx, "g", []pipeline.TopicPartition{p0}); err != nil || len(got) != 0 {
		t.Fatalf("Load() on an empty ledger = %v, %v", got, err)
	}
	steps := []map[pipeline.TopicPartition]int64{
		{p0: 10, p1: 20},
		{p0: 15},
		{other: 99},
	}
	for _, w := range steps {
		if err := l.Save(ctx, "g", w); err != nil {
			t.Fatalf("Save() = %v", err)
		}
	}
	if err := l.Save(ctx, "other-group", map[pipeline.TopicPartition]int64{p0: 1000}); err != nil {
		t.Fatal(err)
	}
	if err := l.Save(ctx, "g", nil); err != nil {
		t.Fatalf("Save(nil) = %v", err)
	}
	got, err := l.Load(ctx, "g", []pipeline.TopicPartition{p0, p1, p2})
	if err != nil {
		t.Fatal(err)
	}
	want := map[pipeline.TopicPartition]int64{p0: 15, p1: 20}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Load() = %v, want %v", got, want)
	}
	// A fresh Ledger (a restarted consumer) sees the same.
	got, err = NewLedger(s).Load(ctx, "g", []pipeline.TopicPartition{other})
	if err != nil || got[other] != 99 || len(got) != 1 {
		t.Fatalf("Load(other topic) = %v, %v", got, err)
	}
}

func TestFlushFailureKeepsRows(t *testing.T) {
	s := migrated(t)
	ctx := context.Background()
	k := NewSink(s, nil)
	db := s.cfg.Database
	rename := func(from, to string) {
		t.Helper()
		if err := s.conn.Exec(ctx, fmt.Sprintf("RENAME TABLE %s.%s TO %s.%s", db, from, db, to)); err != nil {
			t.Fatal(err)
		}
	}
	count := func(table string) uint64 {
		t.Helper()
		n, _ := queryCount(t, s, fmt.Sprintf("SELECT count(), toUInt64(0) FROM %s.%s FINAL", db, table))
		return n
	}
	for i := range 20 {
		if err := k.Write(ctx, testRecord(i, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	wantRows, wantBytes := k.Buffered()

	// The analyses table is gone: nothing is written, everything kept.
	rename("email_analysis", "email_analysis_away")
	if err := k.Flush(ctx); err == nil {
		t.Fatal("Flush() without the email_analysis table = nil")
	}
	if rows, bytes := k.Buffered(); rows != wantRows || bytes != wantBytes {
		t.Fatalf("Buffered() after a failed Flush = %d, %d, want %d, %d", rows, bytes, wantRows, wantBytes)
	}
	rename("email_analysis_away", "email_analysis")

	// Analyses go in, findings fail: the findings still show as buffered.
	rename("findings", "findings_away")
	if err := k.Flush(ctx); err == nil {
		t.Fatal("Flush() without the findings table = nil")
	}
	if rows, _ := k.Buffered(); rows != 40 {
		t.Fatalf("Buffered() rows = %d after the findings insert failed, want its 40 rows", rows)
	}
	rename("findings_away", "findings")

	// A cancelled context fails before touching the server and keeps rows.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := k.Flush(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Flush(cancelled) = %v, want context.Canceled", err)
	}

	if err := k.Flush(ctx); err != nil {
		t.Fatalf("retried Flush() = %v", err)
	}
	if rows, _ := k.Buffered(); rows != 0 {
		t.Fatalf("Buffered() after the retry = %d rows", rows)
	}
	if a, f := count("email_analysis"), count("findings"); a != 20 || f != 40 {
		t.Fatalf("after the retry: %d analyses, %d findings, want 20, 40", a, f)
	}
}

func TestFlushDeadline(t *testing.T) {
	s := migrated(t)
	k := NewSink(s, nil)
	writeAndFlush(t, k, 0, 1, time.Now()) // warm the connection
	for i := range 1000 {
		if err := k.Write(context.Background(), testRecord(i, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	if err := k.Flush(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Flush(expired) = %v, want context.DeadlineExceeded", err)
	}
	if rows, _ := k.Buffered(); rows != 3000 {
		t.Fatalf("Buffered() = %d after an expired Flush, want 3000", rows)
	}
}

func TestClosedSink(t *testing.T) {
	s := migrated(t)
	k := NewSink(s, nil)
	if err := k.Write(context.Background(), testRecord(0, time.Now())); err != nil {
		t.Fatal(err)
	}
	if err := k.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := k.Flush(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Flush() after Close = %v, want ErrClosed", err)
	}
	// The Store, which owns the connection, still works.
	if _, err := s.Status(context.Background()); err != nil {
		t.Fatalf("Status() after the sink closed = %v", err)
	}
}

// TestAnalystSQL runs deploy/sql/analyst.sql against the server, so its
// views stay valid on 18.16 and modern servers alike.
func TestAnalystSQL(t *testing.T) {
	s := migrated(t)
	writeAndFlush(t, NewSink(s, nil), 0, 30, time.Now())
	if err := s.Ledger().Save(context.Background(), "g", map[pipeline.TopicPartition]int64{{Topic: "t"}: 29}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("..", "..", "deploy", "sql", "analyst.sql"))
	if err != nil {
		t.Fatal(err)
	}
	stmts := splitSQL(strings.ReplaceAll(string(raw), "phishx.", s.cfg.Database+"."))
	if len(stmts) < 6 {
		t.Fatalf("analyst.sql has %d statements, want views and example queries", len(stmts))
	}
	ctx := context.Background()
	for _, q := range stmts {
		if strings.HasPrefix(strings.ToUpper(q), "CREATE") {
			if err := s.conn.Exec(ctx, q); err != nil {
				t.Fatalf("%s\n: %v", q, err)
			}
			continue
		}
		rows, err := s.conn.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s\n: %v", q, err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s\n: %v", q, err)
		}
		rows.Close()
		if n == 0 {
			t.Errorf("query returned no rows over test data:\n%s", q)
		}
	}
}

// splitSQL splits a script on ';' at line ends and drops comment lines.
func splitSQL(script string) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.SplitSeq(script, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trimmed, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	return out
}

func BenchmarkFlush10k(b *testing.B) {
	s := migrated(b)
	k := NewSink(s, &hashSealer{version: 1})
	ctx := context.Background()
	const n = 10_000
	recs := make([]*pipeline.Record, n)
	at := time.Now()
	for i := range recs {
		recs[i] = testRecord(i, at)
	}
	b.ReportAllocs()
	b.ResetTimer()
	flushes := 0
	for b.Loop() {
		flushes++
		b.StopTimer()
		for _, r := range recs {
			if err := k.Write(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		if err := k.Flush(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*flushes)/b.Elapsed().Seconds(), "rows/s")
}
