package schemas_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/linkedin/goavro/v2"

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
		// ~2.5 KB, the size of a typical short message.
		RawMessage: []byte("From: alice@example.com\r\nTo: bob@example.org\r\nSubject: hi\r\n\r\n" + strings.Repeat("body text ", 250)),
	}
}

func sampleVerdict() *schemas.Verdict {
	return &schemas.Verdict{EventID: "e1", Tenant: "acme", Gateway: "mx1", Score: 0.97, Action: schemas.ActionQuarantine,
		ModelName: "phishx-lr", ModelVersion: "1", Reasons: []string{"ip_literal_link", "lookalike_domain"},
		ScoredAt: time.UnixMilli(1700000000123).UTC()}
}

func embeddedCodec(t testing.TB, opts ...schemas.CodecOption) *schemas.Codec {
	t.Helper()
	reg, err := schemas.NewEmbeddedRegistry()
	if err != nil {
		t.Fatal(err)
	}
	return schemas.NewCodec(reg, opts...)
}

func frame(id uint32, body []byte) []byte {
	b := make([]byte, 5, 5+len(body))
	binary.BigEndian.PutUint32(b[1:], id)
	return append(b, body...)
}

func TestEventRoundTrip(t *testing.T) {
	c := embeddedCodec(t)
	tests := []struct {
		name string
		give *schemas.EmailEvent
		want *schemas.EmailEvent // nil: same as give
	}{
		{name: "plain", give: sampleEvent()},
		{name: "sealed", give: func() *schemas.EmailEvent {
			ev := sampleEvent()
			ev.KeyVersion, ev.EncryptedFields = 3, []string{"envelope_from", "raw_message"}
			return ev
		}()},
		{
			name: "minimal",
			give: &schemas.EmailEvent{EventID: "e", Tenant: "t", ReceivedAt: time.UnixMilli(0).UTC()},
			want: &schemas.EmailEvent{EventID: "e", Tenant: "t", ReceivedAt: time.UnixMilli(0).UTC(), EnvelopeTo: []string{}, RawMessage: []byte{}},
		},
		{
			name: "sub-millisecond time and non-UTC zone",
			give: func() *schemas.EmailEvent {
				ev := sampleEvent()
				ev.ReceivedAt = time.Date(2026, 1, 2, 3, 4, 5, 678901234, time.FixedZone("X", 3600))
				return ev
			}(),
			want: func() *schemas.EmailEvent {
				ev := sampleEvent()
				ev.ReceivedAt = time.Date(2026, 1, 2, 2, 4, 5, 678000000, time.UTC)
				return ev
			}(),
		},
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
			want := tt.want
			if want == nil {
				want = tt.give
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestVerdictRoundTrip(t *testing.T) {
	c := embeddedCodec(t)
	for _, action := range []string{schemas.ActionDeliver, schemas.ActionFlag, schemas.ActionQuarantine} {
		t.Run(action, func(t *testing.T) {
			v := sampleVerdict()
			v.Action = action
			b, err := c.EncodeVerdict(v)
			if err != nil {
				t.Fatal(err)
			}
			if id := binary.BigEndian.Uint32(b[1:5]); id != schemas.EmbeddedVerdictV1 {
				t.Fatalf("verdict framed with id %d", id)
			}
			got, err := c.DecodeVerdict(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, v) {
				t.Fatalf("got %+v want %+v", got, v)
			}
		})
	}
}

// TestWrongSchema: a verdict on the events topic and an event on the
// verdicts topic are refused by schema id, before the body is read.
func TestWrongSchema(t *testing.T) {
	c := embeddedCodec(t)
	vb, err := c.EncodeVerdict(sampleVerdict())
	if err != nil {
		t.Fatal(err)
	}
	eb, err := c.EncodeEvent(sampleEvent())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DecodeEvent(vb); !errors.Is(err, schemas.ErrWrongSchema) {
		t.Fatalf("verdict decoded as event: %v", err)
	}
	if _, err := c.DecodeVerdict(eb); !errors.Is(err, schemas.ErrWrongSchema) {
		t.Fatalf("event decoded as verdict: %v", err)
	}
}

func TestEncodeRejectsInvalid(t *testing.T) {
	c := embeddedCodec(t, schemas.WithMaxMessageBytes(8<<10))
	events := []struct {
		name    string
		give    func(*schemas.EmailEvent)
		wantErr error
		want    string
	}{
		{"empty event id", func(ev *schemas.EmailEvent) { ev.EventID = "" }, schemas.ErrInvalid, "empty event_id"},
		{"long event id", func(ev *schemas.EmailEvent) { ev.EventID = strings.Repeat("x", 129) }, schemas.ErrInvalid, "longer than 128"},
		{"empty tenant", func(ev *schemas.EmailEvent) { ev.Tenant = "" }, schemas.ErrInvalid, "empty tenant"},
		{"negative key version", func(ev *schemas.EmailEvent) { ev.KeyVersion = -1 }, schemas.ErrInvalid, "negative key_version"},
		{"sealed without key", func(ev *schemas.EmailEvent) { ev.EncryptedFields = []string{"raw_message"} }, schemas.ErrInvalid, "without key_version"},
		{"unknown sealed field", func(ev *schemas.EmailEvent) {
			ev.KeyVersion, ev.EncryptedFields = 1, []string{"raw_message", "subject"}
		}, schemas.ErrInvalid, "encrypted_fields[1] is not a PII field"},
		{"too large", func(ev *schemas.EmailEvent) { ev.RawMessage = make([]byte, 9<<10) }, schemas.ErrTooLarge, "9.1 KiB > 8.0 KiB"},
	}
	for _, tt := range events {
		t.Run("event/"+tt.name, func(t *testing.T) {
			ev := sampleEvent()
			tt.give(ev)
			_, err := c.EncodeEvent(ev)
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %v containing %q", err, tt.wantErr, tt.want)
			}
		})
	}
	verdicts := []struct {
		name string
		give func(*schemas.Verdict)
		want string
	}{
		{"empty action", func(v *schemas.Verdict) { v.Action = "" }, "unknown action"},
		{"unknown action", func(v *schemas.Verdict) { v.Action = "block" }, "unknown action"},
		{"NaN score", func(v *schemas.Verdict) { v.Score = math.NaN() }, "score outside 0..1"},
		{"score above 1", func(v *schemas.Verdict) { v.Score = 1.5 }, "score outside 0..1"},
		{"empty event id", func(v *schemas.Verdict) { v.EventID = "" }, "empty event_id"},
		{"empty tenant", func(v *schemas.Verdict) { v.Tenant = "" }, "empty tenant"},
	}
	for _, tt := range verdicts {
		t.Run("verdict/"+tt.name, func(t *testing.T) {
			v := sampleVerdict()
			tt.give(v)
			_, err := c.EncodeVerdict(v)
			if !errors.Is(err, schemas.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want ErrInvalid containing %q", err, tt.want)
			}
		})
	}
}

// eventBody hand-encodes an EmailEvent v1 body so tests can break it in
// ways the encoder never would.
func eventBody(envelopeTo []byte, tail ...byte) []byte {
	b := []byte{2, 'e', 2, 't', 0, 0} // event_id, tenant, gateway "", received_at 0
	b = append(b, 0)                  // envelope_from ""
	b = append(b, envelopeTo...)
	b = append(b, 0, 0, 0, 0) // client_ip "", raw_message empty, key_version 0, encrypted_fields []
	return append(b, tail...)
}

func TestDecodeRejectsBadInput(t *testing.T) {
	c := embeddedCodec(t, schemas.WithMaxMessageBytes(64<<10))
	good, err := c.EncodeEvent(sampleEvent())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DecodeEvent(frame(1, eventBody([]byte{0}))); err != nil {
		t.Fatalf("hand-encoded body does not decode: %v", err)
	}
	native := map[string]any{
		"event_id": "e", "tenant": "t", "gateway": "", "received_at": time.UnixMilli(0),
		"envelope_from": "", "envelope_to": []any{}, "client_ip": "", "raw_message": []byte{},
		"key_version": int32(1), "encrypted_fields": []any{"subject"},
	}
	reg, err := schemas.NewEmbeddedRegistry()
	if err != nil {
		t.Fatal(err)
	}
	badField, err := schemas.EncodeNative(reg.EmailEvent(), native)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		give       []byte
		wantErr    error
		wantReason string
	}{
		{"empty", nil, schemas.ErrBadMagic, "not Confluent-framed Avro (0 bytes, shorter than the header)"},
		{"header only partly there", []byte{0, 0, 0}, schemas.ErrBadMagic, "shorter than the header"},
		{"random bytes", []byte("\x7fhello world, not avro"), schemas.ErrBadMagic, "not Confluent-framed Avro (magic byte 0x7f)"},
		{"json", []byte(`{"event_id":"e"}`), schemas.ErrBadMagic, "magic byte 0x7b"},
		{"unknown schema id", frame(9999, []byte{1, 2, 3}), schemas.ErrUnknownSchema, "unknown schema id 9999"},
		{"header without body", frame(1, nil), schemas.ErrTruncated, "truncated avro body"},
		{"truncated", good[:len(good)/2], schemas.ErrTruncated, "truncated avro body"},
		{"trailing bytes", append(append([]byte{}, good...), 1, 2, 3), schemas.ErrMalformed, "malformed avro body (3 trailing bytes)"},
		{"oversized", frame(1, bytes.Repeat([]byte{1}, 70<<10)), schemas.ErrTooLarge, "message too large (70.0 KiB > 64.0 KiB)"},
		// A 2^30-item recipient block in a few bytes: goavro would preallocate it.
		{"huge array count", frame(1, eventBody([]byte{0x80, 0x80, 0x80, 0x80, 0x08})), schemas.ErrMalformed, "more than 65536 array items"},
		{"negative huge array count", frame(1, eventBody([]byte{0xff, 0xff, 0xff, 0xff, 0x07, 2})), schemas.ErrMalformed, "more than 65536 array items"},
		{"min int64 block count", frame(1, eventBody([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})), schemas.ErrMalformed, "bad block count"},
		{"overlong varint", frame(1, eventBody([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})), schemas.ErrMalformed, "varint overflows"},
		{"negative string length", frame(1, []byte{1, 'e'}), schemas.ErrMalformed, "negative length"},
		{"string longer than body", frame(1, []byte{0x7e, 'e'}), schemas.ErrTruncated, "truncated avro body"},
		{"key_version out of int range", frame(1, append(eventBody([]byte{0})[:len(eventBody([]byte{0}))-2], 0xff, 0xff, 0xff, 0xff, 0x7f, 0)), schemas.ErrMalformed, "int out of range"},
		{"empty event id", frame(1, append([]byte{0}, eventBody([]byte{0})[2:]...)), schemas.ErrInvalid, "invalid event: empty event_id"},
		{"unknown encrypted field", badField, schemas.ErrInvalid, "encrypted_fields[0] is not a PII field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := c.DecodeEvent(tt.give)
			if err == nil {
				t.Fatalf("decoded %+v without error", ev)
			}
			var de *schemas.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a DecodeError", err)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %q does not wrap %v", err, tt.wantErr)
			}
			if de.Reason != err.Error() || !strings.Contains(de.Reason, tt.wantReason) {
				t.Fatalf("reason %q does not contain %q", de.Reason, tt.wantReason)
			}
		})
	}
}

// TestEveryPrefixIsTruncated: cutting a valid message anywhere after the
// header is reported as truncation, never as something else or a panic.
func TestEveryPrefixIsTruncated(t *testing.T) {
	c := embeddedCodec(t)
	for _, enc := range []func() ([]byte, error){
		func() ([]byte, error) {
			ev := sampleEvent()
			ev.RawMessage = ev.RawMessage[:100]
			ev.KeyVersion, ev.EncryptedFields = 2, []string{"client_ip"}
			return c.EncodeEvent(ev)
		},
		func() ([]byte, error) { return c.EncodeVerdict(sampleVerdict()) },
	} {
		b, err := enc()
		if err != nil {
			t.Fatal(err)
		}
		isEvent := binary.BigEndian.Uint32(b[1:5]) == schemas.EmbeddedEmailEventV1
		for n := 5; n < len(b); n++ {
			if isEvent {
				_, err = c.DecodeEvent(b[:n])
			} else {
				_, err = c.DecodeVerdict(b[:n])
			}
			if !errors.Is(err, schemas.ErrTruncated) {
				t.Fatalf("prefix of %d/%d bytes: %v", n, len(b), err)
			}
		}
	}
}

// TestDecodeLeavesGoavroAlone: limits are the codec's own; the library's
// package variables, shared with every other user of goavro in the
// process, are never touched.
func TestDecodeLeavesGoavroAlone(t *testing.T) {
	count, size := goavro.MaxBlockCount, goavro.MaxBlockSize
	c := embeddedCodec(t)
	_, _ = c.DecodeEvent(frame(1, eventBody([]byte{0x80, 0x80, 0x80, 0x80, 0x08})))
	if goavro.MaxBlockCount != count || goavro.MaxBlockSize != size {
		t.Fatalf("goavro limits changed: count %d -> %d, size %d -> %d", count, goavro.MaxBlockCount, size, goavro.MaxBlockSize)
	}
}

func TestMaxMessageBytesOption(t *testing.T) {
	tests := []struct {
		give int
		want int
	}{
		{0, schemas.DefaultMaxMessageBytes},
		{-5, schemas.DefaultMaxMessageBytes},
		{4096, 4096},
	}
	for _, tt := range tests {
		if got := embeddedCodec(t, schemas.WithMaxMessageBytes(tt.give)).MaxMessageBytes(); got != tt.want {
			t.Errorf("WithMaxMessageBytes(%d): limit %d, want %d", tt.give, got, tt.want)
		}
	}
}

// TestDecodeConcurrent: one codec serves many goroutines (run with -race).
func TestDecodeConcurrent(t *testing.T) {
	c := embeddedCodec(t)
	b, err := c.EncodeEvent(sampleEvent())
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			var err error
			for range 200 {
				if _, err = c.DecodeEvent(b); err != nil {
					break
				}
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestRandomMutations flips bytes of valid messages: every result is either
// a valid event or a classified DecodeError.
func TestRandomMutations(t *testing.T) {
	c := embeddedCodec(t)
	good, err := c.EncodeEvent(sampleEvent())
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		b := append([]byte{}, good...)
		if rng.IntN(2) == 0 {
			b = b[:6+rng.IntN(len(b)-6)]
		}
		// Mutate the structure-heavy start: ids, lengths, counts.
		for range 1 + rng.IntN(4) {
			b[rng.IntN(min(len(b), 160))] = byte(rng.Uint32())
		}
		checkDecode(t, c, b)
	}
}

func checkDecode(t *testing.T, c *schemas.Codec, b []byte) {
	t.Helper()
	ev, err := c.DecodeEvent(b)
	if err == nil {
		if ev.Validate() != nil {
			t.Fatalf("invalid event accepted: %+v", ev)
		}
		return
	}
	var de *schemas.DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("error is not a DecodeError: %v", err)
	}
	for _, s := range []error{schemas.ErrTooLarge, schemas.ErrBadMagic, schemas.ErrUnknownSchema, schemas.ErrTruncated,
		schemas.ErrMalformed, schemas.ErrWrongSchema, schemas.ErrInvalid} {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("error %q wraps no sentinel", err)
}

func FuzzDecodeEvent(f *testing.F) {
	c := embeddedCodec(f, schemas.WithMaxMessageBytes(1<<20))
	good, err := c.EncodeEvent(sampleEvent())
	if err != nil {
		f.Fatal(err)
	}
	verdict, err := c.EncodeVerdict(sampleVerdict())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:20])
	f.Add(verdict)
	f.Add([]byte{0, 0, 0, 0, 1})
	f.Add(frame(1, eventBody([]byte{0})))
	f.Add(frame(1, eventBody([]byte{0x80, 0x80, 0x80, 0x80, 0x08})))
	f.Add(frame(1, eventBody([]byte{3, 2, 2, 'a'})))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecode(t, c, b)
	})
}

func FuzzDecodeVerdict(f *testing.F) {
	c := embeddedCodec(f, schemas.WithMaxMessageBytes(1<<20))
	good, err := c.EncodeVerdict(sampleVerdict())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:9])
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := c.DecodeVerdict(b)
		if err == nil {
			if v.Validate() != nil {
				t.Fatalf("invalid verdict accepted: %+v", v)
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
	b.SetBytes(int64(len(ev.RawMessage)))
	for b.Loop() {
		if _, err := c.EncodeEvent(ev); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeVerdict(b *testing.B) {
	c := embeddedCodec(b)
	msg, err := c.EncodeVerdict(sampleVerdict())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.DecodeVerdict(msg); err != nil {
			b.Fatal(err)
		}
	}
}
