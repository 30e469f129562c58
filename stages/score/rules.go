package score

import (
	"github.com/phishx/phishx/stages/features"
)

// RulesName and RulesVersion identify the rule-based scorer.
const (
	RulesName    = "rules"
	RulesVersion = "rules-2"
)

// Rules is a small, honest rule-based scorer: hand-set weights (not
// learned from data) on the named signals, summed into a logit. It needs
// no model file, so it serves as a fallback or a shadow model. It is
// immutable and safe for concurrent use.
type Rules struct {
	weights map[string]float64
	bias    float64
}

var _ Model = (*Rules)(nil)

// NewRules returns the "rules-2" scorer.
func NewRules() *Rules {
	return &Rules{bias: -3, weights: map[string]float64{
		// Links.
		"url_ip_host":         2.0,
		"url_at_sign":         2.0,
		"url_punycode":        1.5,
		"url_lookalike":       2.5,
		"url_brand_subdomain": 2.0,
		"url_shortener":       1.0,
		"url_free_hosting":    1.5,
		"url_many_subdomains": 1.0,
		"link_text_mismatch":  2.0,
		"link_text_brand":     1.0,
		// Sender.
		"display_name_spoof": 2.0,
		"display_name_brand": 1.5,
		"from_lookalike":     2.5,
		"reply_to_mismatch":  1.0,
		"from_missing":       1.0,
		// Attachments.
		"att_html":        2.0,
		"att_disk_image":  2.5,
		"att_executable":  3.0,
		"att_archive_exe": 3.0,
		"att_macro_doc":   1.5,
		// Content.
		"html_form":       1.0,
		"html_password":   2.0,
		"credential_cue":  1.0,
		"urgency_cue":     0.8,
		"subject_urgency": 0.8,
		"limits_hit":      1.0,
	}}
}

// Name returns "rules".
func (r *Rules) Name() string { return RulesName }

// Version returns "rules-2".
func (r *Rules) Version() string { return RulesVersion }

// Score sums the weights of the signals present.
func (r *Rules) Score(f *features.Set) (Prediction, error) {
	z := r.bias
	cs := make([]contribution, 0, len(f.Signals))
	for _, s := range f.Signals {
		if w, ok := r.weights[s.Code]; ok {
			z += w
			cs = append(cs, contribution{code: s.Code, detail: describe(s), logit: w})
		}
	}
	return Prediction{Score: sigmoid(z), Findings: findings(cs, 5)}, nil
}
