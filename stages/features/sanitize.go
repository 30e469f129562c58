package features

import (
	"bytes"
	"strings"
)

// Placeholder is what Sanitize writes in place of the corpus's
// anonymisation placeholders.
const Placeholder = "user@example.com"

// Sanitize returns the sanitized view of a raw RFC 822 message, as the
// corpus README defines it: line endings normalised to LF; every top-level
// header removed except From, Reply-To, To, Cc, Subject, MIME-Version and
// Content-* (so Received, Received-SPF, Authentication-Results, ARC-*,
// DKIM-Signature, X-*, Return-Path, Delivered-To, Date, Message-ID, List-*,
// Precedence and Sender all go); placeholder addresses (anything@pot,
// anything@...taint.org, zzzz..., yyyy@..., qqqqqqqqqq-...@...) replaced by
// user@example.com throughout. The body and the MIME structure are kept.
//
// Sanitize is idempotent, and Extract works on Sanitize(raw): that is what
// makes a score blind to the confounders.
func Sanitize(raw []byte) []byte {
	msg := normalizeNewlines(raw)
	hdr, body := splitMessage(msg)
	out := make([]byte, 0, len(msg))
	headerLines(hdr, len(hdr)+1, func(name string, line []byte) {
		if modelHeader(name) {
			out = append(out, line...)
			if line[len(line)-1] != '\n' {
				out = append(out, '\n')
			}
		}
	})
	out = append(out, '\n')
	out = append(out, body...)
	return replacePlaceholderBytes(out)
}

// replacePlaceholderBytes is replacePlaceholders on a byte slice it may
// reuse.
func replacePlaceholderBytes(b []byte) []byte {
	if bytes.IndexByte(b, '@') < 0 {
		return b
	}
	s := string(b)
	r := replacePlaceholders(s)
	if len(r) == len(s) && r == s {
		return b
	}
	return []byte(r)
}

// normalizeNewlines turns CRLF and lone CR into LF; it returns b itself
// when there is nothing to change.
func normalizeNewlines(b []byte) []byte {
	i := bytes.IndexByte(b, '\r')
	if i < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for i >= 0 {
		out = append(out, b[:i]...)
		if i+1 < len(b) && b[i+1] == '\n' {
			b = b[i+1:] // the LF is copied with the next chunk
		} else {
			out = append(out, '\n')
			b = b[i+1:]
		}
		i = bytes.IndexByte(b, '\r')
	}
	return append(out, b...)
}

func isLocalByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func isDomainByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
}

// addrBounds expands around the '@' at index at to the bytes that may
// belong to an address.
func addrBounds(s string, at int) (lo, hi int) {
	lo = at
	for lo > 0 && isLocalByte(s[lo-1]) {
		lo--
	}
	hi = at + 1
	for hi < len(s) && isDomainByte(s[hi]) {
		hi++
	}
	for hi > at+1 && s[hi-1] == '.' {
		hi--
	}
	return lo, hi
}

func isPlaceholder(local, domain string) bool {
	local, domain = strings.ToLower(local), strings.ToLower(domain)
	switch {
	case domain == "pot", domain == "taint.org", strings.HasSuffix(domain, ".taint.org"):
		return true
	case strings.Contains(local, "zzzz"), strings.HasPrefix(local, "yyyy"), strings.HasPrefix(local, "qqqqqqqqqq"):
		return true
	}
	return false
}

// replacePlaceholders replaces every placeholder address in s by
// Placeholder. It allocates only when it finds one.
func replacePlaceholders(s string) string {
	if strings.IndexByte(s, '@') < 0 {
		return s
	}
	var sb strings.Builder
	last, i := 0, 0
	for {
		j := strings.IndexByte(s[i:], '@')
		if j < 0 {
			break
		}
		at := i + j
		lo, hi := addrBounds(s, at)
		if lo < at && hi > at+1 && isPlaceholder(s[lo:at], s[at+1:hi]) {
			if sb.Len() == 0 {
				sb.Grow(len(s))
			}
			sb.WriteString(s[last:lo])
			sb.WriteString(Placeholder)
			last = hi
		}
		i = at + 1
		if hi > i {
			i = hi
		}
	}
	if last == 0 {
		return s
	}
	sb.WriteString(s[last:])
	return sb.String()
}
