package loadgen

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const goodEML = "From: \"Ann Example\" <ann@sender.example>\r\nTo: bob@acme.example, \"Cy\" <cy@acme.example>\r\nCc: dee@acme.example\r\nSubject: hi\r\n\r\nbody\r\n"

func TestWalkEML(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "phish", "b.eml"), goodEML)
	writeFile(t, filepath.Join(dir, "phish", "a.EML"), "garbage without headers")
	writeFile(t, filepath.Join(dir, "ham", "sub", "c.eml"), goodEML)
	writeFile(t, filepath.Join(dir, "ham", "notes.txt"), "not mail")
	writeFile(t, filepath.Join(dir, "MANIFEST.tsv"), "x")

	var got []string
	err := WalkEML(dir, func(p string, raw []byte) error {
		rel, _ := filepath.Rel(dir, p)
		got = append(got, filepath.ToSlash(rel))
		if len(raw) == 0 {
			t.Errorf("%s: empty", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ham/sub/c.eml", "phish/a.EML", "phish/b.eml"}
	if !slices.Equal(got, want) {
		t.Fatalf("walked %v; want %v", got, want)
	}

	// A single file is walked whatever its name.
	got = got[:0]
	if err := WalkEML(filepath.Join(dir, "ham", "notes.txt"), func(p string, _ []byte) error {
		got = append(got, p)
		return nil
	}); err != nil || len(got) != 1 {
		t.Fatalf("single file: %v, %v", got, err)
	}

	// fn's error stops the walk and comes back unchanged.
	stop := errors.New("stop")
	n := 0
	if err := WalkEML(dir, func(string, []byte) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Fatalf("err %v after %d calls; want stop after 1", err, n)
	}

	var ee *EMLError
	if err := WalkEML(filepath.Join(dir, "missing"), func(string, []byte) error { return nil }); !errors.As(err, &ee) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing dir: %v", err)
	}
}

func TestReadEMLLimit(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.eml")
	writeFile(t, big, goodEML+strings.Repeat("x", 200))
	tests := []struct {
		name    string
		limit   int64
		wantErr error
	}{
		{"fits", 1 << 10, nil},
		{"exact", int64(len(goodEML) + 200), nil},
		{"one over", int64(len(goodEML) + 199), ErrTooLarge},
		{"tiny", 10, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := ReadEMLLimit(big, tt.limit)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v; want %v", err, tt.wantErr)
			}
			if err != nil {
				var ee *EMLError
				if !errors.As(err, &ee) || ee.Path != big || !strings.Contains(err.Error(), big) {
					t.Fatalf("error %q does not name the file", err)
				}
				return
			}
			if len(raw) != len(goodEML)+200 {
				t.Fatalf("read %d bytes", len(raw))
			}
		})
	}
	if err := WalkEMLLimit(dir, 10, func(string, []byte) error { return nil }); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("WalkEMLLimit: %v; want ErrTooLarge", err)
	}
	if _, err := ReadEML(big); err != nil {
		t.Fatalf("ReadEML: %v", err)
	}
}

func TestFromEML(t *testing.T) {
	g := newTestGen(t, 1, 0)
	tests := []struct {
		name     string
		give     string
		wantFrom string
		wantTo   []string // nil: one generated tenant recipient
	}{
		{"well formed", goodEML, "ann@sender.example", []string{"bob@acme.example", "cy@acme.example", "dee@acme.example"}},
		{"encoded name", "From: =?utf-8?q?J=C3=B6rg?= <j@x.example>\r\nTo: a@b.example\r\n\r\n", "j@x.example", []string{"a@b.example"}},
		{"garbage to", "From: x@y.example\r\nTo: <<broken a@b.example;; junk c@d.example>\r\n\r\n", "x@y.example", []string{"a@b.example", "c@d.example"}},
		{"group", "From: x@y.example\r\nTo: undisclosed-recipients:;\r\n\r\n", "x@y.example", nil},
		{"no headers", "just text", "", nil},
		{"empty", "", "", nil},
		{"garbage from", "From: nobody here\r\n\r\n", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := g.FromEML([]byte(tt.give))
			if ev.EnvelopeFrom != tt.wantFrom {
				t.Errorf("EnvelopeFrom %q; want %q", ev.EnvelopeFrom, tt.wantFrom)
			}
			if tt.wantTo == nil {
				if len(ev.EnvelopeTo) != 1 || hostOf(ev.EnvelopeTo[0]) != tenantDomain(ev.Tenant) {
					t.Errorf("EnvelopeTo %v; want one recipient of tenant %s", ev.EnvelopeTo, ev.Tenant)
				}
			} else if !slices.Equal(ev.EnvelopeTo, tt.wantTo) {
				t.Errorf("EnvelopeTo %v; want %v", ev.EnvelopeTo, tt.wantTo)
			}
			if string(ev.RawMessage) != tt.give || ev.EventID == "" || ev.ClientIP == "" {
				t.Errorf("event not filled: %+v", ev)
			}
		})
	}
}

func TestFromEMLCapsRecipients(t *testing.T) {
	g := newTestGen(t, 1, 0)
	var b strings.Builder
	b.WriteString("From: a@b.example\r\nTo: ")
	for i := range 500 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("r@x.example")
	}
	b.WriteString("\r\n\r\n")
	if n := len(g.FromEML([]byte(b.String())).EnvelopeTo); n != MaxEnvelopeRecipients {
		t.Fatalf("%d recipients; want the cap %d", n, MaxEnvelopeRecipients)
	}
}

func TestLabelFromPath(t *testing.T) {
	tests := []struct {
		give            string
		wantPhish, want bool
	}{
		{"/srv/mail/corpus/phish/ab.eml", true, true},
		{"corpus/ham/cd.eml", false, true},
		{"corpus/Phish/x/y.eml", true, true},
		{"corpus/other/e.eml", false, false},
		{"phish.eml", false, false},
	}
	for _, tt := range tests {
		p, ok := LabelFromPath(tt.give)
		if p != tt.wantPhish || ok != tt.want {
			t.Errorf("LabelFromPath(%q) = %v, %v; want %v, %v", tt.give, p, ok, tt.wantPhish, tt.want)
		}
	}
}

func FuzzFromEML(f *testing.F) {
	f.Add([]byte(goodEML))
	f.Add([]byte("From: \r\nTo: ,,,@,<>\r\n\r\n"))
	f.Add([]byte("To: undisclosed-recipients:;\r\n\r\n"))
	f.Add([]byte("From: =?utf-8?b?////?= <a@b>\nTo: \"unterminated <x@y>\n\n"))
	g := newTestGen(f, 1, 0.2)
	f.Add(g.Next().RawMessage)
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev := g.FromEML(raw)
		if n := len(ev.EnvelopeTo); n < 1 || n > MaxEnvelopeRecipients {
			t.Fatalf("%d recipients", n)
		}
		for _, a := range ev.EnvelopeTo {
			if a == "" {
				t.Fatal("empty recipient")
			}
		}
	})
}
