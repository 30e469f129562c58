package features

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

const phishMsg = "From: \"PayPal Support\" <service@paypa1-secure.xyz>\r\n" +
	"Reply-To: help@other-domain.net\r\n" +
	"To: phishing@pot\r\n" +
	"Subject: =?UTF-8?B?VXJnZW50OiB5b3VyIGFjY291bnQgaXMgc3VzcGVuZGVk?=\r\n" +
	"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n" +
	"Authentication-Results: spf=fail\r\n" +
	"X-MS-Exchange-Organization-SCL: 9\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"b1\"\r\n" +
	"\r\n" +
	"--b1\r\n" +
	"Content-Type: text/html; charset=iso-8859-1\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"<html><body><p>Your account is suspended. Verify your password immediately=\r\n" +
	" or it expires today.</p><a href=3D\"http://paypa1-secure.xyz/login\">www.paypal.com</a>\r\n" +
	"<a href=3D\"http://192.168.10.1/x\">click</a> <a href=3D\"https://bit.ly/abc\">here</a>\r\n" +
	"<form><input type=3D\"password\"></form> caf=E9</body></html>\r\n" +
	"--b1\r\n" +
	"Content-Type: application/zip; name=\"invoice.zip\"\r\n" +
	"Content-Disposition: attachment; filename=\"invoice.zip\"\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==\r\n" +
	"--b1--\r\n"

func extract(t testing.TB, raw string) *Set {
	t.Helper()
	s, err := Extract(context.Background(), []byte(raw), DefaultConfig())
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	return s
}

func TestExtractSignals(t *testing.T) {
	s := extract(t, phishMsg)
	tests := []struct {
		give       string // signal code
		wantDetail string // substring of the detail, "" for any
	}{
		{"display_name_brand", `"PayPal Support"`},
		{"from_lookalike", "paypa1-secure.xyz imitates paypal.com"},
		{"reply_to_mismatch", "other-domain.net"},
		{"link_text_mismatch", "link text shows www.paypal.com, link goes to paypa1-secure.xyz"},
		{"url_lookalike", "imitates paypal.com"},
		{"url_ip_host", "192.168.10.1"},
		{"url_shortener", "bit.ly"},
		{"html_form", ""},
		{"html_password", ""},
		{"credential_cue", "password"},
		{"urgency_cue", ""},
		{"subject_urgency", "urgent"},
		{"att_archive", "invoice.zip"},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			g, ok := s.Signal(tt.give)
			if !ok {
				t.Fatalf("signal %s missing; have %v", tt.give, s.Signals)
			}
			if !strings.Contains(g.Detail, tt.wantDetail) {
				t.Errorf("detail = %q, want it to contain %q", g.Detail, tt.wantDetail)
			}
		})
	}
	if s.SenderDomain != "paypa1-secure.xyz" || s.Subject != "Urgent: your account is suspended" ||
		s.URLCount != 3 || s.Attachments != 1 {
		t.Errorf("derived fields = %q %q %d %d", s.SenderDomain, s.Subject, s.URLCount, s.Attachments)
	}
	if !strings.Contains(s.Text, "café") {
		t.Errorf("latin-1 text not decoded to UTF-8: %q", s.Text)
	}
	if !slices.IsSortedFunc(s.Vector, func(a, b Feature) int { return int(a.Index) - int(b.Index) }) {
		t.Error("vector not sorted")
	}
	for i := 1; i < len(s.Vector); i++ {
		if s.Vector[i].Index == s.Vector[i-1].Index {
			t.Fatal("duplicate index in vector")
		}
	}
}

func TestExtractIgnoresConfounders(t *testing.T) {
	base := extract(t, phishMsg)
	// Add relay and vendor headers, change dates and line endings: the
	// features must not move.
	noisy := "Received: from a.example by b.example; Tue, 2 Jan 2002 00:00:00 +0000\n" +
		"X-Spam-Status: Yes, score=99\nReturn-Path: <zzzz@spamassassin.taint.org>\n" +
		"Message-ID: <1@x>\nList-Id: <a.b>\n" + strings.ReplaceAll(phishMsg, "\r\n", "\n")
	got := extract(t, noisy)
	if !slices.Equal(base.Vector, got.Vector) || !slices.Equal(base.Signals, got.Signals) {
		t.Fatal("features changed with confounder headers or line endings")
	}
	san := extract(t, string(Sanitize([]byte(phishMsg))))
	if !slices.Equal(base.Vector, san.Vector) {
		t.Fatal("features changed on the sanitized view")
	}
}

func TestSanitize(t *testing.T) {
	tests := []struct {
		name string
		give string
		want string
	}{
		{
			name: "drops relay headers and normalises CRLF",
			give: "Received: x\r\nFrom: a@b.com\r\nX-Foo: 1\r\n continued\r\nSubject: hi\r\nDate: now\r\n\r\nbody\r\n",
			want: "From: a@b.com\nSubject: hi\n\nbody\n",
		},
		{
			name: "replaces placeholders everywhere",
			give: "To: phishing@pot\nCc: Fork <fork@spamassassin.taint.org>\n\nmail zzzz@localhost or yyyy@example.net\n",
			want: "To: user@example.com\nCc: Fork <user@example.com>\n\nmail user@example.com or user@example.com\n",
		},
		{
			name: "keeps MIME structure headers",
			give: "MIME-Version: 1.0\nContent-Type: text/plain\nList-Id: x\nPrecedence: bulk\nSender: s@x.org\n\nhi",
			want: "MIME-Version: 1.0\nContent-Type: text/plain\n\nhi",
		},
		{
			name: "real addresses untouched",
			give: "From: alice@example.org\n\nwrite to bob@potato.com",
			want: "From: alice@example.org\n\nwrite to bob@potato.com",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(Sanitize([]byte(tt.give)))
			if got != tt.want {
				t.Errorf("Sanitize =\n%q\nwant\n%q", got, tt.want)
			}
			if again := string(Sanitize([]byte(got))); again != got {
				t.Errorf("Sanitize not idempotent: %q", again)
			}
		})
	}
}

func TestLookalike(t *testing.T) {
	tests := []struct {
		give string
		want string // brand, "" for none
	}{
		{"paypa1.com", "paypal"},
		{"paypal-secure.xyz", "paypal"},
		{"paypal.com", ""},
		{"micros0ft.com", "microsoft"},
		{"amaz0n.de", "amazon"},
		{"netfl1x.net", "netflix"},
		{"xn--pypal-4ve.com", "paypal"}, // pаypal with a Cyrillic a
		{"stream.com", ""},
		{"example.org", ""},
		{"docusign.net", ""},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, _ := lookalike(tt.give)
			if got != tt.want {
				t.Errorf("lookalike(%q) = %q, want %q", tt.give, got, tt.want)
			}
		})
	}
}

// TestHostileInput checks that messages built to exhaust the parser are
// scored (with limits_hit) or rejected with a named limit, well inside a
// generous deadline.
func TestHostileInput(t *testing.T) {
	var links strings.Builder
	links.WriteString("From: a@b.com\nContent-Type: text/html\n\n")
	for i := range 1_000_000 {
		fmt.Fprintf(&links, "<a href=\"http://h%d.example.com/\">x</a>", i)
	}
	nested := "From: a@b.com\n"
	for i := range 200 {
		nested += fmt.Sprintf("Content-Type: multipart/mixed; boundary=\"n%d\"\n\n--n%d\n", i, i)
	}
	nested += "Content-Type: text/plain\n\nhello\n"

	tests := []struct {
		name      string
		give      []byte
		wantLimit string // a Limits entry, or the LimitError.Limit when wantErr
		wantErr   error
	}{
		{"50 MB body", append([]byte("From: a@b.com\nSubject: big\n\n"), bytes.Repeat([]byte("verify your account "), 50<<20/20)...), "MaxPartBytes", nil},
		{"million links", []byte(links.String()), "MaxLinks", nil},
		{"deep nesting", []byte(nested), "MaxDepth", nil},
		{"invalid charset", []byte("From: a@b.com\nContent-Type: text/plain; charset=x-no-such\n\n\xff\xfe bad \xc3"), "", nil},
		{"too large", make([]byte, 65<<20), "MaxMessageBytes", ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			s, err := Extract(ctx, tt.give, DefaultConfig())
			if tt.wantErr != nil {
				var le *LimitError
				if !errors.Is(err, tt.wantErr) || !errors.As(err, &le) || le.Limit != tt.wantLimit {
					t.Fatalf("err = %v, want %v on %s", err, tt.wantErr, tt.wantLimit)
				}
				return
			}
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if tt.wantLimit != "" && !slices.Contains(s.Limits, tt.wantLimit) {
				t.Errorf("limits = %v, want %s", s.Limits, tt.wantLimit)
			}
		})
	}
}

func TestExtractDeadline(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Extract(ctx, []byte(phishMsg), DefaultConfig())
	if !errors.Is(err, ErrDeadline) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want ErrDeadline wrapping context.Canceled", err)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	c.MaxLinks = 0
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "MaxLinks") {
		t.Fatalf("Validate = %v, want an error naming MaxLinks", err)
	}
}

// newsletterPlain and newsletterAlt carry the same ordinary content, once
// as plain text and once as multipart/alternative with a hidden preheader,
// an image and a PDF attachment, the way modern mail looks.
const newsletterPlain = "From: Shop <news@shop.example.com>\nTo: user@example.com\nSubject: Your order has shipped\n" +
	"Content-Type: text/plain\n\nHello, your order 1234 has shipped. Track it at https://shop.example.com/track\n"

const newsletterAlt = "From: Shop <news@shop.example.com>\nTo: user@example.com\nSubject: Your order has shipped\n" +
	"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"m\"\n\n" +
	"--m\nContent-Type: multipart/alternative; boundary=\"a\"\n\n" +
	"--a\nContent-Type: text/plain\n\nHello, your order 1234 has shipped. Track it at https://shop.example.com/track\n" +
	"--a\nContent-Type: text/html\n\n<div style=\"display:none\">Hello</div><img src=\"https://shop.example.com/l.png\">" +
	"<p>your order 1234 has shipped. Track it at <a href=\"https://shop.example.com/track\">https://shop.example.com/track</a></p>\n" +
	"--a--\n--m\nContent-Type: application/pdf; name=\"receipt.pdf\"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--m--\n"

// TestExtractIgnoresFormat checks that message format and era (MIME
// structure, part counts, hidden preheaders, images, PDFs) add no signal:
// they separate the corpus's modern phishing from its 2002 ham, not
// phishing from mail.
func TestExtractIgnoresFormat(t *testing.T) {
	plain, alt := extract(t, newsletterPlain), extract(t, newsletterAlt)
	if !slices.Equal(plain.Signals, alt.Signals) {
		t.Errorf("signals differ by format:\nplain %v\nalt   %v", plain.Signals, alt.Signals)
	}
	for _, s := range alt.Signals {
		for _, era := range []string{"mime_", "parts_", "html_hidden", "images_", "att_pdf", "attachments_", "urls_", "words_", "link_domains_", "recipients_"} {
			if strings.HasPrefix(s.Code, era) {
				t.Errorf("format signal %s present", s.Code)
			}
		}
	}
}
