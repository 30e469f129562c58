package loadgen

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// ErrInvalidConfig is wrapped by every error Validate returns.
var ErrInvalidConfig = errors.New("loadgen: invalid config")

// ConfigError names the Config field that is wrong.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("loadgen: config field %s: %s", e.Field, e.Reason)
}

// Unwrap lets errors.Is(err, ErrInvalidConfig) match.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// Config says what a Generator makes. The zero Config is not valid: start
// from DefaultConfig and change what you need.
type Config struct {
	// Seed makes a run reproducible: two generators with the same Config
	// (and a Clock that returns the same times) make the same bytes.
	Seed int64
	// PhishRatio is the probability, in [0, 1], that a message is phish.
	PhishRatio float64
	// Tenants are the customers mail is addressed to; recipients live at
	// <tenant>.example (the tenant name folded to a DNS label).
	Tenants []string
	// Gateways are the names of the mail gateways reporting events.
	Gateways []string
	// Clock gives ReceivedAt. Message Date headers are derived from it.
	// time.Now when nil is not allowed: DefaultConfig sets it.
	Clock func() time.Time
}

// DefaultPhishRatio is the share of phish in DefaultConfig.
const DefaultPhishRatio = 0.2

// DefaultConfig returns a Config with seed 1, a 20% phish ratio, three
// tenants, two gateways and the wall clock.
func DefaultConfig() Config {
	return Config{
		Seed:       1,
		PhishRatio: DefaultPhishRatio,
		Tenants:    []string{"acme", "globex", "initech"},
		Gateways:   []string{"gw-eu-1", "gw-us-1"},
		Clock:      time.Now,
	}
}

// maxNameLen bounds tenant and gateway names.
const maxNameLen = 128

// Validate reports the first field that is wrong, as a *ConfigError.
func (c Config) Validate() error {
	if math.IsNaN(c.PhishRatio) || c.PhishRatio < 0 || c.PhishRatio > 1 {
		return &ConfigError{Field: "PhishRatio", Reason: "must be in [0, 1]"}
	}
	if err := validateNames("Tenants", c.Tenants); err != nil {
		return err
	}
	if err := validateNames("Gateways", c.Gateways); err != nil {
		return err
	}
	if c.Clock == nil {
		return &ConfigError{Field: "Clock", Reason: "must be set (time.Now for the wall clock)"}
	}
	return nil
}

func validateNames(field string, names []string) error {
	if len(names) == 0 {
		return &ConfigError{Field: field, Reason: "must not be empty"}
	}
	for i, n := range names {
		if strings.TrimSpace(n) == "" {
			return &ConfigError{Field: fmt.Sprintf("%s[%d]", field, i), Reason: "must not be blank"}
		}
		if len(n) > maxNameLen {
			return &ConfigError{Field: fmt.Sprintf("%s[%d]", field, i), Reason: fmt.Sprintf("longer than %d bytes", maxNameLen)}
		}
	}
	return nil
}

// tenantDomain folds a tenant name into a DNS label under the reserved
// .example TLD, so generated recipients never name a real domain.
func tenantDomain(tenant string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(tenant) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == '_' || r == '.' || r == ' ':
			if b.Len() > 0 {
				b.WriteByte('-')
			}
		}
		if b.Len() >= 63 {
			break
		}
	}
	label := strings.Trim(b.String(), "-")
	if label == "" {
		label = "tenant"
	}
	return label + ".example"
}
