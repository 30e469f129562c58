package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/phishx/phishx/pipeline/app"
	"github.com/phishx/phishx/sinks/clickhouse"
	"github.com/phishx/phishx/stages/decrypt/keyring"
)

type demoFlags struct {
	events     int
	clickhouse string
	seed       int64
}

func newDemoCmd(g *globalFlags) *cobra.Command {
	f := &demoFlags{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole pipeline once on embedded Kafka with synthetic mail and summarise",
		Long: `demo is what 'make run' calls. It starts the pipeline on an embedded Kafka,
produces synthetic mail through it as a gateway would (encrypted), waits
until every event is analysed and written to ClickHouse, stops, and prints
the verdict counts with the query that shows them.

Without ENCRYPTION_MASTER_KEY it makes a throwaway key for this run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), g, f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().IntVar(&f.events, "events", 2000, "how many synthetic emails")
	cmd.Flags().StringVar(&f.clickhouse, "clickhouse", "", "ClickHouse native address (default: config or $PHISHX_CLICKHOUSE_ADDR)")
	cmd.Flags().Int64Var(&f.seed, "seed", time.Now().UnixNano(), "synthetic mail seed")
	return cmd
}

type demoSummary struct {
	Events   int     `json:"events"`
	Written  int64   `json:"written"`
	Dead     int64   `json:"dead_lettered"`
	Seconds  float64 `json:"seconds"`
	Database string  `json:"database"`
	clickhouse.Summary
}

func runDemo(ctx context.Context, g *globalFlags, f *demoFlags, stdout, stderr io.Writer) error {
	if f.events < 1 {
		return errors.New("--events must be at least 1")
	}
	cfg, err := app.Load(g.configPath)
	if err != nil {
		return err
	}
	cfg.Pipeline.Brokers = nil // the demo always runs on its own embedded broker
	cfg.Embedded.Port = 0      // on a free port, so it never meets a running `phishx run`
	if f.clickhouse != "" {
		cfg.ClickHouse.Addr = f.clickhouse
	}
	if cfg.Keys.KeyFile == "" {
		if _, ok := os.LookupEnv(keyring.EnvMasterKey); !ok {
			key := make([]byte, 32)
			if _, err := rand.Read(key); err != nil {
				return err
			}
			if err := os.Setenv(keyring.EnvMasterKey, base64.StdEncoding.EncodeToString(key)); err != nil {
				return err
			}
			fmt.Fprintln(stderr, "demo: no ENCRYPTION_MASTER_KEY set; using a throwaway key (PII columns of this run cannot be decrypted later)")
		}
	}
	if cfg.Log.Level == "info" && g.logLevel == "" {
		cfg.Log.Level = "warn" // the demo talks through its summary
	}
	log, err := app.NewLogger(cfg.Log, g.logLevel, stderr)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()

	start := time.Now()
	fmt.Fprintf(stderr, "demo: starting the pipeline (embedded Kafka, ClickHouse at %s)\n", cfg.ClickHouse.Addr)
	p, err := app.Start(ctx, cfg, log)
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(runCtx) }()
	var runErr error
	stopped := false
	stopPipeline := func() error {
		if !stopped {
			stopped = true
			stop()
			runErr = <-done
		}
		return runErr
	}
	defer func() { _ = stopPipeline() }()

	pf := &produceFlags{brokers: p.Brokers()[0], synthetic: true, count: f.events, seed: f.seed}
	dg := *g
	dg.json = false
	if err := runProduce(ctx, &dg, pf, nil, io.Discard, stderr); err != nil {
		return fmt.Errorf("produce: %w", err)
	}

	prog := newProgress(stderr, f.events, "analysing")
	var seen int64
	for {
		st := p.Engine().Stats()
		n := st.Written + st.DeadLettered + st.Dropped + st.Skipped
		if n > seen {
			prog.add(int(n - seen))
			seen = n
		}
		if n >= int64(f.events) && st.Flushes > 0 {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case runErr = <-done:
			stopped = true
			return fmt.Errorf("pipeline stopped early: %v", runErr)
		case <-time.After(100 * time.Millisecond):
		}
	}
	prog.finish()
	st := p.Engine().Stats()
	if err := stopPipeline(); err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}

	sum := demoSummary{Events: f.events, Written: st.Written, Dead: st.DeadLettered,
		Seconds: time.Since(start).Seconds(), Database: cfg.ClickHouse.Database}
	store, err := clickhouse.OpenStore(ctx, cfg.ClickHouse, log)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	if sum.Summary, err = store.Summarize(ctx, start); err != nil {
		return fmt.Errorf("read results from ClickHouse: %w", err)
	}
	log.Debug("demo done", zap.Int64("written", st.Written))
	if g.json {
		return json.NewEncoder(stdout).Encode(sum)
	}
	fmt.Fprintf(stdout, "\nPhishX demo: %d synthetic emails analysed in %.1fs (%d written, %d dead-lettered)\n\n",
		f.events, sum.Seconds, sum.Written, sum.Dead)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "verdict\temails")
	for _, a := range []string{"quarantine", "flag", "deliver"} {
		fmt.Fprintf(tw, "%s\t%d\n", a, sum.ByAction[a])
	}
	_ = tw.Flush()
	if len(sum.Quarantined) > 0 {
		fmt.Fprintln(stdout, "\nmost quarantined sender domains:")
		for _, d := range sum.Quarantined {
			fmt.Fprintf(stdout, "  %-40s %d\n", d.Domain, d.Count)
		}
	}
	fmt.Fprintf(stdout, "\nSee them yourself:\n  clickhouse-client --query \"%s\"\n", sum.Query)
	return nil
}
