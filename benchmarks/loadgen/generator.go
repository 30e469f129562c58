package loadgen

import (
	"math"
	"math/rand/v2"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/idna"

	"github.com/phishx/phishx/schemas"
)

// Generator makes synthetic email events. It is not safe for concurrent
// use: make one per goroutine (with different seeds).
type Generator struct {
	cfg     Config
	rng     *rand.Rand
	tenants []tenantInfo
	zones   []*time.Location
	looks   [][]string // look-alike hosts, by index into brands
	msg     message
	r       renderer
	v       vars
	buf     []byte // scratch for expand
	perm    []int  // scratch for distinct
	kind    string // what the last message was, for tests
}

type tenantInfo struct{ name, domain string }

// vars are the values templates refer to as {name}; see language.
type vars struct {
	name, sender, company, brand, amount, date, due, id, track string
	topic, team, city, product, urgency, doc, year, days       string
}

// Size distribution of generated messages: a log-normal target size, plus a
// small share of 50-100 KB ones. Templates have a floor (headers and a
// minimal body), so the target's median is set below the wanted one: the
// result is a median of ~2.7 KB, p90 ~10 KB and ~1.5% over 50 KB (see
// TestSizeDistribution).
const (
	sizeMedian     = 1100
	sizeSigma      = 1.7
	sizeMax        = 100 << 10
	bigShare       = 0.002
	bigMin, bigMax = 50 << 10, 100 << 10
)

// New returns a Generator for cfg, or a *ConfigError.
func New(cfg Config) (*Generator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	seed := uint64(cfg.Seed)
	g := &Generator{
		cfg: cfg,
		rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
	for _, t := range cfg.Tenants {
		g.tenants = append(g.tenants, tenantInfo{name: t, domain: tenantDomain(t)})
	}
	for _, off := range []int{0, 1, 2, -3, -5, 8, -4, 9, -7} {
		g.zones = append(g.zones, time.FixedZone("", off*3600))
	}
	for _, b := range brands {
		g.looks = append(g.looks, lookalikes(b.stem))
	}
	return g, nil
}

// lookalikes derives hosts that resemble stem: digit-for-letter swaps, added
// words and, via punycode, Cyrillic homoglyphs. All live under .example.
func lookalikes(stem string) []string {
	var out []string
	swaps := strings.NewReplacer("l", "1", "o", "0", "i", "1", "e", "3", "a", "4")
	if s := swaps.Replace(stem); s != stem {
		out = append(out, s+"-secure.example", s+".example")
	}
	out = append(out,
		stem+"-account-verify.example",
		"secure-"+stem+".example",
		stem+".com.login-check.example",
		stem+"-support.example.net",
		strings.Replace(stem, "m", "rn", 1)+"-online.example",
	)
	homo := strings.NewReplacer("a", "\u0430", "o", "\u043e", "e", "\u0435", "p", "\u0440", "c", "\u0441")
	if h := homo.Replace(stem); h != stem {
		if p, err := idna.Punycode.ToASCII(h + "-login.example"); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// Next returns the next event. Each call returns a new event whose slices
// the caller owns.
func (g *Generator) Next() *schemas.EmailEvent {
	ev, _ := g.NextLabeled()
	return ev
}

// NextLabeled is Next that also says whether the message is phish.
func (g *Generator) NextLabeled() (*schemas.EmailEvent, bool) {
	now := g.cfg.Clock()
	phish := g.rng.Float64() < g.cfg.PhishRatio
	t := g.tenants[g.rng.IntN(len(g.tenants))]
	ev := &schemas.EmailEvent{
		EventID:    g.uuid(),
		Tenant:     t.name,
		Gateway:    g.cfg.Gateways[g.rng.IntN(len(g.cfg.Gateways))],
		ReceivedAt: now.UTC().Truncate(time.Millisecond),
	}

	m := &g.msg
	m.reset()
	m.date = now.Add(-time.Duration(1+g.rng.IntN(900)) * time.Second).In(g.zones[g.rng.IntN(len(g.zones))]).Truncate(time.Second)
	m.boundaryStyle = g.rng.IntN(4)
	m.css = pick(g, cssStyles)
	if x := pick(g, mailers); x != "" {
		m.headers = append(m.headers, header{"X-Mailer", x})
	}
	n := 1
	if f := g.rng.Float64(); f > 0.9 {
		n = 3
	} else if f > 0.7 {
		n = 2
	}
	to := make([]string, n)
	rcptName := ""
	for i := range to {
		p := g.person()
		if i == 0 {
			rcptName, _, _ = strings.Cut(p, " ")
		}
		to[i] = g.address(p, t.domain)
		name := ""
		if g.chance(0.6) {
			name = p
		}
		m.to = append(m.to, mail.Address{Name: name, Address: to[i]})
	}
	ev.EnvelopeTo = to

	target := g.targetSize()
	g.resetVars(rcptName)
	var envFrom string
	if phish {
		envFrom = g.phish(t, target)
	} else {
		envFrom = g.ham(t, target)
	}
	ev.EnvelopeFrom = envFrom
	ev.ClientIP = g.clientIP()
	raw := g.r.render(m, g.boundary)
	ev.RawMessage = append([]byte(nil), raw...)
	return ev, phish
}

// uuid returns a random (version 4) UUID drawn from the seeded source.
func (g *Generator) uuid() string {
	var b [16]byte
	hi, lo := g.rng.Uint64(), g.rng.Uint64()
	for i := range 8 {
		b[i] = byte(hi >> (56 - 8*i))
		b[8+i] = byte(lo >> (56 - 8*i))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hexd = "0123456789abcdef"
	var s [36]byte
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			s[j] = '-'
			j++
		}
		s[j], s[j+1] = hexd[c>>4], hexd[c&15]
		j += 2
	}
	return string(s[:])
}

func (g *Generator) targetSize() int {
	if g.chance(bigShare) {
		return bigMin + g.rng.IntN(bigMax-bigMin)
	}
	s := float64(sizeMedian) * math.Exp(sizeSigma*g.rng.NormFloat64())
	return int(min(s, sizeMax))
}

// clientIP draws from the documentation ranges only (RFC 5737, RFC 3849).
func (g *Generator) clientIP() string {
	if g.chance(0.1) {
		return "2001:db8:" + strconv.FormatUint(uint64(g.rng.IntN(0x10000)), 16) + "::" + strconv.FormatUint(uint64(1+g.rng.IntN(0xfffe)), 16)
	}
	return g.docIPv4()
}

var docNets = []string{"192.0.2.", "198.51.100.", "203.0.113."}

func (g *Generator) docIPv4() string {
	return pick(g, docNets) + strconv.Itoa(1+g.rng.IntN(254))
}

func (g *Generator) boundary(style int) string {
	x := strconv.FormatUint(g.rng.Uint64(), 16)
	switch style % 4 {
	case 0:
		return "----=_Part_" + strconv.Itoa(g.rng.IntN(1000000)) + "_" + x
	case 1:
		return "===============" + strconv.FormatUint(g.rng.Uint64()%1e19, 10) + "=="
	case 2:
		return "b1_" + x
	default:
		return "_000_" + strings.ToUpper(x) + "_"
	}
}

func (g *Generator) chance(p float64) bool { return g.rng.Float64() < p }

func pick[T any](g *Generator, s []T) T { return s[g.rng.IntN(len(s))] }

func (g *Generator) person() string {
	return pick(g, firstNames) + " " + pick(g, lastNames)
}

// address makes a mailbox for a person's name at domain, in one of the
// usual local-part styles, folded to ASCII.
func (g *Generator) address(name, domain string) string {
	first, last, _ := strings.Cut(name, " ")
	if isASCIIString(name) && !strings.Contains(last, " ") && !strings.Contains(last, "'") {
		first, last = strings.ToLower(first), strings.ToLower(last)
	} else {
		first, last = asciiFold(first), asciiFold(strings.ReplaceAll(last, " ", ""))
	}
	var local string
	switch g.rng.IntN(5) {
	case 0:
		local = first + "." + last
	case 1:
		local = first[:1] + last
	case 2:
		local = first
	case 3:
		local = first + "_" + last
	default:
		local = first + "." + last + strconv.Itoa(g.rng.IntN(100))
	}
	return local + "@" + domain
}

// asciiFold lowercases s and drops diacritics of the letters our name
// lists use, and anything else that is not a letter or digit.
func asciiFold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case 'ä':
			b.WriteString("ae")
		case 'ö':
			b.WriteString("oe")
		case 'ü':
			b.WriteString("ue")
		case 'ß':
			b.WriteString("ss")
		case 'é', 'è', 'ê':
			b.WriteByte('e')
		case 'ã', 'á', 'â', 'à':
			b.WriteByte('a')
		case 'ç':
			b.WriteByte('c')
		case 'í':
			b.WriteByte('i')
		case 'ó', 'ô', 'õ':
			b.WriteByte('o')
		case 'ú':
			b.WriteByte('u')
		default:
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				b.WriteRune(r)
			}
		}
	}
	if b.Len() == 0 {
		return "x"
	}
	return b.String()
}

func (g *Generator) randomLabel(n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [32]byte
	n = min(n, len(b))
	for i := range n {
		if i == 0 {
			b[i] = letters[g.rng.IntN(26)]
			continue
		}
		b[i] = letters[g.rng.IntN(len(letters))]
	}
	return string(b[:n])
}

func (g *Generator) base62(n int) string {
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alpha[g.rng.IntN(len(alpha))]
	}
	return string(b)
}

func (g *Generator) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.rng.IntN(10))
	}
	return string(b)
}

func (g *Generator) pickLang(en, de, nl float64) *language {
	f := g.rng.Float64()
	switch {
	case f < en:
		return english
	case f < en+de:
		return german
	case f < en+de+nl:
		return dutch
	default:
		return portuguese
	}
}

// resetVars draws fresh values for the template variables.
func (g *Generator) resetVars(name string) {
	g.v = vars{
		name:    name,
		sender:  g.person(),
		topic:   pick(g, topics),
		team:    pick(g, teams),
		city:    pick(g, cities),
		urgency: pick(g, urgency),
		doc:     pick(g, docNames),
		days:    strconv.Itoa(3 + g.rng.IntN(40)),
		track:   "TS" + g.digits(12),
		product: pick(g, vendors).product,
	}
	g.v.year = strconv.Itoa(g.msg.date.Year())
}

// setLang fills the language-dependent variables.
func (g *Generator) setLang(l *language) {
	g.v.amount = g.money(l, 5+g.rng.Float64()*g.rng.Float64()*4000)
	g.v.date = l.months[g.rng.IntN(12)]
	g.v.due = g.formatDate(l, g.msg.date.AddDate(0, 0, 1+g.rng.IntN(30)))
}

func (g *Generator) money(l *language, v float64) string {
	cents := int64(math.Round(v * 100))
	whole := strconv.FormatInt(cents/100, 10)
	frac := strconv.FormatInt(100+cents%100, 10)[1:]
	sep, dec := ",", "."
	if l.decimalComa {
		sep, dec = ".", ","
	}
	if len(whole) > 3 {
		whole = whole[:len(whole)-3] + sep + whole[len(whole)-3:]
	}
	switch l.currency {
	case "EUR":
		return whole + dec + frac + " €"
	case "BRL":
		return "R$ " + whole + dec + frac
	default:
		return "$" + whole + dec + frac
	}
}

func (g *Generator) formatDate(l *language, t time.Time) string {
	switch l.dateStyle {
	case 1:
		return t.Format("02.01.2006")
	case 2:
		return t.Format("02-01-2006")
	case 3:
		return t.Format("02/01/2006")
	default:
		return strconv.Itoa(t.Day()) + " " + l.months[t.Month()-1] + " " + strconv.Itoa(t.Year())
	}
}

// expand fills the {placeholders} of tmpl from g.v.
func (g *Generator) expand(tmpl string) string {
	if strings.IndexByte(tmpl, '{') < 0 {
		return tmpl
	}
	b := g.buf[:0]
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			break
		}
		b = append(b, tmpl[:i]...)
		b = append(b, g.lookup(tmpl[i+1:i+j])...)
		tmpl = tmpl[i+j+1:]
	}
	b = append(b, tmpl...)
	g.buf = b
	return string(b)
}

func (g *Generator) lookup(key string) string {
	v := &g.v
	switch key {
	case "name":
		return v.name
	case "sender":
		return v.sender
	case "company":
		return v.company
	case "brand":
		return v.brand
	case "amount":
		return v.amount
	case "date":
		return v.date
	case "due":
		return v.due
	case "id":
		return v.id
	case "track":
		return v.track
	case "topic":
		return v.topic
	case "team":
		return v.team
	case "city":
		return v.city
	case "product":
		return v.product
	case "urgency":
		return v.urgency
	case "doc":
		return v.doc
	case "year":
		return v.year
	case "days":
		return v.days
	}
	return "{" + key + "}"
}

// distinct returns k different indices below n (fewer when n < k), in
// random order. The slice is reused by the next call.
func (g *Generator) distinct(n, k int) []int {
	p := g.perm[:0]
	for i := range n {
		p = append(p, i)
	}
	k = min(k, n)
	for i := range k {
		j := i + g.rng.IntN(n-i)
		p[i], p[j] = p[j], p[i]
	}
	g.perm = p
	return p[:k]
}

// sentences joins k different sentences drawn from list, expanded.
func (g *Generator) sentences(list []string, k int) string {
	var b strings.Builder
	b.Grow(k * 96)
	for i, j := range g.distinct(len(list), k) {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(g.expand(list[j]))
	}
	return b.String()
}

// phrases joins k different phrases (list items without a full stop) as
// sentences.
func (g *Generator) phrases(list []string, k int) string {
	var b strings.Builder
	for _, j := range g.distinct(len(list), k) {
		b.WriteString(g.expand(list[j]))
		b.WriteString(". ")
	}
	return strings.TrimSuffix(b.String(), " ")
}

// items returns k different entries of list, expanded, in a new slice.
func (g *Generator) items(list []string, k int) []string {
	idx := g.distinct(len(list), k)
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = g.expand(list[j])
	}
	return out
}

func (g *Generator) messageID(domain string) string {
	switch g.rng.IntN(3) {
	case 0:
		return "<" + strconv.FormatInt(g.msg.date.UnixMilli(), 10) + "." + strconv.FormatUint(g.rng.Uint64(), 36) + "@" + domain + ">"
	case 1:
		return "<" + g.uuid() + "@" + domain + ">"
	default:
		return "<" + strings.ToUpper(strconv.FormatUint(g.rng.Uint64(), 16)) + "$" + strconv.FormatUint(uint64(g.rng.Uint32()), 16) + "@" + domain + ">"
	}
}

// hostOf returns the domain part of an address.
func hostOf(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	return d
}

// textEnc picks a transfer encoding for a text part; render upgrades 7bit
// to quoted-printable when the text is not ASCII.
func (g *Generator) textEnc() transferEncoding {
	f := g.rng.Float64()
	switch {
	case f < 0.55:
		return enc7bit
	case f < 0.8:
		return encQP
	case f < 0.92:
		return encBase64
	default:
		return enc8bit
	}
}
