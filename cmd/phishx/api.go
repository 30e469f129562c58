package main

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/zap"

	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/pipeline/api"
	"github.com/phishx/phishx/pipeline/api/auth"
	"github.com/phishx/phishx/pipeline/api/store"
	"github.com/phishx/phishx/pipeline/app"
	"github.com/phishx/phishx/stages/decrypt/keyring"
)

// Environment variables read by "phishx api".
const (
	envAdminEmail    = "PHISHX_ADMIN_EMAIL"
	envAdminPassword = "PHISHX_ADMIN_PASSWORD"
	envIndexKey      = "PHISHX_API_INDEX_KEY"
)

type apiFlags struct {
	addr     string
	brokers  string
	chAddr   string
	database string
	control  string
	addrSet  bool
}

func newAPICmd(g *globalFlags) *cobra.Command {
	f := &apiFlags{}
	cmd := &cobra.Command{
		Use:   "api",
		Short: "Serve the HTTP control plane (JWT auth, verdicts, audit)",
		Long: `Serve the HTTP control plane until interrupted.

Secrets come from the environment: JWT_SECRET_KEY (or JWT_ALGORITHM with
JWT_PRIVATE_KEY_FILE), ENCRYPTION_MASTER_KEY, and on first start
PHISHX_ADMIN_EMAIL and PHISHX_ADMIN_PASSWORD to create the first admin.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.addrSet = cmd.Flags().Changed("addr")
			return runAPI(cmd.Context(), g, f)
		},
	}
	cmd.Flags().StringVar(&f.addr, "addr", api.DefaultConfig().Addr, "listen address (default: api.addr in the config)")
	cmd.Flags().StringVar(&f.brokers, "brokers", "", "Kafka brokers (default: config, then the embedded broker's port)")
	cmd.Flags().StringVar(&f.chAddr, "clickhouse", "", "ClickHouse native address (default: clickhouse.addr in the config)")
	cmd.Flags().StringVar(&f.database, "database", "", "ClickHouse database (default: clickhouse.database in the config)")
	cmd.Flags().StringVar(&f.control, "control-topic", string(store.DefaultConfig().Topic), "compacted topic holding users, token families and revocations")
	return cmd
}

// indexKey is the key of the email lookup hash: PHISHX_API_INDEX_KEY, or
// derived from the master key with HKDF so no extra secret is needed.
func indexKey() ([]byte, error) {
	if v := os.Getenv(envIndexKey); v != "" {
		if len(v) < 32 {
			return nil, fmt.Errorf("%s must be at least 32 bytes", envIndexKey)
		}
		return []byte(v), nil
	}
	master, err := keyring.MasterKeyFromEnv(os.LookupEnv)
	if err != nil {
		return nil, fmt.Errorf("email index key: set %s or %s: %w", envIndexKey, keyring.EnvMasterKey, err)
	}
	return hkdf.Key(sha256.New, master, nil, "phishx/api/email-index/v1", 32)
}

func runAPI(ctx context.Context, g *globalFlags, f *apiFlags) error {
	cfg, err := app.Load(g.configPath)
	if err != nil {
		return err
	}
	log, err := app.NewLogger(cfg.Log, g.logLevel, os.Stderr)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	acfg := cfg.API
	if f.addrSet {
		acfg.Addr = f.addr
	}
	if err := acfg.Validate(); err != nil {
		return err
	}
	brokers := pipeline.BrokerList(f.brokers)
	if len(brokers) == 0 {
		brokers = cfg.Pipeline.Brokers
	}
	if len(brokers) == 0 {
		brokers = []string{fmt.Sprintf("127.0.0.1:%d", cfg.Embedded.Port)}
	}
	keys, err := app.OpenKeys(cfg.Keys, log)
	if err != nil {
		return err
	}
	sealer, err := keys.Sealer()
	if err != nil {
		return err
	}
	idx, err := indexKey()
	if err != nil {
		return err
	}
	ks, err := auth.KeySetFromEnv(os.LookupEnv, os.ReadFile)
	if err != nil {
		return err
	}
	tokens, err := auth.NewTokens(acfg.Tokens, ks)
	if err != nil {
		return err
	}
	codec, err := app.NewCodec(ctx, cfg)
	if err != nil {
		return err
	}
	// The API reads the pipeline's ClickHouse unless told otherwise.
	chc := api.DefaultClickHouseConfig()
	chc.Addr, chc.Database, chc.Password = cfg.ClickHouse.Addr, cfg.ClickHouse.Database, cfg.ClickHouse.Password
	if f.chAddr != "" {
		chc.Addr = f.chAddr
	}
	if f.database != "" {
		chc.Database = f.database
	}
	chdb, err := api.OpenClickHouse(ctx, chc)
	if err != nil {
		return err
	}
	defer func() { _ = chdb.Close() }()

	scfg := store.DefaultConfig()
	scfg.Brokers = brokers
	scfg.Topic = pipeline.Topic(f.control)
	st, err := store.Open(ctx, scfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ProducerBatchCompression(kgo.Lz4Compression()))
	if err != nil {
		return fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()
	prod, err := api.NewKafkaProducer(cl, cfg.Pipeline.EventsTopic)
	if err != nil {
		return err
	}
	auditor, err := api.NewAuditor(api.DefaultAuditorConfig(), chdb, sealer, log)
	if err != nil {
		return err
	}
	srv, err := api.New(acfg, api.Deps{
		Store: st, Tokens: tokens, Sealer: sealer, IndexKey: idx, Auditor: auditor, Audit: chdb, Verdicts: chdb,
		Encoder: codec, Producer: prod, Ready: chdb.Ping, Log: log,
	})
	if err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	wg.Go(func() { errs[0] = st.Run(ctx); cancel() })
	wg.Go(func() { errs[1] = auditor.Run(ctx) })
	wg.Go(func() { errs[2] = keys.Watch(ctx) })
	defer wg.Wait()

	if err := st.WaitReady(ctx); err != nil {
		return err
	}
	if email, pw := os.Getenv(envAdminEmail), os.Getenv(envAdminPassword); email != "" && pw != "" {
		created, err := srv.Bootstrap(ctx, email, pw)
		if err != nil {
			return fmt.Errorf("bootstrap admin: %w", err)
		}
		if created {
			log.Info("first admin created from the environment")
		}
	} else if st.UserCount() == 0 {
		log.Warn("no users yet: set " + envAdminEmail + " and " + envAdminPassword + " to create the first admin")
	}
	log.Info("control plane listening", zap.String("addr", acfg.Addr))
	serr := srv.ListenAndServe(ctx)
	cancel()
	wg.Wait()
	return errors.Join(append([]error{serr}, errs...)...)
}
