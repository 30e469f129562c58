package loadgen

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/phishx/phishx/schemas"
)

// fixedClock returns a clock that ticks one second per reading, so runs are
// reproducible.
func fixedClock() func() time.Time {
	t := time.Date(2026, 3, 4, 10, 0, 0, 123456789, time.UTC)
	return func() time.Time {
		t = t.Add(time.Second)
		return t
	}
}

func newTestGen(t testing.TB, seed int64, ratio float64) *Generator {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Seed = seed
	cfg.PhishRatio = ratio
	cfg.Clock = fixedClock()
	g, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name      string
		give      func(*Config)
		wantField string
	}{
		{"default", func(*Config) {}, ""},
		{"ratio negative", func(c *Config) { c.PhishRatio = -0.1 }, "PhishRatio"},
		{"ratio over one", func(c *Config) { c.PhishRatio = 1.5 }, "PhishRatio"},
		{"ratio NaN", func(c *Config) { c.PhishRatio = math.NaN() }, "PhishRatio"},
		{"ratio one", func(c *Config) { c.PhishRatio = 1 }, ""},
		{"no tenants", func(c *Config) { c.Tenants = nil }, "Tenants"},
		{"blank tenant", func(c *Config) { c.Tenants = []string{"a", " "} }, "Tenants[1]"},
		{"long gateway", func(c *Config) { c.Gateways = []string{strings.Repeat("g", 200)} }, "Gateways[0]"},
		{"no gateways", func(c *Config) { c.Gateways = []string{} }, "Gateways"},
		{"no clock", func(c *Config) { c.Clock = nil }, "Clock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.give(&cfg)
			err := cfg.Validate()
			_, newErr := New(cfg)
			if tt.wantField == "" {
				if err != nil || newErr != nil {
					t.Fatalf("Validate = %v, New = %v; want nil", err, newErr)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.wantField {
				t.Fatalf("Validate = %v; want ConfigError on %s", err, tt.wantField)
			}
			if !errors.Is(err, ErrInvalidConfig) || !errors.Is(newErr, ErrInvalidConfig) {
				t.Fatalf("errors do not wrap ErrInvalidConfig: %v, %v", err, newErr)
			}
		})
	}
}

func TestTenantDomain(t *testing.T) {
	tests := []struct{ give, want string }{
		{"acme", "acme.example"},
		{"Big Corp_EU", "big-corp-eu.example"},
		{"---", "tenant.example"},
		{"ünïcode", "ncode.example"},
		{strings.Repeat("a", 100), strings.Repeat("a", 63) + ".example"},
	}
	for _, tt := range tests {
		if got := tenantDomain(tt.give); got != tt.want {
			t.Errorf("tenantDomain(%q) = %q; want %q", tt.give, got, tt.want)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, b := newTestGen(t, 42, 0.3), newTestGen(t, 42, 0.3)
	c := newTestGen(t, 43, 0.3)
	differ := 0
	for i := range 500 {
		ea, pa := a.NextLabeled()
		eb, pb := b.NextLabeled()
		if pa != pb || !reflect.DeepEqual(ea, eb) {
			t.Fatalf("event %d differs between two generators with the same seed", i)
		}
		if ec := c.Next(); !bytes.Equal(ea.RawMessage, ec.RawMessage) {
			differ++
		}
	}
	if differ < 490 {
		t.Fatalf("seeds 42 and 43 gave %d/500 different messages; want nearly all", differ)
	}
}

func TestEventsOwnTheirBytes(t *testing.T) {
	g := newTestGen(t, 1, 0.2)
	first := g.Next()
	keep := slices.Clone(first.RawMessage)
	for range 50 {
		g.Next()
	}
	if !bytes.Equal(keep, first.RawMessage) {
		t.Fatal("a later Next changed an earlier event's RawMessage")
	}
}

// reservedDomain reports whether d is under a name RFC 2606 reserves.
func reservedDomain(d string) bool {
	d = strings.ToLower(d)
	for _, s := range []string{".example", ".test", ".invalid", "example.com", "example.net", "example.org"} {
		if strings.HasSuffix(d, s) {
			return true
		}
	}
	return false
}

var docPrefixes = []netip.Prefix{
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// stats counts what a walk over messages saw.
type stats struct {
	parts, attachments, alternative, html, qp, b64text, encodedSubject, nonASCII int
	ctypes                                                                       map[string]int
}

func TestMessagesAreValid(t *testing.T) {
	g := newTestGen(t, 7, 0.3)
	cfg := DefaultConfig()
	st := stats{ctypes: map[string]int{}}
	for i := range 3000 {
		ev, phish := g.NextLabeled()
		if err := checkEvent(ev, cfg); err != nil {
			t.Fatalf("event %d (%s): %v", i, g.kind, err)
		}
		if err := checkMessage(ev.RawMessage, &st); err != nil {
			t.Fatalf("message %d (%s, phish=%v): %v\n%s", i, g.kind, phish, err, ev.RawMessage)
		}
	}
	for _, c := range []struct {
		what string
		n    int
	}{
		{"attachments", st.attachments}, {"multipart/alternative", st.alternative}, {"HTML parts", st.html},
		{"quoted-printable parts", st.qp}, {"base64 text parts", st.b64text},
		{"RFC 2047 subjects", st.encodedSubject}, {"non-ASCII text", st.nonASCII},
		{"PDF attachments", st.ctypes["application/pdf"]}, {"ZIP attachments", st.ctypes["application/zip"]},
		{"HTML attachments", st.ctypes["text/html"]},
	} {
		if c.n < 10 {
			t.Errorf("only %d %s in 3000 messages", c.n, c.what)
		}
	}
}

func checkEvent(ev *schemas.EmailEvent, cfg Config) error {
	id, err := uuid.Parse(ev.EventID)
	if err != nil || id.Version() != 4 || id.Variant() != uuid.RFC4122 || id.String() != ev.EventID {
		return fmt.Errorf("event id %q is not a canonical UUID v4 (%v)", ev.EventID, err)
	}
	if !slices.Contains(cfg.Tenants, ev.Tenant) || !slices.Contains(cfg.Gateways, ev.Gateway) {
		return fmt.Errorf("tenant %q or gateway %q not from the config", ev.Tenant, ev.Gateway)
	}
	if ev.ReceivedAt.Location() != time.UTC || ev.ReceivedAt.Nanosecond()%int(time.Millisecond) != 0 {
		return fmt.Errorf("ReceivedAt %v is not UTC with millisecond precision", ev.ReceivedAt)
	}
	if n := len(ev.EnvelopeTo); n < 1 || n > 3 {
		return fmt.Errorf("%d recipients; want 1-3", n)
	}
	for _, a := range append([]string{ev.EnvelopeFrom}, ev.EnvelopeTo...) {
		if _, err := mail.ParseAddress(a); err != nil || !reservedDomain(hostOf(a)) {
			return fmt.Errorf("envelope address %q: %v (or not a reserved domain)", a, err)
		}
	}
	for _, a := range ev.EnvelopeTo {
		if hostOf(a) != tenantDomain(ev.Tenant) {
			return fmt.Errorf("recipient %q not at the tenant's domain", a)
		}
	}
	ip, err := netip.ParseAddr(ev.ClientIP)
	if err != nil || !slices.ContainsFunc(docPrefixes, func(p netip.Prefix) bool { return p.Contains(ip) }) {
		return fmt.Errorf("client ip %q not in a documentation range", ev.ClientIP)
	}
	if ev.KeyVersion != 0 || len(ev.EncryptedFields) != 0 {
		return errors.New("generated events must be plaintext")
	}
	return nil
}

func checkMessage(raw []byte, st *stats) error {
	for i, c := range raw {
		if c == '\n' && (i == 0 || raw[i-1] != '\r') {
			return fmt.Errorf("bare LF at byte %d", i)
		}
		if c == '\r' && (i+1 == len(raw) || raw[i+1] != '\n') {
			return fmt.Errorf("bare CR at byte %d", i)
		}
	}
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		if len(line) > 998 {
			return fmt.Errorf("line %d is %d bytes long", i, len(line))
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("net/mail: %w", err)
	}
	h := msg.Header
	for _, k := range []string{"Message-ID", "Date", "From", "To", "Subject", "MIME-Version"} {
		if h.Get(k) == "" {
			return fmt.Errorf("no %s header", k)
		}
	}
	if _, err := h.Date(); err != nil {
		return fmt.Errorf("Date: %w", err)
	}
	from, err := mail.ParseAddress(h.Get("From"))
	if err != nil || from.Name == "" || !reservedDomain(hostOf(from.Address)) {
		return fmt.Errorf("From %q: %v (want a display name and a reserved domain)", h.Get("From"), err)
	}
	if rt := h.Get("Reply-To"); rt != "" {
		a, err := mail.ParseAddress(rt)
		if err != nil || !reservedDomain(hostOf(a.Address)) {
			return fmt.Errorf("Reply-To %q: %v", rt, err)
		}
	}
	for _, k := range []string{"To", "Cc"} {
		if v := h.Get(k); v != "" {
			if _, err := mail.ParseAddressList(v); err != nil {
				return fmt.Errorf("%s %q: %w", k, v, err)
			}
		}
	}
	subj := h.Get("Subject")
	dec, err := new(mime.WordDecoder).DecodeHeader(subj)
	if err != nil || !utf8.ValidString(dec) || dec == "" {
		return fmt.Errorf("Subject %q: %v", subj, err)
	}
	if strings.Contains(subj, "=?utf-8?") {
		st.encodedSubject++
	}
	if strings.Contains(dec, "{") {
		return fmt.Errorf("unexpanded placeholder in subject %q", dec)
	}
	body, err := io.ReadAll(msg.Body)
	if err != nil {
		return err
	}
	return walkPart(textprotoHeader(h), body, st, 0)
}

type partHeader interface{ Get(string) string }

func textprotoHeader(h mail.Header) partHeader { return h }

// walkPart checks one MIME entity and, for multiparts, its children.
func walkPart(h partHeader, body []byte, st *stats, depth int) error {
	if depth > 3 {
		return errors.New("MIME nesting too deep")
	}
	st.parts++
	ct := h.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("Content-Type %q: %w", ct, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		if mt == "multipart/alternative" {
			st.alternative++
		}
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		n := 0
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("%s part %d: %w", mt, n, err)
			}
			b, err := io.ReadAll(p)
			if err != nil {
				return fmt.Errorf("%s part %d: %w", mt, n, err)
			}
			if err := walkPart(p.Header, b, st, depth+1); err != nil {
				return fmt.Errorf("%s part %d: %w", mt, n, err)
			}
			n++
		}
		if n < 2 {
			return fmt.Errorf("%s with %d parts", mt, n)
		}
		return nil
	}
	var data []byte
	switch cte := strings.ToLower(h.Get("Content-Transfer-Encoding")); cte {
	case "quoted-printable":
		st.qp++
		data, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
	case "base64":
		data, err = base64.StdEncoding.DecodeString(strings.ReplaceAll(string(body), "\r\n", ""))
		if err == nil && strings.HasPrefix(mt, "text/") && !strings.Contains(h.Get("Content-Disposition"), "attachment") {
			st.b64text++
		}
	case "7bit", "8bit", "":
		data = body
		if cte == "7bit" && !isASCII(body) {
			return errors.New("7bit part is not ASCII")
		}
	default:
		return fmt.Errorf("unknown transfer encoding %q", cte)
	}
	if err != nil {
		return fmt.Errorf("%s body: %w", mt, err)
	}
	if disp := h.Get("Content-Disposition"); strings.HasPrefix(disp, "attachment") {
		st.attachments++
		st.ctypes[mt]++
		if _, dp, err := mime.ParseMediaType(disp); err != nil || dp["filename"] == "" {
			return fmt.Errorf("Content-Disposition %q: %v", disp, err)
		}
		switch mt {
		case "application/pdf":
			if !bytes.HasPrefix(data, []byte("%PDF-")) || !bytes.HasSuffix(data, []byte("%%EOF\n")) {
				return errors.New("PDF attachment lacks header or trailer")
			}
		case "application/zip":
			zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil || len(zr.File) != 1 {
				return fmt.Errorf("zip attachment: %v", err)
			}
			rc, err := zr.File[0].Open()
			if err != nil {
				return fmt.Errorf("zip entry: %w", err)
			}
			_, err = io.Copy(io.Discard, rc) // checks the CRC
			rc.Close()
			if err != nil {
				return fmt.Errorf("zip entry: %w", err)
			}
		case "text/html":
			if !bytes.Contains(data, []byte("<form")) {
				return errors.New("HTML attachment without a form")
			}
		}
		return nil
	}
	if !strings.HasPrefix(mt, "text/") {
		return fmt.Errorf("inline part of type %s", mt)
	}
	if !utf8.Valid(data) {
		return fmt.Errorf("%s part is not valid UTF-8", mt)
	}
	if !isASCII(data) {
		st.nonASCII++
	}
	if mt == "text/html" {
		st.html++
		if !bytes.Contains(data, []byte("</html>")) {
			return errors.New("HTML part is not a whole document")
		}
	}
	if bytes.Contains(data, []byte("{name}")) || bytes.Contains(data, []byte("{amount}")) {
		return errors.New("unexpanded placeholder in body")
	}
	return nil
}

func TestPhishRatio(t *testing.T) {
	tests := []struct {
		give float64
	}{{0}, {0.2}, {0.5}, {1}}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.give), func(t *testing.T) {
			g := newTestGen(t, 3, tt.give)
			const n = 4000
			phish := 0
			for range n {
				if _, p := g.NextLabeled(); p {
					phish++
				}
				if p := strings.HasPrefix(g.kind, "phish/"); p != (phish > 0 && g.kind[0] == 'p') {
					t.Fatalf("kind %q disagrees with the label", g.kind)
				}
			}
			if got := float64(phish) / n; math.Abs(got-tt.give) > 0.03 {
				t.Fatalf("phish ratio %.3f; want %.2f ± 0.03", got, tt.give)
			}
		})
	}
}

func TestSizeDistribution(t *testing.T) {
	g := newTestGen(t, 11, 0.2)
	const n = 20000
	sizes := make([]int, n)
	for i := range sizes {
		sizes[i] = len(g.Next().RawMessage)
	}
	slices.Sort(sizes)
	median, p90, maxSize := sizes[n/2], sizes[n*9/10], sizes[n-1]
	big := n - sort(sizes, 50<<10)
	t.Logf("median %d, p90 %d, max %d, >50KB %d", median, p90, maxSize, big)
	if median < 1800 || median > 3500 {
		t.Errorf("median size %d; want ~2.5 KB", median)
	}
	if p90 < 7000 || p90 > 14000 {
		t.Errorf("p90 size %d; want ~10 KB", p90)
	}
	if maxSize > 120<<10 {
		t.Errorf("largest message %d bytes; want at most ~100 KB", maxSize)
	}
	if big < n/500 || big > n/50 {
		t.Errorf("%d of %d messages over 50 KB; want occasional (0.2%%-2%%)", big, n)
	}
}

// sort returns the index of the first size >= v in sorted sizes.
func sort(sizes []int, v int) int {
	i, _ := slices.BinarySearch(sizes, v)
	return i
}

func TestVariety(t *testing.T) {
	g := newTestGen(t, 5, 0.3)
	subjects := map[string]bool{}
	kinds := map[string]int{}
	features := map[string]int{}
	const n = 3000
	for range n {
		ev, phish := g.NextLabeled()
		kinds[g.kind]++
		msg, err := mail.ReadMessage(bytes.NewReader(ev.RawMessage))
		if err != nil {
			t.Fatal(err)
		}
		subjects[msg.Header.Get("Subject")] = true
		raw := string(ev.RawMessage)
		has := func(name string, ok bool) {
			if ok {
				if phish {
					features[name]++
				} else {
					features["ham:"+name]++
				}
			}
		}
		has("punycode", strings.Contains(raw, "xn--"))
		has("ip-literal", strings.Contains(raw, "http://192.0.2.") || strings.Contains(raw, "http://198.51.100.") || strings.Contains(raw, "http://203.0.113."))
		has("shortener", strings.Contains(raw, "https://bit.ly/") || strings.Contains(raw, "https://tinyurl.com/") || strings.Contains(raw, "https://t.ly/") || strings.Contains(raw, "https://is.gd/") || strings.Contains(raw, "https://rb.gy/") || strings.Contains(raw, "https://cutt.ly/"))
		has("free-hosting", strings.Contains(raw, ".web.app/") || strings.Contains(raw, "forms.gle/") || strings.Contains(raw, "ipfs.io/") || strings.Contains(raw, "docs.google.com/forms"))
		has("brand-link-text", strings.Contains(raw, ">https://www.paypal.com/") || strings.Contains(raw, ">https://login.microsoftonline.com/"))
		from, _ := mail.ParseAddress(msg.Header.Get("From"))
		if rt := msg.Header.Get("Reply-To"); rt != "" {
			r, _ := mail.ParseAddress(rt)
			has("reply-to-other-domain", r != nil && from != nil && hostOf(r.Address) != hostOf(from.Address))
		}
		has("brand-display-name", from != nil && (strings.Contains(from.Name, "PayPal") || strings.Contains(from.Name, "Microsoft") || strings.Contains(from.Name, "DHL")))
	}
	if len(subjects) < n/4 {
		t.Errorf("%d distinct subjects in %d messages; want more variety", len(subjects), n)
	}
	for _, k := range []string{"ham/newsletter", "ham/invoice", "ham/notes", "ham/shipping", "ham/reply",
		"phish/credential", "phish/delivery", "phish/attachment", "phish/bec", "phish/shared-doc"} {
		if kinds[k] < 20 {
			t.Errorf("kind %s made %d times", k, kinds[k])
		}
	}
	for _, f := range []string{"punycode", "ip-literal", "shortener", "free-hosting", "brand-link-text", "reply-to-other-domain", "brand-display-name"} {
		if features[f] < 5 {
			t.Errorf("phish feature %s seen %d times", f, features[f])
		}
		if features["ham:"+f] > 0 && f != "shortener" {
			t.Errorf("ham has phish feature %s (%d times)", f, features["ham:"+f])
		}
	}
}

func TestLookalikes(t *testing.T) {
	for _, b := range brands {
		hosts := lookalikes(b.stem)
		if len(hosts) < 4 {
			t.Errorf("%s: %d look-alikes", b.stem, len(hosts))
		}
		for _, h := range hosts {
			if !reservedDomain(h) || strings.Contains(h, b.real) {
				t.Errorf("%s: look-alike %q is not under a reserved name", b.stem, h)
			}
		}
	}
	if !slices.ContainsFunc(lookalikes("paypal"), func(h string) bool { return strings.HasPrefix(h, "xn--") }) {
		t.Error("no punycode look-alike for paypal")
	}
}

func BenchmarkNext(b *testing.B) {
	g := newTestGen(b, 1, DefaultPhishRatio)
	var bytesOut int64
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		bytesOut += int64(len(g.Next().RawMessage))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(bytesOut)/float64(b.N), "B/event")
}
