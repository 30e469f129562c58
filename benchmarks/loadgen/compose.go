package loadgen

import (
	"bytes"
	"encoding/base64"
	"mime"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// A message is built in two steps: a template fills a message (addresses,
// subject and a list of blocks), then render writes it as RFC 822/MIME.
// Blocks render both as text/plain and as text/html, so one template gives
// plain, alternative and HTML-only mail.

type blockKind uint8

const (
	blockPara    blockKind = iota // a paragraph of prose
	blockHeading                  // a short title line
	blockLink                     // text, then its link; in HTML an <a> whose text is text
	blockButton                   // like blockLink, styled as a button in HTML
	blockRows                     // key/value rows: items[2i] is a key, items[2i+1] its value
	blockList                     // bullet items
	blockQuote                    // an earlier message, quoted with "> "
	blockHidden                   // HTML only, not displayed (filler, tracking)
)

type block struct {
	kind  blockKind
	text  string
	href  string
	items []string
}

type bodyFormat uint8

const (
	formatPlain       bodyFormat = iota // text/plain only
	formatAlternative                   // multipart/alternative text + HTML
	formatHTML                          // text/html only
)

type transferEncoding uint8

const (
	enc7bit transferEncoding = iota
	enc8bit
	encQP
	encBase64
)

func (e transferEncoding) String() string {
	switch e {
	case enc8bit:
		return "8bit"
	case encQP:
		return "quoted-printable"
	case encBase64:
		return "base64"
	default:
		return "7bit"
	}
}

type attachment struct {
	name  string
	ctype string
	data  []byte
}

type header struct{ name, value string }

type message struct {
	fromName, fromAddr string
	replyTo            string // formatted address, "" for none
	to                 []mail.Address
	toGroup            string // when set, To is this group (e.g. "undisclosed-recipients:;")
	cc                 []mail.Address
	subject            string
	date               time.Time
	messageID          string // with its angle brackets
	blocks             []block
	format             bodyFormat
	textEnc, htmlEnc   transferEncoding
	attachments        []attachment
	headers            []header // extra headers, written after Subject
	boundaryStyle      int
	b64Subject         bool
	css                string // HTML head style, varies by sender
}

func (m *message) reset() {
	*m = message{
		to:          m.to[:0],
		cc:          m.cc[:0],
		blocks:      m.blocks[:0],
		attachments: m.attachments[:0],
		headers:     m.headers[:0],
	}
}

func (m *message) add(kind blockKind, text string) {
	m.blocks = append(m.blocks, block{kind: kind, text: text})
}

func (m *message) link(kind blockKind, text, href string) {
	m.blocks = append(m.blocks, block{kind: kind, text: text, href: href})
}

func (m *message) rows(kv ...string) {
	m.blocks = append(m.blocks, block{kind: blockRows, items: kv})
}

func (m *message) list(items ...string) {
	m.blocks = append(m.blocks, block{kind: blockList, items: items})
}

// textSize estimates the rendered size of the message, so templates can
// grow it towards a target size.
func (m *message) textSize() int {
	n := 0
	for i := range m.blocks {
		b := &m.blocks[i]
		n += len(b.text) + len(b.href) + 4
		for _, it := range b.items {
			n += len(it) + 4
		}
	}
	var size float64
	switch m.format {
	case formatPlain:
		size = float64(n) * m.textEnc.growth()
	case formatHTML:
		size = float64(n) * 1.6 * m.htmlEnc.growth()
	default:
		size = float64(n)*m.textEnc.growth() + float64(n)*1.6*m.htmlEnc.growth()
	}
	for _, a := range m.attachments {
		size += float64(len(a.data)) * 1.37
	}
	return int(size) + 700 // headers and MIME framing
}

// growth is how much an encoding grows typical text.
func (e transferEncoding) growth() float64 {
	switch e {
	case encBase64:
		return 1.37
	case encQP:
		return 1.08
	default:
		return 1
	}
}

// renderer holds the scratch buffers of one generator.
type renderer struct {
	out  buffer
	text buffer
	html buffer
	line []byte
}

// buffer is an append-only byte slice; cheaper than bytes.Buffer on the
// many small writes rendering does.
type buffer struct{ b []byte }

func (w *buffer) str(s string)     { w.b = append(w.b, s...) }
func (w *buffer) ch(c byte)        { w.b = append(w.b, c) }
func (w *buffer) raw(p []byte)     { w.b = append(w.b, p...) }
func (w *buffer) reset()           { w.b = w.b[:0] }
func (w *buffer) hasCRLFEnd() bool { return bytes.HasSuffix(w.b, []byte(crlf)) }

const crlf = "\r\n"

// render writes m to r.out and returns it; the slice is valid until the next
// render.
func (r *renderer) render(m *message, boundary func(style int) string) []byte {
	out := &r.out
	out.reset()

	r.header("Message-ID", m.messageID)
	r.header("Date", string(m.date.AppendFormat(r.line[:0], time.RFC1123Z)))
	r.header("From", (&mail.Address{Name: m.fromName, Address: m.fromAddr}).String())
	if m.replyTo != "" {
		r.header("Reply-To", m.replyTo)
	}
	if m.toGroup != "" {
		r.header("To", m.toGroup)
	} else {
		r.header("To", joinAddrs(m.to))
	}
	if len(m.cc) > 0 {
		r.header("Cc", joinAddrs(m.cc))
	}
	r.header("Subject", encodeSubject(m.subject, m.b64Subject))
	for _, h := range m.headers {
		r.header(h.name, h.value)
	}
	r.header("MIME-Version", "1.0")

	if len(m.attachments) == 0 {
		r.body(m, boundary)
		return out.b
	}
	mixed := boundary(m.boundaryStyle)
	r.header("Content-Type", `multipart/mixed; boundary="`+mixed+`"`)
	out.str(crlf)
	out.str("This is a multi-part message in MIME format." + crlf)
	out.str(crlf + "--" + mixed + crlf)
	r.body(m, boundary)
	for _, a := range m.attachments {
		out.str(crlf + "--" + mixed + crlf)
		name := encodeParam(a.name)
		r.header("Content-Type", a.ctype+"; name="+name)
		r.header("Content-Disposition", "attachment; filename="+name)
		r.header("Content-Transfer-Encoding", "base64")
		out.str(crlf)
		writeBase64(out, a.data)
	}
	out.str(crlf + "--" + mixed + "--" + crlf)
	return out.b
}

// body writes the Content-Type header of the message body and the body.
func (r *renderer) body(m *message, boundary func(style int) string) {
	switch m.format {
	case formatPlain:
		r.renderText(m)
		r.part("text/plain", r.text.b, m.textEnc)
	case formatHTML:
		r.renderHTML(m)
		r.part("text/html", r.html.b, m.htmlEnc)
	default:
		r.renderText(m)
		r.renderHTML(m)
		alt := boundary(m.boundaryStyle + 1)
		r.header("Content-Type", `multipart/alternative; boundary="`+alt+`"`)
		r.out.str(crlf + "--" + alt + crlf)
		r.part("text/plain", r.text.b, m.textEnc)
		r.out.str(crlf + "--" + alt + crlf)
		r.part("text/html", r.html.b, m.htmlEnc)
		r.out.str(crlf + "--" + alt + "--" + crlf)
	}
}

// part writes the headers and the encoded content of one text part.
func (r *renderer) part(ctype string, content []byte, enc transferEncoding) {
	ascii := isASCII(content)
	if !ascii && enc == enc7bit {
		enc = encQP
	}
	charset := "utf-8"
	if ascii && enc == enc7bit {
		charset = "us-ascii"
	}
	r.header("Content-Type", ctype+"; charset="+charset)
	r.header("Content-Transfer-Encoding", enc.String())
	r.out.str(crlf)
	switch enc {
	case encQP:
		writeQP(&r.out, content)
	case encBase64:
		writeBase64(&r.out, content)
	default:
		r.out.raw(content)
		if !bytes.HasSuffix(content, []byte(crlf)) {
			r.out.str(crlf)
		}
	}
}

// writeQP writes content, whose lines end in CRLF, quoted-printable
// encoded (RFC 2045 6.7) with soft breaks before column 76.
func writeQP(out *buffer, content []byte) {
	const hexd = "0123456789ABCDEF"
	b := out.b
	for len(content) > 0 {
		line, next := content, []byte(nil)
		if i := bytes.Index(content, []byte(crlf)); i >= 0 {
			line, next = content[:i], content[i+2:]
		}
		content = next
		if len(line) <= 75 && qpSafe(line) {
			b = append(b, line...)
			b = append(b, crlf...)
			continue
		}
		col := 0
		for i := 0; i < len(line); {
			// Copy a run of safe bytes that fits on the line at once.
			j := i
			for j < len(line) && j-i < 75-col && qpSafeByte(line[j]) && !(j == len(line)-1 && (line[j] == ' ' || line[j] == '\t')) {
				j++
			}
			b = append(b, line[i:j]...)
			col += j - i
			i = j
			if i == len(line) {
				break
			}
			c := line[i]
			n := 1
			enc := !qpSafeByte(c) || i == len(line)-1 && (c == ' ' || c == '\t')
			if enc {
				n = 3
			}
			if col+n > 75 {
				b = append(b, "="+crlf...)
				col = 0
			}
			if enc {
				b = append(b, '=', hexd[c>>4], hexd[c&15])
			} else {
				b = append(b, c)
			}
			col += n
			i++
		}
		b = append(b, crlf...)
	}
	out.b = b
}

func qpSafeByte(c byte) bool { return c >= ' ' && c < 0x7f && c != '=' || c == '\t' }

// qpSafe reports whether line needs no encoding: no byte to escape and no
// trailing white space.
func qpSafe(line []byte) bool {
	for _, c := range line {
		if !qpSafeByte(c) {
			return false
		}
	}
	return len(line) == 0 || line[len(line)-1] != ' ' && line[len(line)-1] != '\t'
}

// header writes one header field, folded at spaces so lines stay short.
func (r *renderer) header(name, value string) {
	out := &r.out
	out.str(name)
	out.str(": ")
	col := len(name) + 2
	// Address lists fold only between addresses, never inside a quoted
	// display name (legal, but some parsers mishandle it).
	list := name == "To" || name == "Cc" || name == "From" || name == "Reply-To"
	prev := byte(0)
	for len(value) > 0 {
		// Next word, with the space before it if any.
		i := 1
		for i < len(value) && value[i] != ' ' {
			i++
		}
		word := value[:i]
		value = value[i:]
		if col+len(word) > 76 && col > len(name)+2 && word[0] == ' ' && (!list || prev == ',') {
			out.str(crlf)
			col = 0
		}
		prev = word[len(word)-1]
		out.str(word)
		col += len(word)
	}
	out.str(crlf)
}

func joinAddrs(as []mail.Address) string {
	s := ""
	for i := range as {
		if i > 0 {
			s += ", "
		}
		s += as[i].String()
	}
	return s
}

func encodeSubject(s string, b64 bool) string {
	if b64 {
		return mime.BEncoding.Encode("utf-8", s)
	}
	return mime.QEncoding.Encode("utf-8", s)
}

// encodeParam quotes a MIME parameter value, RFC 2047-encoding it when it is
// not ASCII (what most mailers do, though RFC 2231 is the standard).
func encodeParam(v string) string {
	if !isASCIIString(v) {
		return `"` + mime.BEncoding.Encode("utf-8", v) + `"`
	}
	return strconv.Quote(v)
}

func writeBase64(out *buffer, data []byte) {
	const lineIn = 57 // 76 output columns
	var enc [76]byte
	for len(data) > 0 {
		n := min(lineIn, len(data))
		base64.StdEncoding.Encode(enc[:], data[:n])
		out.raw(enc[:base64.StdEncoding.EncodedLen(n)])
		out.str(crlf)
		data = data[n:]
	}
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isASCIIString(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// renderText writes the blocks as wrapped plain text with CRLF line ends.
func (r *renderer) renderText(m *message) {
	t := &r.text
	t.reset()
	for i := range m.blocks {
		b := &m.blocks[i]
		switch b.kind {
		case blockPara:
			wrap(t, b.text, "", 72)
		case blockHeading:
			t.str(b.text)
			t.str(crlf)
			for range min(utf8.RuneCountInString(b.text), 72) {
				t.ch('=')
			}
			t.str(crlf)
		case blockLink, blockButton:
			if b.text != "" {
				wrap(t, b.text+":", "", 72)
			}
			t.str(b.href)
			t.str(crlf)
		case blockRows:
			for j := 0; j+1 < len(b.items); j += 2 {
				wrap(t, b.items[j]+": "+b.items[j+1], "", 72)
			}
		case blockList:
			for _, it := range b.items {
				wrap(t, "* "+it, "", 72)
			}
		case blockQuote:
			wrap(t, b.text, "> ", 72)
		case blockHidden:
			continue
		}
		t.str(crlf)
	}
}

// wrap writes s broken at spaces into lines of at most width bytes (a
// longer word, such as a URL, gets a line of its own), each starting with
// prefix.
func wrap(t *buffer, s, prefix string, width int) {
	width -= len(prefix)
	for len(s) > 0 {
		cut := len(s)
		rest := ""
		if len(s) > width {
			cut = strings.LastIndexByte(s[:width+1], ' ')
			if cut <= 0 { // one long word
				cut = strings.IndexByte(s, ' ')
				if cut < 0 {
					cut = len(s)
				}
			}
		}
		if cut < len(s) {
			rest = strings.TrimLeft(s[cut:], " ")
		}
		t.str(prefix)
		t.str(s[:cut])
		t.str(crlf)
		s = rest
	}
}

// renderHTML writes the blocks as a small HTML document, one element a line.
func (r *renderer) renderHTML(m *message) {
	h := &r.html
	h.reset()
	h.str("<!DOCTYPE html>" + crlf + "<html><head><meta charset=\"utf-8\">")
	if m.css != "" {
		h.str("<style>")
		h.str(m.css)
		h.str("</style>")
	}
	h.str("</head>" + crlf + "<body>" + crlf)
	for i := range m.blocks {
		b := &m.blocks[i]
		switch b.kind {
		case blockPara:
			h.str("<p>")
			escapeWrapped(h, b.text)
			h.str("</p>" + crlf)
		case blockHeading:
			h.str("<h2>")
			escape(h, b.text)
			h.str("</h2>" + crlf)
		case blockLink:
			h.str("<p><a href=\"")
			escape(h, b.href)
			h.str("\">")
			if b.text != "" {
				escape(h, b.text)
			} else {
				escape(h, b.href)
			}
			h.str("</a></p>" + crlf)
		case blockButton:
			h.str("<table role=\"presentation\"><tr><td class=\"btn\" bgcolor=\"#0b5cad\"><a href=\"")
			escape(h, b.href)
			h.str("\" style=\"color:#ffffff;text-decoration:none;padding:12px 24px;display:inline-block\">")
			escape(h, b.text)
			h.str("</a></td></tr></table>" + crlf)
		case blockRows:
			h.str("<table>" + crlf)
			for j := 0; j+1 < len(b.items); j += 2 {
				h.str("<tr><td>")
				escape(h, b.items[j])
				h.str("</td><td>")
				escape(h, b.items[j+1])
				h.str("</td></tr>" + crlf)
			}
			h.str("</table>" + crlf)
		case blockList:
			h.str("<ul>" + crlf)
			for _, it := range b.items {
				h.str("<li>")
				escape(h, it)
				h.str("</li>" + crlf)
			}
			h.str("</ul>" + crlf)
		case blockQuote:
			h.str("<blockquote>")
			escapeWrapped(h, b.text)
			h.str("</blockquote>" + crlf)
		case blockHidden:
			h.str("<div style=\"display:none;font-size:0;max-height:0;overflow:hidden\">")
			escapeWrapped(h, b.text)
			h.str("</div>" + crlf)
		}
	}
	h.str("</body></html>" + crlf)
}

// htmlSpecial marks the bytes escape replaces.
var htmlSpecial = [256]bool{'&': true, '<': true, '>': true, '"': true}

func escape(h *buffer, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		if !htmlSpecial[s[i]] {
			continue
		}
		var rep string
		switch s[i] {
		case '&':
			rep = "&amp;"
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		default:
			rep = "&quot;"
		}
		h.str(s[last:i])
		h.str(rep)
		last = i + 1
	}
	h.str(s[last:])
}

// escapeWrapped escapes s and breaks it at spaces every ~76 bytes, so 7bit
// HTML parts keep short lines.
func escapeWrapped(h *buffer, s string) {
	for len(s) > 76 {
		cut := 76
		for cut > 0 && s[cut] != ' ' {
			cut--
		}
		if cut == 0 {
			break
		}
		escape(h, s[:cut])
		h.str(crlf)
		s = s[cut+1:]
	}
	escape(h, s)
}
