package api

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/pipeline/api/auth"
)

// openTestClickHouse connects to 127.0.0.1:9000 in a database of its own;
// it skips when the server is unreachable, unless CI=true.
func openTestClickHouse(t *testing.T) *ClickHouse {
	t.Helper()
	cfg := DefaultClickHouseConfig()
	cfg.Database = "phishx_api_test"
	cfg.DialTimeout = 2 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := OpenClickHouse(ctx, cfg)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("clickhouse: %v", err)
		}
		t.Skipf("clickhouse unreachable: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	for _, q := range []string{
		"DROP TABLE IF EXISTS phishx_api_test.email_analysis",
		"DROP TABLE IF EXISTS phishx_api_test.findings",
		"TRUNCATE TABLE phishx_api_test.audit_log",
		`CREATE TABLE phishx_api_test.email_analysis (event_id String, tenant String, gateway String, received_at DateTime,
			processed_at DateTime, sender_domain String, score Float32, action String, model_name String, model_version String,
			finding_codes Array(String), sender_sealed String, subject_sealed String, version UInt64)
			ENGINE = ReplacingMergeTree(version) ORDER BY event_id`,
		`CREATE TABLE phishx_api_test.findings (event_id String, code String, severity String, detail_sealed String, version UInt64)
			ENGINE = ReplacingMergeTree(version) ORDER BY (event_id, code)`,
	} {
		if err := c.conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q[:30], err)
		}
	}
	return c
}

// The whole flow against the real Kafka (PHISHX_KAFKA_BROKERS, as make test
// sets it; kfake otherwise) and the real ClickHouse: login, call, refresh,
// logout, with the audit log read back from ClickHouse.
func TestClickHouseFlow(t *testing.T) {
	c := openTestClickHouse(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sealer := testSealer(t)
	subj, _ := sealer.SealString([]byte("Your account is locked"))
	now := time.Now().Truncate(time.Second)
	b, err := c.conn.PrepareBatch(ctx, `INSERT INTO phishx_api_test.email_analysis (event_id, tenant, gateway, received_at, processed_at,
		sender_domain, score, action, model_name, model_version, finding_codes, sender_sealed, subject_sealed, version)`)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Append("e1", "acme", "gw", now, now, "evil.example", float32(0.95), "quarantine", "lr", "3", []string{"url_mismatch"}, "", subj, uint64(1)); err != nil {
		t.Fatal(err)
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	fb, err := c.conn.PrepareBatch(ctx, `INSERT INTO phishx_api_test.findings (event_id, code, severity, detail_sealed, version)`)
	if err != nil {
		t.Fatal(err)
	}
	if err := fb.Append("e1", "url_mismatch", "high", "", uint64(1)); err != nil {
		t.Fatal(err)
	}
	if err := fb.Send(); err != nil {
		t.Fatal(err)
	}
	brokers := pipeline.BrokerList(os.Getenv("PHISHX_KAFKA_BROKERS"))
	if len(brokers) == 0 {
		brokers = nil // kfake
	}
	h := newHarnessOn(t, brokers, pipeline.Topic(fmt.Sprintf("phishx.control.test.%d", time.Now().UnixNano())), c, c)
	an := h.createUser(t, "ch@example.com", auth.RoleAnalyst, []auth.Scope{auth.ScopeVerdictsRead, auth.ScopePIIRead})
	rec := h.do(t, "GET", "/v1/verdicts/e1?include_pii=true", an.AccessToken, nil)
	if rec.Code != http.StatusOK || !contains(rec.Body.String(), "Your account is locked", "url_mismatch", "quarantine") {
		t.Fatalf("verdict: %d %s", rec.Code, rec.Body)
	}
	if rec := h.do(t, "GET", "/v1/verdicts?tenant=acme&min_score=0.9", an.AccessToken, nil); rec.Code != http.StatusOK || !contains(rec.Body.String(), "e1") {
		t.Fatalf("list: %d %s", rec.Code, rec.Body)
	}
	rec = h.do(t, "POST", "/auth/refresh", "", RefreshRequest{RefreshToken: an.RefreshToken})
	if rec.Code != http.StatusOK {
		t.Fatalf("refresh: %d", rec.Code)
	}
	if rec := h.do(t, "POST", "/auth/logout", an.AccessToken, nil); rec.Code != http.StatusNoContent {
		t.Fatalf("logout: %d", rec.Code)
	}
	var recs []AuditRecord
	waitFor(t, func() bool {
		recs, _ = c.QueryAudit(ctx, AuditFilter{Action: ActLogout, Limit: 10})
		return len(recs) == 1
	})
	if recs[0].IPSealed == "" || contains(recs[0].IPSealed, "192.0.2") {
		t.Fatalf("audit ip not sealed: %q", recs[0].IPSealed)
	}
	rec = h.do(t, "GET", "/v1/audit?action=pii.read", h.adminTok, nil)
	if rec.Code != http.StatusOK || !contains(rec.Body.String(), "e1") {
		t.Fatalf("audit read: %d %s", rec.Code, rec.Body)
	}
}

func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
