package features

import (
	"bytes"
	"io"
	"mime"
	"net/mail"
	"strings"

	"golang.org/x/net/html/charset"
)

// field is one header field: its name lower-cased, its value unfolded.
type field struct {
	name  string
	value string
}

// splitMessage splits an LF-normalised message at the first empty line.
// A message without one is all header.
func splitMessage(b []byte) (hdr, body []byte) {
	if len(b) > 0 && b[0] == '\n' {
		return nil, b[1:]
	}
	if i := bytes.Index(b, []byte("\n\n")); i >= 0 {
		return b[:i+1], b[i+2:]
	}
	return b, nil
}

// headerLines calls fn for each field of an LF-normalised header block,
// with the raw lines of the field (continuations included). Lines that are
// neither a field nor a continuation are skipped. It stops after max
// fields and reports whether it did.
func headerLines(hdr []byte, max int, fn func(name string, raw []byte)) (truncated bool) {
	n := 0
	for len(hdr) > 0 {
		end := bytes.IndexByte(hdr, '\n')
		if end < 0 {
			end = len(hdr)
		} else {
			end++
		}
		// Extend over continuation lines.
		for end < len(hdr) && (hdr[end] == ' ' || hdr[end] == '\t') {
			next := bytes.IndexByte(hdr[end:], '\n')
			if next < 0 {
				end = len(hdr)
			} else {
				end += next + 1
			}
		}
		line := hdr[:end]
		hdr = hdr[end:]
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || bytes.ContainsAny(line[:colon], " \t\n") {
			continue
		}
		if n == max {
			return true
		}
		n++
		fn(string(bytes.ToLower(line[:colon])), line)
	}
	return false
}

// parseHeader returns the fields of an LF-normalised header block that
// the feature set may read: keep decides by lower-case name.
func parseHeader(hdr []byte, cfg *Config, keep func(string) bool) (fields []field, truncated bool) {
	if len(hdr) > cfg.MaxHeaderBytes {
		hdr, truncated = hdr[:cfg.MaxHeaderBytes], true
	}
	t := headerLines(hdr, cfg.MaxHeaderFields, func(name string, raw []byte) {
		if !keep(name) {
			return
		}
		v := raw[bytes.IndexByte(raw, ':')+1:]
		fields = append(fields, field{name: name, value: unfold(v)})
	})
	return fields, truncated || t
}

func unfold(v []byte) string {
	v = bytes.TrimSpace(v)
	if bytes.IndexByte(v, '\n') < 0 {
		return string(v)
	}
	var sb strings.Builder
	sb.Grow(len(v))
	for i, line := range bytes.Split(v, []byte("\n")) {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.Write(bytes.TrimSpace(line))
	}
	return sb.String()
}

// modelHeader reports whether a top-level header may feed the model: only
// the ones the sanitized view keeps. Everything else (relay, vendor,
// authentication, list, date and id headers) is a corpus confounder.
func modelHeader(name string) bool {
	switch name {
	case "from", "reply-to", "to", "cc", "subject", "mime-version":
		return true
	}
	return strings.HasPrefix(name, "content-")
}

// partHeader reports whether a MIME part header is read.
func partHeader(name string) bool { return strings.HasPrefix(name, "content-") }

func get(fields []field, name string) string {
	for _, f := range fields {
		if f.name == name {
			return f.value
		}
	}
	return ""
}

// wordDecoder decodes RFC 2047 encoded words in any charset the html
// charset package knows.
var wordDecoder = &mime.WordDecoder{CharsetReader: func(label string, r io.Reader) (io.Reader, error) {
	return charset.NewReaderLabel(label, r)
}}

func decodeHeader(v string) string {
	if !strings.Contains(v, "=?") {
		return v
	}
	d, err := wordDecoder.DecodeHeader(v)
	if err != nil {
		return v
	}
	return d
}

// address is a parsed mailbox.
type address struct {
	name   string // display name, decoded
	addr   string // local@domain, lower-cased
	domain string
}

// parseAddresses parses an address list leniently: the strict parser
// first, then a scan for anything that looks like local@domain.
func parseAddresses(v string) []address {
	if v == "" {
		return nil
	}
	p := mail.AddressParser{WordDecoder: wordDecoder}
	if list, err := p.ParseList(v); err == nil {
		out := make([]address, 0, len(list))
		for _, a := range list {
			out = append(out, newAddress(a.Name, a.Address))
		}
		return out
	}
	dv := decodeHeader(v)
	lt := strings.LastIndexByte(dv, '<')
	name, rest := "", dv
	if lt >= 0 {
		name, rest = strings.Trim(strings.TrimSpace(dv[:lt]), `"'`), dv[lt+1:]
	}
	if a, ok := firstAddress(rest); ok {
		return []address{newAddress(name, a)}
	}
	return nil
}

func newAddress(name, addr string) address {
	addr = replacePlaceholders(strings.ToLower(strings.TrimSpace(addr)))
	a := address{name: replacePlaceholders(strings.TrimSpace(name)), addr: addr}
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		a.domain = strings.TrimSuffix(addr[at+1:], ".")
	}
	return a
}

// firstAddress finds the first local@domain in s.
func firstAddress(s string) (string, bool) {
	at := strings.IndexByte(s, '@')
	if at < 0 {
		return "", false
	}
	lo, hi := addrBounds(s, at)
	if lo == at || hi == at+1 {
		return "", false
	}
	return s[lo:hi], true
}
