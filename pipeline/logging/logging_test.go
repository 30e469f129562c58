package logging

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

const (
	email = "alice@example.com"
	phone = "+1 415 555 2671"
	ssn   = "123-45-6789"
	card  = "4111 1111 1111 1111"
)

var secrets = []string{email, phone, ssn, card, "4111111111111111", "alice@"}

type stringer struct{}

func (stringer) String() string { return "contact " + email }

type user struct {
	Name  string
	Email string
	Card  int64
}

type obj struct{}

func (obj) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("phone", phone)
	return nil
}

func newBuf(t *testing.T, format string) (*zap.Logger, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	cfg := DefaultConfig()
	cfg.Format = format
	cfg.Level = "debug"
	cfg.Output = zapcore.AddSync(&buf)
	l, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l, &buf
}

func TestNoPIIReachesOutput(t *testing.T) {
	paths := []struct {
		name string
		log  func(l *zap.Logger)
	}{
		{name: "message", log: func(l *zap.Logger) { l.Info("mail from " + email + " card " + card) }},
		{name: "string field", log: func(l *zap.Logger) { l.Info("x", zap.String("from", email), zap.String("ssn", ssn)) }},
		{name: "strings field", log: func(l *zap.Logger) { l.Info("x", zap.Strings("to", []string{email, phone})) }},
		{name: "bytes", log: func(l *zap.Logger) { l.Info("x", zap.ByteString("raw", []byte("From: "+email))) }},
		{name: "binary", log: func(l *zap.Logger) { l.Info("x", zap.Binary("raw", []byte(email))) }},
		{name: "any string", log: func(l *zap.Logger) { l.Info("x", zap.Any("v", email)) }},
		{name: "any struct", log: func(l *zap.Logger) { l.Info("x", zap.Any("user", user{"A", email, 4111111111111111})) }},
		{name: "any map", log: func(l *zap.Logger) { l.Info("x", zap.Any("m", map[string]string{"ssn": ssn})) }},
		{name: "error", log: func(l *zap.Logger) {
			l.Error("x", zap.Error(fmt.Errorf("deliver to %s: %w", email, errors.New("refused"))))
		}},
		{name: "named error", log: func(l *zap.Logger) { l.Warn("x", zap.NamedError("cause", errors.New("ssn "+ssn))) }},
		{name: "stringer", log: func(l *zap.Logger) { l.Info("x", zap.Stringer("s", stringer{})) }},
		{name: "object", log: func(l *zap.Logger) { l.Info("x", zap.Object("o", obj{})) }},
		{name: "inline", log: func(l *zap.Logger) { l.Info("x", zap.Inline(obj{})) }},
		{name: "with", log: func(l *zap.Logger) { l.With(zap.String("from", email)).Info("x") }},
		{name: "with nested", log: func(l *zap.Logger) { l.With(zap.String("a", ssn)).With(zap.Error(errors.New(card))).Info("x") }},
		{name: "named", log: func(l *zap.Logger) { l.Named("decrypt").Info("x", zap.String("ip", phone)) }},
		{name: "sugar printf", log: func(l *zap.Logger) { l.Sugar().Infof("user %s paid with %s", email, card) }},
		{name: "sugar kv", log: func(l *zap.Logger) { l.Sugar().Infow("x", "to", email, "err", errors.New(ssn)) }},
		{name: "sugar with", log: func(l *zap.Logger) { l.Sugar().With("phone", phone).Info("call ", phone) }},
		{name: "namespace", log: func(l *zap.Logger) { l.Info("x", zap.Namespace("ns"), zap.String("e", email)) }},
		{name: "check", log: func(l *zap.Logger) {
			if ce := l.Check(zap.InfoLevel, "to "+email); ce != nil {
				ce.Write(zap.String("s", ssn))
			}
		}},
	}
	for _, format := range []string{FormatConsole, FormatJSON} {
		for _, p := range paths {
			t.Run(format+"/"+p.name, func(t *testing.T) {
				l, buf := newBuf(t, format)
				p.log(l)
				out := buf.String()
				if out == "" {
					t.Fatal("nothing logged")
				}
				for _, s := range secrets {
					if strings.Contains(out, s) {
						t.Fatalf("output contains %q:\n%s", s, out)
					}
				}
				if !strings.Contains(out, "[") {
					t.Fatalf("no mask placeholder in output:\n%s", out)
				}
			})
		}
	}
}

func TestCleanFieldsUntouched(t *testing.T) {
	l, buf := newBuf(t, FormatJSON)
	l.Info("batch flushed", zap.Int("rows", 500), zap.String("table", "email_analysis"), zap.Strings("parts", []string{"a", "b"}))
	out := buf.String()
	for _, want := range []string{`"rows":500`, `"table":"email_analysis"`, `"parts":["a","b"]`, `"msg":"batch flushed"`} {
		if !strings.Contains(out, want) {
			t.Fatalf("missing %s in %s", want, out)
		}
	}
}

func TestLevelAndConfig(t *testing.T) {
	var buf bytes.Buffer
	cfg := DefaultConfig()
	cfg.Level = "warn"
	cfg.Output = zapcore.AddSync(&buf)
	l, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l.Info("hidden")
	l.Warn("shown")
	if strings.Contains(buf.String(), "hidden") || !strings.Contains(buf.String(), "shown") {
		t.Fatalf("level not applied: %q", buf.String())
	}
	for _, mod := range []func(*Config){
		func(c *Config) { c.Level = "loud" },
		func(c *Config) { c.Format = "xml" },
		func(c *Config) { c.Output = nil },
	} {
		c := DefaultConfig()
		mod(&c)
		if _, err := New(c); err == nil {
			t.Errorf("bad config accepted: %+v", c)
		}
	}
}

func BenchmarkLogClean(b *testing.B) {
	var buf bytes.Buffer
	cfg := DefaultConfig()
	cfg.Format = FormatJSON
	cfg.Output = zapcore.AddSync(&buf)
	l, _ := New(cfg)
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		l.Info("batch flushed", zap.Int("rows", 500), zap.String("table", "email_analysis"))
	}
}
