package pii

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		give string
		want []Kind // kinds of the matches, in order; nil for none
		span string // when set, the text of the single match
	}{
		// Emails.
		{give: "write to alice@example.com today", want: []Kind{Email}, span: "alice@example.com"},
		{give: "<bob.smith+tag@mail.example.co.uk>", want: []Kind{Email}, span: "bob.smith+tag@mail.example.co.uk"},
		{give: "From: \"Carol\" <carol_99@sub-domain.example.org>.", want: []Kind{Email}, span: "carol_99@sub-domain.example.org"},
		{give: "a@b.io and c@d.dev", want: []Kind{Email, Email}},
		{give: "user@localhost", want: nil},
		{give: "@handle on social", want: nil},
		{give: "git@github", want: nil},
		{give: "a@b.c", want: nil},      // one-letter TLD
		{give: "x@a-.b.com", want: nil}, // label ends with a hyphen
		{give: "a@b.cc@d.ee", want: []Kind{Email}, span: "a@b.cc"},
		{give: "see x@mail.example.com.", want: []Kind{Email}, span: "x@mail.example.com"},
		// Phones.
		{give: "call +14155552671 now", want: []Kind{Phone}, span: "+14155552671"},
		{give: "tel: +1 415 555 2671", want: []Kind{Phone}, span: "+1 415 555 2671"},
		{give: "+44 20 7946 0958", want: []Kind{Phone}, span: "+44 20 7946 0958"},
		{give: "+49 (30) 1234-5678", want: []Kind{Phone}, span: "+49 (30) 1234-5678"},
		{give: "+33 1 23 45 67 89", want: []Kind{Phone}, span: "+33 1 23 45 67 89"},
		{give: "(415) 555-2671", want: []Kind{Phone}, span: "(415) 555-2671"},
		{give: "phone 415-555-2671.", want: []Kind{Phone}, span: "415-555-2671"},
		{give: "415.555.2671", want: []Kind{Phone}, span: "415.555.2671"},
		{give: "415 555 2671", want: []Kind{Phone}, span: "415 555 2671"},
		{give: "1-800-555-0199", want: []Kind{Phone}, span: "1-800-555-0199"},
		{give: "020 7946 0958", want: []Kind{Phone}, span: "020 7946 0958"},
		{give: "mobile 07700 900123", want: []Kind{Phone}, span: "07700 900123"},
		{give: "01 23 45 67 89", want: []Kind{Phone}, span: "01 23 45 67 89"},
		{give: "+1 (415) 555-2671", want: []Kind{Phone}, span: "+1 (415) 555-2671"},
		{give: "(415)555-2671", want: []Kind{Phone}, span: "(415)555-2671"},
		{give: "call 1 415 555 2671", want: []Kind{Phone}, span: "1 415 555 2671"},
		{give: "(020) 7946 0958", want: []Kind{Phone}, span: "(020) 7946 0958"},
		{give: "415-555-2671-1", want: nil}, // part of a longer number
		{give: "415-555.2671", want: nil},   // mixed separators
		// SSNs.
		{give: "SSN 123-45-6789", want: []Kind{SSN}, span: "123-45-6789"},
		{give: "ssn:078-05-1120;", want: []Kind{SSN}, span: "078-05-1120"},
		{give: "000-12-3456", want: nil},
		{give: "666-12-3456", want: nil},
		{give: "900-12-3456", want: nil},
		{give: "999-12-3456", want: nil},
		{give: "123-00-4567", want: nil},
		{give: "123-45-0000", want: nil},
		{give: "123-45-67890", want: nil},
		// Cards.
		{give: "card 4111111111111111 exp", want: []Kind{Card}, span: "4111111111111111"},
		{give: "4111 1111 1111 1111", want: []Kind{Card}, span: "4111 1111 1111 1111"},
		{give: "4111-1111-1111-1111", want: []Kind{Card}, span: "4111-1111-1111-1111"},
		{give: "5555555555554444", want: []Kind{Card}},
		{give: "2223003122003222", want: []Kind{Card}},
		{give: "amex 3782 822463 10005", want: []Kind{Card}, span: "3782 822463 10005"},
		{give: "371449635398431", want: []Kind{Card}},
		{give: "6011111111111117", want: []Kind{Card}},
		{give: "3530111333300000", want: []Kind{Card}},
		{give: "Diners 30569309025904", want: []Kind{Card}},
		{give: "6200000000000005", want: []Kind{Card}},
		{give: "4222222222222", want: []Kind{Card}},
		{give: "4111 1111-1111 1111", want: nil},       // mixed separators
		{give: "4111111111111112", want: nil},          // Luhn fails
		{give: "1234567812345670", want: nil},          // Luhn passes, no issuer
		{give: "4111111111111111111111", want: nil},    // too long
		{give: "id 41111111111111110000", want: nil},   // part of a longer number
		{give: "9999 9999 9999 9995", want: nil},       // unknown prefix
		{give: "ref:4111111111111111x", want: nil},     // glued to a letter
		{give: "4111 1111 1111 1112 wrong", want: nil}, // Luhn fails
		// Look-alikes that must not match.
		{give: "Meeting on 2024-01-15 at 10:30", want: nil},
		{give: "due 12/31/2024", want: nil},
		{give: "31.12.2024 and 2024.01.15", want: nil},
		{give: "2024-01-15T12:30:45Z", want: nil},
		{give: "2024-01-15 12:30:45.123456", want: nil},
		{give: "Order #123456789 shipped", want: nil},
		{give: "Order #1234567890123", want: nil},
		{give: "Invoice 4111111111111112", want: nil},
		{give: "UPS 1Z999AA10123456784", want: nil},
		{give: "ISBN 978-3-16-148410-0", want: nil},
		{give: "ISBN 0-306-40615-2", want: nil},
		{give: "ISBN 9780306406157", want: nil},
		{give: "from 192.168.100.200 and 10.0.0.1", want: nil},
		{give: "version 1.2.3.4 and v10.11.12", want: nil},
		{give: "build 2024.01.15.1234", want: nil},
		{give: "unix time 1705312245", want: nil},
		{give: "ts 20240115123045", want: nil},
		{give: "price $1,234,567.89", want: nil},
		{give: "uuid 123e4567-e89b-12d3-a456-426614174000", want: nil},
		{give: "ticket 555-1234", want: nil},
		{give: "ratio 100-200-3000", want: nil},
		{give: "zip 94105-1234", want: nil},
		{give: "+1.2.3.4", want: nil},
		{give: "FedEx 123456789012", want: nil},
		{give: "12:30:45 12:31:00 13:00:00", want: nil},
		{give: "", want: nil},
		// Mixtures.
		{give: "alice@example.com, +1 415 555 2671, 123-45-6789, 4111 1111 1111 1111",
			want: []Kind{Email, Phone, SSN, Card}},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got := Detect(tt.give)
			var kinds []Kind
			for _, m := range got {
				kinds = append(kinds, m.Kind)
			}
			if !reflect.DeepEqual(kinds, tt.want) {
				t.Fatalf("Detect(%q) kinds = %v, want %v (matches %v)", tt.give, kinds, tt.want, spans(tt.give, got))
			}
			if tt.span != "" && tt.give[got[0].Start:got[0].End] != tt.span {
				t.Fatalf("span = %q, want %q", tt.give[got[0].Start:got[0].End], tt.span)
			}
		})
	}
}

func spans(text string, ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, string(m.Kind)+":"+text[m.Start:m.End])
	}
	return out
}

func TestMaskAndKinds(t *testing.T) {
	tests := []struct {
		give      string
		wantMask  string
		wantKinds []Kind
	}{
		{give: "no pii here", wantMask: "no pii here"},
		{give: "mail bob@example.org or call (415) 555-2671",
			wantMask: "mail [email] or call [phone]", wantKinds: []Kind{Email, Phone}},
		{give: "card=4111-1111-1111-1111 ssn=123-45-6789 again 4111111111111111",
			wantMask: "card=[card] ssn=[ssn] again [card]", wantKinds: []Kind{SSN, Card}},
	}
	for _, tt := range tests {
		if got := Mask(tt.give); got != tt.wantMask {
			t.Errorf("Mask(%q) = %q, want %q", tt.give, got, tt.wantMask)
		}
		if got := Kinds(tt.give); !reflect.DeepEqual(got, tt.wantKinds) {
			t.Errorf("Kinds(%q) = %v, want %v", tt.give, got, tt.wantKinds)
		}
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{
		"alice@example.com", "+1 (415) 555-2671", "123-45-6789", "4111 1111 1111 1111",
		"2024-01-15", "1Z999AA10123456784", "a@b.c@d.ef", "+((((1", "0" + strings.Repeat("1 ", 40),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ms := Detect(s)
		end := 0
		for _, m := range ms {
			if m.Start < end || m.End <= m.Start || m.End > len(s) {
				t.Fatalf("bad match %+v after end %d in %q", m, end, s)
			}
			end = m.End
		}
		masked := Mask(s)
		if len(ms) == 0 && masked != s {
			t.Fatalf("Mask changed text without matches")
		}
		for _, m := range ms {
			if m.Kind == Card || m.Kind == SSN {
				if strings.Contains(masked, s[m.Start:m.End]) && !strings.Contains(s[:m.Start]+s[m.End:], s[m.Start:m.End]) {
					t.Fatalf("masked text still holds %q", s[m.Start:m.End])
				}
			}
		}
	})
}

func benchText() string {
	var b strings.Builder
	for b.Len() < 2048 {
		b.WriteString("Dear customer, your order #123456789 placed on 2024-01-15 at 10:30 has shipped via UPS 1Z999AA10123456784. ")
		b.WriteString("Questions? Write to support@example.com or call +1 415 555 2671. Version 1.2.3.4. ")
	}
	return b.String()
}

func BenchmarkDetect2KB(b *testing.B) {
	text := benchText()
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Detect(text)
	}
}

func BenchmarkMaskNoPII(b *testing.B) {
	text := "batch flushed rows=500 bytes=123456 took=12ms"
	b.ReportAllocs()
	for b.Loop() {
		Mask(text)
	}
}

// FuzzDetectDifferential checks that Detect finds exactly what the regexp
// implementation it replaced (refDetect, ref_test.go) finds.
func FuzzDetectDifferential(f *testing.F) {
	for _, s := range []string{
		"alice@example.com", "a@b.cc@d.ee", "x@y.co1m", "x@-a.com", "x@a-.b.com", "x@a.b-c.museumabcdefghijklmnopqrstuvwxyz",
		"+1 (415) 555-2671", "+1-415-555-2671", "1 (415) 555 2671", "+44 20 7946 0958 1", "+1.2.3.4",
		"123-45-6789", "4111 1111 1111 1111 123", "3782 822463 10005", "41111111111111111111111",
		"(020) 7946-0958", "0(20) 7946 0958", "07700 900123 45 67 89", "2024-01-15 12:30", benchText(), numericText(),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, want := Detect(s), refDetect(s)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Detect(%q)\n got %v\nwant %v", s, spans(s, got), spans(s, want))
		}
	})
}

// TestDetectMatchesReference compares Detect with refDetect on many
// strings built from the pieces the patterns care about (random fuzz
// inputs rarely hit them), and fails if too few of them hold PII to make
// the comparison worth anything.
func TestDetectMatchesReference(t *testing.T) {
	pieces := []string{
		"0", "1", "4", "9", "12", "415", "555", "2671", "4111", "1111", "3782", "822463", "10005", "0958", "020",
		"123-45-6789", "4111111111111111", "07700", "900123",
		" ", " ", "-", "-", ".", "(", ")", "+", "+1", "+44", "@", "a", "Z", "_", "%", "#", "/", ":", "\n",
		"bob", "@ex-ample.co", ".uk", ".c0m", "-", "x.",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	n := 50000
	if testing.Short() {
		n = 5000
	}
	found := 0
	var b strings.Builder
	for range n {
		b.Reset()
		for range rng.IntN(16) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		got, want := Detect(s), refDetect(s)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Detect(%q)\n got %v\nwant %v", s, spans(s, got), spans(s, want))
		}
		if len(got) > 0 {
			found++
		}
	}
	if found < n/20 {
		t.Fatalf("only %d of %d inputs held PII", found, n)
	}
}
