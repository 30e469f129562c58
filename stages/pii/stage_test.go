package pii

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"

	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/schemas"
)

const hdr = "From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nReply-To: <c@example.net>\r\n" +
	"Received: from mx.example.com ([192.0.2.1]) by mx2.example.org; Fri, 4 Dec 2026 14:00:00 +0000\r\n" +
	"Message-ID: <1234567890.4111111111111111@example.com>\r\n"

func multipartMsg(ctype string, parts ...string) string {
	var b strings.Builder
	b.WriteString(hdr + "Subject: hi\r\nMIME-Version: 1.0\r\nContent-Type: " + ctype + "; boundary=\"BB\"\r\n\r\npreamble 123-45-6789\r\n")
	for _, p := range parts {
		b.WriteString("--BB\r\n" + p + "\r\n")
	}
	b.WriteString("--BB--\r\nepilogue 078-05-1120\r\n")
	return b.String()
}

func nested(depth int, leaf string) string {
	if depth == 0 {
		return leaf
	}
	bd := "B" + strings.Repeat("x", depth)
	return "Content-Type: multipart/mixed; boundary=" + bd + "\r\n\r\n--" + bd + "\r\n" + nested(depth-1, leaf) + "\r\n--" + bd + "--\r\n"
}

func TestStage(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString([]byte("pay with 4111 1111 1111 1111 please"))
	tests := []struct {
		name      string
		cfg       func(*StageConfig)
		subject   string // rec.Analysis.Subject
		raw       string
		encrypted []string
		want      string // Detail; "" means no finding
	}{
		{name: "clean", raw: hdr + "Subject: Quarterly report\r\n\r\nsee attached"},
		{name: "header addresses are not content", raw: hdr + "Subject: hello\r\n\r\nthanks, see you"},
		{name: "analysis subject", subject: "Call me at 415-555-2671", raw: hdr + "\r\nhello", want: "pii kinds: phone"},
		{name: "analysis subject wins over header", subject: "hello", raw: hdr + "Subject: 415-555-2671\r\n\r\nhi"},
		{name: "header subject", raw: hdr + "Subject: =?utf-8?q?SSN_123-45-6789?=\r\n\r\nhi", want: "pii kinds: ssn"},
		{name: "plain body", raw: hdr + "Subject: x\r\n\r\nmail carol@example.net, ssn 123-45-6789", want: "pii kinds: email, ssn"},
		{name: "quoted-printable soft break", raw: hdr + "Content-Transfer-Encoding: quoted-printable\r\n\r\nssn 123-45=\r\n-6789 =3D ok", want: "pii kinds: ssn"},
		{name: "base64", raw: hdr + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64[:20] + "\r\n" + b64[20:], want: "pii kinds: card"},
		{name: "html", raw: hdr + "Content-Type: text/html\r\n\r\n<p>Write <a href=\"mailto:x@example.com\">dave&#64;example.com</a></p><script>var ssn='123-45-6789'</script><!-- 078-05-1120 -->", want: "pii kinds: email"},
		{name: "html tags only", raw: hdr + "Content-Type: text/html\r\n\r\n<img src=\"https://t.example.com/p?u=alice@example.com&s=123-45-6789\">"},
		{name: "alternative", raw: multipartMsg("multipart/alternative",
			"Content-Type: text/plain\r\n\r\ncall +44 20 7946 0958",
			"Content-Type: text/html\r\n\r\n<p>ssn 123-45-6789</p>"), want: "pii kinds: phone"},
		{name: "mixed scans every text part", raw: multipartMsg("multipart/mixed",
			"Content-Type: text/plain\r\n\r\ncall +44 20 7946 0958",
			"Content-Type: text/html\r\n\r\n<p>ssn 123-45-6789</p>"), want: "pii kinds: phone, ssn"},
		{name: "attachment skipped", raw: multipartMsg("multipart/mixed",
			"Content-Type: text/plain\r\n\r\nsee the file",
			"Content-Type: text/plain\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\n123-45-6789",
			"Content-Type: application/pdf\r\n\r\n4111111111111111")},
		{name: "nested within depth", raw: hdr + nested(3, "Content-Type: text/plain\r\n\r\n123-45-6789"), want: "pii kinds: ssn"},
		{name: "nested too deep", raw: hdr + nested(5, "Content-Type: text/plain\r\n\r\n123-45-6789")},
		{name: "part cap", cfg: func(c *StageConfig) { c.MaxParts = 2 }, raw: multipartMsg("multipart/mixed",
			"Content-Type: text/plain\r\n\r\na", "Content-Type: text/plain\r\n\r\nb", "Content-Type: text/plain\r\n\r\n123-45-6789")},
		{name: "scan cap", raw: hdr + "Subject: x\r\n\r\n" + strings.Repeat("x", 100) + " 4111111111111111"},
		{name: "parts do not join", raw: multipartMsg("multipart/mixed",
			"Content-Type: text/plain\r\n\r\nssn 123-45", "Content-Type: text/plain\r\n\r\n-6789 ok")},
		{name: "missing boundary", raw: hdr + "Content-Type: multipart/mixed\r\n\r\n123-45-6789"},
		{name: "broken content type is plain", raw: hdr + "Content-Type: text/;;\r\n\r\n123-45-6789", want: "pii kinds: ssn"},
		{name: "unterminated multipart", raw: hdr + "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n\r\n123-45-6789", want: "pii kinds: ssn"},
		{name: "no header block", raw: "just text 123-45-6789"},
		{name: "broken header block", raw: "From alice@example.com\r\nno colon here\r\n\r\nssn 123-45-6789", want: "pii kinds: ssn"},
		{name: "still sealed", subject: "hi", raw: "Subject: x\r\n\r\n123-45-6789", encrypted: []string{"raw_message"}},
		{name: "sealed, subject scanned", subject: "415-555-2671", raw: "gAAAA", encrypted: []string{"raw_message"}, want: "pii kinds: phone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultStageConfig()
			cfg.MaxScanBytes = 100
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			s, err := NewStage(cfg)
			if err != nil {
				t.Fatal(err)
			}
			rec := &pipeline.Record{
				Event:    &schemas.EmailEvent{RawMessage: []byte(tt.raw), EncryptedFields: tt.encrypted},
				Analysis: pipeline.Analysis{Subject: tt.subject},
			}
			if err := s.Process(context.Background(), rec); err != nil {
				t.Fatal(err)
			}
			f := rec.Analysis.Findings
			if tt.want == "" {
				if len(f) != 0 {
					t.Fatalf("findings = %+v", f)
				}
				return
			}
			if len(f) != 1 || f[0].Code != FindingCode || f[0].Detail != tt.want || f[0].Severity != 0 {
				t.Fatalf("findings = %+v, want detail %q", f, tt.want)
			}
		})
	}
}

func TestStageConfig(t *testing.T) {
	tests := []struct {
		give    func(*StageConfig)
		wantErr string
	}{
		{give: func(*StageConfig) {}},
		{give: func(c *StageConfig) { c.MaxScanBytes = 0 }, wantErr: "MaxScanBytes"},
		{give: func(c *StageConfig) { c.MaxParts = 0 }, wantErr: "MaxParts"},
		{give: func(c *StageConfig) { c.MaxDepth = -1 }, wantErr: "MaxDepth"},
	}
	for _, tt := range tests {
		cfg := DefaultStageConfig()
		tt.give(&cfg)
		_, err := NewStage(cfg)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("NewStage(%+v) = %v", cfg, err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("NewStage(%+v) = %v, want ErrInvalidConfig naming %s", cfg, err, tt.wantErr)
		}
	}
}

// FuzzContent feeds hostile MIME to the extractor: it must not panic and
// must respect its caps on text and parts.
func FuzzContent(f *testing.F) {
	f.Add([]byte(multipartMsg("multipart/alternative", "Content-Type: text/plain\r\n\r\nhi", "Content-Type: text/html\r\n\r\n<b>x</b>")))
	f.Add([]byte(hdr + nested(6, "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nMTIzLTQ1LTY3ODk=")))
	f.Add([]byte(hdr + "Content-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<scr=\r\nipt>=ZZ<style"))
	f.Add([]byte("Subject: =?x-unknown?b?AAAA?=\r\nContent-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		c := content{max: 256, maxParts: 8, maxDepth: 3}
		got := c.extract(raw, "")
		if len(got) > 256 {
			t.Fatalf("extracted %d bytes, cap 256", len(got))
		}
		if c.parts > 8 {
			t.Fatalf("looked at %d parts, cap 8", c.parts)
		}
	})
}

func TestDecodeQP(t *testing.T) {
	tests := []struct{ give, want string }{
		{give: "plain", want: "plain"},
		{give: "a=3Db=3db", want: "a=b=b"},
		{give: "soft=\r\nbreak", want: "softbreak"},
		{give: "soft=\nbreak", want: "softbreak"},
		{give: "pad=  \r\nded", want: "padded"},
		{give: "cut at the end=", want: "cut at the end"},
		{give: "bad =ZZ and =4", want: "bad =ZZ and =4"},
		{give: "=C3=A9t=C3=A9", want: "été"},
	}
	for _, tt := range tests {
		if got := string(decodeQP([]byte(tt.give))); got != tt.want {
			t.Errorf("decodeQP(%q) = %q, want %q", tt.give, got, tt.want)
		}
	}
}

// FuzzDecodeQP checks decodeQP against mime/quotedprintable on what its
// writer produces.
func FuzzDecodeQP(f *testing.F) {
	f.Add([]byte("ssn 123-45-6789 = \xff\r\n trailing space \nlong " + strings.Repeat("x", 100)))
	f.Fuzz(func(t *testing.T, data []byte) {
		var enc bytes.Buffer
		w := quotedprintable.NewWriter(&enc)
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		want, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(enc.Bytes())))
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeQP(enc.Bytes()); !bytes.Equal(got, want) {
			t.Fatalf("decodeQP(%q) = %q, want %q", enc.Bytes(), got, want)
		}
	})
}
