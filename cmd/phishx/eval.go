package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/phishx/phishx/stages/features"
	"github.com/phishx/phishx/stages/score"
	"github.com/phishx/phishx/stages/score/corpus"
)

func newEvalCmd() *cobra.Command {
	var (
		modelPath, corpusDir string
		sanitized, asJSON    bool
		threshold            float64
		workers              int
	)
	cmd := &cobra.Command{
		Use:   "eval --model FILE --corpus DIR",
		Short: "Evaluate a model file on a labelled corpus",
		Long: `Eval scores every DIR/phish/*.eml and DIR/ham/*.eml with the model and
prints ROC AUC, precision, recall and F1 at the operating threshold, the
true-positive rate at 1% and 0.1% false positives, the confusion matrix and
a calibration table. --sanitized scores the sanitized view (see
features.Sanitize). When the corpus is the one the model was trained on,
the figures are in-sample; the model file carries cross-validated ones.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := loadModel(modelPath)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("threshold") {
				threshold = m.Info().Threshold
			}
			exs, err := corpus.Load(corpusDir)
			if err != nil {
				return err
			}
			sets, err := score.ExtractAll(cmd.Context(), exs, features.DefaultConfig(), sanitized, workers, nil)
			if err != nil {
				return err
			}
			scores := make([]float64, len(exs))
			labels := make([]int, len(exs))
			for i, s := range sets {
				p, err := m.Score(s)
				if err != nil {
					return err
				}
				scores[i], labels[i] = p.Score, exs[i].Label
			}
			met := score.Evaluate(scores, labels, threshold)
			inSample := corpus.Checksum(exs) == m.Info().TrainingData.Checksum
			view := "raw"
			if sanitized {
				view = "sanitized"
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return json.NewEncoder(w).Encode(struct {
					Model    string        `json:"model"`
					Version  string        `json:"version"`
					View     string        `json:"view"`
					InSample bool          `json:"in_sample"`
					Metrics  score.Metrics `json:"metrics"`
				}{m.Name(), m.Version(), view, inSample, met})
			}
			fmt.Fprintf(w, "model %s %s on %s (%s view)\n", m.Name(), m.Version(), corpusDir, view)
			if inSample {
				fmt.Fprintln(w, "note: the model was trained on this corpus; these figures are in-sample.")
				fmt.Fprintln(w, "      Grouped cross-validated figures from training are in the model file.")
			}
			writeMetricsTable(w, []string{view}, []score.Metrics{met})
			fmt.Fprintln(w, "\ncalibration:")
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "score bin\tmessages\tmean score\tphish rate\t")
			for _, b := range met.Calib {
				fmt.Fprintf(tw, "%.1f-%.1f\t%d\t%.3f\t%.3f\t\n", b.Lo, b.Hi, b.Count, b.MeanScore, b.Observed)
			}
			return tw.Flush()
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&modelPath, "model", "", "model file (default: the shipped model)")
	fl.StringVar(&corpusDir, "corpus", "", "corpus directory holding phish/ and ham/ .eml files (required)")
	fl.BoolVar(&sanitized, "sanitized", false, "score the sanitized view of each message")
	fl.BoolVar(&asJSON, "json", false, "print one JSON object")
	fl.Float64Var(&threshold, "threshold", 0.5, "operating threshold (default: the model's)")
	fl.IntVar(&workers, "workers", 2, "feature extraction goroutines")
	_ = cmd.MarkFlagRequired("corpus")
	return cmd
}

// loadModel loads a model file, or the shipped model when path is "".
func loadModel(path string) (*score.LogReg, error) {
	if path == "" {
		return score.Embedded()
	}
	return score.LoadFile(path)
}
