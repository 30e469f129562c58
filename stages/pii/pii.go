package pii

import (
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

// Detect returns the PII spans in text, sorted by Start and not
// overlapping (where candidates overlap, the earlier, then longer, wins).
//
// It makes two cheap passes: one jumps from '@' to '@' (strings.IndexByte)
// and matches the address around each; the other jumps from digit to digit
// and, in each run of digits and phone punctuation holding at least seven
// digits, runs the numeric matchers where the byte and the digit-run length
// allow a match (scanRun). No regular expression runs: the hand-written
// matchers keep the leftmost-first, greedy semantics of the ones they
// replaced (kept in ref_test.go and compared by TestDetectMatchesReference
// and FuzzDetectDifferential).
func Detect(text string) []Match {
	var ms []Match
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
		if lo < at {
			if end := domainEnd(text[:hi], at+1); end > 0 {
				ms = append(ms, Match{Kind: Email, Start: lo, End: end})
			}
		}
		i = hi
	}
	for i := 0; i < len(text); {
		for i < len(text) && !isDigit(text[i]) {
			i++
		}
		if i == len(text) {
			break
		}
		// The run is the maximal span of numeric bytes around this digit;
		// the previous run ended on a non-numeric byte, so lo stops there.
		lo := i
		for lo > 0 && isNumByte(text[lo-1]) {
			lo--
		}
		digits := 0
		for i < len(text) && isNumByte(text[i]) {
			if isDigit(text[i]) {
				digits++
			}
			i++
		}
		if digits < 7 {
			continue
		}
		ms = scanRun(ms, text, lo, i, digits)
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

// isLDH reports letters and digits, the bytes a domain label starts and
// ends with.
func isLDH(c byte) bool { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z') }

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// domainEnd matches label(.label)*.tld at w[j:] and returns the end of the
// match, or -1. A label is letters, digits and inner hyphens; the TLD is
// 2-24 letters (a longer run of letters is cut at 24, as the greedy
// expression did). The longest chain of labels that is followed by a TLD
// wins.
func domainEnd(w string, j int) int {
	best := -1
	for pos := j; ; {
		e := pos
		for e < len(w) && (isLDH(w[e]) || w[e] == '-') {
			e++
		}
		if e == pos || !isLDH(w[pos]) || !isLDH(w[e-1]) || e == len(w) || w[e] != '.' {
			return best
		}
		n := 0
		for e+1+n < len(w) && n < 24 && isLetter(w[e+1+n]) {
			n++
		}
		if n >= 2 {
			best = e + 1 + n
		}
		pos = e + 1
	}
}

// scanRun finds the numeric kinds in the run text[lo:hi], which holds
// digits digits. Each pattern keeps its own cursor so its matches are the
// successive non-overlapping leftmost ones, as regexp.FindAll returned
// them; a match is then kept if it is bounded in the whole text and valid.
// Before a matcher runs, a cheap test on the byte and the length r of the
// digit run at p rules out the positions where it cannot match.
func scanRun(ms []Match, text string, lo, hi, digits int) []Match {
	w := text[lo:hi]
	// Patterns whose validation needs more digits than the run holds (SSN
	// 9, international 8, NANP and trunk 10, card 13) are not tried.
	ssn := digits >= 9 && strings.IndexByte(w, '-') >= 0
	card := digits >= 13
	intl := strings.IndexByte(w, '+') >= 0
	nanp := digits >= 10
	trunk := nanp && strings.IndexByte(w, '0') >= 0
	var curSSN, curCard, curIntl, curNANP, curTrunk int
	keep := func(p, end int, k Kind, valid func(string) bool) {
		start, stop := lo+p, lo+end
		if bounded(text, start, stop) && valid(text[start:stop]) {
			ms = append(ms, Match{Kind: k, Start: start, End: stop})
		}
	}
	runEnd := 0 // end of the digit run holding p, when p is a digit
	for p := 0; p < len(w); p++ {
		c := w[p]
		switch {
		case isDigit(c):
			if p >= runEnd {
				runEnd = p + 1
				for runEnd < len(w) && isDigit(w[runEnd]) {
					runEnd++
				}
			}
			r := runEnd - p
			if ssn && p >= curSSN && r == 3 && byteAt(w, p+3, '-') {
				if e := ssnAt(w, p); e > 0 {
					keep(p, e, SSN, validSSN)
					curSSN = e
				}
			}
			if card && p >= curCard && (r >= 13 || (r == 4 && dashAt(w, p+4))) {
				if e := cardAt(w, p); e > 0 {
					keep(p, e, Card, validCard)
					curCard = e
				}
			}
			if nanp && p >= curNANP && (r == 3 || (c == '1' && (r == 1 || r == 4))) {
				if e := nanpAt(w, p); e > 0 {
					keep(p, e, Phone, validNANP)
					curNANP = e
				}
			}
			if trunk && p >= curTrunk && c == '0' && r >= 2 && r <= 5 {
				if e := trunkAt(w, p); e > 0 {
					keep(p, e, Phone, validTrunk)
					curTrunk = e
				}
			}
		case c == '+':
			if intl && p >= curIntl {
				if e := intlAt(w, p); e > 0 {
					keep(p, e, Phone, validIntl)
					curIntl = e
				}
			}
			if nanp && p >= curNANP {
				if e := nanpAt(w, p); e > 0 {
					keep(p, e, Phone, validNANP)
					curNANP = e
				}
			}
		case c == '(':
			if nanp && p >= curNANP {
				if e := nanpAt(w, p); e > 0 {
					keep(p, e, Phone, validNANP)
					curNANP = e
				}
			}
			if trunk && p >= curTrunk {
				if e := trunkAt(w, p); e > 0 {
					keep(p, e, Phone, validTrunk)
					curTrunk = e
				}
			}
		}
	}
	return ms
}

// digitsAt reports whether w[p:p+n] is n digits.
func digitsAt(w string, p, n int) bool {
	if p < 0 || p+n > len(w) {
		return false
	}
	for i := p; i < p+n; i++ {
		if !isDigit(w[i]) {
			return false
		}
	}
	return true
}

// countDigits counts the digits from w[p], at most max.
func countDigits(w string, p, max int) int {
	n := 0
	for p+n < len(w) && n < max && isDigit(w[p+n]) {
		n++
	}
	return n
}

// byteAt reports whether w[p] is c.
func byteAt(w string, p int, c byte) bool { return p < len(w) && w[p] == c }

// dashAt reports a space or dash at w[p], the card and trunk separators.
func dashAt(w string, p int) bool { return p < len(w) && (w[p] == ' ' || w[p] == '-') }

// sepAt reports a space, dot or dash at w[p], the NANP separators.
func sepAt(w string, p int) bool {
	return p < len(w) && (w[p] == ' ' || w[p] == '.' || w[p] == '-')
}

// ssnAt matches ddd-dd-dddd.
func ssnAt(w string, p int) int {
	if byteAt(w, p+3, '-') && byteAt(w, p+6, '-') && digitsAt(w, p, 3) && digitsAt(w, p+4, 2) && digitsAt(w, p+7, 4) {
		return p + 11
	}
	return -1
}

// cardAt matches, in order of preference, dddd-dddd-dddd-d{1,4}(-ddd)?,
// dddd-dddddd-d{4,5} (separator space or dash) and d{13,19}.
func cardAt(w string, p int) int {
	if digitsAt(w, p, 4) && dashAt(w, p+4) && digitsAt(w, p+5, 4) && dashAt(w, p+9) &&
		digitsAt(w, p+10, 4) && dashAt(w, p+14) {
		if n := countDigits(w, p+15, 4); n >= 1 {
			e := p + 15 + n
			if dashAt(w, e) && digitsAt(w, e+1, 3) {
				return e + 4
			}
			return e
		}
	}
	if digitsAt(w, p, 4) && dashAt(w, p+4) && digitsAt(w, p+5, 6) && dashAt(w, p+11) {
		if n := countDigits(w, p+12, 5); n >= 4 {
			return p + 12 + n
		}
	}
	if n := countDigits(w, p, 19); n >= 13 {
		return p + n
	}
	return -1
}

// intlAt matches "+", a digit, 6-22 of digits and ( ) . - space, and a
// final digit, as long as possible.
func intlAt(w string, p int) int {
	if !byteAt(w, p, '+') || !digitsAt(w, p+1, 1) {
		return -1
	}
	q := p + 2
	r := 0
	for q+r < len(w) && r < 23 && (isNumByte(w[q+r]) && w[q+r] != '+') {
		r++
	}
	for k := min(22, r-1); k >= 6; k-- {
		if isDigit(w[q+k]) {
			return q + k + 1
		}
	}
	return -1
}

// nanpAt matches an optional "+1" or "1" with an optional separator, then
// "(ddd) " or "(ddd)" or "ddd" and a separator, then ddd, a separator and
// dddd; separators are space, dot or dash.
func nanpAt(w string, p int) int {
	if byteAt(w, p, '+') {
		if e := nanpAfterOne(w, p+1); e > 0 {
			return e
		}
	}
	if e := nanpAfterOne(w, p); e > 0 {
		return e
	}
	return nanpBody(w, p)
}

// nanpAfterOne matches "1", an optional separator and the body at w[j].
func nanpAfterOne(w string, j int) int {
	if !byteAt(w, j, '1') {
		return -1
	}
	if sepAt(w, j+1) {
		if e := nanpBody(w, j+2); e > 0 {
			return e
		}
	}
	return nanpBody(w, j+1)
}

func nanpBody(w string, j int) int {
	if byteAt(w, j, '(') && digitsAt(w, j+1, 3) && byteAt(w, j+4, ')') {
		if byteAt(w, j+5, ' ') {
			if e := nanpRest(w, j+6); e > 0 {
				return e
			}
		}
		return nanpRest(w, j+5)
	}
	if digitsAt(w, j, 3) && sepAt(w, j+3) {
		return nanpRest(w, j+4)
	}
	return -1
}

// nanpRest matches ddd, a separator and dddd at w[k].
func nanpRest(w string, k int) int {
	if digitsAt(w, k, 3) && sepAt(w, k+3) && digitsAt(w, k+4, 4) {
		return k + 8
	}
	return -1
}

// trunkAt matches an optional "(", "0", 1-4 digits, an optional ")", then
// one to four groups of a space or dash and 2-8 digits.
func trunkAt(w string, p int) int {
	j := p
	if byteAt(w, j, '(') {
		j++
	}
	if !byteAt(w, j, '0') {
		return -1
	}
	j++
	n := countDigits(w, j, 4)
	if n == 0 {
		return -1
	}
	j += n
	if byteAt(w, j, ')') {
		j++
	}
	groups := 0
	for groups < 4 && dashAt(w, j) {
		m := countDigits(w, j+1, 8)
		if m < 2 {
			break
		}
		j += 1 + m
		groups++
	}
	if groups == 0 {
		return -1
	}
	return j
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

// digitBuf holds the digits of one candidate. Candidates are at most 44
// bytes long (a trunk number with four groups); digitsOf stops at the
// buffer's end, which every length check then rejects.
type digitBuf [64]byte

// digitsOf copies the digits of s into buf, so validation allocates
// nothing.
func digitsOf(buf *digitBuf, s string) []byte {
	n := 0
	for i := 0; i < len(s) && n < len(buf); i++ {
		if isDigit(s[i]) {
			buf[n] = s[i]
			n++
		}
	}
	return buf[:n]
}

func validSSN(s string) bool {
	area, group, serial := s[0:3], s[4:6], s[7:11]
	if area == "000" || area == "666" || area[0] == '9' {
		return false
	}
	return group != "00" && serial != "0000"
}

// sameSeparators reports whether every non-digit in s is the same byte.
func sameSeparators(s string) bool { return sameSeparatorsSkip(s, false) }

// sameSeparatorsSkip is sameSeparators ignoring "(" and ")" when parens is
// set.
func sameSeparatorsSkip(s string, parens bool) bool {
	var sep byte
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isDigit(c) {
			if parens && (c == '(' || c == ')') {
				continue
			}
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
	var buf digitBuf
	d := digitsOf(&buf, s)
	return len(d) >= 13 && len(d) <= 19 && luhn(d) && knownIIN(d)
}

func luhn(d []byte) bool {
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

func prefixIn(d []byte, n int, lo, hi int) bool {
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
func knownIIN(d []byte) bool {
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
	var buf digitBuf
	d := digitsOf(&buf, s)
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
	var buf digitBuf
	d := digitsOf(&buf, s)
	eleven := len(d) == 11
	if eleven {
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
	} else if eleven {
		body = strings.TrimLeft(s[strings.IndexByte(s, '1')+1:], " .-")
	}
	return sameSeparators(body)
}

// validTrunk checks a national number with a trunk 0: 10-11 digits, one kind
// of separator, a first group of 2+ digits and a second digit that is not 0.
func validTrunk(s string) bool {
	var buf digitBuf
	d := digitsOf(&buf, s)
	if len(d) < 10 || len(d) > 11 || d[1] == '0' {
		return false
	}
	return sameSeparatorsSkip(s, true)
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
