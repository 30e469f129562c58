package seal

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/phishx/phishx/schemas"
	"github.com/phishx/phishx/stages/decrypt/fernet"
	"github.com/phishx/phishx/stages/decrypt/keyring"
)

func testRing(t testing.TB, active int32, versions ...int32) *keyring.Ring {
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

func plainEvent() *schemas.EmailEvent {
	return &schemas.EmailEvent{
		EventID:      "0b6f5e3e-7d7a-4b7e-9d43-1c1f3f0d2a11",
		Tenant:       "acme",
		Gateway:      "gw-1",
		ReceivedAt:   time.UnixMilli(1_700_000_000_123),
		EnvelopeFrom: "alice@example.com",
		EnvelopeTo:   []string{"bob@example.org", "carol@example.net"},
		ClientIP:     "203.0.113.7",
		RawMessage:   []byte("From: alice@example.com\r\nSubject: hi\r\n\r\nhello"),
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	s, err := NewSealer(testRing(t, 2, 1, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	ev := plainEvent()
	orig := *ev
	sealed, err := s.Seal(ev)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*ev, orig) {
		t.Fatal("Seal modified its input")
	}
	if sealed.KeyVersion != 2 || !reflect.DeepEqual(sealed.EncryptedFields, PIIFields()) {
		t.Fatalf("KeyVersion %d, fields %v", sealed.KeyVersion, sealed.EncryptedFields)
	}
	for _, f := range []string{sealed.EnvelopeFrom, sealed.EnvelopeTo[0], sealed.EnvelopeTo[1], sealed.ClientIP, string(sealed.RawMessage)} {
		if strings.Contains(f, "example") || strings.Contains(f, "203.0") || !strings.HasPrefix(f, "gAAAAA") {
			t.Fatalf("field not sealed: %q", f)
		}
	}
	if sealed.EventID != ev.EventID || sealed.Tenant != ev.Tenant {
		t.Fatal("non-PII fields changed")
	}
	if _, err := s.Seal(sealed); !errors.Is(err, ErrAlreadySealed) {
		t.Fatalf("sealing twice: err = %v", err)
	}
	opened, err := s.Open(sealed)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(opened, ev) {
		t.Fatalf("Open = %+v\nwant %+v", opened, ev)
	}
	if sealed.KeyVersion != 2 {
		t.Fatal("Open modified its input")
	}
}

func TestOpenAfterRotation(t *testing.T) {
	old, _ := NewSealer(testRing(t, 1, 1), nil)
	sealed, err := old.Seal(plainEvent())
	if err != nil {
		t.Fatal(err)
	}
	h, _ := keyring.NewHolder(testRing(t, 1, 1))
	s, _ := NewSealer(h, nil)
	h.Store(testRing(t, 2, 1, 2))
	if _, err := s.Open(sealed); err != nil {
		t.Fatalf("version 1 after rotation: %v", err)
	}
	resealed, _ := s.Seal(plainEvent())
	if resealed.KeyVersion != 2 {
		t.Fatalf("new events sealed with %d, want 2", resealed.KeyVersion)
	}
	h.Store(testRing(t, 2, 2))
	if _, err := s.Open(sealed); !errors.Is(err, keyring.ErrUnknownKeyVersion) {
		t.Fatalf("retired version: err = %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	s, _ := NewSealer(testRing(t, 2, 1, 2), nil)
	good, _ := s.Seal(plainEvent())
	tests := []struct {
		name    string
		mod     func(*schemas.EmailEvent)
		want    error
		wantMsg string
	}{
		{name: "unknown version", mod: func(e *schemas.EmailEvent) { e.KeyVersion = 7 }, want: keyring.ErrUnknownKeyVersion, wantMsg: "key version 7"},
		{name: "version 0 with fields", mod: func(e *schemas.EmailEvent) { e.KeyVersion = 0 }, want: ErrMalformed},
		{name: "unknown field", mod: func(e *schemas.EmailEvent) { e.EncryptedFields = append(e.EncryptedFields, "subject") }, want: ErrMalformed},
		{name: "duplicate field", mod: func(e *schemas.EmailEvent) { e.EncryptedFields = append(e.EncryptedFields, FieldClientIP) }, want: ErrMalformed},
		{name: "tampered body", mod: func(e *schemas.EmailEvent) { e.RawMessage[10] ^= 1 }, want: fernet.ErrInvalidToken, wantMsg: "field raw_message (key version 2)"},
		{name: "plaintext in sealed field", mod: func(e *schemas.EmailEvent) { e.EnvelopeTo[1] = "carol@example.net" }, want: fernet.ErrMalformed, wantMsg: "field envelope_to"},
		{name: "wrong key version", mod: func(e *schemas.EmailEvent) { e.KeyVersion = 1 }, want: fernet.ErrBadMAC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := *good
			ev.EnvelopeTo = append([]string(nil), good.EnvelopeTo...)
			ev.EncryptedFields = append([]string(nil), good.EncryptedFields...)
			ev.RawMessage = append([]byte(nil), good.RawMessage...)
			tt.mod(&ev)
			before := ev
			before.EnvelopeTo = append([]string(nil), ev.EnvelopeTo...)
			err := s.OpenInPlace(&ev)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.wantMsg != "" && !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("err = %q, want containing %q", err, tt.wantMsg)
			}
			if strings.Contains(err.Error(), "example") || strings.Contains(err.Error(), "gAAAA") {
				t.Fatalf("error leaks PII or a token: %v", err)
			}
			if !reflect.DeepEqual(ev.EnvelopeTo, before.EnvelopeTo) || ev.EnvelopeFrom != before.EnvelopeFrom || ev.KeyVersion != before.KeyVersion {
				t.Fatal("a failed OpenInPlace changed the event")
			}
		})
	}
}

func TestOpenPlainEvent(t *testing.T) {
	s, _ := NewSealer(testRing(t, 1, 1), nil)
	ev := plainEvent()
	want := *ev
	if err := s.OpenInPlace(ev); err != nil || !reflect.DeepEqual(*ev, want) {
		t.Fatalf("plain event: err %v, changed %v", err, !reflect.DeepEqual(*ev, want))
	}
}

func TestSealString(t *testing.T) {
	s, _ := NewSealer(testRing(t, 2, 1, 2), nil)
	got, err := s.SealString([]byte("Invoice for alice@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "v2:gAAAAA") || strings.Contains(got, "alice") {
		t.Fatalf("SealString = %q", got)
	}
	p, err := s.OpenString(got)
	if err != nil || string(p) != "Invoice for alice@example.com" {
		t.Fatalf("OpenString = %q, %v", p, err)
	}
	s1, _ := NewSealer(testRing(t, 1, 1), nil)
	old, _ := s1.SealString([]byte("x"))
	if p, err := s.OpenString(old); err != nil || string(p) != "x" {
		t.Fatalf("OpenString of v1 = %q, %v", p, err)
	}
	tests := []struct {
		give string
		want error
	}{
		{give: "", want: ErrNotSealed},
		{give: "plain text", want: ErrNotSealed},
		{give: "v:abc", want: ErrNotSealed},
		{give: "v0:abc", want: ErrNotSealed},
		{give: "v02:abc", want: ErrNotSealed},
		{give: "v-1:abc", want: ErrNotSealed},
		{give: "v99999999999:abc", want: ErrNotSealed},
		{give: "v2", want: ErrNotSealed},
		{give: "v9:" + got[3:], want: keyring.ErrUnknownKeyVersion},
		{give: "v1:" + got[3:], want: fernet.ErrBadMAC},
		{give: "v2:" + got[3:len(got)-4], want: fernet.ErrInvalidToken},
	}
	for _, tt := range tests {
		if _, err := s.OpenString(tt.give); !errors.Is(err, tt.want) {
			t.Errorf("OpenString(%.12q) err = %v, want %v", tt.give, err, tt.want)
		}
	}
}

func FuzzOpenString(f *testing.F) {
	s, _ := NewSealer(testRing(f, 2, 1, 2), nil)
	good, _ := s.SealString([]byte("hello"))
	for _, seed := range []string{good, "v1:" + good[3:], "v2:", "v2147483648:x", "x"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if _, err := s.OpenString(in); err != nil && strings.Contains(err.Error(), "hello") {
			t.Fatal("error contains plaintext")
		}
	})
}

func BenchmarkSealEvent(b *testing.B) {
	s, _ := NewSealer(testRing(b, 1, 1), nil)
	ev := plainEvent()
	ev.RawMessage = bytes.Repeat([]byte("x"), 2500)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Seal(ev); err != nil {
			b.Fatal(err)
		}
	}
}
