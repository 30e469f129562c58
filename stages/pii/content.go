package pii

import (
	"bytes"
	"encoding/base64"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"strings"
)

// content extracts what a reader of one message sees: its subject and the
// decoded text of its text/plain and text/html parts, never its headers'
// addresses. It is bounded three ways: at most max bytes of text, at most
// maxParts MIME parts looked at, at most maxDepth levels of nested
// multiparts. Malformed MIME ends the walk early and keeps the text found so
// far; it is never an error, because the stage is informational.
type content struct {
	out      strings.Builder
	max      int
	parts    int
	maxParts int
	maxDepth int
	scratch  *bytes.Buffer // decoded part, reused across parts (and calls, via Stage)
}

// room is how many more bytes of text fit.
func (c *content) room() int { return c.max - c.out.Len() }

// add appends s, cut to the room left, after a line break so text from
// different parts never runs together into one match.
func (c *content) add(s string) {
	if c.out.Len() > 0 && c.room() > 0 {
		c.out.WriteByte('\n')
	}
	if r := c.room(); len(s) > r {
		s = s[:max(r, 0)]
	}
	c.out.WriteString(s)
}

// extract returns the subject (the given one, or the message's decoded
// Subject header when it is empty) and body text of raw.
func (c *content) extract(raw []byte, subject string) string {
	// Text is usually much smaller than the raw message (headers,
	// encodings, attachments): start small and let the builder grow.
	c.out.Grow(min(c.max, min(len(raw), 4096)+len(subject)+1))
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		// No parsable header block: treat what follows the first blank
		// line, if any, as plain text; a message that is all header has no
		// content to scan.
		c.add(subject)
		if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
			c.addText("text/plain", bytes.NewReader(raw[i+4:]), "")
		} else if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
			c.addText("text/plain", bytes.NewReader(raw[i+2:]), "")
		}
		return c.out.String()
	}
	if subject == "" {
		subject = decodeHeader(msg.Header.Get("Subject"))
	}
	c.add(subject)
	c.walk(textproto.MIMEHeader(msg.Header), msg.Body, 0)
	return c.out.String()
}

// decodeHeader decodes RFC 2047 encoded words; a value that does not decode
// (unknown charset, bad encoding) is used as it is.
func decodeHeader(v string) string {
	if !strings.Contains(v, "=?") {
		return v
	}
	var d mime.WordDecoder
	if s, err := d.DecodeHeader(v); err == nil {
		return s
	}
	return v
}

// walk adds the text of one entity (a message body or a MIME part).
func (c *content) walk(h textproto.MIMEHeader, body io.Reader, depth int) {
	if c.room() <= 0 {
		return
	}
	ctype, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		ctype = "text/plain" // RFC 2045's default, also for a broken header
	}
	if disp, _, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil && disp == "attachment" {
		return
	}
	switch {
	case strings.HasPrefix(ctype, "multipart/"):
		if depth >= c.maxDepth || params["boundary"] == "" {
			return
		}
		c.walkMultipart(ctype, params["boundary"], body, depth)
	case ctype == "text/plain" || ctype == "text/html":
		c.addText(ctype, body, h.Get("Content-Transfer-Encoding"))
	}
}

// walkMultipart adds the text of each part. In multipart/alternative an
// HTML part after a plain one is skipped: it says the same again.
func (c *content) walkMultipart(ctype, boundary string, body io.Reader, depth int) {
	mr := multipart.NewReader(body, boundary)
	sawPlain := false
	for c.room() > 0 && c.parts < c.maxParts {
		p, err := mr.NextRawPart()
		if err != nil {
			return // io.EOF or malformed: keep what was found
		}
		c.parts++
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if ctype == "multipart/alternative" && sawPlain && pt == "text/html" {
			continue
		}
		c.walk(p.Header, p, depth+1)
		if pt == "text/plain" || pt == "" {
			sawPlain = true
		}
	}
}

// htmlReadFactor bounds how much HTML is decoded per byte of room: markup
// is mostly tags, but it is not read without limit.
const htmlReadFactor = 4

// addText decodes the transfer encoding of body and adds its text (tags
// removed for HTML).
func (c *content) addText(ctype string, body io.Reader, cte string) {
	limit := c.room()
	if ctype == "text/html" {
		limit *= htmlReadFactor
	}
	qp := false
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		// Decoded in place below: mime/quotedprintable's reader costs more
		// than the detection itself, and an encoded byte is at most 3.
		qp = true
		limit *= 3
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, &skipSpace{r: body})
	}
	if c.scratch == nil {
		c.scratch = new(bytes.Buffer)
	}
	c.scratch.Reset()
	// A decoding error keeps the text decoded before it.
	_, _ = c.scratch.ReadFrom(io.LimitReader(body, int64(limit)))
	text := c.scratch.Bytes()
	if qp {
		text = decodeQP(text)
	}
	if ctype == "text/html" {
		c.add(htmlText(text))
		return
	}
	c.add(string(text))
}

// decodeQP decodes quoted-printable text in place: "=" and a line break is
// a soft break, "=XX" a byte; anything else (a malformed escape) is kept as
// it is, as lenient readers do.
func decodeQP(b []byte) []byte {
	j := 0
	for i := 0; i < len(b); i++ {
		if b[i] != '=' {
			b[j] = b[i]
			j++
			continue
		}
		k := i + 1
		for k < len(b) && (b[k] == ' ' || b[k] == '\t') {
			k++ // transport padding before a soft break
		}
		switch {
		case k < len(b) && b[k] == '\n':
			i = k
		case k+1 < len(b) && b[k] == '\r' && b[k+1] == '\n':
			i = k + 1
		case k == len(b):
			i = k // a soft break cut off by the read limit
		case i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]):
			b[j] = unhex(b[i+1])<<4 | unhex(b[i+2])
			j++
			i += 2
		default:
			b[j] = '='
			j++
		}
	}
	return b[:j]
}

func isHex(c byte) bool { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }

func unhex(c byte) byte {
	if isDigit(c) {
		return c - '0'
	}
	return c | 0x20 - 'a' + 10
}

// skipSpace drops CR, LF, tabs and spaces, which base64 bodies are wrapped
// with and encoding/base64 only partly ignores.
type skipSpace struct{ r io.Reader }

func (s *skipSpace) Read(p []byte) (int, error) {
	for range 100 {
		n, err := s.r.Read(p)
		j := 0
		for _, b := range p[:n] {
			if b != '\r' && b != '\n' && b != ' ' && b != '\t' {
				p[j] = b
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
	return 0, io.ErrNoProgress // nothing but spaces, read after read
}

// htmlText reduces HTML to text crudely: tags become spaces, script and
// style elements and comments are dropped, entities are decoded.
func htmlText(b []byte) string {
	var out strings.Builder
	out.Grow(len(b) / 2)
	for i := 0; i < len(b); {
		lt := bytes.IndexByte(b[i:], '<')
		if lt < 0 {
			out.Write(b[i:])
			break
		}
		out.Write(b[i : i+lt])
		i += lt
		switch {
		case bytes.HasPrefix(b[i:], []byte("<!--")):
			i = skipPast(b, i+4, "-->")
		case hasPrefixFold(b[i:], "<script"):
			i = skipPast(b, i, "</script>")
		case hasPrefixFold(b[i:], "<style"):
			i = skipPast(b, i, "</style>")
		default:
			i = skipPast(b, i, ">")
		}
		out.WriteByte(' ')
	}
	s := out.String()
	if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
	}
	return s
}

// skipPast returns the index after the first end at or after b[i:] (end
// matched without case), or len(b).
func skipPast(b []byte, i int, end string) int {
	for j := i; j+len(end) <= len(b); j++ {
		k := bytes.IndexByte(b[j:], end[0])
		if k < 0 {
			break
		}
		j += k
		if hasPrefixFold(b[j:], end) {
			return j + len(end)
		}
	}
	return len(b)
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && strings.EqualFold(string(b[:len(prefix)]), prefix)
}
