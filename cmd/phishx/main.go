package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// globalFlags are shared by every subcommand.
type globalFlags struct {
	configPath string
	json       bool
	logLevel   string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "phishx:", err)
		os.Exit(1)
	}
}

// exitError ends the process with a code after the command already told
// the user what happened.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func newRootCmd() *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:           "phishx",
		Short:         "Stream-processing phishing detection on Kafka and ClickHouse",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVarP(&g.configPath, "config", "c", "", "YAML config file (default: built-in defaults, env overrides)")
	root.PersistentFlags().BoolVar(&g.json, "json", false, "machine-readable JSON output")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "", "log level: debug, info, warn, error (overrides the config)")
	root.AddCommand(
		newVersionCmd(g),
		newRunCmd(g),
		newProduceCmd(g),
		newMigrateCmd(g),
		newDemoCmd(g),
		newTrainCmd(),
		newEvalCmd(),
		newScoreCmd(),
		newAPICmd(g),
		newLoginCmd(g),
		newLogoutCmd(g),
		newVerdictCmd(g),
		newKeysCmd(g),
	)
	return root
}
