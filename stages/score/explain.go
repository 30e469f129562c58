package score

import (
	"math"
	"slices"
	"strings"

	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/stages/features"
)

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// contribution is how much one explainable part of the message moved the
// model's logit.
type contribution struct {
	code   string
	detail string
	logit  float64
}

// findings turns positive contributions into analyst findings, largest
// first. Severity is the contribution's share of all the logit that
// pushed towards phishing (0..1): unlike a probability difference it
// stays informative when the score saturates near 1.
func findings(cs []contribution, max int) []pipeline.Finding {
	slices.SortStableFunc(cs, func(a, b contribution) int {
		switch {
		case a.logit > b.logit:
			return -1
		case a.logit < b.logit:
			return 1
		}
		return strings.Compare(a.code, b.code)
	})
	var total float64
	for _, c := range cs {
		if c.logit > 0 {
			total += c.logit
		}
	}
	var out []pipeline.Finding
	for _, c := range cs {
		if c.logit <= 0 || len(out) == max {
			break
		}
		sev := math.Round(c.logit/total*1000) / 1000
		if sev < 0.01 {
			break
		}
		out = append(out, pipeline.Finding{Code: c.code, Severity: sev, Detail: c.detail})
	}
	return out
}

func max1(x float64) float64 {
	if x < 0 {
		return 0
	}
	return x
}

// describe gives words to signals that carry no detail of their own.
func describe(s features.Signal) string {
	if s.Detail != "" {
		return s.Detail
	}
	code := s.Code
	switch code {
	case "subject_exclaim":
		return "subject contains '!'"
	case "subject_missing":
		return "no subject"
	}
	return strings.ReplaceAll(code, "_", " ")
}
