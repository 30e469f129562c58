package features

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Feature is one non-zero entry of the hashed feature vector.
type Feature struct {
	Index uint32
	Value float32
}

// Signal is one named, explainable observation about a message. Signals
// are hashed into the vector too (as "sig:" + Code), so a model learns a
// weight per signal and can name the signals that drove a verdict.
type Signal struct {
	Code   string // stable machine name, e.g. "link_text_mismatch"
	Detail string // analyst words; may quote the message (PII)
}

// Set is the feature set of one message. It holds no pointer into the raw
// message: it may outlive it.
type Set struct {
	Version string    // FeatureSetVersion
	Vector  []Feature // sorted by Index, indices unique
	Signals []Signal  // unique by Code, in a fixed order

	// Derived fields the pipeline records.
	SenderDomain string // registrable domain of the From address
	Subject      string // decoded Subject
	URLCount     int
	Attachments  int

	// Text is the normalised body text the word features came from
	// (capped); Terms re-reads it to explain a verdict.
	Text string
	// Limits names the soft limits the walk hit, if any.
	Limits []string
}

// Signal returns the signal with the given code.
func (s *Set) Signal(code string) (Signal, bool) {
	for _, g := range s.Signals {
		if g.Code == code {
			return g, true
		}
	}
	return Signal{}, false
}

// Term is a word feature with its text, for explanations.
type Term struct {
	Index uint32
	Text  string
}

// Terms returns the distinct body words and their indices, in order of
// first appearance, at most max of them.
func (s *Set) Terms(max int) []Term {
	seen := make(map[uint32]struct{})
	var out []Term
	var buf []byte
	forEachWord(s.Text, &buf, func(tok []byte) bool {
		idx := hashIndex(prefixWord, tok)
		if _, ok := seen[idx]; !ok {
			seen[idx] = struct{}{}
			out = append(out, Term{Index: idx, Text: string(tok)})
		}
		return len(out) < max
	})
	return out
}

// SignalIndex is the vector index of a signal code.
func SignalIndex(code string) uint32 { return hashIndex(prefixSignal, []byte(code)) }

// Hash prefixes keep the feature families apart in the hashed space.
const (
	prefixSignal  = "sig:"
	prefixWord    = "w:"
	prefixBigram  = "b:"
	prefixSubject = "s:"
	prefixGram    = "c:"
)

// hashIndex is FNV-1a over prefix and b, folded to HashBits.
func hashIndex(prefix string, b []byte) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(prefix); i++ {
		h ^= uint32(prefix[i])
		h *= 16777619
	}
	for _, c := range b {
		h ^= uint32(c)
		h *= 16777619
	}
	return (h ^ h>>HashBits) & (Dim - 1)
}

// Extract computes the feature set of one raw RFC 822 message.
//
// Only From, Reply-To, To, Cc, Subject, the Content-* headers, the MIME
// structure and the body are read; placeholder addresses are replaced and
// line endings normalised first, so Extract(raw) and
// Extract(Sanitize(raw)) are equal. Work is bounded by cfg; ctx ending
// stops the walk and returns a *LimitError wrapping ErrDeadline.
func Extract(ctx context.Context, raw []byte, cfg Config) (*Set, error) {
	if len(raw) > cfg.MaxMessageBytes {
		return nil, &LimitError{Limit: "MaxMessageBytes", Err: ErrTooLarge}
	}
	if err := ctx.Err(); err != nil {
		return nil, &LimitError{Limit: "Timeout", Err: fmt.Errorf("%w: %w", ErrDeadline, err)}
	}
	// Working on the sanitized view makes Extract(raw) equal to
	// Extract(Sanitize(raw)) by construction, Sanitize being idempotent.
	msg := Sanitize(raw)
	hdrBytes, body := splitMessage(msg)
	hdr, trunc := parseHeader(hdrBytes, &cfg, modelHeader)

	w := &walker{ctx: ctx, cfg: &cfg}
	if trunc {
		w.hit("MaxHeaderBytes")
	}
	w.walk(hdr, body, 0)
	if w.err != nil {
		return nil, &LimitError{Limit: "Timeout", Err: fmt.Errorf("%w: %w", ErrDeadline, w.err)}
	}

	b := builder{cfg: &cfg}
	set := &Set{Version: FeatureSetVersion, Limits: w.limits}
	b.headers(set, hdr)
	b.body(set, w)
	set.Text = string(w.text)
	b.text(set.Text)
	set.Vector = b.finish()
	set.Signals = b.signals
	return set, nil
}

// builder accumulates signals and hashed features.
type builder struct {
	cfg     *Config
	signals []Signal
	words   []uint32
	grams   []uint32
	subject []uint32
	buf     []byte
}

func (b *builder) signal(code, detail string) {
	for _, s := range b.signals {
		if s.Code == code {
			return
		}
	}
	b.signals = append(b.signals, Signal{Code: code, Detail: detail})
}

func (b *builder) headers(set *Set, hdr []field) {
	set.Subject = replacePlaceholders(decodeHeader(get(hdr, "subject")))
	from := parseAddresses(get(hdr, "from"))
	if len(from) == 0 {
		b.signal("from_missing", "no readable From address")
	} else {
		f := from[0]
		reg := registered(f.domain)
		set.SenderDomain = reg
		if _, ok := inSet(f.domain, freeMail); ok {
			b.signal("from_freemail", fmt.Sprintf("sender uses a free mail service (%s)", reg))
		}
		if brand, ok := lookalike(reg); ok {
			b.signal("from_lookalike", fmt.Sprintf("sender domain %s imitates %s", reg, brandDomain(brand)))
		}
		if a, ok := firstAddress(f.name); ok {
			if d := registered(domainOf(a)); d != reg {
				b.signal("display_name_spoof", fmt.Sprintf("display name shows %s, mail comes from %s", a, reg))
			}
		} else if brand := brandInText(f.name); brand != "" && !official(reg, brand) {
			b.signal("display_name_brand", fmt.Sprintf("display name says %q, address is at %s", f.name, reg))
		}
		if rt := parseAddresses(get(hdr, "reply-to")); len(rt) > 0 && rt[0].domain != "" {
			if r := registered(rt[0].domain); r != reg {
				b.signal("reply_to_mismatch", fmt.Sprintf("replies go to %s, not the sender's %s", r, reg))
			}
		}
	}
	if to := parseAddresses(get(hdr, "to")); len(to) == 0 {
		b.signal("to_missing", "no readable To address (undisclosed recipients)")
	}

	s := set.Subject
	if s != "" {
		if upper, letters := countCase(s); letters >= 6 && upper*10 >= letters*8 {
			b.signal("subject_caps", "subject is in capitals")
		}
		if strings.ContainsAny(s, "!") {
			b.signal("subject_exclaim", "")
		}
		b.subject = b.hashWords(s, prefixSubject, b.subject)
		if cue := cues(s, urgencyWords); cue != "" {
			b.signal("subject_urgency", fmt.Sprintf("subject presses for urgency (%s)", cue))
		}
	} else {
		b.signal("subject_missing", "")
	}
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return ""
}

func brandDomain(brand string) string {
	if ds := brands[brand]; len(ds) > 0 {
		return ds[0]
	}
	return brand
}

func countCase(s string) (upper, letters int) {
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	return
}

var riskyExt = map[string]string{
	".html": "att_html", ".htm": "att_html", ".shtml": "att_html", ".xhtml": "att_html", ".svg": "att_html",
	".iso": "att_disk_image", ".img": "att_disk_image", ".vhd": "att_disk_image", ".vhdx": "att_disk_image",
	".zip": "att_archive", ".rar": "att_archive", ".7z": "att_archive", ".gz": "att_archive", ".tar": "att_archive",
	".ace": "att_archive", ".cab": "att_archive", ".arj": "att_archive", ".tgz": "att_archive", ".z": "att_archive",
	".exe": "att_executable", ".scr": "att_executable", ".js": "att_executable", ".vbs": "att_executable",
	".bat": "att_executable", ".cmd": "att_executable", ".msi": "att_executable", ".jar": "att_executable",
	".hta": "att_executable", ".lnk": "att_executable", ".ps1": "att_executable", ".wsf": "att_executable",
	".com": "att_executable", ".pif": "att_executable", ".cpl": "att_executable", ".dll": "att_executable",
	".docm": "att_macro_doc", ".xlsm": "att_macro_doc", ".pptm": "att_macro_doc", ".dotm": "att_macro_doc",
	".xlsb": "att_macro_doc", ".doc": "att_macro_doc", ".xls": "att_macro_doc", ".ppt": "att_macro_doc",
}

var attDetail = map[string]string{
	"att_html":        "HTML attachment %s (a local page can host a login form)",
	"att_disk_image":  "disk image attachment %s",
	"att_archive":     "archive attachment %s",
	"att_executable":  "executable attachment %s",
	"att_macro_doc":   "Office document that can carry macros: %s",
	"att_archive_exe": "archive %s contains a program (%s)",
}

func (b *builder) body(set *Set, w *walker) {
	set.Attachments = len(w.atts)
	for _, a := range w.atts {
		ext := path.Ext(a.name)
		if code, ok := riskyExt[ext]; ok {
			b.signal(code, fmt.Sprintf(attDetail[code], a.name))
		} else if a.ctype == "text/html" {
			b.signal("att_html", fmt.Sprintf(attDetail["att_html"], a.name))
		}
		for _, in := range a.inZip {
			if code := riskyExt[path.Ext(in)]; code == "att_executable" || code == "att_html" || code == "att_disk_image" {
				b.signal("att_archive_exe", fmt.Sprintf(attDetail["att_archive_exe"], a.name, in))
				break
			}
		}
	}
	if !w.hasText {
		b.signal("mime_no_text", "no readable text part")
	}
	if w.htmlForm {
		b.signal("html_form", "the message itself contains a form")
	}
	if w.htmlPassword {
		b.signal("html_password", "the message contains a password field")
	}
	if w.htmlScript {
		b.signal("html_script", "the message contains script")
	}
	if len(w.limits) > 0 {
		b.signal("limits_hit", "message exceeds parsing limits: "+strings.Join(w.limits, ", "))
	}
	b.links(set, w.links)
}

func (b *builder) links(set *Set, links []link) {
	set.URLCount = len(links)
	domains := make([]string, 0, 8)
	toSender := false
	for _, l := range links {
		u, ok := parseLink(l.href)
		if !ok {
			continue
		}
		if !slices.Contains(domains, u.reg) && len(domains) < 64 {
			domains = append(domains, u.reg)
		}
		if set.SenderDomain != "" && u.reg == set.SenderDomain {
			toSender = true
		}
		if u.user {
			b.signal("url_at_sign", fmt.Sprintf("link hides its real host behind '@': goes to %s", u.host))
		}
		if isIPHost(u.host) {
			b.signal("url_ip_host", fmt.Sprintf("link goes to a bare IP address (%s)", u.host))
			continue
		}
		if strings.Contains(u.host, "xn--") {
			shown := u.host
			if uni, err := idna.ToUnicode(u.host); err == nil {
				shown = uni
			}
			b.signal("url_punycode", fmt.Sprintf("link host is internationalised: %s (%s)", u.host, shown))
		}
		if brand, ok := lookalike(u.reg); ok {
			b.signal("url_lookalike", fmt.Sprintf("link goes to %s, which imitates %s", u.reg, brandDomain(brand)))
		}
		if sub := strings.TrimSuffix(u.host, u.reg); sub != "" {
			if n := strings.Count(sub, "."); n >= 3 {
				b.signal("url_many_subdomains", fmt.Sprintf("link host has %d subdomain levels (%s)", n, u.host))
			}
			if brand := brandInLabels(sub); brand != "" && !official(u.reg, brand) {
				b.signal("url_brand_subdomain", fmt.Sprintf("link host %s puts %s in front of %s", u.host, brand, u.reg))
			}
		}
		if d, ok := inSet(u.host, shorteners); ok {
			b.signal("url_shortener", fmt.Sprintf("link uses the shortener %s", d))
		}
		if d, ok := inSet(u.host, freeHosts); ok {
			b.signal("url_free_hosting", fmt.Sprintf("link goes to a free hosting or form service (%s)", d))
		} else if u.reg == "google.com" && strings.HasPrefix(u.path, "/forms") {
			b.signal("url_free_hosting", "link goes to a free hosting or form service (Google Forms)")
		}
		if l.text != "" {
			if shown := domainInText(l.text); shown != "" {
				if sr := registered(shown); sr != u.reg {
					b.signal("link_text_mismatch", fmt.Sprintf("link text shows %s, link goes to %s", shown, u.host))
				}
			} else if brand := brandInText(l.text); brand != "" && !official(u.reg, brand) {
				b.signal("link_text_brand", fmt.Sprintf("link text names %s, link goes to %s", brand, u.host))
			}
		}
	}
	if len(domains) > 0 && set.SenderDomain != "" && !toSender {
		b.signal("links_offsite", fmt.Sprintf("no link goes to the sender's domain %s", set.SenderDomain))
	}
}

func brandInLabels(sub string) string {
	for _, label := range strings.Split(strings.Trim(sub, "."), ".") {
		for _, part := range strings.Split(label, "-") {
			if _, ok := brands[part]; ok && brands[part] != nil && !isGeneric(part) {
				return part
			}
		}
	}
	return ""
}

// Credential and urgency cue words, several languages (the phishing the
// corpus holds is English, German, Portuguese, Dutch, Spanish, French).
var (
	credentialWords = set("password", "passwort", "senha", "wachtwoord", "contraseña", "contrasena", "mot",
		"login", "log", "signin", "sign", "verify", "verification", "verifizieren", "bestätigen", "verificar",
		"confirm", "confirme", "confirmar", "credentials", "account", "konto", "conta", "rekening", "cuenta",
		"compte", "unlock", "unusual", "suspicious", "validate", "update", "aktualisieren", "atualizar",
		"mailbox", "webmail", "billing", "payment", "zahlung", "pagamento", "betaling", "pago", "ssn", "pin",
		"inloggen", "anmelden", "acesse", "acessar")
	urgencyWords = set("urgent", "dringend", "urgente", "immediately", "sofort", "imediatamente", "onmiddellijk",
		"suspended", "suspend", "gesperrt", "suspensa", "bloqueada", "bloqueado", "geblokkeerd", "expire",
		"expires", "expired", "expiring", "ablaufen", "expira", "verloopt", "deadline", "final", "last",
		"letzte", "última", "ultimo", "laatste", "limited", "restricted", "eingeschränkt",
		"hours", "stunden", "horas", "uur", "today", "heute", "hoje", "vandaag", "now", "jetzt", "agora",
		"warning", "alert", "aviso", "warnung", "waarschuwing", "deactivated", "terminated", "locked")
)

// cues returns up to three distinct cue words of s from the set, joined.
func cues(s string, words map[string]struct{}) string {
	var found []string
	var buf []byte
	forEachWord(s, &buf, func(tok []byte) bool {
		if _, ok := words[string(tok)]; ok && !slices.Contains(found, string(tok)) {
			found = append(found, string(tok))
		}
		return len(found) < 3
	})
	return strings.Join(found, ", ")
}

// forEachWord calls fn with each lower-cased word of s (letters and
// digits, digits folded to '0' so that years and amounts do not leak;
// words over 32 bytes are skipped) until fn returns false. tok is only
// valid during the call.
func forEachWord(s string, buf *[]byte, fn func(tok []byte) bool) {
	tok := (*buf)[:0]
	long := false
	emit := func() bool {
		ok := true
		if len(tok) > 0 && !long {
			ok = fn(tok)
		}
		tok, long = tok[:0], false
		return ok
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c >= 'a' && c <= 'z':
			case c >= 'A' && c <= 'Z':
				c += 'a' - 'A'
			case c >= '0' && c <= '9':
				c = '0'
			default:
				if !emit() {
					*buf = tok
					return
				}
				continue
			}
			if len(tok) >= 32 {
				long = true
				continue
			}
			tok = append(tok, c)
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			if !emit() {
				*buf = tok
				return
			}
			continue
		}
		if unicode.IsDigit(r) {
			r = '0'
		}
		if len(tok) >= 32 {
			long = true
			continue
		}
		tok = utf8.AppendRune(tok, unicode.ToLower(r))
	}
	emit()
	*buf = tok
}

// hashWords appends hashed words of s under prefix.
func (b *builder) hashWords(s, prefix string, dst []uint32) []uint32 {
	n := 0
	forEachWord(s, &b.buf, func(tok []byte) bool {
		dst = append(dst, hashIndex(prefix, tok))
		n++
		return n < b.cfg.MaxWords
	})
	return dst
}

// text hashes body words, word bigrams and character 4-grams (over words
// with boundary marks), and the credential and urgency cues.
func (b *builder) text(s string) {
	var (
		prev    [32]byte
		prevLen = -1
		nWords  int
		nGrams  int
		cred    []string
		urgent  []string
		gram    [40]byte
		pair    [66]byte
	)
	forEachWord(s, &b.buf, func(tok []byte) bool {
		b.words = append(b.words, hashIndex(prefixWord, tok))
		if prevLen >= 0 {
			p := append(append(append(pair[:0], prev[:prevLen]...), ' '), tok...)
			b.words = append(b.words, hashIndex(prefixBigram, p))
		}
		prevLen = copy(prev[:], tok)
		if nGrams < b.cfg.MaxCharGrams && len(tok) >= 2 {
			g := append(append(append(gram[:0], '<'), tok...), '>')
			for i := 0; i+4 <= len(g) && nGrams < b.cfg.MaxCharGrams; i++ {
				b.grams = append(b.grams, hashIndex(prefixGram, g[i:i+4]))
				nGrams++
			}
		}
		if _, ok := credentialWords[string(tok)]; ok && len(cred) < 3 && !slices.Contains(cred, string(tok)) {
			cred = append(cred, string(tok))
		}
		if _, ok := urgencyWords[string(tok)]; ok && len(urgent) < 3 && !slices.Contains(urgent, string(tok)) {
			urgent = append(urgent, string(tok))
		}
		nWords++
		return nWords < b.cfg.MaxWords
	})
	if len(cred) >= 2 {
		b.signal("credential_cue", "asks about credentials or payment: "+strings.Join(cred, ", "))
	}
	if len(urgent) >= 2 {
		b.signal("urgency_cue", "presses for urgency: "+strings.Join(urgent, ", "))
	}
}

// finish merges the families into one sorted vector: each text family is
// log-scaled and L2-normalised on its own, signals count 1 each.
func (b *builder) finish() []Feature {
	slices.SortFunc(b.signals, func(x, y Signal) int { return strings.Compare(x.Code, y.Code) })
	sig := make([]uint32, len(b.signals))
	for i, s := range b.signals {
		sig[i] = SignalIndex(s.Code)
	}
	fams := [4][]Feature{
		counts(sig, false),
		counts(b.words, true),
		counts(b.grams, true),
		counts(b.subject, true),
	}
	n := 0
	for _, f := range fams {
		n += len(f)
	}
	out := make([]Feature, 0, n)
	// k-way merge of the sorted families; equal indices (hash collisions
	// across families) add up.
	var pos [4]int
	for {
		best := -1
		for k := range fams {
			if pos[k] < len(fams[k]) && (best < 0 || fams[k][pos[k]].Index < fams[best][pos[best]].Index) {
				best = k
			}
		}
		if best < 0 {
			return out
		}
		f := fams[best][pos[best]]
		pos[best]++
		if m := len(out); m > 0 && out[m-1].Index == f.Index {
			out[m-1].Value += f.Value
			continue
		}
		out = append(out, f)
	}
}

// counts sorts idx in place and turns it into features: the value is 1
// per distinct index, or, with norm, (1+ln tf) scaled to unit L2 norm.
func counts(idx []uint32, norm bool) []Feature {
	radixSort(idx)
	out := make([]Feature, 0, len(idx))
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && idx[j] == idx[i] {
			j++
		}
		v := float32(1)
		if norm && j-i > 1 {
			v = float32(1 + math.Log(float64(j-i)))
		}
		out = append(out, Feature{Index: idx[i], Value: v})
		i = j
	}
	if norm {
		var ss float64
		for _, f := range out {
			ss += float64(f.Value) * float64(f.Value)
		}
		if ss > 0 {
			inv := 1 / math.Sqrt(ss)
			for i := range out {
				out[i].Value = float32(float64(out[i].Value) * inv)
			}
		}
	}
	return out
}

// IsLimit reports whether err is a hard-limit rejection from Extract.
func IsLimit(err error) bool {
	var le *LimitError
	return errors.As(err, &le)
}

// radixSort sorts HashBits-bit indices in two 9-bit LSD passes: linear,
// and several times faster than a comparison sort on thousands of keys.
func radixSort(a []uint32) {
	if len(a) < 64 {
		slices.Sort(a)
		return
	}
	const bitsPerPass = (HashBits + 1) / 2
	const buckets = 1 << bitsPerPass
	tmp := make([]uint32, len(a))
	src, dst := a, tmp
	for shift := 0; shift < HashBits; shift += bitsPerPass {
		var count [buckets + 1]int
		for _, v := range src {
			count[(v>>shift)&(buckets-1)+1]++
		}
		for i := 1; i <= buckets; i++ {
			count[i] += count[i-1]
		}
		for _, v := range src {
			k := (v >> shift) & (buckets - 1)
			dst[count[k]] = v
			count[k]++
		}
		src, dst = dst, src
	}
	if &src[0] != &a[0] {
		copy(a, src)
	}
}
