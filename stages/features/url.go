package features

import (
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// brands maps a well-known brand's name, as it appears in domain labels,
// to its official registered domains. The list is short on purpose:
// brands phishing kits imitate most.
var brands = map[string][]string{
	"paypal":          {"paypal.com", "paypal.me"},
	"apple":           {"apple.com", "icloud.com"},
	"icloud":          {"icloud.com", "apple.com"},
	"microsoft":       {"microsoft.com", "live.com", "office.com", "outlook.com", "microsoftonline.com", "sharepoint.com", "office365.com"},
	"office":          {"office.com", "microsoft.com", "office365.com"},
	"outlook":         {"outlook.com", "microsoft.com", "live.com"},
	"onedrive":        {"live.com", "microsoft.com"},
	"sharepoint":      {"sharepoint.com"},
	"amazon":          {"amazon.com", "amazon.de", "amazon.co.uk", "amazon.com.br", "amazon.nl", "amazonaws.com"},
	"netflix":         {"netflix.com"},
	"google":          {"google.com", "gmail.com", "googleapis.com", "youtube.com"},
	"facebook":        {"facebook.com", "fb.com", "meta.com"},
	"instagram":       {"instagram.com"},
	"whatsapp":        {"whatsapp.com"},
	"linkedin":        {"linkedin.com"},
	"dhl":             {"dhl.com", "dhl.de"},
	"fedex":           {"fedex.com"},
	"usps":            {"usps.com"},
	"docusign":        {"docusign.com", "docusign.net"},
	"dropbox":         {"dropbox.com"},
	"adobe":           {"adobe.com"},
	"coinbase":        {"coinbase.com"},
	"binance":         {"binance.com"},
	"metamask":        {"metamask.io"},
	"wellsfargo":      {"wellsfargo.com"},
	"chase":           {"chase.com"},
	"bankofamerica":   {"bankofamerica.com"},
	"americanexpress": {"americanexpress.com"},
	"santander":       {"santander.com", "santander.com.br", "santander.co.uk"},
	"bradesco":        {"bradesco.com.br"},
	"itau":            {"itau.com.br"},
	"caixa":           {"caixa.gov.br"},
	"nubank":          {"nubank.com.br"},
	"mercadolivre":    {"mercadolivre.com.br"},
	"rabobank":        {"rabobank.nl", "rabobank.com"},
	"abnamro":         {"abnamro.nl", "abnamro.com"},
	"sparkasse":       {"sparkasse.de"},
	"postnl":          {"postnl.nl"},
	"correios":        {"correios.com.br"},
	"ebay":            {"ebay.com", "ebay.de"},
	"steam":           {"steampowered.com", "steamcommunity.com"},
	"spotify":         {"spotify.com"},
	"binanceus":       {"binance.us"},
	"webmail":         nil,
}

var shorteners = set("bit.ly", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "buff.ly", "rebrand.ly",
	"cutt.ly", "shorturl.at", "rb.gy", "t.ly", "tiny.cc", "bitly.com", "s.id", "v.gd", "qrco.de", "lnkd.in",
	"shorturl.com", "urlz.fr", "x.co", "y2u.be", "surl.li", "tny.sh", "short.gy", "bl.ink")

// freeHosts are registered domains where anyone can publish a page or a
// form in minutes; phishing kits live there.
var freeHosts = set("000webhostapp.com", "weebly.com", "wixsite.com", "wix.com", "blogspot.com", "github.io",
	"firebaseapp.com", "web.app", "netlify.app", "vercel.app", "pages.dev", "workers.dev", "r2.dev",
	"glitch.me", "herokuapp.com", "azurewebsites.net", "web.core.windows.net", "godaddysites.com",
	"webflow.io", "square.site", "carrd.co", "jimdosite.com", "jotform.com", "typeform.com", "forms.gle",
	"formstack.com", "wufoo.com", "sites.google.com", "ipfs.io", "dweb.link", "cloudflare-ipfs.com",
	"myshopify.com", "mailchimpsites.com", "yolasite.com", "strikingly.com", "surge.sh", "replit.app",
	"repl.co", "ngrok.io", "ngrok-free.app", "trycloudflare.com", "canva.site", "notion.site", "framer.app",
	"firebasestorage.googleapis.com", "storage.googleapis.com", "blob.core.windows.net", "s3.amazonaws.com",
	"docs.google.com", "onedrive.live.com", "1drv.ms", "sharepoint.com", "dropboxusercontent.com")

var freeMail = set("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "aol.com", "gmx.de", "gmx.net",
	"gmx.com", "mail.ru", "yandex.ru", "yandex.com", "protonmail.com", "proton.me", "icloud.com", "live.com",
	"msn.com", "web.de", "uol.com.br", "bol.com.br", "terra.com.br", "zoho.com", "mail.com", "qq.com",
	"163.com", "hotmail.de", "yahoo.de", "yahoo.com.br", "hotmail.com.br", "libero.it", "orange.fr")

func set(xs ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(xs))
	for _, x := range xs {
		m[x] = struct{}{}
	}
	return m
}

// registered returns the registrable domain (eTLD+1) of host, or host
// itself when it has none.
func registered(host string) string {
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}

// hostMatches reports whether host is d or a subdomain of d.
func hostMatches(host, d string) bool {
	return host == d || strings.HasSuffix(host, "."+d)
}

func inSet(host string, s map[string]struct{}) (string, bool) {
	for h := host; h != ""; {
		if _, ok := s[h]; ok {
			return h, true
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
	}
	return "", false
}

func isIPHost(host string) bool {
	if net.ParseIP(strings.Trim(host, "[]")) != nil {
		return true
	}
	// Decimal or hex integer hosts (http://3232235777/) are IPs too.
	if _, err := strconv.ParseUint(host, 0, 32); err == nil {
		return true
	}
	return false
}

// homoglyphs folds characters look-alike domains swap in.
var homoglyphs = strings.NewReplacer(
	"0", "o", "1", "l", "3", "e", "4", "a", "5", "s", "7", "t", "rn", "m", "vv", "w",
	"а", "a", "е", "e", "о", "o", "р", "p", "с", "c", "у", "y", "х", "x", "і", "i", "ӏ", "l", "ԁ", "d",
	"ɑ", "a", "ο", "o", "ν", "v", "κ", "k", "ѕ", "s", "ј", "j", "һ", "h", "ⅼ", "l",
)

// lookalike returns the brand whose name the registered domain reg
// imitates, if any: a label that folds to a brand name, is one edit away
// from it, or embeds it ("paypal-secure"), while reg is not one of the
// brand's official domains.
func lookalike(reg string) (brand string, ok bool) {
	label := reg
	if i := strings.IndexByte(reg, '.'); i > 0 {
		label = reg[:i]
	}
	if strings.HasPrefix(label, "xn--") {
		if u, err := idna.ToUnicode(label); err == nil {
			label = u
		}
	}
	folded := homoglyphs.Replace(label)
	for _, name := range sortedBrands {
		if official(reg, name) {
			continue
		}
		switch {
		case folded == name && label != name:
			return name, true
		case isGeneric(name):
		case len(name) >= 5 && label != name && editDistance1(label, name):
			return name, true
		case strings.Contains(folded, name) && strings.ContainsAny(label, "-0123456789"):
			return name, true
		}
	}
	return "", false
}

func isGeneric(name string) bool {
	_, ok := genericBrands[name]
	return ok
}

func official(reg, brand string) bool {
	for _, d := range brands[brand] {
		if reg == d {
			return true
		}
	}
	return false
}

// sortedBrands fixes the order brands are tried in, so the chosen brand
// never depends on map iteration.
var sortedBrands = func() []string {
	out := make([]string, 0, len(brands))
	for b := range brands {
		if brands[b] != nil {
			out = append(out, b)
		}
	}
	slices.Sort(out)
	return out
}()

// genericBrands are brand names that are also common words; they match
// only exactly or through homoglyphs, never by edit distance or
// substring.
var genericBrands = set("office", "outlook", "chase", "steam", "apple", "google", "caixa", "itau", "ebay", "adobe", "spotify")

// editDistance1 reports whether a and b (ASCII) differ by exactly one
// insertion, deletion, substitution or adjacent transposition.
func editDistance1(a, b string) bool {
	if a == b {
		return false
	}
	la, lb := len(a), len(b)
	if la-lb > 1 || lb-la > 1 {
		return false
	}
	i := 0
	for i < la && i < lb && a[i] == b[i] {
		i++
	}
	switch {
	case la == lb:
		if a[i+1:] == b[i+1:] {
			return true
		}
		return i+1 < la && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	case la > lb:
		return a[i+1:] == b[i:]
	default:
		return a[i:] == b[i+1:]
	}
}

// brandInText returns a brand named in free text (a display name, link
// text), matched as a whole word.
func brandInText(s string) string {
	s = strings.ToLower(s)
	for _, name := range sortedBrands {
		if len(name) < 4 {
			continue
		}
		if i := strings.Index(s, name); i >= 0 {
			before := i == 0 || !isAlnum(s[i-1])
			after := i+len(name) == len(s) || !isAlnum(s[i+len(name)])
			if before && after {
				return name
			}
		}
	}
	return ""
}

func isAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// domainInText returns the first thing in link text that looks like a
// domain name with a public suffix (paypal.com, www.bank.co.uk).
func domainInText(s string) string {
	s = strings.ToLower(s)
	for _, tok := range strings.FieldsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '/' || r == ':')
	}) {
		tok = strings.TrimPrefix(strings.TrimPrefix(tok, "https://"), "http://")
		if i := strings.IndexByte(tok, '/'); i >= 0 {
			tok = tok[:i]
		}
		tok = strings.Trim(tok, ".:-")
		if strings.Count(tok, ".") == 0 || len(tok) > 253 {
			continue
		}
		suffix, icann := publicsuffix.PublicSuffix(tok)
		if !icann || suffix == tok {
			continue
		}
		return tok
	}
	return ""
}

// parsedURL is the part of a URL the signals read.
type parsedURL struct {
	host string // lower-case, no port, no trailing dot
	reg  string // registrable domain
	user bool   // userinfo present: "https://paypal.com@evil.tld/"
	path string
}

func parseLink(href string) (parsedURL, bool) {
	href = strings.TrimSpace(href)
	lower := strings.ToLower(href)
	switch {
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"):
	case strings.HasPrefix(lower, "www."):
		href = "http://" + href
	default:
		return parsedURL{}, false
	}
	u, err := url.Parse(href)
	if err != nil {
		// Unparseable URLs still have a host we can cut out by hand.
		rest := href[strings.Index(href, "//")+2:]
		if i := strings.IndexAny(rest, "/?#"); i >= 0 {
			rest = rest[:i]
		}
		u = &url.URL{Host: rest}
		if at := strings.LastIndexByte(rest, '@'); at >= 0 {
			u.Host, u.User = rest[at+1:], url.User(rest[:at])
		}
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return parsedURL{}, false
	}
	return parsedURL{host: host, reg: registered(host), user: u.User != nil, path: strings.ToLower(u.Path)}, true
}
