package score

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"

	"github.com/phishx/phishx/stages/features"
	"github.com/phishx/phishx/stages/score/corpus"
)

// Hyper are the training hyper-parameters. They are written into the
// model file.
type Hyper struct {
	Epochs       int     `json:"epochs"`
	LearningRate float64 `json:"learning_rate"` // AdaGrad base rate
	L2           float64 `json:"l2"`            // weight decay on touched weights
	Seed         uint64  `json:"seed"`          // shuffling seed
	Folds        int     `json:"folds"`         // grouped cross-validation folds
	Prune        float64 `json:"prune"`         // weights below this magnitude are not stored
}

// DefaultHyper returns the hyper-parameters the shipped model uses.
func DefaultHyper() Hyper {
	return Hyper{Epochs: 10, LearningRate: 0.2, L2: 1e-4, Seed: 1, Folds: 5, Prune: 1e-4}
}

// Validate names the first bad field.
func (h Hyper) Validate() error {
	switch {
	case h.Epochs < 1:
		return fmt.Errorf("hyper: Epochs must be >= 1, got %d", h.Epochs)
	case !(h.LearningRate > 0):
		return fmt.Errorf("hyper: LearningRate must be > 0, got %g", h.LearningRate)
	case !(h.L2 >= 0):
		return fmt.Errorf("hyper: L2 must be >= 0, got %g", h.L2)
	case h.Folds < 2:
		return fmt.Errorf("hyper: Folds must be >= 2, got %d", h.Folds)
	case !(h.Prune >= 0):
		return fmt.Errorf("hyper: Prune must be >= 0, got %g", h.Prune)
	}
	return nil
}

// TrainConfig configures Train.
type TrainConfig struct {
	Name      string // model name, e.g. "phishx-lr"
	Version   string // model version, e.g. "1"
	Hyper     Hyper
	Features  features.Config
	Threshold float64 // operating threshold recorded in the file and used for metrics
	Workers   int     // feature extraction goroutines
	Reproduce string  // the command line that reproduces the model, recorded in the file
	// Progress, when set, is called from the calling goroutine as work
	// advances.
	Progress func(stage string, done, total int)
}

// DefaultTrainConfig returns the configuration of the shipped model.
func DefaultTrainConfig() TrainConfig {
	return TrainConfig{
		Name:      "phishx-lr",
		Version:   "2",
		Hyper:     DefaultHyper(),
		Features:  features.DefaultConfig(),
		Threshold: 0.5,
		Workers:   2,
	}
}

// Validate names the first bad field.
func (c TrainConfig) Validate() error {
	if c.Name == "" || c.Version == "" {
		return errors.New("train config: Name and Version are required")
	}
	if !(c.Threshold > 0 && c.Threshold < 1) {
		return fmt.Errorf("train config: Threshold must be in (0, 1), got %g", c.Threshold)
	}
	if c.Workers < 1 {
		return fmt.Errorf("train config: Workers must be >= 1, got %d", c.Workers)
	}
	if err := c.Hyper.Validate(); err != nil {
		return fmt.Errorf("train config: %w", err)
	}
	if err := c.Features.Validate(); err != nil {
		return fmt.Errorf("train config: %w", err)
	}
	return nil
}

func (c TrainConfig) progress(stage string, done, total int) {
	if c.Progress != nil {
		c.Progress(stage, done, total)
	}
}

// ExtractAll computes the feature sets of exs (of their sanitized view
// when sanitized is set) with the given number of goroutines. Results are
// in the order of exs whatever the scheduling. A message rejected by a
// hard limit is an error: a corpus should not hold one.
func ExtractAll(ctx context.Context, exs []corpus.Example, cfg features.Config, sanitized bool, workers int, progress func(done, total int)) ([]*features.Set, error) {
	out := make([]*features.Set, len(exs))
	errs := make([]error, len(exs))
	next := make(chan int)
	done := make(chan int)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				raw := exs[i].Raw
				if sanitized {
					raw = features.Sanitize(raw)
				}
				out[i], errs[i] = features.Extract(ctx, raw, cfg)
				done <- i
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range exs {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(done) }()
	n := 0
	for range done {
		n++
		if progress != nil && (n%50 == 0 || n == len(exs)) {
			progress(n, len(exs))
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("extract features: %w", err)
	}
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("extract features of %s: %w", exs[i].Path, err)
		}
	}
	return out, nil
}

// Train extracts features from the corpus, runs grouped cross-validation
// on the raw and the sanitized views, fits the final model on all of it
// and returns the model file. The result depends only on the corpus
// contents and cfg.
func Train(ctx context.Context, exs []corpus.Example, cfg TrainConfig) (*File, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	labels := make([]int, len(exs))
	var nPhish int
	for i, e := range exs {
		labels[i] = e.Label
		nPhish += e.Label
	}
	if nPhish == 0 || nPhish == len(exs) {
		return nil, errors.New("train: the corpus needs both phish and ham")
	}
	raw, err := ExtractAll(ctx, exs, cfg.Features, false, cfg.Workers, func(d, t int) { cfg.progress("features (raw)", d, t) })
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	san, err := ExtractAll(ctx, exs, cfg.Features, true, cfg.Workers, func(d, t int) { cfg.progress("features (sanitized)", d, t) })
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	folds := GroupFolds(raw, cfg.Hyper.Folds)
	steps := 2*cfg.Hyper.Folds + 1
	step := 0
	tick := func() { step++; cfg.progress("training", step, steps) }

	rawOOF, rawMetrics, err := crossValidate(ctx, raw, labels, folds, cfg, tick)
	if err != nil {
		return nil, err
	}
	_, sanMetrics, err := crossValidate(ctx, san, labels, folds, cfg, tick)
	if err != nil {
		return nil, err
	}
	all := make([]int, len(exs))
	for i := range all {
		all[i] = i
	}
	w, bias := fit(raw, labels, all, cfg.Hyper)
	tick()
	a, b := platt(rawOOF, labels, all)

	f := &File{
		Format:     FileFormat,
		Name:       cfg.Name,
		Version:    cfg.Version,
		FeatureSet: features.FeatureSetVersion,
		HashBits:   features.HashBits,
		TrainingData: DataInfo{
			Checksum: corpus.Checksum(exs),
			Files:    len(exs),
			Phish:    nPhish,
			Ham:      len(exs) - nPhish,
		},
		Hyper:       cfg.Hyper,
		Calibration: Calibration{Method: "platt", A: round6(a), B: round6(b)},
		Threshold:   cfg.Threshold,
		Metrics: CVMetrics{
			Folds:     cfg.Hyper.Folds,
			Grouping:  "sender registrable domain and normalised subject (union-find)",
			Raw:       rawMetrics,
			Sanitized: sanMetrics,
		},
		Reproduce: cfg.Reproduce,
		Bias:      bias,
	}
	f.SetWeights(w, cfg.Hyper.Prune)
	return f, nil
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// crossValidate returns out-of-fold logits and metrics of calibrated
// out-of-fold probabilities. Each fold's calibration is fitted on the
// other folds' out-of-fold logits, so no score is calibrated on itself.
func crossValidate(ctx context.Context, sets []*features.Set, labels, folds []int, cfg TrainConfig, tick func()) ([]float64, Metrics, error) {
	k := cfg.Hyper.Folds
	oof := make([]float64, len(sets))
	for fold := range k {
		if err := ctx.Err(); err != nil {
			return nil, Metrics{}, fmt.Errorf("cross-validate: %w", err)
		}
		var train, test []int
		for i, f := range folds {
			if f == fold {
				test = append(test, i)
			} else {
				train = append(train, i)
			}
		}
		w, bias := fit(sets, labels, train, cfg.Hyper)
		for _, i := range test {
			oof[i] = logit(w, bias, sets[i])
		}
		tick()
	}
	probs := make([]float64, len(sets))
	for fold := range k {
		var other []int
		for i, f := range folds {
			if f != fold {
				other = append(other, i)
			}
		}
		a, b := platt(oof, labels, other)
		for i, f := range folds {
			if f == fold {
				probs[i] = sigmoid(a*oof[i] + b)
			}
		}
	}
	return oof, Evaluate(probs, labels, cfg.Threshold), nil
}

func logit(w []float64, bias float64, s *features.Set) float64 {
	z := bias
	for _, x := range s.Vector {
		z += w[x.Index] * float64(x.Value)
	}
	return z
}

// fit trains logistic regression by AdaGrad SGD over the examples idx,
// shuffled each epoch by a PCG generator seeded from h.Seed: the same
// inputs give the same weights, bit for bit.
func fit(sets []*features.Set, labels, idx []int, h Hyper) ([]float64, float64) {
	w := make([]float64, features.Dim)
	g2 := make([]float64, features.Dim)
	var bias, gb float64
	rng := rand.New(rand.NewPCG(h.Seed, 0x5eed_0f_9415))
	order := slices.Clone(idx)
	const eps = 1e-8
	for range h.Epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			s := sets[i]
			g := sigmoid(logit(w, bias, s)) - float64(labels[i])
			for _, x := range s.Vector {
				j := x.Index
				grad := g*float64(x.Value) + h.L2*w[j]
				g2[j] += grad * grad
				w[j] -= h.LearningRate * grad / (math.Sqrt(g2[j]) + eps)
			}
			gb += g * g
			bias -= h.LearningRate * g / (math.Sqrt(gb) + eps)
		}
	}
	return w, bias
}

// platt fits sigmoid(a*z + b) to the labels of idx by Newton's method on
// the log loss, with Platt's smoothed targets.
func platt(z []float64, labels, idx []int) (a, b float64) {
	var np, nn float64
	for _, i := range idx {
		if labels[i] == 1 {
			np++
		} else {
			nn++
		}
	}
	tp, tn := (np+1)/(np+2), 1/(nn+2)
	a, b = 1, 0
	for range 100 {
		var ga, gb, haa, hab, hbb float64
		for _, i := range idx {
			t := tn
			if labels[i] == 1 {
				t = tp
			}
			p := sigmoid(a*z[i] + b)
			d := p - t
			ga += d * z[i]
			gb += d
			v := p * (1 - p)
			haa += v * z[i] * z[i]
			hab += v * z[i]
			hbb += v
		}
		haa += 1e-9
		hbb += 1e-9
		det := haa*hbb - hab*hab
		if det <= 0 {
			break
		}
		da := (hbb*ga - hab*gb) / det
		db := (haa*gb - hab*ga) / det
		a -= da
		b -= db
		if math.Abs(da) < 1e-10 && math.Abs(db) < 1e-10 {
			break
		}
	}
	return a, b
}

// GroupFolds assigns each example to one of k folds so that examples
// sharing a sender registrable domain or a normalised subject (a
// campaign) always land in the same fold. Groups are formed by
// union-find and dealt, largest first, to the fold with the fewest
// examples; ties break on the group's first example index, so the result
// is deterministic.
func GroupFolds(sets []*features.Set, k int) []int {
	parent := make([]int, len(sets))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	union := func(a, b int) {
		ra, rb := find(a), find(b)
		if ra == rb {
			return
		}
		if ra < rb {
			parent[rb] = ra
		} else {
			parent[ra] = rb
		}
	}
	first := make(map[string]int)
	for i, s := range sets {
		for _, key := range groupKeys(s) {
			if j, ok := first[key]; ok {
				union(i, j)
			} else {
				first[key] = i
			}
		}
	}
	type group struct{ root, size int }
	sizes := make(map[int]int)
	for i := range sets {
		sizes[find(i)]++
	}
	groups := make([]group, 0, len(sizes))
	for r, n := range sizes {
		groups = append(groups, group{r, n})
	}
	slices.SortFunc(groups, func(a, b group) int {
		if a.size != b.size {
			return b.size - a.size
		}
		return a.root - b.root
	})
	foldOf := make(map[int]int, len(groups))
	load := make([]int, k)
	for _, g := range groups {
		best := 0
		for f := 1; f < k; f++ {
			if load[f] < load[best] {
				best = f
			}
		}
		foldOf[g.root] = best
		load[best] += g.size
	}
	out := make([]int, len(sets))
	for i := range sets {
		out[i] = foldOf[find(i)]
	}
	return out
}

func groupKeys(s *features.Set) []string {
	var keys []string
	if s.SenderDomain != "" {
		keys = append(keys, "d:"+s.SenderDomain)
	}
	if subj := normSubject(s.Subject); len(subj) >= 8 {
		keys = append(keys, "s:"+subj)
	}
	return keys
}

// normSubject lower-cases a subject, drops reply prefixes, digits and
// punctuation, so "RE: Invoice #4411 overdue" and "Invoice #98 overdue"
// are one campaign.
func normSubject(s string) string {
	s = strings.ToLower(s)
	for {
		t := strings.TrimSpace(s)
		cut := false
		for _, p := range [...]string{"re:", "fw:", "fwd:", "aw:", "wg:", "res:", "enc:", "tr:"} {
			if strings.HasPrefix(t, p) {
				t, cut = t[len(p):], true
			}
		}
		s = t
		if !cut {
			break
		}
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r > 0x7f && r != 0xfffd)
	}), " ")
}
