package decrypt

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/schemas"
	"github.com/phishx/phishx/schemas/seal"
	"github.com/phishx/phishx/stages/decrypt/fernet"
	"github.com/phishx/phishx/stages/decrypt/keyring"
)

func ring(t testing.TB, active int32, versions ...int32) *keyring.Ring {
	t.Helper()
	keys := map[int32]*fernet.Key{}
	for _, v := range versions {
		k, err := fernet.NewKey(bytes.Repeat([]byte{byte(v)}, fernet.KeySize))
		if err != nil {
			t.Fatal(err)
		}
		keys[v] = k
	}
	r, err := keyring.New("test", active, keys)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func event(body int) *schemas.EmailEvent {
	return &schemas.EmailEvent{
		EventID:      "e1",
		Tenant:       "acme",
		EnvelopeFrom: "alice@example.com",
		EnvelopeTo:   []string{"bob@example.org"},
		ClientIP:     "203.0.113.7",
		RawMessage:   append([]byte("Subject: hi\r\n\r\n"), bytes.Repeat([]byte("x"), body)...),
	}
}

func sealed(t testing.TB, r *keyring.Ring, ev *schemas.EmailEvent) *schemas.EmailEvent {
	t.Helper()
	s, err := seal.NewSealer(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Seal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func newStage(t testing.TB, keys seal.KeySource, require bool) *Stage {
	t.Helper()
	cfg := DefaultConfig()
	cfg.RequireEncryption = require
	s, err := New(keys, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestProcess(t *testing.T) {
	r := ring(t, 2, 1, 2)
	plain := event(10)
	tests := []struct {
		name       string
		require    bool
		give       func() *schemas.EmailEvent
		wantReason string // "" means success
	}{
		{name: "sealed", give: func() *schemas.EmailEvent { return sealed(t, r, plain) }},
		{name: "sealed with old version", give: func() *schemas.EmailEvent { return sealed(t, ring(t, 1, 1), plain) }},
		{name: "plaintext passes", give: func() *schemas.EmailEvent { return event(10) }},
		{name: "plaintext required", require: true, give: func() *schemas.EmailEvent { return event(10) }, wantReason: "decrypt: event not encrypted"},
		{name: "partial required", require: true, give: func() *schemas.EmailEvent {
			e := sealed(t, r, plain)
			e.EncryptedFields = e.EncryptedFields[:3]
			e.RawMessage = plain.RawMessage
			return e
		}, wantReason: "decrypt: not every PII field is encrypted"},
		{name: "unknown version", give: func() *schemas.EmailEvent { return sealed(t, ring(t, 7, 7), plain) }, wantReason: "decrypt: unknown key version 7"},
		{name: "tampered body", give: func() *schemas.EmailEvent {
			e := sealed(t, r, plain)
			e.RawMessage[20] ^= 1
			return e
		}, wantReason: "decrypt: token verification failed (field raw_message, key version 2)"},
		{name: "garbage field", give: func() *schemas.EmailEvent {
			e := sealed(t, r, plain)
			e.ClientIP = "203.0.113.7"
			return e
		}, wantReason: "decrypt: malformed token (field client_ip, key version 2)"},
		{name: "malformed list", give: func() *schemas.EmailEvent {
			e := sealed(t, r, plain)
			e.EncryptedFields = append(e.EncryptedFields, "nope")
			return e
		}, wantReason: "decrypt: malformed encrypted fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStage(t, r, tt.require)
			rec := &pipeline.Record{Event: tt.give()}
			err := s.Process(context.Background(), rec)
			if tt.wantReason == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(rec.Event, plain) {
					t.Fatalf("event = %+v, want %+v", rec.Event, plain)
				}
				return
			}
			var pe *pipeline.PermanentError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want permanent", err)
			}
			if pe.Reason != tt.wantReason {
				t.Fatalf("reason = %q, want %q", pe.Reason, tt.wantReason)
			}
			if msg := err.Error(); strings.Contains(msg, "example") || strings.Contains(msg, "203.0") || strings.Contains(msg, "gAAAA") {
				t.Fatalf("error leaks: %v", msg)
			}
		})
	}
	s := newStage(t, r, false)
	if err := s.Process(context.Background(), &pipeline.Record{}); !pipeline.IsPermanent(err) {
		t.Fatalf("nil event: %v", err)
	}
	if s.Name() != "decrypt" {
		t.Fatal(s.Name())
	}
}

func TestRotationWhileRunning(t *testing.T) {
	h, err := keyring.NewHolder(ring(t, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	s := newStage(t, h, true)
	v2 := sealed(t, ring(t, 2, 2), event(1))
	if err := s.Process(context.Background(), &pipeline.Record{Event: v2}); !pipeline.IsPermanent(err) {
		t.Fatalf("before rotation: %v", err)
	}
	h.Store(ring(t, 2, 1, 2))
	v2 = sealed(t, ring(t, 2, 2), event(1))
	if err := s.Process(context.Background(), &pipeline.Record{Event: v2}); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Fernet.MaxTokenSize = 1
	if _, err := New(ring(t, 1, 1), cfg); err == nil {
		t.Fatal("bad Fernet config accepted")
	}
	if _, err := New(nil, DefaultConfig()); err == nil {
		t.Fatal("nil key source accepted")
	}
}

func BenchmarkProcessEvent(b *testing.B) {
	r := ring(b, 1, 1)
	s := newStage(b, r, true)
	ev := sealed(b, r, event(2500))
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		e := *ev
		e.EncryptedFields = seal.PIIFields()
		if err := s.Process(context.Background(), &pipeline.Record{Event: &e}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}
