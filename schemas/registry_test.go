package schemas_test

import (
	"context"
	"encoding/binary"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/phishx/phishx/schemas"
)

// extraRegistry serves the embedded schemas plus more by id.
type extraRegistry struct {
	*schemas.EmbeddedRegistry
	extra map[uint32]*schemas.Schema
}

func (r extraRegistry) ByID(ctx context.Context, id uint32) (*schemas.Schema, error) {
	if s, ok := r.extra[id]; ok {
		return s, nil
	}
	return r.EmbeddedRegistry.ByID(ctx, id)
}

func loadSchema(t *testing.T, id uint32, path string) *schemas.Schema {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := schemas.ParseSchema(id, string(text))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func v2Native() map[string]any {
	return map[string]any{
		"event_id": "e-v2", "tenant": "acme", "gateway": "mx9", "received_at": time.UnixMilli(1700000000000).UTC(),
		"envelope_from": "a@example.com", "envelope_to": []any{"b@example.org"}, "client_ip": "",
		"raw_message": []byte("Subject: x\r\n\r\nhi"), "key_version": int32(0), "encrypted_fields": []any{},
		"upstream_verdict": map[string]any{"string": "spam"},
	}
}

// TestSchemaEvolution: a v1 reader reads what a v2 writer wrote (the new
// optional field is ignored) and a v2 reader reads v1 data (the new field
// takes its default).
func TestSchemaEvolution(t *testing.T) {
	emb, err := schemas.NewEmbeddedRegistry()
	if err != nil {
		t.Fatal(err)
	}
	v2 := loadSchema(t, 3, "testdata/email_event.v2.avsc")
	c := schemas.NewCodec(extraRegistry{EmbeddedRegistry: emb, extra: map[uint32]*schemas.Schema{3: v2}})

	v2Bytes, err := schemas.EncodeNative(v2, v2Native())
	if err != nil {
		t.Fatal(err)
	}
	if id := binary.BigEndian.Uint32(v2Bytes[1:5]); id != 3 {
		t.Fatalf("v2 framed with id %d", id)
	}
	v1Bytes, err := c.EncodeEvent(sampleEvent())
	if err != nil {
		t.Fatal(err)
	}

	t.Run("v1 reader, v2 data", func(t *testing.T) {
		ev, err := c.DecodeEvent(v2Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if ev.EventID != "e-v2" || ev.Gateway != "mx9" || string(ev.RawMessage) != "Subject: x\r\n\r\nhi" ||
			len(ev.EnvelopeTo) != 1 || ev.EnvelopeTo[0] != "b@example.org" {
			t.Fatalf("got %+v", ev)
		}
		m, err := c.DecodeNative(v2Bytes, emb.EmailEvent())
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := m["upstream_verdict"]; ok {
			t.Fatal("v1 reader sees upstream_verdict, a field it does not declare")
		}
	})
	t.Run("v2 reader, v1 data", func(t *testing.T) {
		m, err := c.DecodeNative(v1Bytes, v2)
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := m["upstream_verdict"]; !ok || v != nil {
			t.Fatalf("upstream_verdict = %v (present %v), want the default null", v, ok)
		}
		if m["event_id"] != sampleEvent().EventID {
			t.Fatalf("event_id = %v", m["event_id"])
		}
	})
	t.Run("v2 reader, v2 data", func(t *testing.T) {
		m, err := c.DecodeNative(v2Bytes, v2)
		if err != nil {
			t.Fatal(err)
		}
		if u, _ := m["upstream_verdict"].(map[string]any); u["string"] != "spam" {
			t.Fatalf("upstream_verdict = %v", m["upstream_verdict"])
		}
	})
	t.Run("v1 writer lacking a field without default", func(t *testing.T) {
		strict := strings.Replace(mustRead(t, "testdata/email_event.v2.avsc"),
			`"type": ["null", "string"], "default": null`, `"type": "string"`, 1)
		reader, err := schemas.ParseSchema(4, strict)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.DecodeNative(v1Bytes, reader); !errors.Is(err, schemas.ErrWrongSchema) {
			t.Fatalf("got %v, want ErrWrongSchema", err)
		}
	})
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestExoticWriterSchema: a newer writer may use any Avro construct in the
// fields it adds; the pre-decode scan must accept exactly what goavro
// wrote and call every prefix of it truncated.
func TestExoticWriterSchema(t *testing.T) {
	emb, err := schemas.NewEmbeddedRegistry()
	if err != nil {
		t.Fatal(err)
	}
	w := loadSchema(t, 7, "testdata/email_event.exotic.avsc")
	c := schemas.NewCodec(extraRegistry{EmbeddedRegistry: emb, extra: map[uint32]*schemas.Schema{7: w}})
	native := v2Native()
	native["extra"] = map[string]any{"dev.phishx.test.Extra": map[string]any{
		"flag":  true,
		"ratio": float32(0.5),
		"score": 0.25,
		"count": int64(-1 << 40),
		"kind":  "beta",
		"hash":  []byte("0123456789abcdef"),
		"tags":  map[string]any{"a": []any{[]byte("0123456789abcdef")}, "b": []any{}},
		"chain": map[string]any{"dev.phishx.test.Node": map[string]any{
			"value": int32(1),
			"next":  map[string]any{"dev.phishx.test.Node": map[string]any{"value": int32(2), "next": nil}},
		}},
		"nothing": nil,
	}}
	b, err := schemas.EncodeNative(w, native)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := c.DecodeEvent(b)
	if err != nil {
		t.Fatal(err)
	}
	if ev.EventID != "e-v2" {
		t.Fatalf("got %+v", ev)
	}
	for n := 5; n < len(b); n++ {
		if _, err := c.DecodeEvent(b[:n]); !errors.Is(err, schemas.ErrTruncated) {
			t.Fatalf("prefix %d/%d: %v", n, len(b), err)
		}
	}
}

func TestParseSchemaRejects(t *testing.T) {
	tests := []struct {
		name string
		give string
	}{
		{"not json", "{"},
		{"not a record", `"string"`},
		{"enum", `{"type":"enum","name":"E","symbols":["a"]}`},
		{"unknown type", `{"type":"record","name":"R","fields":[{"name":"a","type":"Nope"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := schemas.ParseSchema(1, tt.give); err == nil {
				t.Fatal("parsed")
			}
		})
	}
}

const (
	eventsSubject   = "phishx.emails.v1-value"
	verdictsSubject = "phishx.verdicts.v1-value"
)

// countFetches counts schema-by-id requests reaching fake.
func countFetches(fake *srfake.Registry) *atomic.Int64 {
	var n atomic.Int64
	fake.Intercept(func(_ http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.URL.Path, "/schemas/ids/") {
			n.Add(1)
		}
		return false
	})
	return &n
}

func TestSchemaRegistryRegistersAndResolves(t *testing.T) {
	fake := srfake.New()
	defer fake.Close()
	ctx := context.Background()
	reg, err := schemas.NewSchemaRegistry(ctx, fake.URL(), eventsSubject, verdictsSubject)
	if err != nil {
		t.Fatal(err)
	}
	if !fake.SubjectExists(eventsSubject) || !fake.SubjectExists(verdictsSubject) {
		t.Fatal("subjects not registered")
	}
	if reg.EmailEvent().ID == reg.Verdict().ID {
		t.Fatalf("event and verdict share id %d", reg.EmailEvent().ID)
	}
	c := schemas.NewCodec(reg)
	b, err := c.EncodeEvent(sampleEvent())
	if err != nil {
		t.Fatal(err)
	}
	if id := binary.BigEndian.Uint32(b[1:5]); id != reg.EmailEvent().ID {
		t.Fatalf("framed id %d, registered %d", id, reg.EmailEvent().ID)
	}

	// A second process registers the same schemas (idempotent: same ids)
	// and resolves what the first wrote.
	other, err := schemas.NewSchemaRegistry(ctx, fake.URL(), eventsSubject, verdictsSubject)
	if err != nil {
		t.Fatal(err)
	}
	if other.EmailEvent().ID != reg.EmailEvent().ID {
		t.Fatalf("re-registration gave id %d, want %d", other.EmailEvent().ID, reg.EmailEvent().ID)
	}
	if _, err := schemas.NewCodec(other).DecodeEvent(b); err != nil {
		t.Fatal(err)
	}

	// An id written by a newer producer is fetched once, then cached.
	v2Text := mustRead(t, "testdata/email_event.v2.avsc")
	id, _, err := fake.RegisterSchema(eventsSubject, sr.Schema{Schema: v2Text, Type: sr.TypeAvro})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := schemas.ParseSchema(uint32(id), v2Text)
	if err != nil {
		t.Fatal(err)
	}
	v2Bytes, err := schemas.EncodeNative(v2, v2Native())
	if err != nil {
		t.Fatal(err)
	}
	fetches := countFetches(fake)
	for range 3 {
		if _, err := c.DecodeEvent(v2Bytes); err != nil {
			t.Fatal(err)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Fatalf("%d fetches of a new id, want 1", n)
	}

	// Ids the registry does not have are permanent failures, not cached.
	if _, err := c.DecodeEvent(frame(12345, b[5:])); !errors.Is(err, schemas.ErrUnknownSchema) || err.Error() != "unknown schema id 12345" {
		t.Fatalf("id 12345: %v", err)
	}
	// A verdict id on the events topic.
	vb, err := c.EncodeVerdict(sampleVerdict())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := schemas.NewCodec(other).DecodeEvent(vb); !errors.Is(err, schemas.ErrWrongSchema) {
		t.Fatalf("verdict as event: %v", err)
	}
}

// TestSchemaRegistryUnavailable: a registry that does not answer is a
// transient condition, distinguishable from an unknown id, and the failure
// is not cached.
func TestSchemaRegistryUnavailable(t *testing.T) {
	fake := srfake.New()
	defer fake.Close()
	ctx := context.Background()
	writer, err := schemas.NewSchemaRegistry(ctx, fake.URL(), eventsSubject, verdictsSubject)
	if err != nil {
		t.Fatal(err)
	}
	b, err := schemas.NewCodec(writer).EncodeEvent(sampleEvent())
	if err != nil {
		t.Fatal(err)
	}
	// A schema id the reader has never seen, so decoding it needs a fetch.
	v2Text := mustRead(t, "testdata/email_event.v2.avsc")
	id, _, err := fake.RegisterSchema("other-value", sr.Schema{Schema: v2Text, Type: sr.TypeAvro})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := schemas.ParseSchema(uint32(id), v2Text)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := schemas.EncodeNative(v2, v2Native())
	if err != nil {
		t.Fatal(err)
	}
	reader, err := schemas.NewSchemaRegistry(ctx, fake.URL(), eventsSubject, verdictsSubject)
	if err != nil {
		t.Fatal(err)
	}
	c := schemas.NewCodec(reader)
	if _, err := c.DecodeEvent(b); err != nil {
		t.Fatal(err)
	}

	fake.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, `{"error_code":50001,"message":"down"}`, http.StatusInternalServerError)
		return true
	})
	_, err = c.DecodeEvent(msg)
	if !errors.Is(err, schemas.ErrRegistryUnavailable) || errors.Is(err, schemas.ErrUnknownSchema) {
		t.Fatalf("registry down: %v", err)
	}
	var de *schemas.DecodeError
	if !errors.As(err, &de) || !strings.HasPrefix(de.Reason, "schema registry unavailable") {
		t.Fatalf("reason: %v", err)
	}
	fake.ClearInterceptors()
	if _, err := c.DecodeEvent(msg); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

// TestSchemaRegistryCacheBounded: a stream of distinct ids cannot grow the
// cache without bound, and the write schemas stay cached.
func TestSchemaRegistryCacheBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("registers over a thousand schemas")
	}
	fake := srfake.New()
	defer fake.Close()
	ctx := context.Background()
	reg, err := schemas.NewSchemaRegistry(ctx, fake.URL(), eventsSubject, verdictsSubject)
	if err != nil {
		t.Fatal(err)
	}
	text := schemas.EmailEventSchemaV1()
	c := schemas.NewCodec(reg)
	good, err := c.EncodeEvent(sampleEvent())
	if err != nil {
		t.Fatal(err)
	}
	const n = schemas.MaxCachedSchemas + 50
	for i := range n {
		id := 1000 + i
		fake.SeedSchema("bulk-value", i+1, id, sr.Schema{Schema: text, Type: sr.TypeAvro})
		if _, err := c.DecodeEvent(frame(uint32(id), good[5:])); err != nil {
			t.Fatalf("id %d: %v", id, err)
		}
	}
	if got := schemas.CachedSchemas(reg); got > schemas.MaxCachedSchemas {
		t.Fatalf("cache holds %d schemas, bound %d", got, schemas.MaxCachedSchemas)
	}
	fetches := countFetches(fake)
	if _, err := c.EncodeEvent(sampleEvent()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DecodeEvent(good); err != nil {
		t.Fatal(err)
	}
	if fetches.Load() != 0 {
		t.Fatal("the write schema was evicted")
	}
}
