package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/phishx/phishx/pipeline/app"
	"github.com/phishx/phishx/sinks/clickhouse"
)

func newMigrateCmd(g *globalFlags) *cobra.Command {
	var statusOnly bool
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the ClickHouse tables (idempotent)",
		Long: `migrate applies the pending ClickHouse migrations in order and records them in
schema_migrations. The DDL adapts to the server: LowCardinality, DateTime64,
TTL and insert deduplication on modern servers, plain types on old ones.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := app.Load(g.configPath)
			if err != nil {
				return err
			}
			log, err := app.NewLogger(cfg.Log, g.logLevel, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			store, err := clickhouse.OpenStore(cmd.Context(), cfg.ClickHouse, log)
			if err != nil {
				return err
			}
			defer func() { _ = store.Close() }()
			if !statusOnly {
				if err := store.Migrate(cmd.Context()); err != nil {
					return err
				}
			}
			status, err := store.Status(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if g.json {
				return json.NewEncoder(out).Encode(map[string]any{
					"server": store.Capabilities().Version, "database": cfg.ClickHouse.Database, "migrations": status})
			}
			fmt.Fprintf(out, "ClickHouse %s at %s, database %s\n", store.Capabilities().Version, cfg.ClickHouse.Addr, cfg.ClickHouse.Database)
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "version\tname\tstate")
			for _, s := range status {
				state := "pending"
				if s.Applied {
					state = "applied " + s.At.Format("2006-01-02 15:04:05")
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\n", s.Version, s.Name, state)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&statusOnly, "status", false, "only list migrations and whether they are applied")
	return cmd
}
