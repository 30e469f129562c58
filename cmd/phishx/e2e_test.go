package main

// End-to-end tests of the phishx binary against Kafka and ClickHouse.
//
// Kafka: the real broker named by PHISHX_KAFKA_BROKERS (make test starts
// one), otherwise an embedded broker started by this test process, so a
// developer without Java still runs the same tests. The broker lives
// outside the pipeline process, so killing the pipeline loses no data.
//
// ClickHouse: PHISHX_CLICKHOUSE_ADDR (default 127.0.0.1:9000). The tests
// skip when it is unreachable, unless CI=true or PHISHX_REQUIRE_SERVICES=1.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/phishx/phishx/benchmarks/loadgen"
	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/schemas"
	"github.com/phishx/phishx/schemas/seal"
	"github.com/phishx/phishx/stages/decrypt/keyring"
)

var phishxBin string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "phishx-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	phishxBin = filepath.Join(dir, "phishx")
	// Built without -race even under `go test -race`: these tests are about
	// delivery, and the engine's concurrency is race-tested in its package.
	build := exec.Command("go", "build", "-o", phishxBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build phishx:", err)
		return 1
	}
	return m.Run()
}

func requireServices() bool {
	return os.Getenv("CI") == "true" || os.Getenv("PHISHX_REQUIRE_SERVICES") == "1"
}

// e2e is one test's world: its own topics, group and ClickHouse database.
type e2e struct {
	t        *testing.T
	brokers  []string
	real     bool // a real Kafka broker, not the embedded one
	chAddr   string
	ch       driver.Conn
	database string
	name     string
	cfgPath  string
	dir      string
	env      []string // the pipeline's environment: a fresh master key per test
}

func newE2E(t *testing.T, logLevel string, extraYAML ...string) *e2e {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	w := &e2e{t: t, dir: t.TempDir()}
	w.name = fmt.Sprintf("e2e_%s_%d", strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_")), time.Now().UnixNano()%1e9)
	if b := pipeline.BrokerList(os.Getenv("PHISHX_KAFKA_BROKERS")); len(b) > 0 {
		w.brokers, w.real = b, true
	} else {
		if requireServices() {
			t.Log("PHISHX_KAFKA_BROKERS unset: using the embedded broker")
		}
		k, err := pipeline.StartEmbeddedKafka(0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(k.Close)
		w.brokers = k.Brokers()
	}
	w.chAddr = os.Getenv("PHISHX_CLICKHOUSE_ADDR")
	if w.chAddr == "" {
		w.chAddr = "127.0.0.1:9000"
	}
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{w.chAddr}, DialTimeout: 2 * time.Second})
	if err == nil {
		err = conn.Ping(context.Background())
	}
	if err != nil {
		if requireServices() {
			t.Fatalf("ClickHouse at %s is required (CI=true or PHISHX_REQUIRE_SERVICES=1): %v", w.chAddr, err)
		}
		t.Skipf("ClickHouse at %s unreachable (%v); start it with deploy/clickhouse.sh start", w.chAddr, err)
	}
	w.ch = conn
	w.database = w.name
	t.Cleanup(func() {
		_ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+w.database)
		conn.Close()
	})
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	w.env = append(os.Environ(), "ENCRYPTION_MASTER_KEY="+base64.StdEncoding.EncodeToString(key))
	w.cfgPath = filepath.Join(w.dir, "phishx.yaml")
	cfg := fmt.Sprintf(`pipeline:
  brokers: [%s]
  group: %s
  events_topic: %s.emails
  verdicts_topic: %s.verdicts
  dlq_topic: %s.dlq
  batch_rows: 2000
  flush_interval: 300ms
  session_timeout: 8s
  breaker:
    consecutive_failures: 2
    open_timeout: 1s
topics:
  partitions: 6
clickhouse:
  addr: %s
  database: %s
log:
  level: %s
  format: json
%s`, strings.Join(w.brokers, ", "), w.name, w.name, w.name, w.name, w.chAddr, w.database, logLevel, strings.Join(extraYAML, "\n"))
	if err := os.WriteFile(w.cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return w
}

// run runs phishx to completion and returns its stdout.
func (w *e2e) run(args ...string) string {
	w.t.Helper()
	cmd := exec.Command(phishxBin, append([]string{"--config", w.cfgPath}, args...)...)
	cmd.Env = w.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		w.t.Fatalf("phishx %s: %v\nstderr:\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

// proc is a running `phishx run`.
type proc struct {
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (w *e2e) start() *proc {
	w.t.Helper()
	cmd := exec.Command(phishxBin, "--config", w.cfgPath, "run")
	cmd.Env = w.env
	p := &proc{cmd: cmd, logs: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	w.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
		}
		if w.t.Failed() {
			w.t.Logf("phishx run output:\n%s", tail(p.logs.String(), 4000))
		}
	})
	return p
}

func (p *proc) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("phishx run exited with %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("phishx run did not stop within 60s of SIGTERM")
	}
}

func (p *proc) kill(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

type counts struct{ rows, unique uint64 }

func (w *e2e) counts() counts {
	w.t.Helper()
	var c counts
	row := w.ch.QueryRow(context.Background(),
		fmt.Sprintf("SELECT count(), uniqExact(event_id) FROM %s.email_analysis FINAL", w.database))
	if err := row.Scan(&c.rows, &c.unique); err != nil {
		return counts{}
	}
	return c
}

func (w *e2e) waitRows(want uint64, timeout time.Duration) counts {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	var c counts
	for time.Now().Before(deadline) {
		if c = w.counts(); c.unique >= want {
			return c
		}
		time.Sleep(250 * time.Millisecond)
	}
	w.t.Fatalf("timed out: %d of %d events in ClickHouse", c.unique, want)
	return c
}

func (w *e2e) assertExactly(n uint64) {
	w.t.Helper()
	c := w.counts()
	if c.rows != n || c.unique != n {
		w.t.Fatalf("email_analysis FINAL: count()=%d uniqExact(event_id)=%d, want both %d", c.rows, c.unique, n)
	}
}

func (w *e2e) produceSynthetic(n int, seed int) {
	w.t.Helper()
	w.run("produce", "--synthetic", "--count", fmt.Sprint(n), "--seed", fmt.Sprint(seed))
}

func (w *e2e) kafkaClient(opts ...kgo.Opt) *kgo.Client {
	w.t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(w.brokers...)}, opts...)...)
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(cl.Close)
	return cl
}

func (w *e2e) committed() int64 {
	return pipeline.CommittedTotal(context.Background(), w.kafkaClient(), w.name, pipeline.Topic(w.name+".emails"))
}

func TestE2EExactlyOnceAcrossSIGKILL(t *testing.T) {
	w := newE2E(t, "info")
	w.run("migrate")
	w.produceSynthetic(10000, 1)

	p := w.start()
	c := w.waitRows(2500, 3*time.Minute)
	p.kill(t) // mid-stream: some batches written, their offsets maybe not committed
	t.Logf("killed with %d rows written, %d offsets committed", c.unique, w.committed())

	p = w.start()
	w.waitRows(10000, 5*time.Minute)
	p.stop(t)
	w.assertExactly(10000)
	if c.unique > 0 && !regexp.MustCompile(`"msg":"stopped".*"skipped":[1-9]`).MatchString(p.logs.String()) {
		t.Error("the restarted consumer skipped nothing: the offset ledger was not used")
	}
	if got := w.committed(); got != 10000 {
		t.Fatalf("committed offsets = %d, want 10000", got)
	}
}

func TestE2EBadInputIsDeadLettered(t *testing.T) {
	w := newE2E(t, "info")
	w.run("migrate")
	w.produceSynthetic(500, 2)

	// Four kinds of bad input between the good events.
	trunc := frame(1, bytes.Repeat([]byte{0x02}, 3)) // a schema id we know, a body cut short
	junk := make([]byte, 300)
	_, _ = rand.Read(junk)
	junk[0] = 0x7f
	bad := [][]byte{junk, frame(9999, []byte("whatever")), trunc, frame(1, bytes.Repeat([]byte("A"), 5<<20))}
	cl := w.kafkaClient(kgo.ProducerBatchMaxBytes(16 << 20))
	for i, v := range bad {
		r := &kgo.Record{Topic: w.name + ".emails", Key: []byte(fmt.Sprint("bad", i)), Value: v}
		if err := cl.ProduceSync(context.Background(), r).FirstErr(); err != nil {
			if i == 3 {
				t.Logf("broker refused the oversized record (%v); the pipeline's own limit is tested with the embedded broker", err)
				bad = bad[:3]
				continue
			}
			t.Fatal(err)
		}
	}
	w.produceSynthetic(500, 3)

	p := w.start()
	w.waitRows(1000, 3*time.Minute)
	dead := w.readDLQ(len(bad))
	p.stop(t)
	w.assertExactly(1000)
	var reasons []string
	for _, d := range dead {
		reasons = append(reasons, headerValue(d, pipeline.HeaderDLQStage)+": "+headerValue(d, pipeline.HeaderDLQReason))
	}
	t.Logf("dead-letter reasons:\n%s", strings.Join(reasons, "\n"))
	if len(dead) != len(bad) {
		t.Fatalf("dead letters = %d, want %d", len(dead), len(bad))
	}
	for _, want := range []string{"unknown schema id 9999", "truncated"} {
		if !strings.Contains(strings.Join(reasons, "\n"), want) {
			t.Errorf("no dead-letter reason mentions %q", want)
		}
	}
	if len(bad) == 4 && !strings.Contains(strings.Join(reasons, "\n"), "too large") {
		t.Errorf("no dead-letter reason mentions the oversized event")
	}
}

func frame(id uint32, body []byte) []byte {
	b := make([]byte, 5, 5+len(body))
	binary.BigEndian.PutUint32(b[1:], id)
	return append(b, body...)
}

func (w *e2e) readDLQ(n int) []*kgo.Record {
	w.t.Helper()
	cl := w.kafkaClient(kgo.ConsumeTopics(w.name+".dlq"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxBytes(64<<20), kgo.FetchMaxPartitionBytes(32<<20))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n && ctx.Err() == nil {
		out = append(out, cl.PollFetches(ctx).Records()...)
	}
	return out
}

func headerValue(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

func TestE2ESecondConsumerJoinsMidStream(t *testing.T) {
	w := newE2E(t, "info")
	w.run("migrate")
	w.produceSynthetic(4000, 4)
	a := w.start()
	w.waitRows(500, 3*time.Minute)
	b := w.start()
	w.produceSynthetic(6000, 5)
	w.waitRows(10000, 5*time.Minute)
	a.stop(t)
	b.stop(t)
	w.assertExactly(10000)
	if !strings.Contains(b.logs.String(), "partitions assigned") {
		t.Fatal("the second consumer never got partitions")
	}
}

func TestE2EClickHouseOutagePausesAndResumes(t *testing.T) {
	script, _ := filepath.Abs("../../deploy/clickhouse.sh")
	if os.Getenv("PHISHX_CLICKHOUSE_ADDR") == "" || os.Getenv("PHISHX_CH_MANAGED") == "0" {
		t.Skip("needs the ClickHouse started by deploy/clickhouse.sh (make test) to stop and restart it")
	}
	w := newE2E(t, "info")
	w.run("migrate")
	w.produceSynthetic(10000, 6)
	p := w.start()
	w.waitRows(2000, 3*time.Minute)

	if out, err := exec.Command(script, "stop").CombinedOutput(); err != nil {
		t.Fatalf("stop ClickHouse: %v\n%s", err, out)
	}
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			_ = exec.Command(script, "start").Run()
		}
	})
	time.Sleep(8 * time.Second) // the breaker opens; fetching pauses
	committedDown := w.committed()
	time.Sleep(4 * time.Second)
	if c := w.committed(); c != committedDown {
		t.Fatalf("offsets committed while ClickHouse was down: %d then %d", committedDown, c)
	}
	if !strings.Contains(p.logs.String(), "fetching paused") {
		t.Fatalf("the pipeline did not report pausing")
	}
	if out, err := exec.Command(script, "start").CombinedOutput(); err != nil {
		t.Fatalf("start ClickHouse: %v\n%s", err, out)
	}
	restarted = true
	c := w.counts()
	if int64(c.unique) < committedDown {
		t.Fatalf("committed %d offsets but only %d events were written", committedDown, c.unique)
	}
	w.waitRows(10000, 5*time.Minute)
	p.stop(t)
	w.assertExactly(10000)
	if !strings.Contains(p.logs.String(), "fetching resumed") {
		t.Fatalf("the pipeline did not report resuming")
	}
}

// TestE2EPIIStaysSealed: events sealed by the gateway path are opened by
// the pipeline, their PII columns in ClickHouse are tokens that open with
// the ring, and no plaintext PII appears in ClickHouse or in the logs.
func TestE2EPIIStaysSealed(t *testing.T) {
	w := newE2E(t, "debug")
	w.run("migrate")
	const n = 300
	w.produceSynthetic(n, 7)
	p := w.start()
	w.waitRows(n, 3*time.Minute)
	p.stop(t)

	// The same seed makes the same events: the plaintext we look for.
	gc := loadgen.DefaultConfig()
	gc.Seed = 7
	gen, err := loadgen.New(gc)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*schemas.EmailEvent{}
	for range n {
		ev := gen.Next()
		want[ev.EventID] = ev
	}
	sealer := w.sealer(w.masterKey(), 1)

	rows, err := w.ch.Query(context.Background(), fmt.Sprintf(
		"SELECT event_id, sender_sealed, recipients_sealed, subject_sealed, client_ip_sealed FROM %s.email_analysis FINAL", w.database))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	logs := p.logs.String()
	checked := 0
	for rows.Next() {
		var id, sender, recipients, subject, ip string
		if err := rows.Scan(&id, &sender, &recipients, &subject, &ip); err != nil {
			t.Fatal(err)
		}
		ev, ok := want[id]
		if !ok {
			t.Fatalf("unexpected event %s", id)
		}
		for _, col := range []string{sender, recipients, subject, ip} {
			if strings.Contains(col, "@") || strings.Contains(col, ev.ClientIP) {
				t.Fatalf("event %s: a PII column holds plaintext", id)
			}
		}
		got, err := sealer.OpenString(sender)
		if err != nil || string(got) != ev.EnvelopeFrom {
			t.Fatalf("event %s: sender column does not open to the sender (%v)", id, err)
		}
		if got, err := sealer.OpenString(ip); err != nil || string(got) != ev.ClientIP {
			t.Fatalf("event %s: client_ip column does not open (%v)", id, err)
		}
		if strings.Contains(logs, ev.EnvelopeFrom) || strings.Contains(logs, ev.EnvelopeTo[0]) {
			t.Fatalf("event %s: the pipeline logged an address", id)
		}
		checked++
	}
	if checked != n {
		t.Fatalf("checked %d rows, want %d", checked, n)
	}
	var leaks uint64
	if err := w.ch.QueryRow(context.Background(), fmt.Sprintf(
		"SELECT count() FROM %s.findings WHERE position(detail_sealed, '@') > 0", w.database)).Scan(&leaks); err != nil {
		t.Fatal(err)
	}
	if leaks != 0 {
		t.Fatalf("%d finding details hold an address in clear", leaks)
	}
}

// TestE2EKeyRotation: events sealed under key 1, key 2 added to the key
// file while the pipeline runs, new events sealed under key 2, old ones
// still open; after `phishx keys rotate` every stored value is under key 2,
// the row count is unchanged, and a ring without key 1 opens everything.
func TestE2EKeyRotation(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "keys.yaml")
	writeKeys := func(active int, versions ...int) {
		t.Helper()
		var b strings.Builder
		fmt.Fprintf(&b, "active: %d\nkeys:\n", active)
		for _, v := range versions {
			fmt.Fprintf(&b, "  - version: %d\n    derive: true\n", v)
		}
		tmp := keyFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, keyFile); err != nil {
			t.Fatal(err)
		}
	}
	writeKeys(1, 1)
	w := newE2E(t, "info", "keys:\n  key_file: "+keyFile+"\n  reload_interval: 200ms\n")
	w.run("migrate")
	w.produceSynthetic(300, 8)
	p := w.start()
	w.waitRows(300, 3*time.Minute)

	writeKeys(2, 1, 2)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(p.logs.String(), "key ring reloaded") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	w.produceSynthetic(300, 9)
	w.waitRows(600, 3*time.Minute)
	p.stop(t)

	byVersion := w.keyVersions()
	if byVersion[1] != 300 || byVersion[2] != 300 {
		t.Fatalf("rows by key version before rotate = %v, want 300 under 1 and 300 under 2", byVersion)
	}
	out := w.run("keys", "rotate")
	t.Log(strings.TrimSpace(out))
	w.assertExactly(600)
	if byVersion = w.keyVersions(); byVersion[2] != 600 || len(byVersion) != 1 {
		t.Fatalf("rows by key version after rotate = %v, want all 600 under 2", byVersion)
	}

	// Key 1 can go: a ring of key 2 alone opens every stored value.
	sealer := w.sealer(w.masterKey(), 2)
	rows, err := w.ch.Query(context.Background(), fmt.Sprintf(
		"SELECT sender_sealed, subject_sealed FROM %s.email_analysis FINAL UNION ALL SELECT detail_sealed, '' FROM %s.findings FINAL",
		w.database, w.database))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	opened := 0
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{a, b} {
			if v == "" {
				continue
			}
			if _, err := sealer.OpenString(v); err != nil {
				t.Fatalf("a stored value does not open without key 1: %v", err)
			}
			opened++
		}
	}
	if opened < 600 {
		t.Fatalf("opened only %d values", opened)
	}
}

func (w *e2e) keyVersions() map[uint32]uint64 {
	w.t.Helper()
	rows, err := w.ch.Query(context.Background(), fmt.Sprintf(
		"SELECT key_version, count() FROM %s.email_analysis FINAL GROUP BY key_version", w.database))
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	out := map[uint32]uint64{}
	for rows.Next() {
		var v uint32
		var n uint64
		if err := rows.Scan(&v, &n); err != nil {
			w.t.Fatal(err)
		}
		out[v] = n
	}
	return out
}

// TestE2EBadTokensAreDeadLettered: tampered, truncated, wrong-key and
// unknown-version tokens each land in the dead-letter topic with a reason
// naming the field and key version; none leaves a row; the good events
// around them are all written.
func TestE2EBadTokensAreDeadLettered(t *testing.T) {
	w := newE2E(t, "info")
	w.run("migrate")
	w.produceSynthetic(200, 10)

	right := w.sealer(w.masterKey(), 1)
	other := make([]byte, 32)
	_, _ = rand.Read(other)
	wrong := w.sealer(base64.StdEncoding.EncodeToString(other), 1)

	gc := loadgen.DefaultConfig()
	gc.Seed = 11
	gen, err := loadgen.New(gc)
	if err != nil {
		t.Fatal(err)
	}
	sealed := func(s *seal.Sealer) *schemas.EmailEvent {
		ev, err := s.Seal(gen.Next())
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	tampered := sealed(right)
	tampered.RawMessage[len(tampered.RawMessage)/2] ^= 0x01
	truncated := sealed(right)
	truncated.EnvelopeFrom = truncated.EnvelopeFrom[:len(truncated.EnvelopeFrom)/2]
	wrongKey := sealed(wrong)
	unknownVersion := sealed(right)
	unknownVersion.KeyVersion = 7

	reg, err := schemas.NewEmbeddedRegistry()
	if err != nil {
		t.Fatal(err)
	}
	codec := schemas.NewCodec(reg)
	cl := w.kafkaClient()
	for _, ev := range []*schemas.EmailEvent{tampered, truncated, wrongKey, unknownVersion} {
		v, err := codec.EncodeEvent(ev)
		if err != nil {
			t.Fatal(err)
		}
		if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: w.name + ".emails", Value: v}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	w.produceSynthetic(200, 12)

	p := w.start()
	w.waitRows(400, 3*time.Minute)
	dead := w.readDLQ(4)
	p.stop(t)
	w.assertExactly(400)
	var reasons []string
	for _, d := range dead {
		if s := headerValue(d, pipeline.HeaderDLQStage); s != "decrypt" {
			t.Errorf("dead letter from stage %q, want decrypt", s)
		}
		reasons = append(reasons, headerValue(d, pipeline.HeaderDLQReason))
	}
	all := strings.Join(reasons, "\n")
	t.Logf("reasons:\n%s", all)
	if len(dead) != 4 {
		t.Fatalf("dead letters = %d, want 4", len(dead))
	}
	for _, want := range []string{"field raw_message, key version 1", "field envelope_from", "unknown key version 7"} {
		if !strings.Contains(all, want) {
			t.Errorf("no reason mentions %q", want)
		}
	}
	if strings.Contains(p.logs.String(), tampered.EventID) && strings.Contains(p.logs.String(), "gAAAA") {
		t.Error("a token reached the logs")
	}
}

// masterKey is the test's ENCRYPTION_MASTER_KEY.
func (w *e2e) masterKey() string {
	for _, kv := range w.env {
		if v, ok := strings.CutPrefix(kv, "ENCRYPTION_MASTER_KEY="); ok {
			return v
		}
	}
	w.t.Fatal("no master key in the test environment")
	return ""
}

// sealer opens and seals with the given key versions derived from master.
func (w *e2e) sealer(master string, versions ...int32) *seal.Sealer {
	w.t.Helper()
	mk, err := keyring.DecodeMasterKey(master)
	if err != nil {
		w.t.Fatal(err)
	}
	ring, err := keyring.FromMasterKey(mk, versions...)
	if err != nil {
		w.t.Fatal(err)
	}
	s, err := seal.NewSealer(ring, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}
