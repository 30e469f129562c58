package loadgen

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/phishx/phishx/schemas"
)

// DefaultMaxEMLSize is the largest .eml file ReadEML and WalkEML accept.
const DefaultMaxEMLSize = 25 << 20

// MaxEnvelopeRecipients caps the recipients FromEML takes from To and Cc.
const MaxEnvelopeRecipients = 100

// ErrTooLarge is wrapped by the *EMLError for a file over the size limit.
var ErrTooLarge = errors.New("message too large")

// EMLError names the file an .eml helper could not read.
type EMLError struct {
	Path string
	Err  error
}

func (e *EMLError) Error() string { return fmt.Sprintf("loadgen: eml %q: %v", e.Path, e.Err) }

// Unwrap returns the cause.
func (e *EMLError) Unwrap() error { return e.Err }

// ReadEML reads one message file of at most DefaultMaxEMLSize bytes.
func ReadEML(path string) ([]byte, error) {
	return ReadEMLLimit(path, DefaultMaxEMLSize)
}

// ReadEMLLimit reads one message file of at most limit bytes; a larger file
// gives an *EMLError wrapping ErrTooLarge without being read whole.
func ReadEMLLimit(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &EMLError{Path: path, Err: err}
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, &EMLError{Path: path, Err: err}
	}
	if int64(len(raw)) > limit {
		return nil, &EMLError{Path: path, Err: fmt.Errorf("%w: over %d bytes", ErrTooLarge, limit)}
	}
	return raw, nil
}

// WalkEML calls fn for path, when it is a file, or for every *.eml file
// under it, in lexical order, each at most DefaultMaxEMLSize bytes.
func WalkEML(path string, fn func(path string, raw []byte) error) error {
	return WalkEMLLimit(path, DefaultMaxEMLSize, fn)
}

// WalkEMLLimit is WalkEML with a size limit per file. It stops at the first
// error, from reading or from fn, and returns it; symbolic links to
// directories are not followed.
func WalkEMLLimit(path string, limit int64, fn func(path string, raw []byte) error) error {
	return filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return &EMLError{Path: p, Err: err}
		}
		if d.IsDir() {
			return nil
		}
		if p != path && !strings.EqualFold(filepath.Ext(p), ".eml") {
			return nil
		}
		if !d.Type().IsRegular() && p != path {
			return nil
		}
		raw, err := ReadEMLLimit(p, limit)
		if err != nil {
			return err
		}
		return fn(p, raw)
	})
}

// FromEML turns a raw message into an event, as a gateway would report
// it: the tenant, gateway, event id and client address come from the
// generator, the envelope from the From, To and Cc headers. Garbage is
// tolerated: when no sender can be found EnvelopeFrom is "", and when no
// recipient can be found the event gets one generated recipient of the
// tenant, since a gateway always has one. raw is kept, not copied.
func (g *Generator) FromEML(raw []byte) *schemas.EmailEvent {
	now := g.cfg.Clock()
	t := g.tenants[g.rng.IntN(len(g.tenants))]
	ev := &schemas.EmailEvent{
		EventID:    g.uuid(),
		Tenant:     t.name,
		Gateway:    g.cfg.Gateways[g.rng.IntN(len(g.cfg.Gateways))],
		ReceivedAt: now.UTC().Truncate(time.Millisecond),
		ClientIP:   g.clientIP(),
		RawMessage: raw,
	}
	var from string
	var to []string
	if msg, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		from = firstAddress(msg.Header.Get("From"))
		to = addresses(to, msg.Header.Get("To"))
		to = addresses(to, msg.Header.Get("Cc"))
	}
	ev.EnvelopeFrom = from
	if len(to) == 0 {
		to = append(to, g.address(g.person(), t.domain))
	}
	ev.EnvelopeTo = to
	return ev
}

// firstAddress returns the first address in a header value, "" when none.
func firstAddress(v string) string {
	if as := addresses(nil, v); len(as) > 0 {
		return as[0]
	}
	return ""
}

// addresses appends the addresses in a header value to dst, falling back to
// a token scan for headers net/mail rejects.
func addresses(dst []string, v string) []string {
	if v == "" || len(dst) >= MaxEnvelopeRecipients {
		return dst
	}
	if list, err := mail.ParseAddressList(v); err == nil {
		for _, a := range list {
			if len(dst) >= MaxEnvelopeRecipients {
				break
			}
			dst = append(dst, a.Address)
		}
		return dst
	}
	for _, tok := range strings.FieldsFunc(v, func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '<' || r == '>' || r == '"' || r == '(' || r == ')'
	}) {
		if len(dst) >= MaxEnvelopeRecipients {
			break
		}
		at := strings.IndexByte(tok, '@')
		if at > 0 && at < len(tok)-1 && len(tok) <= 254 {
			dst = append(dst, tok)
		}
	}
	return dst
}

// LabelFromPath reads the label of a corpus file from its folder: a path
// with a "phish" component is phish, one with "ham" is not, and ok is false
// when it has neither.
func LabelFromPath(path string) (phish, ok bool) {
	for _, part := range strings.Split(filepath.ToSlash(filepath.Dir(path)), "/") {
		switch strings.ToLower(part) {
		case "phish", "phishing":
			return true, true
		case "ham", "legit":
			return false, true
		}
	}
	return false, false
}
