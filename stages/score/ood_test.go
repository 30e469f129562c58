package score

import (
	"context"
	"sort"
	"testing"

	"github.com/phishx/phishx/benchmarks/loadgen"
	"github.com/phishx/phishx/schemas"
	"github.com/phishx/phishx/stages/features"
)

// Out-of-distribution bounds for the shipped model on synthetic modern
// traffic it never saw (benchmarks/loadgen, never used for training).
// The goal is under 5% of ham quarantined; phishx-lr-2 quarantines 33.9%
// (phishx-lr-1: 48.2%), because its word features still learn the corpus's
// era vocabulary. The bound is a regression guard at the measured level,
// not the goal: lower it as the model improves.
const (
	oodMessages       = 2000
	oodMaxHamQuar     = 0.36 // ham quarantined / ham; the goal is 0.05
	oodMinPhishRecall = 0.95 // phish quarantined or flagged / phish; phishx-lr-2 reaches 98.5%
)

// oodCounts tallies the stage's actions on synthetic traffic by label.
type oodCounts struct {
	ham, phish           int
	hamQuar, hamFlag     int
	phishQuar, phishFlag int
	hamDrivers           map[string]int // finding codes of non-delivered ham
}

func measureOOD(t *testing.T, m Model, n int) oodCounts {
	t.Helper()
	gen, err := loadgen.New(loadgen.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultStageConfig()
	cfg.Features.Timeout = 0 // the stage's budget is not under test here
	c := oodCounts{hamDrivers: map[string]int{}}
	fc := features.DefaultConfig()
	for range n {
		ev, isPhish := gen.NextLabeled()
		set, err := features.Extract(context.Background(), ev.RawMessage, fc)
		if err != nil {
			t.Fatalf("extract synthetic message: %v", err)
		}
		p, err := m.Score(set)
		if err != nil {
			t.Fatal(err)
		}
		action := cfg.Action(p.Score)
		switch {
		case isPhish:
			c.phish++
			switch action {
			case schemas.ActionQuarantine:
				c.phishQuar++
			case schemas.ActionFlag:
				c.phishFlag++
			}
		default:
			c.ham++
			switch action {
			case schemas.ActionQuarantine:
				c.hamQuar++
			case schemas.ActionFlag:
				c.hamFlag++
			}
			if action != schemas.ActionDeliver {
				for _, f := range p.Findings {
					c.hamDrivers[f.Code]++
				}
			}
		}
	}
	return c
}

// TestOutOfDistributionSyntheticHam checks that the shipped model learned
// the attack rather than the corpus era: modern newsletters, invoices and
// shipping notices (multipart/alternative HTML, PDFs) must not be
// quarantined, and synthetic phish must still be caught.
func TestOutOfDistributionSyntheticHam(t *testing.T) {
	if testing.Short() {
		t.Skip("scores 2000 synthetic messages")
	}
	m, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	c := measureOOD(t, m, oodMessages)
	if c.ham == 0 || c.phish == 0 {
		t.Fatalf("generator gave %d ham and %d phish, need both", c.ham, c.phish)
	}
	hamQuar := float64(c.hamQuar) / float64(c.ham)
	recall := float64(c.phishQuar+c.phishFlag) / float64(c.phish)
	t.Logf("synthetic ham: %d, quarantined %d (%.2f%%), flagged %d (%.2f%%)",
		c.ham, c.hamQuar, 100*hamQuar, c.hamFlag, 100*float64(c.hamFlag)/float64(c.ham))
	t.Logf("synthetic phish: %d, quarantined %d (%.2f%%), flagged %d, recall (quarantine or flag) %.2f%%",
		c.phish, c.phishQuar, 100*float64(c.phishQuar)/float64(c.phish), c.phishFlag, 100*recall)
	codes := make([]string, 0, len(c.hamDrivers))
	for k := range c.hamDrivers {
		codes = append(codes, k)
	}
	sort.Slice(codes, func(i, j int) bool {
		if c.hamDrivers[codes[i]] != c.hamDrivers[codes[j]] {
			return c.hamDrivers[codes[i]] > c.hamDrivers[codes[j]]
		}
		return codes[i] < codes[j]
	})
	for i, k := range codes {
		if i == 10 {
			break
		}
		t.Logf("finding on non-delivered ham: %-28s %d", k, c.hamDrivers[k])
	}
	if hamQuar >= oodMaxHamQuar {
		t.Errorf("synthetic ham quarantine rate %.2f%%, want < %.0f%%", 100*hamQuar, 100*oodMaxHamQuar)
	}
	if recall <= oodMinPhishRecall {
		t.Errorf("synthetic phish recall %.2f%%, want > %.0f%%", 100*recall, 100*oodMinPhishRecall)
	}
}
