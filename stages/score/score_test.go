package score

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/phishx/phishx/pipeline"
	"github.com/phishx/phishx/schemas"
	"github.com/phishx/phishx/stages/features"
	"github.com/phishx/phishx/stages/score/corpus"
)

const spoofMsg = "From: \"PayPal Service\" <service@paypa1-secure.xyz>\n" +
	"Reply-To: billing@collect-desk.top\n" +
	"To: user@example.com\n" +
	"Subject: Urgent: your account is suspended\n" +
	"Content-Type: text/html\n\n" +
	"<p>Your account is suspended. Verify your password immediately or it expires today.</p>" +
	"<a href=\"http://paypa1-secure.xyz/login\">www.paypal.com</a> <a href=\"http://203.0.113.9/x\">x</a>" +
	"<form><input type=\"password\"></form>\n"

const hamMsg = "From: Alice <alice@example.org>\nTo: dev@lists.example.org\nSubject: Re: build fails on arm64\n\n" +
	"I think the linker flag is wrong; see the patch below.\n\n> does anyone know why?\n"

func setOf(t testing.TB, raw string) *features.Set {
	t.Helper()
	s, err := features.Extract(context.Background(), []byte(raw), features.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name     string
		scores   []float64
		labels   []int
		wantAUC  float64
		wantTPR1 float64
		wantConf Confusion
	}{
		{"perfect", []float64{0.9, 0.8, 0.2, 0.1}, []int{1, 1, 0, 0}, 1, 1, Confusion{TP: 2, TN: 2}},
		{"inverted", []float64{0.1, 0.2, 0.8, 0.9}, []int{1, 1, 0, 0}, 0, 0, Confusion{FP: 2, FN: 2}},
		{"all tied", []float64{0.5, 0.5, 0.5, 0.5}, []int{1, 0, 1, 0}, 0.5, 0, Confusion{TP: 2, FP: 2}},
		{"one swap", []float64{0.9, 0.6, 0.7, 0.1}, []int{1, 1, 0, 0}, 0.75, 0.5, Confusion{TP: 2, FP: 1, TN: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Evaluate(tt.scores, tt.labels, 0.5)
			if m.AUC != tt.wantAUC || m.TPRAt1FPR != tt.wantTPR1 || m.Confusion != tt.wantConf {
				t.Errorf("got AUC %v TPR@1%% %v %+v, want %v %v %+v", m.AUC, m.TPRAt1FPR, m.Confusion, tt.wantAUC, tt.wantTPR1, tt.wantConf)
			}
		})
	}
}

func TestEmbeddedModel(t *testing.T) {
	m, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	info := m.Info()
	if info.FeatureSet != features.FeatureSetVersion || info.TrainingData.Files == 0 || info.Metrics.Sanitized.AUC < 0.95 {
		t.Fatalf("embedded model metadata looks wrong: %+v", info)
	}
	phish, err := m.Score(setOf(t, spoofMsg))
	if err != nil {
		t.Fatal(err)
	}
	ham, err := m.Score(setOf(t, hamMsg))
	if err != nil {
		t.Fatal(err)
	}
	if !(phish.Score > 0.5 && ham.Score < 0.5) {
		t.Errorf("phish %.3f, ham %.3f: want phish > 0.5 > ham", phish.Score, ham.Score)
	}
	if len(phish.Findings) == 0 || len(phish.Findings) > 5 {
		t.Fatalf("findings = %v", phish.Findings)
	}
	for _, f := range phish.Findings {
		if f.Severity <= 0 || f.Severity > 1 || f.Detail == "" || f.Code == "" {
			t.Errorf("bad finding %+v", f)
		}
	}
}

func TestLoadRefusesOtherFeatureSet(t *testing.T) {
	f := File{Format: FileFormat, Name: "x", Version: "1", FeatureSet: "phishx-fs-0", HashBits: features.HashBits}
	var buf bytes.Buffer
	if err := f.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	_, err := LoadLogReg(&buf, "test")
	var me *ModelError
	if !errors.Is(err, ErrFeatureSetVersion) || !errors.As(err, &me) {
		t.Fatalf("err = %v, want a ModelError wrapping ErrFeatureSetVersion", err)
	}
	if _, err := LoadLogReg(strings.NewReader("not gzip"), "test"); !errors.Is(err, ErrModelFormat) {
		t.Fatalf("err = %v, want ErrModelFormat", err)
	}
}

func TestRules(t *testing.T) {
	r := NewRules()
	phish, _ := r.Score(setOf(t, spoofMsg))
	ham, _ := r.Score(setOf(t, hamMsg))
	if !(phish.Score > 0.9 && ham.Score < 0.1) {
		t.Fatalf("rules: phish %.3f ham %.3f", phish.Score, ham.Score)
	}
	codes := make([]string, len(phish.Findings))
	for i, f := range phish.Findings {
		codes[i] = f.Code
	}
	for _, want := range []string{"url_ip_host", "from_lookalike"} {
		if !slices.Contains(codes, want) {
			t.Errorf("findings %v lack %s", codes, want)
		}
	}
	if r.Name() != "rules" || r.Version() != "rules-2" {
		t.Error("rules name or version changed")
	}
}

func TestStageProcess(t *testing.T) {
	st, err := NewStage(NewRules(), DefaultStageConfig())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		give       *schemas.EmailEvent
		wantAction string
		wantPerm   bool
	}{
		{"phish", &schemas.EmailEvent{RawMessage: []byte(spoofMsg)}, schemas.ActionQuarantine, false},
		{"ham", &schemas.EmailEvent{RawMessage: []byte(hamMsg)}, schemas.ActionDeliver, false},
		{"no message", &schemas.EmailEvent{}, "", true},
		{"still sealed", &schemas.EmailEvent{RawMessage: []byte("gAAAA"), EncryptedFields: []string{"raw_message"}, KeyVersion: 1}, "", true},
		{"too large", &schemas.EmailEvent{RawMessage: make([]byte, 65<<20)}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &pipeline.Record{Event: tt.give}
			err := st.Process(context.Background(), rec)
			if tt.wantPerm {
				if !pipeline.IsPermanent(err) {
					t.Fatalf("err = %v, want permanent", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			a := rec.Analysis
			if a.Action != tt.wantAction || a.ModelName != "rules" || a.ModelVersion != "rules-2" {
				t.Errorf("analysis = %+v", a)
			}
		})
	}
	rec := &pipeline.Record{Event: &schemas.EmailEvent{RawMessage: []byte(spoofMsg)}}
	_ = st.Process(context.Background(), rec)
	if a := rec.Analysis; a.SenderDomain != "paypa1-secure.xyz" || a.URLCount != 2 || a.Subject == "" || len(a.Findings) == 0 {
		t.Errorf("derived fields not filled: %+v", a)
	}
}

func TestStageConfigValidate(t *testing.T) {
	c := DefaultStageConfig()
	c.QuarantineThreshold = 0.3
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "QuarantineThreshold") {
		t.Fatalf("Validate = %v", err)
	}
}

func TestGroupFoldsKeepsSendersTogether(t *testing.T) {
	var sets []*features.Set
	for i := range 40 {
		sets = append(sets, &features.Set{SenderDomain: fmt.Sprintf("d%d.com", i%7), Subject: fmt.Sprintf("Invoice %d overdue", i)})
	}
	folds := GroupFolds(sets, 3)
	for i := range sets {
		for j := range sets {
			if sets[i].SenderDomain == sets[j].SenderDomain && folds[i] != folds[j] {
				t.Fatalf("sender %s split across folds", sets[i].SenderDomain)
			}
		}
	}
	// "Invoice N overdue" normalises to one campaign: everything joins.
	if slices.Min(folds) != slices.Max(folds) {
		t.Errorf("campaign subjects were not grouped: %v", folds)
	}
}

// TestTrainDeterministic trains twice on a small synthetic corpus and
// wants identical bytes; a different seed must change the weights.
func TestTrainDeterministic(t *testing.T) {
	dir := t.TempDir()
	for _, sub := range []string{"phish", "ham"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 30 {
		p := strings.Replace(spoofMsg, "paypa1-secure.xyz", fmt.Sprintf("pay%d-secure.xyz", i), -1)
		p = strings.Replace(p, "Urgent:", fmt.Sprintf("Urgent %c%c:", 'a'+i%26, 'a'+i/26), 1)
		h := strings.Replace(hamMsg, "example.org", fmt.Sprintf("site%d.org", i), -1)
		h = strings.Replace(h, "arm64", fmt.Sprintf("%c%c", 'a'+i%26, 'a'+i/26), 1)
		os.WriteFile(filepath.Join(dir, "phish", fmt.Sprintf("%02d.eml", i)), []byte(p), 0o644)
		os.WriteFile(filepath.Join(dir, "ham", fmt.Sprintf("%02d.eml", i)), []byte(h), 0o644)
	}
	exs, err := corpus.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	encode := func(seed uint64) []byte {
		cfg := DefaultTrainConfig()
		cfg.Hyper.Seed, cfg.Hyper.Folds, cfg.Hyper.Epochs = seed, 3, 3
		f, err := Train(context.Background(), exs, cfg)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := f.Encode(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	a, b, c := encode(1), encode(1), encode(2)
	if !bytes.Equal(a, b) {
		t.Fatal("same corpus and seed gave different model files")
	}
	if bytes.Equal(a, c) {
		t.Fatal("seed has no effect")
	}
	m, err := LoadLogReg(bytes.NewReader(a), "test")
	if err != nil {
		t.Fatal(err)
	}
	if m.Info().Metrics.Raw.AUC < 0.9 {
		t.Errorf("toy corpus AUC %v", m.Info().Metrics.Raw.AUC)
	}
}

// TestCorpusScoreIgnoresConfounders: on a sample of the real corpus, the
// shipped model gives a message and its sanitized view the same score.
func TestCorpusScoreIgnoresConfounders(t *testing.T) {
	exs, err := corpus.Load(corpus.Require(t))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := 0; i < len(exs); i += 10 {
		e := exs[i]
		a, err := m.Score(setOf(t, string(e.Raw)))
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.Score(setOf(t, string(features.Sanitize(e.Raw))))
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(a.Score-b.Score) != 0 || !slices.Equal(a.Findings, b.Findings) {
			t.Errorf("%s: score %v raw, %v sanitized", e.Path, a.Score, b.Score)
		}
		n++
	}
	t.Logf("%d messages scored identically on both views", n)
}

func BenchmarkStageCorpus(b *testing.B) {
	exs, err := corpus.Load(corpus.Require(b))
	if err != nil {
		b.Fatal(err)
	}
	m, err := Embedded()
	if err != nil {
		b.Fatal(err)
	}
	st, err := NewStage(m, DefaultStageConfig())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		rec := &pipeline.Record{Event: &schemas.EmailEvent{RawMessage: exs[i%len(exs)].Raw}}
		if err := st.Process(context.Background(), rec); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "msgs/s")
}

func BenchmarkScoreOnly(b *testing.B) {
	m, err := Embedded()
	if err != nil {
		b.Fatal(err)
	}
	s := setOf(b, spoofMsg)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Score(s); err != nil {
			b.Fatal(err)
		}
	}
}
