package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// EnvPassword is the only place the ClickHouse password comes from.
const EnvPassword = "PHISHX_CLICKHOUSE_PASSWORD"

// Config says where ClickHouse is and how PhishX uses it.
type Config struct {
	Addr     string `yaml:"addr"` // native protocol, host:port
	Database string `yaml:"database"`
	User     string `yaml:"user"`
	// Password is never read from the file: only from PHISHX_CLICKHOUSE_PASSWORD.
	Password     string        `yaml:"-"`
	DialTimeout  time.Duration `yaml:"dial_timeout"`
	MaxOpenConns int           `yaml:"max_open_conns"`
	// Compression of the native protocol's blocks: "lz4", "zstd" or "none".
	Compression string `yaml:"compression"`
	// RetentionDays sets a TTL on the result tables where the server
	// supports TTL; 0 keeps rows forever.
	RetentionDays int `yaml:"retention_days"`
	// AutoMigrate applies pending migrations when the pipeline starts.
	AutoMigrate bool `yaml:"auto_migrate"`
}

// DefaultConfig returns the defaults for a local server.
func DefaultConfig() Config {
	return Config{
		Addr:         "127.0.0.1:9000",
		Database:     "phishx",
		User:         "default",
		DialTimeout:  5 * time.Second,
		MaxOpenConns: 4,
		Compression:  "lz4",
		AutoMigrate:  true,
	}
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// Validate names every bad field.
func (c *Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("clickhouse.addr: must not be empty"))
	}
	if !identifier.MatchString(c.Database) {
		// The name is spliced into DDL, so it must be a plain identifier.
		errs = append(errs, fmt.Errorf("clickhouse.database: %q is not a plain identifier", c.Database))
	}
	if c.User == "" {
		errs = append(errs, errors.New("clickhouse.user: must not be empty"))
	}
	if c.DialTimeout <= 0 {
		errs = append(errs, errors.New("clickhouse.dial_timeout: must be positive"))
	}
	if c.MaxOpenConns < 1 {
		errs = append(errs, errors.New("clickhouse.max_open_conns: must be at least 1"))
	}
	if _, ok := compressionMethod(c.Compression); !ok {
		errs = append(errs, fmt.Errorf("clickhouse.compression: %q is not one of lz4, zstd, none", c.Compression))
	}
	if c.RetentionDays < 0 {
		errs = append(errs, errors.New("clickhouse.retention_days: must not be negative"))
	}
	return errors.Join(errs...)
}

// ApplyEnv reads the password from the environment.
func (c *Config) ApplyEnv(lookup func(string) (string, bool)) {
	if v, ok := lookup(EnvPassword); ok {
		c.Password = v
	}
}

// ErrUnreachable is wrapped by Open when the server does not answer a ping.
var ErrUnreachable = errors.New("clickhouse unreachable")

func compressionMethod(name string) (ch.CompressionMethod, bool) {
	switch name {
	case "lz4":
		return ch.CompressionLZ4, true
	case "zstd":
		return ch.CompressionZSTD, true
	case "none":
		return ch.CompressionNone, true
	}
	return ch.CompressionNone, false
}

// Open validates c, connects with the native protocol (the HTTP protocol
// of clickhouse-go does not work with 18.16) and pings within
// c.DialTimeout. The caller owns the connection.
func Open(ctx context.Context, c Config) (driver.Conn, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	method, _ := compressionMethod(c.Compression)
	conn, err := ch.Open(&ch.Options{
		Addr:         []string{c.Addr},
		Auth:         ch.Auth{Username: c.User, Password: c.Password},
		DialTimeout:  c.DialTimeout,
		MaxOpenConns: c.MaxOpenConns,
		MaxIdleConns: c.MaxOpenConns,
		Compression:  &ch.Compression{Method: method},
	})
	if err != nil {
		return nil, fmt.Errorf("clickhouse %s: %w", c.Addr, err)
	}
	pctx, cancel := context.WithTimeout(ctx, c.DialTimeout)
	defer cancel()
	if err := conn.Ping(pctx); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("%w at %s (user %s): %w", ErrUnreachable, c.Addr, c.User, err)
	}
	return conn, nil
}
