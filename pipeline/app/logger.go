package app

import (
	"io"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/phishx/phishx/pipeline/logging"
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
