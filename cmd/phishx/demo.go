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
	// Graded crosses the verdicts with what the generator made, so the
	// demo shows how the model does on mail it never saw.
	Graded map[string]map[string]int `json:"graded"`
}

// grade counts actions by the generator's label ("phish", "ham").
func grade(ctx context.Context, store *clickhouse.Store, db string, since time.Time, labels map[string]bool) (map[string]map[string]int, error) {
	rows, err := store.Conn().Query(ctx, fmt.Sprintf(
		"SELECT event_id, toString(action) FROM %s.email_analysis FINAL WHERE processed_at >= ?", db), since.UTC().Truncate(time.Second))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]int{"phish": {}, "ham": {}}
	for rows.Next() {
		var id, action string
		if err := rows.Scan(&id, &action); err != nil {
			return nil, err
		}
		phish, ok := labels[id]
		if !ok {
			continue
		}
		label := "ham"
		if phish {
			label = "phish"
		}
		out[label][action]++
	}
	return out, rows.Err()
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

	labels := make(map[string]bool, f.events)
	pf := &produceFlags{brokers: p.Brokers()[0], synthetic: true, count: f.events, seed: f.seed, labels: labels}
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
	if sum.Graded, err = grade(ctx, store, cfg.ClickHouse.Database, start, labels); err != nil {
		return fmt.Errorf("read results from ClickHouse: %w", err)
	}
	log.Debug("demo done", zap.Int64("written", st.Written))
	if g.json {
		return json.NewEncoder(stdout).Encode(sum)
	}
	fmt.Fprintf(stdout, "\nPhishX demo: %d synthetic emails analysed in %.1fs (%d written, %d dead-lettered)\n\n",
		f.events, sum.Seconds, sum.Written, sum.Dead)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "verdict\temails\tof them phish\tof them ham\t(as the generator made them)")
	for _, a := range []string{"quarantine", "flag", "deliver"} {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t\n", a, sum.ByAction[a], sum.Graded["phish"][a], sum.Graded["ham"][a])
	}
	_ = tw.Flush()
	if ph, hm := total(sum.Graded["phish"]), total(sum.Graded["ham"]); ph > 0 && hm > 0 {
		fmt.Fprintf(stdout, "\nphish caught (quarantine or flag): %.1f%%; ham quarantined: %.1f%%\n",
			100*float64(sum.Graded["phish"]["quarantine"]+sum.Graded["phish"]["flag"])/float64(ph),
			100*float64(sum.Graded["ham"]["quarantine"])/float64(hm))
		fmt.Fprintln(stdout, "(the shipped model learned from a corpus whose ham is from 2002; modern ham looks")
		fmt.Fprintln(stdout, " unlike it, so it over-quarantines this synthetic ham: see README, The model)")
	}
	if len(sum.Quarantined) > 0 {
		fmt.Fprintln(stdout, "\nmost quarantined sender domains:")
		for _, d := range sum.Quarantined {
			fmt.Fprintf(stdout, "  %-40s %d\n", d.Domain, d.Count)
		}
	}
	fmt.Fprintf(stdout, "\nSee them yourself:\n  clickhouse-client --query \"%s\"\n", sum.Query)
	return nil
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
