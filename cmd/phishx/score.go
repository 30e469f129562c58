package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/stages/score"
)

// scoreLine is one --json output line of phishx score.
type scoreLine struct {
	File     string             `json:"file"`
	Score    float64            `json:"score"`
	Verdict  string             `json:"verdict"`
	Model    string             `json:"model"`
	Version  string             `json:"model_version"`
	Reasons  []string           `json:"reasons"`
	Findings []pipeline.Finding `json:"findings"`
	Error    string             `json:"error,omitempty"`
}

func newScoreCmd() *cobra.Command {
	var (
		modelPath string
		asJSON    bool
	)
	cfg := score.DefaultStageConfig()
	cmd := &cobra.Command{
		Use:   "score [--model FILE] FILE.eml...",
		Short: "Score .eml files: probability of phishing, verdict and top reasons",
		Long: `Score prints one line per message: the probability of phishing (0..1),
the verdict (deliver, flag or quarantine) and the reasons that drove it.
Without --model it uses the shipped production model. The output for a file
never changes between runs.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := loadModel(modelPath)
			if err != nil {
				return err
			}
			stage, err := score.NewStage(m, cfg)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			enc := json.NewEncoder(w)
			enc.SetEscapeHTML(false)
			failed := 0
			for _, path := range args {
				line := scoreFile(cmd.Context(), stage, m, cfg, path)
				if line.Error != "" {
					failed++
				}
				if asJSON {
					if err := enc.Encode(line); err != nil {
						return fmt.Errorf("write: %w", err)
					}
					continue
				}
				if line.Error != "" {
					fmt.Fprintf(w, "%s\terror\t%s\n", line.File, line.Error)
					continue
				}
				fmt.Fprintf(w, "%s\t%.4f\t%s\t%s\n", line.File, line.Score, line.Verdict, strings.Join(line.Reasons, "; "))
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d files could not be scored", failed, len(args))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&modelPath, "model", "", "model file (default: the shipped model)")
	fl.BoolVar(&asJSON, "json", false, "one JSON object per line")
	fl.Float64Var(&cfg.QuarantineThreshold, "quarantine", cfg.QuarantineThreshold, "quarantine at or above this score")
	fl.Float64Var(&cfg.FlagThreshold, "flag", cfg.FlagThreshold, "flag at or above this score")
	return cmd
}

func scoreFile(ctx context.Context, stage *score.Stage, m score.Model, cfg score.StageConfig, path string) scoreLine {
	line := scoreLine{File: path, Model: m.Name(), Version: m.Version(), Reasons: []string{}, Findings: []pipeline.Finding{}}
	raw, err := readCapped(path, int64(cfg.Features.MaxMessageBytes))
	if err != nil {
		line.Error = err.Error()
		return line
	}
	set, err := stage.Features(ctx, raw)
	if err != nil {
		line.Error = err.Error()
		return line
	}
	p, err := m.Score(set)
	if err != nil {
		line.Error = err.Error()
		return line
	}
	line.Score = math.Round(p.Score*1e6) / 1e6
	line.Verdict = cfg.Action(p.Score)
	if len(p.Findings) > cfg.MaxFindings {
		p.Findings = p.Findings[:cfg.MaxFindings]
	}
	line.Findings = p.Findings
	for _, f := range p.Findings {
		line.Reasons = append(line.Reasons, f.Detail)
	}
	return line
}

func readCapped(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("read %s: over %d bytes", path, max)
	}
	return b, nil
}
