package api

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/phishx/phishx/pipeline/api/auth"
)

// Config configures the HTTP control plane.
type Config struct {
	// Addr is where Serve listens; loopback by default.
	Addr              string        `yaml:"addr"`
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`
	WriteTimeout      time.Duration `yaml:"write_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	ShutdownTimeout   time.Duration `yaml:"shutdown_timeout"`
	// MaxJSONBytes bounds JSON request bodies; MaxEmailBytes bounds a
	// submitted raw message.
	MaxJSONBytes  int64 `yaml:"max_json_bytes"`
	MaxEmailBytes int64 `yaml:"max_email_bytes"`
	// MaxListLimit caps list endpoints.
	MaxListLimit int `yaml:"max_list_limit"`

	Tokens auth.TokenConfig `yaml:"tokens"`
	// LoginPerAccount and LoginPerAddress throttle login attempts.
	LoginPerAccount auth.ThrottleConfig `yaml:"login_per_account"`
	LoginPerAddress auth.ThrottleConfig `yaml:"login_per_address"`
	BcryptCost      int                 `yaml:"bcrypt_cost"`
}

// DefaultConfig returns every default.
func DefaultConfig() Config {
	return Config{
		Addr:              "127.0.0.1:8080",
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ShutdownTimeout:   15 * time.Second,
		MaxJSONBytes:      64 << 10,
		MaxEmailBytes:     10 << 20,
		MaxListLimit:      500,
		Tokens:            auth.DefaultTokenConfig(),
		LoginPerAccount:   auth.ThrottleConfig{Every: 30 * time.Second, Burst: 5, MaxKeys: 100_000},
		LoginPerAddress:   auth.ThrottleConfig{Every: 3 * time.Second, Burst: 20, MaxKeys: 100_000},
		BcryptCost:        auth.DefaultBcryptCost,
	}
}

// Validate names every bad field.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("api.addr: %w", err))
	}
	for name, d := range map[string]time.Duration{
		"read_header_timeout": c.ReadHeaderTimeout, "read_timeout": c.ReadTimeout,
		"write_timeout": c.WriteTimeout, "idle_timeout": c.IdleTimeout, "shutdown_timeout": c.ShutdownTimeout,
	} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("api.%s: must be positive", name))
		}
	}
	if c.MaxJSONBytes < 1<<10 {
		errs = append(errs, errors.New("api.max_json_bytes: must be at least 1024"))
	}
	if c.MaxEmailBytes < 1<<10 {
		errs = append(errs, errors.New("api.max_email_bytes: must be at least 1024"))
	}
	if c.MaxListLimit < 1 {
		errs = append(errs, errors.New("api.max_list_limit: must be at least 1"))
	}
	if err := c.Tokens.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("api.tokens: %w", err))
	}
	if err := c.LoginPerAccount.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("api.login_per_account: %w", err))
	}
	if err := c.LoginPerAddress.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("api.login_per_address: %w", err))
	}
	if c.BcryptCost < 4 || c.BcryptCost > 31 {
		errs = append(errs, errors.New("api.bcrypt_cost: must be in [4, 31]"))
	}
	return errors.Join(errs...)
}
