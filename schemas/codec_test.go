package schemas_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/phishx/phishx/schemas"
)

func sampleEvent() *schemas.EmailEvent {
	return &schemas.EmailEvent{
		EventID:      "7d3c1a2e-4b5f-4c6d-8e9f-0a1b2c3d4e5f",
		Tenant:       "acme",
		Gateway:      "mx1",
		ReceivedAt:   time.Date(2026, 12, 4, 10, 0, 0, 123e6, time.UTC),
		EnvelopeFrom: "alice@example.com",
		EnvelopeTo:   []string{"bob@example.org", "carol@example.org"},
		ClientIP:     "192.0.2.7",
		RawMessage:   []byte("From: alice@example.com\r\nSubject: hi\r\n\r\n" + strings.Repeat("body text ", 250)),
	}
}

func embeddedCodec(t testing.TB, opts ...schemas.CodecOption) *schemas.Codec {
	t.Helper()
	reg, err := schemas.NewEmbeddedRegistry()
	if err != nil {
		t.Fatal(err)
	}
	return schemas.NewCodec(reg, opts...)
}

func TestEventRoundTrip(t *testing.T) {
	c := embeddedCodec(t)
	tests := []struct {
		name string
		give *schemas.EmailEvent
	}{
		{"plain", sampleEvent()},
		{"sealed", func() *schemas.EmailEvent {
			ev := sampleEvent()
			ev.KeyVersion, ev.EncryptedFields = 3, []string{"envelope_from", "raw_message"}
			return ev
		}()},
		{"minimal", &schemas.EmailEvent{EventID: "e", Tenant: "t", ReceivedAt: time.UnixMilli(0).UTC(), EnvelopeTo: []string{}, RawMessage: []byte{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := c.EncodeEvent(tt.give)
			if err != nil {
				t.Fatal(err)
			}
			if b[0] != 0 || binary.BigEndian.Uint32(b[1:5]) != schemas.EmbeddedEmailEventV1 {
				t.Fatalf("bad framing % x", b[:5])
			}
			got, err := c.DecodeEvent(b)
			if err != nil {
				t.Fatal(err)
			}
			want := *tt.give
			if len(want.EnvelopeTo) == 0 {
				want.EnvelopeTo = []string{}
			}
			if !reflect.DeepEqual(got, &want) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, &want)
			}
		})
	}
}

func TestVerdictRoundTrip(t *testing.T) {
	c := embeddedCodec(t)
	v := &schemas.Verdict{EventID: "e1", Tenant: "acme", Gateway: "mx1", Score: 0.97, Action: schemas.ActionQuarantine,
		ModelName: "phishx-lr", ModelVersion: "1", Reasons: []string{"ip_literal_link"}, ScoredAt: time.UnixMilli(1700000000000).UTC()}
	b, err := c.EncodeVerdict(v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.DecodeVerdict(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, v) {
		t.Fatalf("got %+v want %+v", got, v)
	}
	if _, err := c.DecodeEvent(b); !errors.Is(err, schemas.ErrWrongSchema) {
		t.Fatalf("verdict decoded as event: %v", err)
	}
}

func TestDecodeRejectsBadInput(t *testing.T) {
	c := embeddedCodec(t, schemas.WithMaxMessageBytes(64<<10))
	good, err := c.EncodeEvent(sampleEvent())
	if err != nil {
		t.Fatal(err)
	}
	frame := func(id uint32, body []byte) []byte {
		b := []byte{0, 0, 0, 0, 0}
		binary.BigEndian.PutUint32(b[1:], id)
		return append(b, body...)
	}
	// A record whose envelope_to claims 2^30 items: goavro would preallocate them.
	hugeArray := frame(1, append([]byte{2, 'e', 2, 't', 0, 0, 0}, []byte{0x80, 0x80, 0x80, 0x80, 0x08}...))
	tests := []struct {
		name       string
		give       []byte
		wantErr    error
		wantReason string
	}{
		{"empty", nil, schemas.ErrBadMagic, "not Confluent-framed"},
		{"random bytes", []byte("\x7fhello world, not avro"), schemas.ErrBadMagic, "not Confluent-framed"},
		{"unknown schema id", frame(9999, []byte{1, 2, 3}), schemas.ErrUnknownSchema, "unknown schema id 9999"},
		{"truncated", good[:len(good)/2], schemas.ErrTruncated, "truncated avro body"},
		{"trailing bytes", append(append([]byte{}, good...), 1, 2, 3), schemas.ErrMalformed, "trailing bytes"},
		{"oversized", frame(1, bytes.Repeat([]byte{1}, 70<<10)), schemas.ErrTooLarge, "message too large"},
		{"huge array count", hugeArray, nil, ""},
		{"empty event id", mustEncode(t, c, func(ev *schemas.EmailEvent) { ev.EventID = "" }), schemas.ErrInvalid, "empty event_id"},
		{"unknown encrypted field", mustEncode(t, c, func(ev *schemas.EmailEvent) {
			ev.KeyVersion, ev.EncryptedFields = 1, []string{"subject"}
		}), schemas.ErrInvalid, "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.DecodeEvent(tt.give)
			if err == nil {
				t.Fatal("decoded without error")
			}
			var de *schemas.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a DecodeError", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v does not wrap %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantReason) {
				t.Fatalf("reason %q does not contain %q", err.Error(), tt.wantReason)
			}
		})
	}
}

func mustEncode(t *testing.T, c *schemas.Codec, mutate func(*schemas.EmailEvent)) []byte {
	t.Helper()
	ev := sampleEvent()
	mutate(ev)
	b, err := c.EncodeEvent(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// registryWith serves the embedded schemas plus v2 of the event under id 3.
type registryWith struct {
	*schemas.EmbeddedRegistry
	v2      *schemas.Schema
	writeV2 bool
}

func (r registryWith) ByID(ctx context.Context, id uint32) (*schemas.Schema, error) {
	if id == r.v2.ID {
		return r.v2, nil
	}
	return r.EmbeddedRegistry.ByID(ctx, id)
}

func loadV2(t *testing.T) *schemas.Schema {
	t.Helper()
	text, err := os.ReadFile("testdata/email_event.v2.avsc")
	if err != nil {
		t.Fatal(err)
	}
	s, err := schemas.ParseSchema(3, string(text))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSchemaEvolution: a v1 reader reads what a v2 writer wrote (the new
// optional field is ignored) and a v2 reader reads v1 data (the new field
// takes its default).
func TestSchemaEvolution(t *testing.T) {
	emb, err := schemas.NewEmbeddedRegistry()
	if err != nil {
		t.Fatal(err)
	}
	v2 := loadV2(t)
	c := schemas.NewCodec(registryWith{EmbeddedRegistry: emb, v2: v2})

	// A v2 writer, as a newer gateway would be.
	native := map[string]any{
		"event_id": "e-v2", "tenant": "acme", "gateway": "mx9", "received_at": time.UnixMilli(1700000000000).UTC(),
		"envelope_from": "a@example.com", "envelope_to": []any{"b@example.org"}, "client_ip": "",
		"raw_message": []byte("Subject: x\r\n\r\nhi"), "key_version": int32(0), "encrypted_fields": []any{},
		"upstream_verdict": map[string]any{"string": "spam"},
	}
	v2Bytes, err := schemas.EncodeNative(v2, native)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := c.DecodeEvent(v2Bytes)
	if err != nil {
		t.Fatalf("v1 reader on v2 data: %v", err)
	}
	if ev.EventID != "e-v2" || ev.Gateway != "mx9" || string(ev.RawMessage) != "Subject: x\r\n\r\nhi" {
		t.Fatalf("v1 reader got %+v", ev)
	}

	// A v2 reader on data a v1 writer produced.
	v1Bytes, err := c.EncodeEvent(sampleEvent())
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.DecodeNative(v1Bytes, v2)
	if err != nil {
		t.Fatalf("v2 reader on v1 data: %v", err)
	}
	if v, ok := m["upstream_verdict"]; !ok || v != nil {
		t.Fatalf("upstream_verdict = %v (present %v), want the default null", v, ok)
	}
	if m["event_id"] != sampleEvent().EventID {
		t.Fatalf("event_id = %v", m["event_id"])
	}
}

func TestSchemaRegistryRegistersAndResolves(t *testing.T) {
	fake := srfake.New()
	defer fake.Close()
	ctx := context.Background()
	reg, err := schemas.NewSchemaRegistry(ctx, fake.URL(), "phishx.emails.v1-value", "phishx.verdicts.v1-value")
	if err != nil {
		t.Fatal(err)
	}
	c := schemas.NewCodec(reg)
	b, err := c.EncodeEvent(sampleEvent())
	if err != nil {
		t.Fatal(err)
	}
	if id := binary.BigEndian.Uint32(b[1:5]); id != reg.EmailEvent().ID {
		t.Fatalf("framed id %d, registered %d", id, reg.EmailEvent().ID)
	}
	// A second process resolves the id through the registry.
	other, err := schemas.NewSchemaRegistry(ctx, fake.URL(), "phishx.emails.v1-value", "phishx.verdicts.v1-value")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := schemas.NewCodec(other).DecodeEvent(b); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DecodeEvent(append([]byte{0, 0, 0, 0x30, 0x39}, b[5:]...)); !errors.Is(err, schemas.ErrUnknownSchema) {
		t.Fatalf("id 12345: %v", err)
	}
}

func FuzzDecodeEvent(f *testing.F) {
	c := embeddedCodec(f, schemas.WithMaxMessageBytes(1<<20))
	good, err := c.EncodeEvent(sampleEvent())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:20])
	f.Add([]byte{0, 0, 0, 0, 1})
	f.Add([]byte{0, 0, 0, 0, 2, 2, 'x'})
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := c.DecodeEvent(b)
		if err == nil {
			if ev.EventID == "" || ev.Tenant == "" {
				t.Fatalf("invalid event accepted: %+v", ev)
			}
			return
		}
		var de *schemas.DecodeError
		if !errors.As(err, &de) {
			t.Fatalf("error is not a DecodeError: %v", err)
		}
	})
}

func BenchmarkDecodeEvent(b *testing.B) {
	c := embeddedCodec(b)
	msg, err := c.EncodeEvent(sampleEvent())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := c.DecodeEvent(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeEvent(b *testing.B) {
	c := embeddedCodec(b)
	ev := sampleEvent()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.EncodeEvent(ev); err != nil {
			b.Fatal(err)
		}
	}
}
