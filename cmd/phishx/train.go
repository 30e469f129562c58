package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/phishx/phishx/stages/score"
	"github.com/phishx/phishx/stages/score/corpus"
)

func newTrainCmd() *cobra.Command {
	cfg := score.DefaultTrainConfig()
	var corpusDir, out string
	cmd := &cobra.Command{
		Use:   "train --corpus DIR --out FILE",
		Short: "Train the logistic-regression phishing model on a labelled corpus",
		Long: `Train reads DIR/phish/*.eml and DIR/ham/*.eml, runs grouped K-fold
cross-validation (a sender domain or campaign never sits on both sides of a
split) on the raw and the sanitized views, fits the final model on the whole
corpus and writes a versioned, gzip-compressed JSON model file. The same
corpus, seed and flags always give a byte-identical file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Reproduce = fmt.Sprintf("phishx train --corpus DIR --out FILE --seed %d --folds %d --model-version %s",
				cfg.Hyper.Seed, cfg.Hyper.Folds, cfg.Version)
			exs, err := corpus.Load(corpusDir)
			if err != nil {
				return err
			}
			stderr := cmd.ErrOrStderr()
			var bar *progressbar.ProgressBar
			var barStage string
			cfg.Progress = func(stage string, done, total int) {
				if stage != barStage {
					if bar != nil {
						_ = bar.Finish()
						fmt.Fprintln(stderr)
					}
					barStage = stage
					bar = progressbar.NewOptions(total,
						progressbar.OptionSetWriter(stderr),
						progressbar.OptionSetDescription(stage),
						progressbar.OptionShowCount(),
						progressbar.OptionSetWidth(30),
						progressbar.OptionThrottle(0),
					)
				}
				_ = bar.Set(done)
			}
			f, err := score.Train(cmd.Context(), exs, cfg)
			if bar != nil {
				_ = bar.Finish()
				fmt.Fprintln(stderr)
			}
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := f.Encode(&buf); err != nil {
				return err
			}
			if err := writeFileAtomic(out, buf.Bytes()); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "model %s %s (%s), %d weights, %d bytes -> %s\n", f.Name, f.Version, f.FeatureSet, len(f.Weights), buf.Len(), out)
			fmt.Fprintf(w, "corpus %d files (%d phish, %d ham), checksum %s\n", f.TrainingData.Files, f.TrainingData.Phish, f.TrainingData.Ham, f.TrainingData.Checksum)
			fmt.Fprintf(w, "grouped %d-fold cross-validation (%s):\n", f.Metrics.Folds, f.Metrics.Grouping)
			writeMetricsTable(w, []string{"raw", "sanitized"}, []score.Metrics{f.Metrics.Raw, f.Metrics.Sanitized})
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&corpusDir, "corpus", "", "corpus directory holding phish/ and ham/ .eml files (required)")
	fl.StringVar(&out, "out", "", "model file to write, e.g. stages/score/models/phishx-lr-2.json.gz (required)")
	fl.Uint64Var(&cfg.Hyper.Seed, "seed", cfg.Hyper.Seed, "random seed for example shuffling")
	fl.IntVar(&cfg.Hyper.Folds, "folds", cfg.Hyper.Folds, "cross-validation folds")
	fl.IntVar(&cfg.Hyper.Epochs, "epochs", cfg.Hyper.Epochs, "training epochs")
	fl.StringVar(&cfg.Version, "model-version", cfg.Version, "version recorded in the model file")
	fl.IntVar(&cfg.Workers, "workers", cfg.Workers, "feature extraction goroutines")
	_ = cmd.MarkFlagRequired("corpus")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

// writeFileAtomic writes data to a temporary file next to path and
// renames it into place.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".phishx-model-*")
	if err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write model: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	return nil
}

// writeMetricsTable prints metrics side by side, one column per view.
func writeMetricsTable(w io.Writer, names []string, ms []score.Metrics) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(label string, f func(m score.Metrics) string) {
		fmt.Fprintf(tw, "%s\t", label)
		for _, m := range ms {
			fmt.Fprintf(tw, "%s\t", f(m))
		}
		fmt.Fprintln(tw)
	}
	row("", func(score.Metrics) string { return "" })
	fmt.Fprintf(tw, "metric\t")
	for _, n := range names {
		fmt.Fprintf(tw, "%s\t", n)
	}
	fmt.Fprintln(tw)
	pct := func(x float64) string { return fmt.Sprintf("%.2f%%", 100*x) }
	row("messages", func(m score.Metrics) string { return fmt.Sprintf("%d", m.N) })
	row("ROC AUC", func(m score.Metrics) string { return fmt.Sprintf("%.4f", m.AUC) })
	row("threshold", func(m score.Metrics) string { return fmt.Sprintf("%.2f", m.Threshold) })
	row("precision", func(m score.Metrics) string { return pct(m.Precision) })
	row("recall", func(m score.Metrics) string { return pct(m.Recall) })
	row("F1", func(m score.Metrics) string { return fmt.Sprintf("%.4f", m.F1) })
	row("TPR @ 1% FPR", func(m score.Metrics) string { return pct(m.TPRAt1FPR) })
	row("TPR @ 0.1% FPR", func(m score.Metrics) string { return pct(m.TPRAt01FPR) })
	row("log loss", func(m score.Metrics) string { return fmt.Sprintf("%.4f", m.LogLoss) })
	row("Brier", func(m score.Metrics) string { return fmt.Sprintf("%.4f", m.Brier) })
	row("TP / FN", func(m score.Metrics) string { return fmt.Sprintf("%d / %d", m.Confusion.TP, m.Confusion.FN) })
	row("FP / TN", func(m score.Metrics) string { return fmt.Sprintf("%d / %d", m.Confusion.FP, m.Confusion.TN) })
	_ = tw.Flush()
}
