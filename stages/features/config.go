package features

import (
	"errors"
	"fmt"
	"time"
)

// FeatureSetVersion names the feature set this code computes. A model
// records the version it was trained on; a model trained on another
// version must be refused, because the same hashed index would mean a
// different thing.
//
// phishx-fs-2 dropped the signals that encode message format or era rather
// than an attack (MIME part counts, HTML-only / HTML-and-text structure,
// hidden-by-style text, image, link, recipient, attachment and word count
// buckets, PDF and attached-message attachments, reply and emoji subjects):
// on the training corpus they separate modern phishing from 2002 ham, on
// modern mail they flag every newsletter.
const FeatureSetVersion = "phishx-fs-2"

// HashBits is the width of the hashed feature space: every feature index
// lies in [0, Dim).
const (
	HashBits = 18
	Dim      = 1 << HashBits
)

// Sentinel errors. Extract wraps them in a *LimitError when a hard limit
// rejects the whole message.
var (
	// ErrTooLarge: the raw message exceeds Config.MaxMessageBytes.
	ErrTooLarge = errors.New("message too large")
	// ErrDeadline: the context ended before extraction finished.
	ErrDeadline = errors.New("extraction deadline exceeded")
)

// LimitError reports which hard limit rejected a message. Its text names
// the limit, never message content.
type LimitError struct {
	Limit string // the Config field, e.g. "MaxMessageBytes"
	Err   error
}

func (e *LimitError) Error() string { return fmt.Sprintf("features: %s: %v", e.Limit, e.Err) }

// Unwrap returns the sentinel error.
func (e *LimitError) Unwrap() error { return e.Err }

// Config bounds the work done on one message. Hitting a soft limit
// (everything but MaxMessageBytes and the context) truncates the walk and
// records a "limits_hit" signal; the message is still scored.
type Config struct {
	MaxMessageBytes int // raw messages larger than this are rejected
	MaxHeaderBytes  int // header block bytes parsed per part
	MaxHeaderFields int // header fields kept per part
	MaxPartBytes    int // decoded bytes kept per MIME part
	MaxParts        int // MIME parts walked per message
	MaxDepth        int // multipart / message nesting depth
	MaxTextBytes    int // normalised text kept for n-grams, across parts
	MaxLinks        int // links analysed
	MaxHTMLTokens   int // HTML tokens read per part
	MaxWords        int // word tokens hashed
	MaxCharGrams    int // character n-grams hashed
	MaxArchiveFiles int // names read from a zip attachment
	// Timeout is the budget the score stage gives one extraction (the
	// library itself obeys whatever context it gets).
	Timeout time.Duration
}

// DefaultConfig returns limits that keep a typical message under 100 us
// and any hostile one within a few milliseconds of linear scanning.
func DefaultConfig() Config {
	return Config{
		MaxMessageBytes: 64 << 20,
		MaxHeaderBytes:  256 << 10,
		MaxHeaderFields: 1000,
		MaxPartBytes:    1 << 20,
		MaxParts:        128,
		MaxDepth:        8,
		MaxTextBytes:    32 << 10,
		MaxLinks:        512,
		MaxHTMLTokens:   100000,
		MaxWords:        1500,
		MaxCharGrams:    2500,
		MaxArchiveFiles: 256,
		Timeout:         250 * time.Millisecond,
	}
}

// Validate names the first field that is out of range.
func (c Config) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{
		{"MaxMessageBytes", c.MaxMessageBytes},
		{"MaxHeaderBytes", c.MaxHeaderBytes},
		{"MaxHeaderFields", c.MaxHeaderFields},
		{"MaxPartBytes", c.MaxPartBytes},
		{"MaxParts", c.MaxParts},
		{"MaxDepth", c.MaxDepth},
		{"MaxTextBytes", c.MaxTextBytes},
		{"MaxLinks", c.MaxLinks},
		{"MaxHTMLTokens", c.MaxHTMLTokens},
		{"MaxWords", c.MaxWords},
		{"MaxCharGrams", c.MaxCharGrams},
		{"MaxArchiveFiles", c.MaxArchiveFiles},
	} {
		if f.v <= 0 {
			return fmt.Errorf("features config: %s must be positive, got %d", f.name, f.v)
		}
	}
	if c.Timeout <= 0 {
		return fmt.Errorf("features config: Timeout must be positive, got %s", c.Timeout)
	}
	return nil
}
