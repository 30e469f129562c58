package score

import (
	"math"
	"slices"
)

// Metrics summarise a classifier on labelled scores.
type Metrics struct {
	N         int     `json:"n"`
	Positives int     `json:"positives"`
	AUC       float64 `json:"roc_auc"`
	Threshold float64 `json:"threshold"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	// TPR at the largest threshold whose false-positive rate stays at or
	// under 1% and 0.1%.
	TPRAt1FPR  float64          `json:"tpr_at_1pct_fpr"`
	TPRAt01FPR float64          `json:"tpr_at_0.1pct_fpr"`
	LogLoss    float64          `json:"log_loss"`
	Brier      float64          `json:"brier"`
	Confusion  Confusion        `json:"confusion"`
	Calib      []CalibrationBin `json:"calibration"`
}

// Confusion is the confusion matrix at the operating threshold
// (phishing is positive; score >= threshold predicts phishing).
type Confusion struct {
	TP int `json:"tp"`
	FP int `json:"fp"`
	TN int `json:"tn"`
	FN int `json:"fn"`
}

// CalibrationBin compares predicted and observed phishing rates over one
// tenth of the probability range.
type CalibrationBin struct {
	Lo        float64 `json:"lo"`
	Hi        float64 `json:"hi"`
	Count     int     `json:"count"`
	MeanScore float64 `json:"mean_score"`
	Observed  float64 `json:"observed_rate"`
}

// Evaluate computes Metrics for scores (probabilities) and labels (1 =
// phishing) at the given threshold.
func Evaluate(scores []float64, labels []int, threshold float64) Metrics {
	m := Metrics{N: len(scores), Threshold: threshold}
	type sl struct {
		s float64
		l int
	}
	xs := make([]sl, len(scores))
	for i := range scores {
		xs[i] = sl{scores[i], labels[i]}
		if labels[i] == 1 {
			m.Positives++
		}
	}
	pos, neg := m.Positives, m.N-m.Positives
	// Descending by score; ties are handled as groups below.
	slices.SortStableFunc(xs, func(a, b sl) int {
		switch {
		case a.s > b.s:
			return -1
		case a.s < b.s:
			return 1
		}
		return 0
	})
	// ROC sweep: AUC by trapezoids over tie groups, TPR at FPR caps.
	var tp, fp, prevTP, prevFP int
	var auc float64
	for i := 0; i < len(xs); {
		j := i
		for j < len(xs) && xs[j].s == xs[i].s {
			if xs[j].l == 1 {
				tp++
			} else {
				fp++
			}
			j++
		}
		auc += float64(fp-prevFP) * float64(tp+prevTP) / 2
		if neg > 0 && pos > 0 {
			fpr, tpr := float64(fp)/float64(neg), float64(tp)/float64(pos)
			if fpr <= 0.01 {
				m.TPRAt1FPR = tpr
			}
			if fpr <= 0.001 {
				m.TPRAt01FPR = tpr
			}
		}
		prevTP, prevFP = tp, fp
		i = j
	}
	if pos > 0 && neg > 0 {
		m.AUC = auc / float64(pos) / float64(neg)
	}
	for _, x := range xs {
		pred := x.s >= threshold
		switch {
		case pred && x.l == 1:
			m.Confusion.TP++
		case pred:
			m.Confusion.FP++
		case x.l == 1:
			m.Confusion.FN++
		default:
			m.Confusion.TN++
		}
		p := math.Min(math.Max(x.s, 1e-12), 1-1e-12)
		if x.l == 1 {
			m.LogLoss -= math.Log(p)
			m.Brier += (1 - x.s) * (1 - x.s)
		} else {
			m.LogLoss -= math.Log(1 - p)
			m.Brier += x.s * x.s
		}
	}
	if m.N > 0 {
		m.LogLoss /= float64(m.N)
		m.Brier /= float64(m.N)
	}
	c := m.Confusion
	if c.TP+c.FP > 0 {
		m.Precision = float64(c.TP) / float64(c.TP+c.FP)
	}
	if c.TP+c.FN > 0 {
		m.Recall = float64(c.TP) / float64(c.TP+c.FN)
	}
	if m.Precision+m.Recall > 0 {
		m.F1 = 2 * m.Precision * m.Recall / (m.Precision + m.Recall)
	}
	m.Calib = make([]CalibrationBin, 10)
	for b := range m.Calib {
		m.Calib[b].Lo, m.Calib[b].Hi = float64(b)/10, float64(b+1)/10
	}
	for _, x := range xs {
		b := min(int(x.s*10), 9)
		m.Calib[b].Count++
		m.Calib[b].MeanScore += x.s
		m.Calib[b].Observed += float64(x.l)
	}
	for b := range m.Calib {
		if n := m.Calib[b].Count; n > 0 {
			m.Calib[b].MeanScore /= float64(n)
			m.Calib[b].Observed /= float64(n)
		}
	}
	m.round()
	return m
}

// round keeps metrics to 6 decimals so that files and reports are stable
// and readable.
func (m *Metrics) round() {
	r := func(x *float64) { *x = math.Round(*x*1e6) / 1e6 }
	for _, x := range []*float64{&m.AUC, &m.Precision, &m.Recall, &m.F1, &m.TPRAt1FPR, &m.TPRAt01FPR, &m.LogLoss, &m.Brier} {
		r(x)
	}
	for b := range m.Calib {
		r(&m.Calib[b].MeanScore)
		r(&m.Calib[b].Observed)
	}
}
