package score

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/phishx/phishx/stages/features"
)

// FileFormat identifies the model file layout this code reads and writes.
const FileFormat = "phishx-model/1"

// MaxModelBytes caps a model file (compressed and uncompressed).
const MaxModelBytes = 64 << 20

// File is the versioned model file: gzip-compressed JSON. It holds no
// timestamp, so training twice on the same corpus writes the same bytes.
type File struct {
	Format       string      `json:"format"`
	Name         string      `json:"name"`
	Version      string      `json:"version"`
	FeatureSet   string      `json:"feature_set"`
	HashBits     int         `json:"hash_bits"`
	TrainingData DataInfo    `json:"training_data"`
	Hyper        Hyper       `json:"hyper_parameters"`
	Calibration  Calibration `json:"calibration"`
	Threshold    float64     `json:"operating_threshold"`
	Metrics      CVMetrics   `json:"metrics"`
	Reproduce    string      `json:"reproduce"`
	Bias         float64     `json:"bias"`
	// Index holds the non-zero weights' indices, delta-encoded (each is
	// the gap from the previous one); Weights their values.
	Index   []uint32  `json:"index_deltas"`
	Weights []float32 `json:"weights"`
}

// DataInfo identifies the training corpus.
type DataInfo struct {
	Checksum string `json:"checksum"` // corpus.Checksum: sha256 over sorted file hashes and labels
	Files    int    `json:"files"`
	Phish    int    `json:"phish"`
	Ham      int    `json:"ham"`
}

// Calibration maps a raw logit z to a probability sigmoid(A*z + B)
// (Platt scaling, fitted on out-of-fold logits).
type Calibration struct {
	Method string  `json:"method"`
	A      float64 `json:"a"`
	B      float64 `json:"b"`
}

// CVMetrics are grouped cross-validation metrics on both views of the
// corpus.
type CVMetrics struct {
	Folds     int     `json:"folds"`
	Grouping  string  `json:"grouping"`
	Raw       Metrics `json:"raw"`
	Sanitized Metrics `json:"sanitized"`
}

// LogReg is a logistic regression over the hashed feature space. It is
// immutable after loading and safe for concurrent use.
type LogReg struct {
	file    File
	weights []float32 // dense, features.Dim long
}

var _ Model = (*LogReg)(nil)

// Name returns the model name.
func (m *LogReg) Name() string { return m.file.Name }

// Version returns the model version.
func (m *LogReg) Version() string { return m.file.Version }

// Info returns the model file's metadata, without the weights.
func (m *LogReg) Info() File {
	f := m.file
	f.Index, f.Weights = nil, nil
	return f
}

// Logit is the raw, uncalibrated score of f.
func (m *LogReg) Logit(f *features.Set) float64 {
	z := m.file.Bias
	for _, x := range f.Vector {
		z += float64(m.weights[x.Index]) * float64(x.Value)
	}
	return z
}

func (m *LogReg) calibrate(z float64) float64 {
	return sigmoid(m.file.Calibration.A*z + m.file.Calibration.B)
}

// Score returns the calibrated probability of phishing and the findings
// that raised it.
func (m *LogReg) Score(f *features.Set) (Prediction, error) {
	return m.score(f, 5)
}

func (m *LogReg) score(f *features.Set, maxFindings int) (Prediction, error) {
	if f.Version != m.file.FeatureSet {
		return Prediction{}, fmt.Errorf("score with %s: features %q: %w", m.file.Name, f.Version, ErrFeatureSetVersion)
	}
	z := m.Logit(f)
	p := Prediction{Score: m.calibrate(z)}
	if maxFindings > 0 {
		p.Findings = findings(m.contributions(f, z), maxFindings)
	}
	return p, nil
}

// contributions splits the logit into named signals and one "wording"
// part for the text n-grams, the latter quoting the words that weighed
// most.
func (m *LogReg) contributions(f *features.Set, z float64) []contribution {
	cs := make([]contribution, 0, len(f.Signals)+1)
	rest := z - m.file.Bias
	for _, s := range f.Signals {
		c := float64(m.weights[features.SignalIndex(s.Code)])
		rest -= c
		cs = append(cs, contribution{code: s.Code, detail: describe(s), logit: c})
	}
	if rest > 0 {
		if words := m.topTerms(f, 3); len(words) > 0 {
			cs = append(cs, contribution{
				code:   "phishing_wording",
				detail: "wording typical of phishing: " + strings.Join(words, ", "),
				logit:  rest,
			})
		}
	}
	return cs
}

func (m *LogReg) topTerms(f *features.Set, n int) []string {
	type tw struct {
		text string
		w    float64
	}
	var best []tw
	for _, t := range f.Terms(400) {
		i := sort.Search(len(f.Vector), func(i int) bool { return f.Vector[i].Index >= t.Index })
		if i == len(f.Vector) || f.Vector[i].Index != t.Index || !wordy(t.Text) {
			continue
		}
		w := float64(m.weights[t.Index]) * float64(f.Vector[i].Value)
		if w > 0 {
			best = append(best, tw{t.Text, w})
		}
	}
	sort.SliceStable(best, func(i, j int) bool { return best[i].w > best[j].w })
	out := make([]string, 0, n)
	for _, b := range best {
		if len(out) == n {
			break
		}
		out = append(out, fmt.Sprintf("%q", b.text))
	}
	return out
}

// wordy keeps explanation words readable: 4+ bytes, some letter, not a
// URL scheme.
func wordy(s string) bool {
	if len(s) < 4 || s == "http" || s == "https" || s == "www" || s == "html" {
		return false
	}
	return strings.ContainsFunc(s, func(r rune) bool { return r != '0' })
}

// NewLogReg builds a model from a decoded file, checking it.
func NewLogReg(f File) (*LogReg, error) {
	switch {
	case f.Format != FileFormat:
		return nil, fmt.Errorf("format %q: %w", f.Format, ErrModelFormat)
	case f.FeatureSet != features.FeatureSetVersion:
		return nil, fmt.Errorf("feature set %q, this build computes %q: %w", f.FeatureSet, features.FeatureSetVersion, ErrFeatureSetVersion)
	case f.HashBits != features.HashBits:
		return nil, fmt.Errorf("hash bits %d, this build uses %d: %w", f.HashBits, features.HashBits, ErrFeatureSetVersion)
	case len(f.Index) != len(f.Weights):
		return nil, fmt.Errorf("%d indices for %d weights: %w", len(f.Index), len(f.Weights), ErrModelFormat)
	case f.Name == "" || f.Version == "":
		return nil, fmt.Errorf("missing name or version: %w", ErrModelFormat)
	case math.IsNaN(f.Bias) || math.IsNaN(f.Calibration.A) || math.IsNaN(f.Calibration.B):
		return nil, fmt.Errorf("NaN parameters: %w", ErrModelFormat)
	}
	w := make([]float32, features.Dim)
	idx := uint64(0)
	for i, d := range f.Index {
		idx += uint64(d)
		if idx >= features.Dim || (i > 0 && d == 0) {
			return nil, fmt.Errorf("weight index %d out of order or range: %w", idx, ErrModelFormat)
		}
		w[idx] = f.Weights[i]
	}
	return &LogReg{file: f, weights: w}, nil
}

// LoadLogReg reads a gzip-compressed JSON model file.
func LoadLogReg(r io.Reader, source string) (*LogReg, error) {
	zr, err := gzip.NewReader(io.LimitReader(r, MaxModelBytes))
	if err != nil {
		return nil, &ModelError{Source: source, Err: fmt.Errorf("gunzip: %w: %w", ErrModelFormat, err)}
	}
	defer zr.Close()
	var f File
	dec := json.NewDecoder(io.LimitReader(zr, MaxModelBytes))
	if err := dec.Decode(&f); err != nil {
		return nil, &ModelError{Source: source, Err: fmt.Errorf("decode: %w: %w", ErrModelFormat, err)}
	}
	m, err := NewLogReg(f)
	if err != nil {
		return nil, &ModelError{Source: source, Err: err}
	}
	return m, nil
}

// LoadFile reads a model file from disk.
func LoadFile(path string) (*LogReg, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, &ModelError{Source: path, Err: err}
	}
	defer fh.Close()
	return LoadLogReg(fh, path)
}

// Encode writes f as gzip-compressed JSON. The output depends only on f.
func (f *File) Encode(w io.Writer) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", " ")
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("encode model: %w", err)
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return fmt.Errorf("encode model: %w", err)
	}
	if _, err := zw.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("encode model: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("encode model: %w", err)
	}
	return nil
}

// SetWeights stores a dense weight vector sparsely: weights whose
// magnitude is under prune are dropped.
func (f *File) SetWeights(w []float64, prune float64) {
	f.Index, f.Weights = f.Index[:0], f.Weights[:0]
	prev := 0
	first := true
	for i, v := range w {
		if math.Abs(v) < prune {
			continue
		}
		d := i - prev
		if first {
			d, first = i, false
		}
		f.Index = append(f.Index, uint32(d))
		f.Weights = append(f.Weights, float32(v))
		prev = i
	}
}
