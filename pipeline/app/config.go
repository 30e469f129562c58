package app

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/pipeline/api"
	"github.com/phishx/phishx/sinks/clickhouse"
	"github.com/phishx/phishx/stages/pii"
)

// Environment variables read on top of the config file. Secrets come only
// from the environment or files, never from the YAML.
const (
	EnvKafkaBrokers   = "PHISHX_KAFKA_BROKERS"
	EnvClickHouseAddr = "PHISHX_CLICKHOUSE_ADDR"
	EnvSchemaRegistry = "PHISHX_SCHEMA_REGISTRY_URL"
)

// Config is the whole phishx config file.
type Config struct {
	Pipeline          pipeline.Config   `yaml:"pipeline"`
	Embedded          EmbeddedConfig    `yaml:"embedded"`
	Topics            TopicsConfig      `yaml:"topics"`
	SchemaRegistryURL string            `yaml:"schema_registry_url"`
	ClickHouse        clickhouse.Config `yaml:"clickhouse"`
	Scoring           ScoringConfig     `yaml:"scoring"`
	PII               PIIConfig         `yaml:"pii"`
	Keys              KeysConfig        `yaml:"keys"`
	Log               LogConfig         `yaml:"log"`
	// API configures `phishx api`; its ClickHouse is the one above.
	API api.Config `yaml:"api"`
}

// EmbeddedConfig is the in-process broker started when no brokers are set.
type EmbeddedConfig struct {
	Port int `yaml:"port"` // 127.0.0.1 only
}

// TopicsConfig is used when the pipeline creates its topics at start.
type TopicsConfig struct {
	Create            bool  `yaml:"create"`
	Partitions        int32 `yaml:"partitions"`
	ReplicationFactor int16 `yaml:"replication_factor"`
}

// ScoringConfig picks the production model and its thresholds.
type ScoringConfig struct {
	// ModelPath is a model file; empty means the model shipped in the binary.
	ModelPath           string  `yaml:"model_path"`
	QuarantineThreshold float64 `yaml:"quarantine_threshold"`
	FlagThreshold       float64 `yaml:"flag_threshold"`
}

// PIIConfig configures the finding that reports which kinds of PII
// (email, phone, SSN, card) a message's subject and body text contain.
type PIIConfig struct {
	Findings     bool `yaml:"findings"`
	MaxScanBytes int  `yaml:"max_scan_bytes"` // of decoded text
}

// KeysConfig says where the field-encryption key ring comes from. The
// master key itself is only ever read from ENCRYPTION_MASTER_KEY.
type KeysConfig struct {
	// KeyFile is a key-ring file, watched for rotation. Empty means a ring
	// derived from ENCRYPTION_MASTER_KEY with version 1 only.
	KeyFile string `yaml:"key_file"`
	// ReloadInterval is how often KeyFile is checked for a new ring.
	ReloadInterval time.Duration `yaml:"reload_interval"`
	// RequireEncryption dead-letters events whose PII arrives in clear.
	RequireEncryption bool `yaml:"require_encryption"`
}

// LogConfig configures the logger.
type LogConfig struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // console or json
}

// DefaultConfig returns every default explicitly.
func DefaultConfig() Config {
	return Config{
		Pipeline:   pipeline.DefaultConfig(),
		Embedded:   EmbeddedConfig{Port: pipeline.DefaultEmbeddedPort},
		Topics:     TopicsConfig{Create: true, Partitions: 6, ReplicationFactor: 1},
		ClickHouse: clickhouse.DefaultConfig(),
		Scoring:    ScoringConfig{QuarantineThreshold: 0.9, FlagThreshold: 0.5},
		PII:        PIIConfig{Findings: true, MaxScanBytes: pii.DefaultStageConfig().MaxScanBytes},
		Keys:       KeysConfig{ReloadInterval: 10 * time.Second},
		Log:        LogConfig{Level: "info", Format: "console"},
		API:        api.DefaultConfig(),
	}
}

// Load reads the config file at path (none when path is empty) over the
// defaults, applies environment overrides, and validates.
func Load(path string) (Config, error) {
	cfg := DefaultConfig()
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("read config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
	}
	cfg.applyEnv(os.LookupEnv)
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("config %s: %w", displayPath(path), err)
	}
	return cfg, nil
}

func displayPath(p string) string {
	if p == "" {
		return "(defaults)"
	}
	return p
}

func (c *Config) applyEnv(lookup func(string) (string, bool)) {
	if v, ok := lookup(EnvKafkaBrokers); ok && v != "" && len(c.Pipeline.Brokers) == 0 {
		c.Pipeline.Brokers = pipeline.BrokerList(v)
	}
	if v, ok := lookup(EnvClickHouseAddr); ok && v != "" && c.ClickHouse.Addr == clickhouse.DefaultConfig().Addr {
		c.ClickHouse.Addr = v
	}
	if v, ok := lookup(EnvSchemaRegistry); ok && v != "" && c.SchemaRegistryURL == "" {
		c.SchemaRegistryURL = v
	}
	c.ClickHouse.ApplyEnv(lookup)
}

// Validate names every bad field.
func (c *Config) Validate() error {
	var errs []error
	if len(c.Pipeline.Brokers) == 0 {
		// The embedded broker fills Brokers in at start.
		probe := c.Pipeline
		probe.Brokers = []string{"embedded"}
		errs = append(errs, probe.Validate())
	} else {
		errs = append(errs, c.Pipeline.Validate())
	}
	if c.Embedded.Port < 0 || c.Embedded.Port > 65535 {
		errs = append(errs, fmt.Errorf("embedded.port: %d is not a port", c.Embedded.Port))
	}
	if c.Topics.Partitions < 1 {
		errs = append(errs, errors.New("topics.partitions: must be at least 1"))
	}
	if c.Topics.ReplicationFactor < 1 {
		errs = append(errs, errors.New("topics.replication_factor: must be at least 1"))
	}
	errs = append(errs, c.ClickHouse.Validate())
	s := c.Scoring
	if s.FlagThreshold <= 0 || s.FlagThreshold >= 1 {
		errs = append(errs, errors.New("scoring.flag_threshold: must be between 0 and 1"))
	}
	if s.QuarantineThreshold < s.FlagThreshold || s.QuarantineThreshold >= 1 {
		errs = append(errs, errors.New("scoring.quarantine_threshold: must be at least scoring.flag_threshold and below 1"))
	}
	if c.PII.MaxScanBytes < 1 {
		errs = append(errs, errors.New("pii.max_scan_bytes: must be at least 1"))
	}
	if c.Keys.ReloadInterval <= 0 {
		errs = append(errs, errors.New("keys.reload_interval: must be positive"))
	}
	if err := c.API.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("api: %w", err))
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log.level: %q is not one of debug, info, warn, error", c.Log.Level))
	}
	switch c.Log.Format {
	case "console", "json":
	default:
		errs = append(errs, fmt.Errorf("log.format: %q is not console or json", c.Log.Format))
	}
	return errors.Join(errs...)
}
