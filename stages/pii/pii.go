package pii

import (
	"regexp"
	"slices"
	"strings"
)

// Kind is a kind of personal data.
type Kind string

// Kinds detected, in Mask's placeholder form without brackets.
const (
	Email Kind = "email"
	Phone Kind = "phone"
	SSN   Kind = "ssn"
	Card  Kind = "card"
)

// Match is one detected span, text[Start:End].
type Match struct {
	Kind  Kind
	Start int
	End   int
}

var (
	reEmail = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}`)
	reSSN   = regexp.MustCompile(`\d{3}-\d{2}-\d{4}`)
	reCard  = regexp.MustCompile(`\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{1,4}(?:[ -]\d{3})?|\d{4}[ -]\d{6}[ -]\d{4,5}|\d{13,19}`)
	reIntl  = regexp.MustCompile(`\+\d[\d ().\-]{6,22}\d`)
	reNANP  = regexp.MustCompile(`(?:\+?1[ .\-]?)?(?:\(\d{3}\) ?|\d{3}[ .\-])\d{3}[ .\-]\d{4}`)
	reTrunk = regexp.MustCompile(`\(?0\d{1,4}\)?(?:[ \-]\d{2,8}){1,4}`)
)

// Detect returns the PII spans in text, sorted by Start and not
// overlapping (where candidates overlap, the earlier, then longer, wins).
func Detect(text string) []Match {
	if !worthScanning(text) {
		return nil
	}
	var ms []Match
	// Regular expressions run only on short windows that could hold a match:
	// around each '@' for emails, and on runs of digits and phone
	// punctuation holding at least seven digits for the rest.
	for i := 0; i < len(text); {
		at := strings.IndexByte(text[i:], '@')
		if at < 0 {
			break
		}
		at += i
		lo, hi := at, at+1
		for lo > 0 && isEmailByte(text[lo-1]) {
			lo--
		}
		for hi < len(text) && isEmailByte(text[hi]) {
			hi++
		}
		for _, m := range reEmail.FindAllStringIndex(text[lo:hi], -1) {
			ms = append(ms, Match{Kind: Email, Start: lo + m[0], End: lo + m[1]})
		}
		i = hi
	}
	for i := 0; i < len(text); {
		if !isNumByte(text[i]) {
			i++
			continue
		}
		lo, digits := i, 0
		for i < len(text) && isNumByte(text[i]) {
			if isDigit(text[i]) {
				digits++
			}
			i++
		}
		if digits < 7 {
			continue
		}
		ms = collect(ms, text, lo, i, reSSN, SSN, validSSN)
		ms = collect(ms, text, lo, i, reCard, Card, validCard)
		if strings.IndexByte(text[lo:i], '+') >= 0 {
			ms = collect(ms, text, lo, i, reIntl, Phone, validIntl)
		}
		ms = collect(ms, text, lo, i, reNANP, Phone, validNANP)
		ms = collect(ms, text, lo, i, reTrunk, Phone, validTrunk)
	}
	return resolve(ms)
}

func isEmailByte(c byte) bool {
	return isAlnum(c) || c == '.' || c == '%' || c == '+' || c == '-'
}

// isNumByte reports the bytes the numeric kinds are made of.
func isNumByte(c byte) bool {
	return isDigit(c) || c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '+'
}

// worthScanning is a cheap pre-check: every kind needs an '@' or at least
// seven digits.
func worthScanning(text string) bool {
	digits := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '@' {
			return true
		}
		if c >= '0' && c <= '9' {
			digits++
			if digits >= 7 {
				return true
			}
		}
	}
	return false
}

// collect runs re on text[lo:hi] and keeps the valid, bounded matches; the
// boundary check looks at the whole text.
func collect(ms []Match, text string, lo, hi int, re *regexp.Regexp, k Kind, valid func(string) bool) []Match {
	for _, m := range re.FindAllStringIndex(text[lo:hi], -1) {
		start, end := lo+m[0], lo+m[1]
		if bounded(text, start, end) && valid(text[start:end]) {
			ms = append(ms, Match{Kind: k, Start: start, End: end})
		}
	}
	return ms
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool {
	return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z') || c == '_'
}

// bounded rejects a numeric match glued to more of a token: a letter or
// digit on either side, or a separator followed by a digit (so parts of
// dates, versions, IPs and longer numbers are not matched).
func bounded(text string, start, end int) bool {
	if start > 0 {
		p := text[start-1]
		if isAlnum(p) || p == '+' || p == '#' || p == '/' || p == '$' {
			return false
		}
		if (p == '-' || p == '.' || p == ':') && start > 1 && isDigit(text[start-2]) {
			return false
		}
	}
	if end < len(text) {
		n := text[end]
		if isAlnum(n) || n == '@' {
			return false
		}
		if (n == '-' || n == '.' || n == '/' || n == ':') && end+1 < len(text) && isDigit(text[end+1]) {
			return false
		}
	}
	return true
}

func digitsOf(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func validSSN(s string) bool {
	area, group, serial := s[0:3], s[4:6], s[7:11]
	if area == "000" || area == "666" || area[0] == '9' {
		return false
	}
	return group != "00" && serial != "0000"
}

// sameSeparators reports whether every non-digit in s is the same byte.
func sameSeparators(s string) bool {
	var sep byte
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isDigit(c) {
			if sep != 0 && c != sep {
				return false
			}
			sep = c
		}
	}
	return true
}

func validCard(s string) bool {
	if !sameSeparators(s) {
		return false
	}
	d := digitsOf(s)
	return len(d) >= 13 && len(d) <= 19 && luhn(d) && knownIIN(d)
}

func luhn(d string) bool {
	sum := 0
	for i := 0; i < len(d); i++ {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

func prefixIn(d string, n int, lo, hi int) bool {
	if len(d) < n {
		return false
	}
	v := 0
	for i := 0; i < n; i++ {
		v = v*10 + int(d[i]-'0')
	}
	return v >= lo && v <= hi
}

// knownIIN checks the issuer prefix and the lengths that issuer uses.
func knownIIN(d string) bool {
	l := len(d)
	switch {
	case d[0] == '4': // Visa
		return l == 13 || l == 16 || l == 19
	case prefixIn(d, 2, 51, 55) || prefixIn(d, 4, 2221, 2720): // Mastercard
		return l == 16
	case prefixIn(d, 2, 34, 34) || prefixIn(d, 2, 37, 37): // Amex
		return l == 15
	case prefixIn(d, 4, 6011, 6011) || prefixIn(d, 3, 644, 649) || prefixIn(d, 2, 65, 65): // Discover
		return l >= 16 && l <= 19
	case prefixIn(d, 3, 300, 305) || prefixIn(d, 2, 36, 36) || prefixIn(d, 2, 38, 39): // Diners
		return l >= 14 && l <= 19
	case prefixIn(d, 4, 3528, 3589): // JCB
		return l >= 16 && l <= 19
	case prefixIn(d, 2, 62, 62): // UnionPay
		return l >= 16 && l <= 19
	case prefixIn(d, 2, 50, 50) || prefixIn(d, 2, 56, 58) || prefixIn(d, 4, 6304, 6304) || prefixIn(d, 4, 6759, 6759) || prefixIn(d, 4, 6761, 6763): // Maestro
		return l >= 13 && l <= 19
	}
	return false
}

// validIntl checks an E.164-style number: country code 1-9, 8-15 digits,
// no doubled separators, at most one balanced pair of parentheses.
func validIntl(s string) bool {
	d := digitsOf(s)
	if len(d) < 8 || len(d) > 15 || d[0] == '0' {
		return false
	}
	opens, closes := strings.Count(s, "("), strings.Count(s, ")")
	if opens != closes || opens > 1 {
		return false
	}
	if opens == 1 && strings.Index(s, "(") > strings.Index(s, ")") {
		return false
	}
	for i := 1; i < len(s); i++ {
		a, b := s[i-1], s[i]
		if !isDigit(a) && !isDigit(b) && !(a == ')' && b == ' ') && !(a == ' ' && b == '(') {
			return false
		}
	}
	// Dotted groups of 1-3 digits are IP addresses or versions, not phones.
	return !strings.Contains(s, ".") || sameSeparators(s[1:])
}

func validNANP(s string) bool {
	d := digitsOf(s)
	if len(d) == 11 {
		if d[0] != '1' {
			return false
		}
		d = d[1:]
	}
	if len(d) != 10 || d[0] < '2' || d[3] < '2' {
		return false
	}
	// 415-555.2671 mixes separators; (415) 555-2671 is the one allowed mix.
	body := s
	if i := strings.IndexByte(s, ')'); i >= 0 {
		body = strings.TrimLeft(s[i+1:], " ")
	} else if len(digitsOf(s)) == 11 {
		body = strings.TrimLeft(s[strings.IndexByte(s, '1')+1:], " .-")
	}
	return sameSeparators(body)
}

// validTrunk checks a national number with a trunk 0: 10-11 digits, one kind
// of separator, a first group of 2+ digits and a second digit that is not 0.
func validTrunk(s string) bool {
	t := strings.NewReplacer("(", "", ")", "").Replace(s)
	d := digitsOf(t)
	if len(d) < 10 || len(d) > 11 || d[1] == '0' {
		return false
	}
	return sameSeparators(t)
}

// resolve sorts matches and drops those overlapping an earlier one.
func resolve(ms []Match) []Match {
	if len(ms) < 2 {
		return ms
	}
	slices.SortFunc(ms, func(a, b Match) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return (b.End - b.Start) - (a.End - a.Start)
	})
	out := ms[:1]
	for _, m := range ms[1:] {
		if m.Start >= out[len(out)-1].End {
			out = append(out, m)
		}
	}
	return out
}

// Kinds returns the distinct kinds in text, in the order email, phone, ssn,
// card.
func Kinds(text string) []Kind {
	var seen [4]bool
	for _, m := range Detect(text) {
		seen[kindIndex(m.Kind)] = true
	}
	var out []Kind
	for i, k := range []Kind{Email, Phone, SSN, Card} {
		if seen[i] {
			out = append(out, k)
		}
	}
	return out
}

func kindIndex(k Kind) int {
	switch k {
	case Email:
		return 0
	case Phone:
		return 1
	case SSN:
		return 2
	default:
		return 3
	}
}

// Mask replaces every detected span with "[email]", "[phone]", "[ssn]" or
// "[card]". Text without PII is returned as is, without allocating.
func Mask(text string) string {
	ms := Detect(text)
	if len(ms) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, m := range ms {
		b.WriteString(text[last:m.Start])
		b.WriteByte('[')
		b.WriteString(string(m.Kind))
		b.WriteByte(']')
		last = m.End
	}
	b.WriteString(text[last:])
	return b.String()
}
