package app

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The documented example must be exactly the defaults, so the reference
// a user reads cannot drift from the code.
func TestExampleConfigIsTheDefaults(t *testing.T) {
	for _, k := range []string{EnvKafkaBrokers, EnvClickHouseAddr, EnvSchemaRegistry} {
		t.Setenv(k, "")
	}
	got, err := Load(filepath.Join("..", "..", "deploy", "phishx.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("deploy/phishx.example.yaml differs from DefaultConfig():\n got %+v\nwant %+v", got, want)
	}
}

func TestConfigValidationNamesTheField(t *testing.T) {
	tests := []struct {
		give string
		want string
	}{
		{"pipeline:\n  batch_rows: 0\n", "pipeline.batch_rows"},
		{"pipeline:\n  events_topic: x\n  dlq_topic: x\n", "pipeline.events_topic"},
		{"clickhouse:\n  database: \"a;DROP\"\n", "clickhouse.database"},
		{"scoring:\n  flag_threshold: 0.95\n", "scoring.quarantine_threshold"},
		{"log:\n  level: loud\n", "log.level"},
		{"topics:\n  partitions: 0\n", "topics.partitions"},
		{"pipeline:\n  no_such_key: 1\n", "no_such_key"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(tt.give), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load(%q) error = %v, want it to name %s", tt.give, err, tt.want)
			}
		})
	}
}
