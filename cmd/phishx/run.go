package main

import (
	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/phishx/phishx/pipeline/app"
)

func newRunCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "Run the pipeline: consume email events, score them, write results",
		Long: `run consumes email events from Kafka with the consumer group in the config,
decrypts, scores and writes results to ClickHouse and verdicts to Kafka,
until SIGINT or SIGTERM, when it flushes what is in flight and commits.

With no brokers configured (pipeline.brokers or $PHISHX_KAFKA_BROKERS) it
starts an embedded in-process Kafka on 127.0.0.1:39092 for development.
Field encryption keys come from ENCRYPTION_MASTER_KEY or keys.key_file.`,
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
			defer func() { _ = log.Sync() }()
			p, err := app.Start(cmd.Context(), cfg, log)
			if err != nil {
				return err
			}
			log.Info("pipeline ready", zap.Strings("brokers", p.Brokers()))
			return p.Run(cmd.Context())
		},
	}
}
