package corpus

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Labels.
const (
	Ham   = 0
	Phish = 1
)

// MaxFileBytes caps one corpus file; larger files are an error, not a
// silent truncation.
const MaxFileBytes = 64 << 20

// ErrNoCorpus: the directory holds no phish/ or ham/ .eml files.
var ErrNoCorpus = errors.New("no phish/ or ham/ .eml files")

// Example is one labelled message.
type Example struct {
	Path  string // relative to the corpus directory, slash-separated
	Label int    // Ham or Phish
	Hash  string // hex sha256 of Raw
	Raw   []byte
}

// Load reads every DIR/phish/*.eml and DIR/ham/*.eml, sorted by relative
// path.
func Load(dir string) ([]Example, error) {
	var out []Example
	for _, sub := range []struct {
		name  string
		label int
	}{{"ham", Ham}, {"phish", Phish}} {
		names, err := filepath.Glob(filepath.Join(dir, sub.name, "*.eml"))
		if err != nil {
			return nil, fmt.Errorf("corpus %s: %w", sub.name, err)
		}
		slices.Sort(names)
		for _, name := range names {
			st, err := os.Stat(name)
			if err != nil {
				return nil, fmt.Errorf("corpus: %w", err)
			}
			if st.Size() > MaxFileBytes {
				return nil, fmt.Errorf("corpus: %s is %d bytes, over %d", filepath.Base(name), st.Size(), MaxFileBytes)
			}
			raw, err := os.ReadFile(name)
			if err != nil {
				return nil, fmt.Errorf("corpus: %w", err)
			}
			sum := sha256.Sum256(raw)
			out = append(out, Example{
				Path:  sub.name + "/" + filepath.Base(name),
				Label: sub.label,
				Hash:  hex.EncodeToString(sum[:]),
				Raw:   raw,
			})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("corpus %s: %w", dir, ErrNoCorpus)
	}
	return out, nil
}

// Checksum is the hex sha256 over the sorted lines "<file sha256>
// <label>\n" of the examples.
func Checksum(exs []Example) string {
	lines := make([]string, len(exs))
	for i, e := range exs {
		lines[i] = fmt.Sprintf("%s %d\n", e.Hash, e.Label)
	}
	slices.Sort(lines)
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Locate returns ../shared/corpus relative to the module root (the first
// directory holding go.mod, walking up from the working directory).
func Locate() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("locate corpus: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			c := filepath.Join(filepath.Dir(dir), "shared", "corpus")
			if _, err := os.Stat(filepath.Join(c, "phish")); err != nil {
				return "", fmt.Errorf("locate corpus: %w", err)
			}
			return c, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("locate corpus: no go.mod above the working directory: %w", fs.ErrNotExist)
		}
		dir = parent
	}
}

// TB is the part of testing.TB that Require uses.
type TB interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Require returns the shared corpus directory for a test. When it is
// absent the test is skipped with a clear message, except under CI=true,
// where it fails.
func Require(t TB) string {
	t.Helper()
	dir, err := Locate()
	if err != nil {
		if strings.EqualFold(os.Getenv("CI"), "true") {
			t.Fatalf("corpus required when CI=true: %v", err)
		}
		t.Skipf("corpus ../shared/corpus not found (%v); skipping (set CI=true to make this fail)", err)
	}
	return dir
}
