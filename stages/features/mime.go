package features

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"mime"
	"path"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
)

// link is one URL found in the body.
type link struct {
	href string
	text string // anchor text for HTML links, "" for bare URLs
}

// attachment is one attached file, by name and declared type only.
type attachment struct {
	name     string // lower-cased file name, may be ""
	ctype    string
	inZip    []string // lower-cased names inside a zip, when readable
	zipRead  bool
	declared string // Content-Disposition type
}

// walker walks the MIME tree of one message within the limits of cfg.
type walker struct {
	ctx   context.Context
	cfg   *Config
	parts int

	text  []byte // normalised body text, capped at cfg.MaxTextBytes
	links []link
	atts  []attachment

	hasText                bool // a text/plain or text/html part was read
	htmlForm, htmlPassword bool
	htmlScript             bool

	limits []string // names of soft limits hit, in order, unique
	err    error    // set when the context ends
}

func (w *walker) hit(limit string) {
	for _, l := range w.limits {
		if l == limit {
			return
		}
	}
	w.limits = append(w.limits, limit)
}

func (w *walker) alive() bool {
	if w.err != nil {
		return false
	}
	if err := w.ctx.Err(); err != nil {
		w.err = err
		return false
	}
	return true
}

// walk handles one entity: its (content-only) header fields and its raw
// body.
func (w *walker) walk(hdr []field, body []byte, depth int) {
	if !w.alive() {
		return
	}
	if w.parts >= w.cfg.MaxParts {
		w.hit("MaxParts")
		return
	}
	w.parts++
	ctype, params, err := mime.ParseMediaType(get(hdr, "content-type"))
	if err != nil || ctype == "" {
		ctype, params = "text/plain", nil
	}
	disp, dparams, _ := mime.ParseMediaType(get(hdr, "content-disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	name = strings.ToLower(decodeHeader(name))

	switch {
	case strings.HasPrefix(ctype, "multipart/"):
		if depth >= w.cfg.MaxDepth {
			w.hit("MaxDepth")
			return
		}
		boundary := params["boundary"]
		if boundary == "" {
			w.textPart("text/plain", params, hdr, body)
			return
		}
		for _, p := range w.splitMultipart(body, boundary) {
			if !w.alive() {
				return
			}
			h, b := splitMessage(p)
			fields, trunc := parseHeader(h, w.cfg, partHeader)
			if trunc {
				w.hit("MaxHeaderBytes")
			}
			w.walk(fields, b, depth+1)
		}
	case ctype == "message/rfc822" || ctype == "message/global":
		if depth >= w.cfg.MaxDepth {
			w.hit("MaxDepth")
			return
		}
		h, b := splitMessage(w.decodeTransfer(hdr, body))
		fields, trunc := parseHeader(h, w.cfg, partHeader)
		if trunc {
			w.hit("MaxHeaderBytes")
		}
		w.walk(fields, b, depth+1)
	case disp == "attachment" || name != "" && !strings.HasPrefix(ctype, "text/") ||
		name != "" && disp != "inline":
		w.attachment(ctype, disp, name, hdr, body)
	case ctype == "text/html" || ctype == "text/plain" || ctype == "text/enriched":
		w.textPart(ctype, params, hdr, body)
	default:
		// Inline images and other non-text parts: structure only.
		if name != "" || !strings.HasPrefix(ctype, "image/") {
			w.attachment(ctype, disp, name, hdr, body)
		}
	}
}

// splitMultipart returns the bodies between boundary delimiters, at most
// MaxParts of them. The preamble and epilogue are dropped.
func (w *walker) splitMultipart(body []byte, boundary string) [][]byte {
	delim := []byte("--" + boundary)
	var parts [][]byte
	start := -1 // start of the current part's content
	i := 0
	for i <= len(body) {
		j := bytes.Index(body[i:], delim)
		if j < 0 {
			break
		}
		pos := i + j
		i = pos + len(delim)
		if pos > 0 && body[pos-1] != '\n' {
			continue
		}
		if start >= 0 {
			end := pos
			if end > start && body[end-1] == '\n' {
				end--
			}
			if len(parts) == w.cfg.MaxParts {
				w.hit("MaxParts")
				return parts
			}
			parts = append(parts, body[start:end])
		}
		if bytes.HasPrefix(body[i:], []byte("--")) {
			return parts
		}
		nl := bytes.IndexByte(body[i:], '\n')
		if nl < 0 {
			return parts
		}
		start = i + nl + 1
		i = start
	}
	if start >= 0 && start < len(body) && len(parts) < w.cfg.MaxParts {
		// Missing closing delimiter: keep what is there.
		parts = append(parts, body[start:])
	}
	return parts
}

// decodeTransfer undoes the Content-Transfer-Encoding, keeping at most
// MaxPartBytes of output.
func (w *walker) decodeTransfer(hdr []field, body []byte) []byte {
	limit := w.cfg.MaxPartBytes
	switch strings.ToLower(strings.TrimSpace(get(hdr, "content-transfer-encoding"))) {
	case "base64":
		out, trunc := decodeBase64(body, limit)
		if trunc {
			w.hit("MaxPartBytes")
		}
		return out
	case "quoted-printable":
		out, trunc := decodeQP(body, limit)
		if trunc {
			w.hit("MaxPartBytes")
		}
		return out
	}
	if len(body) > limit {
		w.hit("MaxPartBytes")
		return body[:limit]
	}
	return body
}

// decodeBase64 decodes leniently: bytes outside the alphabet are skipped,
// a trailing partial quantum is dropped.
func decodeBase64(in []byte, limit int) ([]byte, bool) {
	maxIn := (limit/3 + 1) * 4
	clean := make([]byte, 0, min(len(in), maxIn))
	trunc := false
	for _, c := range in {
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
			if len(clean) == maxIn {
				trunc = true
				break
			}
			clean = append(clean, c)
		}
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err := base64.RawStdEncoding.Decode(out, clean)
	if err != nil {
		return out[:n], trunc
	}
	if n > limit {
		return out[:limit], true
	}
	return out[:n], trunc
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// decodeQP decodes quoted-printable leniently: a '=' not followed by two
// hex digits or a line break is kept as is.
func decodeQP(in []byte, limit int) ([]byte, bool) {
	out := make([]byte, 0, min(len(in), limit))
	for i := 0; i < len(in); i++ {
		if len(out) >= limit {
			return out, true
		}
		c := in[i]
		if c != '=' {
			out = append(out, c)
			continue
		}
		// Soft line break: '=' then optional spaces then LF.
		k := i + 1
		for k < len(in) && (in[k] == ' ' || in[k] == '\t') {
			k++
		}
		if k < len(in) && in[k] == '\n' {
			i = k
			continue
		}
		if k == len(in) {
			i = k
			continue
		}
		if i+2 < len(in) {
			hi, ok1 := unhex(in[i+1])
			lo, ok2 := unhex(in[i+2])
			if ok1 && ok2 {
				out = append(out, hi<<4|lo)
				i += 2
				continue
			}
		}
		out = append(out, c)
	}
	return out, false
}

// toUTF8 converts b from the named charset to valid UTF-8. Unknown or
// broken charsets degrade to replacing invalid bytes.
func toUTF8(b []byte, label string) []byte {
	label = strings.ToLower(strings.TrimSpace(label))
	switch label {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
	default:
		if enc, _ := charset.Lookup(label); enc != nil {
			if out, err := enc.NewDecoder().Bytes(b); err == nil {
				b = out
			}
		}
	}
	if !utf8.Valid(b) {
		b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	return b
}

func (w *walker) textPart(ctype string, params map[string]string, hdr []field, body []byte) {
	data := toUTF8(w.decodeTransfer(hdr, body), params["charset"])
	data = normalizeNewlines(data)
	if ctype == "text/html" {
		w.hasText = true
		w.html(data)
		return
	}
	w.hasText = true
	s := replacePlaceholders(string(data))
	w.addText(s)
	w.bareURLs(s)
}

func (w *walker) addText(s string) {
	room := w.cfg.MaxTextBytes - len(w.text)
	if room <= 0 {
		if len(s) > 0 {
			w.hit("MaxTextBytes")
		}
		return
	}
	if len(s) > room {
		w.hit("MaxTextBytes")
		s = s[:room]
	}
	w.text = append(w.text, s...)
	w.text = append(w.text, '\n')
}

func (w *walker) addLink(href, text string) {
	if len(w.links) >= w.cfg.MaxLinks {
		w.hit("MaxLinks")
		return
	}
	w.links = append(w.links, link{href: href, text: text})
}

// bareURLs finds http(s):// and www. URLs in plain text.
func (w *walker) bareURLs(s string) {
	i := 0
	for i < len(s) {
		j := indexURLStart(s[i:])
		if j < 0 {
			return
		}
		start := i + j
		end := start
		for end < len(s) && isURLByte(s[end]) {
			end++
		}
		u := strings.TrimRight(s[start:end], ".,;:!?)]}'\"")
		if len(w.links) >= w.cfg.MaxLinks {
			w.hit("MaxLinks")
			return
		}
		w.addLink(u, "")
		i = end
		if i == start {
			i++
		}
	}
}

// indexURLStart finds the first "http://", "https://" or "www." in s,
// ASCII case-insensitively, in one pass.
func indexURLStart(s string) int {
	for i := 0; i+4 <= len(s); i++ {
		switch s[i] | 0x20 {
		case 'h':
			if hasPrefixFold(s[i:], "http://") || hasPrefixFold(s[i:], "https://") {
				return i
			}
		case 'w':
			if hasPrefixFold(s[i:], "www.") && (i == 0 || !isURLByte(s[i-1]) || s[i-1] == '/') {
				return i
			}
		}
	}
	return -1
}

func hasPrefixFold(s, lowerPrefix string) bool {
	if len(s) < len(lowerPrefix) {
		return false
	}
	for k := 0; k < len(lowerPrefix); k++ {
		b := s[k]
		if b >= 'A' && b <= 'Z' {
			b |= 0x20
		}
		if b != lowerPrefix[k] {
			return false
		}
	}
	return true
}

func isURLByte(c byte) bool {
	return c > ' ' && c < 0x7f && c != '<' && c != '>' && c != '"' && c != '`' && c != '{' && c != '}' && c != '|' && c != '\\' && c != '^'
}

func (w *walker) attachment(ctype, disp, name string, hdr []field, body []byte) {
	a := attachment{name: name, ctype: ctype, declared: disp}
	if ext := path.Ext(name); ext == ".zip" || ctype == "application/zip" || ctype == "application/x-zip-compressed" {
		data := w.decodeTransfer(hdr, body)
		if zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err == nil {
			a.zipRead = true
			for k, f := range zr.File {
				if k == w.cfg.MaxArchiveFiles {
					w.hit("MaxArchiveFiles")
					break
				}
				a.inZip = append(a.inZip, strings.ToLower(f.Name))
			}
		}
	}
	w.atts = append(w.atts, a)
}
