package features

import (
	"context"
	"testing"
	"time"
)

// FuzzExtract feeds arbitrary bytes through the MIME and HTML walk. It
// must never panic, must respect MaxLinks and must keep the vector in the
// hashed space.
func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		phishMsg,
		"From: a@b\n\nhello",
		"Content-Type: multipart/alternative; boundary=x\n\n--x\nContent-Type: text/html\n\n<a href='http://[::1]/'>x</a>\n--x--",
		"Content-Type: message/rfc822\n\nContent-Type: multipart/mixed; boundary=\"\"\n\n--\n",
		"Content-Transfer-Encoding: base64\nContent-Type: text/html; charset=utf-16\n\n//48AGgAdABtAGwAPgA=",
		"Content-Transfer-Encoding: quoted-printable\n\n=\n=4=ZZ=\r\n<a href=3Dhttp://x@y>",
		"Subject: =?iso-2022-jp?B?GyRCJCIbKEI=?=\nFrom: =?bad?Q?x?= <@>\n\n",
		"Content-Type: text/html\n\n<a href=\"http://xn--80ak6aa92e.com\">apple.com</a><form><input type=password>",
	} {
		f.Add([]byte(s))
	}
	cfg := DefaultConfig()
	cfg.MaxLinks = 64
	f.Fuzz(func(t *testing.T, raw []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s, err := Extract(ctx, raw, cfg)
		if err != nil {
			if !IsLimit(err) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		if s.URLCount > cfg.MaxLinks {
			t.Fatalf("URLCount %d over MaxLinks", s.URLCount)
		}
		for _, x := range s.Vector {
			if x.Index >= Dim {
				t.Fatalf("index %d out of range", x.Index)
			}
		}
		if len(s.Text) > cfg.MaxTextBytes+cfg.MaxParts {
			t.Fatalf("text %d bytes over MaxTextBytes", len(s.Text))
		}
	})
}
