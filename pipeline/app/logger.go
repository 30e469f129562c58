package app

import (
	"io"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/phishx/phishx/pipeline/logging"
	"github.com/phishx/phishx/schemas"
)

// NewLogger builds the PII-masking logger. levelOverride, when set, wins
// over the config (the --log-level flag).
func NewLogger(cfg LogConfig, levelOverride string, w io.Writer) (*zap.Logger, error) {
	lc := logging.DefaultConfig()
	lc.Level, lc.Format = cfg.Level, cfg.Format
	if levelOverride != "" {
		lc.Level = levelOverride
	}
	lc.Output = zapcore.AddSync(w)
	return logging.New(lc)
}

// EventKey is the Kafka key of an event: tenant and sender domain, so that
// every message of one sender lands on one partition, where the per-sender
// anomaly windows live. The domain is not PII; the full address is.
func EventKey(ev *schemas.EmailEvent) string {
	return ev.Tenant + "/" + SenderDomain(ev.EnvelopeFrom)
}

// SenderDomain returns the lower-cased domain of an address, or "" for one
// without '@' (or a sealed value, which has none).
func SenderDomain(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || at == len(addr)-1 {
		return ""
	}
	return strings.ToLower(strings.TrimRight(addr[at+1:], ">. "))
}
