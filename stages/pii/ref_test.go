package pii

// The regexp implementation Detect replaced, kept as the reference the
// differential fuzz test (FuzzDetectDifferential) compares Detect with.
// Only identifiers are renamed.

import (
	"regexp"
	"slices"
	"strings"
)

var (
	refReEmail = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}`)
	refReSSN   = regexp.MustCompile(`\d{3}-\d{2}-\d{4}`)
	refReCard  = regexp.MustCompile(`\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{1,4}(?:[ -]\d{3})?|\d{4}[ -]\d{6}[ -]\d{4,5}|\d{13,19}`)
	refReIntl  = regexp.MustCompile(`\+\d[\d ().\-]{6,22}\d`)
	refReNANP  = regexp.MustCompile(`(?:\+?1[ .\-]?)?(?:\(\d{3}\) ?|\d{3}[ .\-])\d{3}[ .\-]\d{4}`)
	refReTrunk = regexp.MustCompile(`\(?0\d{1,4}\)?(?:[ \-]\d{2,8}){1,4}`)
)

// refDetect returns the PII spans in text, sorted by Start and not
// overlapping (where candidates overlap, the earlier, then longer, wins).
func refDetect(text string) []Match {
	if !refWorthScanning(text) {
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
		for lo > 0 && refIsEmailByte(text[lo-1]) {
			lo--
		}
		for hi < len(text) && refIsEmailByte(text[hi]) {
			hi++
		}
		for _, m := range refReEmail.FindAllStringIndex(text[lo:hi], -1) {
			ms = append(ms, Match{Kind: Email, Start: lo + m[0], End: lo + m[1]})
		}
		i = hi
	}
	for i := 0; i < len(text); {
		if !refIsNumByte(text[i]) {
			i++
			continue
		}
		lo, digits := i, 0
		for i < len(text) && refIsNumByte(text[i]) {
			if isDigit(text[i]) {
				digits++
			}
			i++
		}
		if digits < 7 {
			continue
		}
		ms = refCollect(ms, text, lo, i, refReSSN, SSN, refValidSSN)
		ms = refCollect(ms, text, lo, i, refReCard, Card, refValidCard)
		if strings.IndexByte(text[lo:i], '+') >= 0 {
			ms = refCollect(ms, text, lo, i, refReIntl, Phone, refValidIntl)
		}
		ms = refCollect(ms, text, lo, i, refReNANP, Phone, refValidNANP)
		ms = refCollect(ms, text, lo, i, refReTrunk, Phone, refValidTrunk)
	}
	return refResolve(ms)
}

func refIsEmailByte(c byte) bool {
	return isAlnum(c) || c == '.' || c == '%' || c == '+' || c == '-'
}

// refIsNumByte reports the bytes the numeric kinds are made of.
func refIsNumByte(c byte) bool {
	return isDigit(c) || c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '+'
}

// refWorthScanning is a cheap pre-check: every kind needs an '@' or at least
// seven digits.
func refWorthScanning(text string) bool {
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

// refCollect runs re on text[lo:hi] and keeps the valid, bounded matches (the
// boundary rule is shared with the fast path: the reference checks how
// candidates are found, not that rule); the
// boundary check looks at the whole text.
func refCollect(ms []Match, text string, lo, hi int, re *regexp.Regexp, k Kind, valid func(string) bool) []Match {
	for _, m := range re.FindAllStringIndex(text[lo:hi], -1) {
		start, end := lo+m[0], lo+m[1]
		if bounded(text, start, end) && valid(text[start:end]) {
			ms = append(ms, Match{Kind: k, Start: start, End: end})
		}
	}
	return ms
}

func refDigitsOf(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func refValidSSN(s string) bool {
	area, group, serial := s[0:3], s[4:6], s[7:11]
	if area == "000" || area == "666" || area[0] == '9' {
		return false
	}
	return group != "00" && serial != "0000"
}

// refSameSeparators reports whether every non-digit in s is the same byte.
func refSameSeparators(s string) bool {
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

func refValidCard(s string) bool {
	if !refSameSeparators(s) {
		return false
	}
	d := refDigitsOf(s)
	return len(d) >= 13 && len(d) <= 19 && refLuhn(d) && refKnownIIN(d)
}

func refLuhn(d string) bool {
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

func refPrefixIn(d string, n int, lo, hi int) bool {
	if len(d) < n {
		return false
	}
	v := 0
	for i := 0; i < n; i++ {
		v = v*10 + int(d[i]-'0')
	}
	return v >= lo && v <= hi
}

// refKnownIIN checks the issuer prefix and the lengths that issuer uses.
func refKnownIIN(d string) bool {
	l := len(d)
	switch {
	case d[0] == '4': // Visa
		return l == 13 || l == 16 || l == 19
	case refPrefixIn(d, 2, 51, 55) || refPrefixIn(d, 4, 2221, 2720): // Mastercard
		return l == 16
	case refPrefixIn(d, 2, 34, 34) || refPrefixIn(d, 2, 37, 37): // Amex
		return l == 15
	case refPrefixIn(d, 4, 6011, 6011) || refPrefixIn(d, 3, 644, 649) || refPrefixIn(d, 2, 65, 65): // Discover
		return l >= 16 && l <= 19
	case refPrefixIn(d, 3, 300, 305) || refPrefixIn(d, 2, 36, 36) || refPrefixIn(d, 2, 38, 39): // Diners
		return l >= 14 && l <= 19
	case refPrefixIn(d, 4, 3528, 3589): // JCB
		return l >= 16 && l <= 19
	case refPrefixIn(d, 2, 62, 62): // UnionPay
		return l >= 16 && l <= 19
	case refPrefixIn(d, 2, 50, 50) || refPrefixIn(d, 2, 56, 58) || refPrefixIn(d, 4, 6304, 6304) || refPrefixIn(d, 4, 6759, 6759) || refPrefixIn(d, 4, 6761, 6763): // Maestro
		return l >= 13 && l <= 19
	}
	return false
}

// refValidIntl checks an E.164-style number: country code 1-9, 8-15 digits,
// no doubled separators, at most one balanced pair of parentheses.
func refValidIntl(s string) bool {
	d := refDigitsOf(s)
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
	return !strings.Contains(s, ".") || refSameSeparators(s[1:])
}

func refValidNANP(s string) bool {
	d := refDigitsOf(s)
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
	} else if len(refDigitsOf(s)) == 11 {
		body = strings.TrimLeft(s[strings.IndexByte(s, '1')+1:], " .-")
	}
	return refSameSeparators(body)
}

// refValidTrunk checks a national number with a trunk 0: 10-11 digits, one kind
// of separator, a first group of 2+ digits and a second digit that is not 0.
func refValidTrunk(s string) bool {
	t := strings.NewReplacer("(", "", ")", "").Replace(s)
	d := refDigitsOf(t)
	if len(d) < 10 || len(d) > 11 || d[1] == '0' {
		return false
	}
	return refSameSeparators(t)
}

// refResolve sorts matches and drops those overlapping an earlier one.
func refResolve(ms []Match) []Match {
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
