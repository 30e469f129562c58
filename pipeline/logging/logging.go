package logging

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/phishx/phishx/stages/pii"
)

// Formats.
const (
	FormatConsole = "console"
	FormatJSON    = "json"
)

// Config configures New.
type Config struct {
	// Level is debug, info, warn or error.
	Level string
	// Format is "console" (for people) or "json".
	Format string
	// Output receives the log lines.
	Output zapcore.WriteSyncer
	// Caller adds the calling file and line.
	Caller bool
}

// DefaultConfig logs info and above to stderr in console format.
func DefaultConfig() Config {
	return Config{Level: "info", Format: FormatConsole, Output: zapcore.Lock(os.Stderr), Caller: false}
}

// Validate names the first bad field.
func (c Config) Validate() error {
	if _, err := zapcore.ParseLevel(c.Level); err != nil {
		return fmt.Errorf("logging: Level %q: %w", c.Level, err)
	}
	if c.Format != FormatConsole && c.Format != FormatJSON {
		return fmt.Errorf("logging: Format %q: want %q or %q", c.Format, FormatConsole, FormatJSON)
	}
	if c.Output == nil {
		return errors.New("logging: Output must be set")
	}
	return nil
}

// New builds a masking logger from cfg.
func New(cfg Config) (*zap.Logger, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	level, _ := zapcore.ParseLevel(cfg.Level)
	var enc zapcore.Encoder
	if cfg.Format == FormatJSON {
		ec := zap.NewProductionEncoderConfig()
		ec.EncodeTime = zapcore.ISO8601TimeEncoder
		enc = zapcore.NewJSONEncoder(ec)
	} else {
		ec := zap.NewDevelopmentEncoderConfig()
		ec.EncodeLevel = zapcore.CapitalLevelEncoder
		enc = zapcore.NewConsoleEncoder(ec)
	}
	core := NewMaskingCore(zapcore.NewCore(enc, cfg.Output, level))
	var opts []zap.Option
	if cfg.Caller {
		opts = append(opts, zap.AddCaller())
	}
	return zap.New(core, opts...), nil
}

// NewMaskingCore wraps core so that every entry and field it writes is
// masked. Use it to add masking to a core built elsewhere (tests use it
// with zaptest/observer).
func NewMaskingCore(core zapcore.Core) zapcore.Core { return &maskCore{Core: core} }

type maskCore struct {
	zapcore.Core
}

var _ zapcore.Core = (*maskCore)(nil)

func (c *maskCore) With(fields []zapcore.Field) zapcore.Core {
	return &maskCore{Core: c.Core.With(maskFields(fields))}
}

func (c *maskCore) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(ent.Level) {
		return ce.AddCore(ent, c)
	}
	return ce
}

func (c *maskCore) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	ent.Message = pii.Mask(ent.Message)
	return c.Core.Write(ent, maskFields(fields))
}

// maskFields returns fields with PII masked, copying only when it changes
// something.
func maskFields(fields []zapcore.Field) []zapcore.Field {
	var out []zapcore.Field
	for i, f := range fields {
		m, changed := maskField(f)
		if changed && out == nil {
			out = make([]zapcore.Field, len(fields))
			copy(out, fields)
		}
		if out != nil {
			out[i] = m
		}
	}
	if out == nil {
		return fields
	}
	return out
}

func maskField(f zapcore.Field) (zapcore.Field, bool) {
	switch f.Type {
	case zapcore.StringType:
		if m := pii.Mask(f.String); m != f.String {
			f.String = m
			return f, true
		}
		return f, false
	case zapcore.ByteStringType:
		b, _ := f.Interface.([]byte)
		if m := pii.Mask(string(b)); m != string(b) {
			return zap.String(f.Key, m), true
		}
		return f, false
	case zapcore.BinaryType:
		return zap.String(f.Key, "[binary]"), true
	case zapcore.ErrorType:
		err, _ := f.Interface.(error)
		if err == nil {
			return f, false
		}
		return zap.String(f.Key, pii.Mask(safeString(err.Error))), true
	case zapcore.StringerType:
		s, _ := f.Interface.(fmt.Stringer)
		if s == nil {
			return f, false
		}
		return zap.String(f.Key, pii.Mask(safeString(s.String))), true
	case zapcore.ReflectType:
		b, err := json.Marshal(f.Interface)
		if err != nil {
			return zap.String(f.Key, pii.Mask(fmt.Sprintf("%+v", f.Interface))), true
		}
		return jsonField(f.Key, b), true
	case zapcore.ArrayMarshalerType, zapcore.ObjectMarshalerType, zapcore.InlineMarshalerType:
		enc := zapcore.NewMapObjectEncoder()
		f.AddTo(enc)
		if f.Type == zapcore.InlineMarshalerType {
			return zap.Inline(maskedObject(enc.Fields)), true
		}
		b, err := json.Marshal(enc.Fields[f.Key])
		if err != nil {
			return zap.String(f.Key, "[unencodable]"), true
		}
		return jsonField(f.Key, b), true
	}
	return f, false
}

// jsonField masks encoded JSON and logs it as a nested value. The masks
// replace text inside JSON strings and numbers with bracketed words, so the
// result is checked and logged as a string if it is no longer valid JSON.
func jsonField(key string, b []byte) zapcore.Field {
	m := pii.Mask(string(b))
	if json.Valid([]byte(m)) {
		return zap.Reflect(key, json.RawMessage(m))
	}
	return zap.String(key, m)
}

// maskedObject re-adds inline fields, masked.
type maskedObject map[string]any

func (o maskedObject) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	for k, v := range o {
		b, err := json.Marshal(v)
		if err != nil {
			enc.AddString(k, "[unencodable]")
			continue
		}
		f := jsonField(k, b)
		f.AddTo(enc)
	}
	return nil
}

// safeString calls fn, turning a panic into a placeholder: a broken
// Stringer must not crash logging, nor leak its value through the panic.
func safeString(fn func() string) (s string) {
	defer func() {
		if recover() != nil {
			s = "[panic in String/Error]"
		}
	}()
	return fn()
}
