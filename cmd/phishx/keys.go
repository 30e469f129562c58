package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/phishx/phishx/pipeline/app"
	"github.com/phishx/phishx/sinks/clickhouse"
)

func newKeysCmd(g *globalFlags) *cobra.Command {
	keys := &cobra.Command{
		Use:   "keys",
		Short: "Field-encryption key ring: status and re-encryption of stored rows",
	}
	keys.AddCommand(&cobra.Command{
		Use:   "rotate",
		Short: "Re-seal every stored PII value in ClickHouse with the newest key",
		Long: `rotate re-encrypts the sealed PII columns of email_analysis and findings with
the ring's active key. Add the new key to the key file first (the running
pipeline picks it up and seals new rows with it), then run rotate; when it
reports done, no row needs an older key and that key can leave the ring.
Rows are rewritten in place of themselves: the row count does not change.`,
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
			k, err := app.OpenKeys(cfg.Keys, log)
			if err != nil {
				return err
			}
			sealer, err := k.Sealer()
			if err != nil {
				return err
			}
			active, _ := k.Source().ActiveKey()
			store, err := clickhouse.OpenStore(cmd.Context(), cfg.ClickHouse, log)
			if err != nil {
				return err
			}
			defer func() { _ = store.Close() }()
			var prog *progress
			lastTable := ""
			st, err := store.Reseal(cmd.Context(), sealer, uint32(active), func(table string, done, total int) {
				if table != lastTable {
					if prog != nil {
						prog.finish()
					}
					prog, lastTable = newProgress(cmd.ErrOrStderr(), total, "re-sealing "+table), table
				}
				prog.set(done)
			})
			if prog != nil {
				prog.finish()
			}
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if g.json {
				return json.NewEncoder(out).Encode(map[string]any{
					"active_key_version": active, "email_analysis": st.Analyses, "findings": st.Findings})
			}
			fmt.Fprintf(out, "re-sealed %d analysis rows and %d findings with key version %d; older keys are no longer needed by stored rows\n",
				st.Analyses, st.Findings, active)
			return nil
		},
	})
	return keys
}
