package loadgen

import (
	"strings"
)

// phish writes a phishing message into g.msg and returns its envelope
// sender.
func (g *Generator) phish(t tenantInfo, target int) string {
	f := g.rng.Float64()
	switch {
	case f < 0.35:
		g.kind = "phish/credential"
		return g.credential(target)
	case f < 0.55:
		g.kind = "phish/delivery"
		return g.delivery(target)
	case f < 0.75:
		g.kind = "phish/attachment"
		return g.attachmentPhish(target)
	case f < 0.85:
		g.kind = "phish/bec"
		return g.bec(t, target)
	default:
		g.kind = "phish/shared-doc"
		return g.sharedDoc(target)
	}
}

// phishURL returns a link to a credential-harvesting page for brand bi: a
// look-alike host, an IP literal, a URL shortener, a free hosting or form
// service, or a compromised site.
func (g *Generator) phishURL(bi int) string {
	stem := brands[bi].stem
	switch g.rng.IntN(6) {
	case 0, 1:
		host := pick(g, g.looks[bi])
		if g.chance(0.4) {
			host = pick(g, []string{"www.", "secure.", "account.", "login."}) + host
		}
		return "https://" + host + pick(g, []string{"/signin", "/webapps/verify", "/account/update", "/auth/login.php", "/"}) + "?session=" + g.base62(16)
	case 2:
		port := ""
		if g.chance(0.3) {
			port = pick(g, []string{":8080", ":8443", ":2083"})
		}
		return "http://" + g.docIPv4() + port + pick(g, []string{"/login", "/signin.php", "/" + stem + "/verify", "/wp-content/uploads/" + g.randomLabel(6) + "/index.html"})
	case 3:
		return "https://" + pick(g, shorteners) + "/" + g.base62(7)
	case 4:
		return g.freeHostURL(stem)
	default:
		return "https://" + g.randomLabel(5+g.rng.IntN(8)) + pick(g, tlds) + "/wp-includes/" + stem + "/login.php?email=" + g.base62(10)
	}
}

func (g *Generator) freeHostURL(stem string) string {
	switch g.rng.IntN(9) {
	case 0:
		return "https://forms.gle/" + g.base62(17)
	case 1:
		return "https://docs.google.com/forms/d/e/1FAIpQLS" + g.base62(48) + "/viewform"
	case 2:
		return "https://" + g.randomLabel(8) + "-" + g.digits(4) + ".web.app/"
	case 3:
		return "https://" + g.randomLabel(10) + ".firebaseapp.com/index.html"
	case 4:
		return "https://" + g.randomLabel(9) + ".weebly.com/"
	case 5:
		return "https://" + g.randomLabel(7) + ".000webhostapp.com/" + stem + "/"
	case 6:
		return "https://ipfs.io/ipfs/bafybei" + strings.ToLower(g.randomLabel(32)) + g.randomLabel(20) + "?filename=index.html"
	case 7:
		return "https://sites.google.com/view/" + g.randomLabel(9)
	default:
		return "https://" + g.randomLabel(8) + ".glitch.me/"
	}
}

// spoofSender fills From for a message impersonating brand bi.
func (g *Generator) spoofSender(bi int) {
	m := &g.msg
	b := brands[bi]
	m.fromName = pick(g, b.senders)
	switch g.rng.IntN(4) {
	case 0: // display-name spoofing from an unrelated domain
		m.fromAddr = pick(g, []string{"no-reply", "service", "info", "notice"}) + "@" + g.randomLabel(6+g.rng.IntN(6)) + pick(g, tlds)
	case 1:
		m.fromAddr = pick(g, []string{"security", "support", "account"}) + "@" + pick(g, g.looks[bi])
	case 2:
		m.fromAddr = b.stem + "-" + g.randomLabel(4) + "@" + pick(g, freeMailLike)
	default: // a compromised mailbox
		m.fromAddr = g.address(g.person(), g.randomLabel(7)+pick(g, tlds))
	}
	if g.chance(0.4) {
		m.replyTo = g.randomLabel(8) + "@" + pick(g, freeMailLike)
	}
	m.messageID = g.messageID(hostOf(m.fromAddr))
}

func (g *Generator) envelopeFor(m *message) string {
	if g.chance(0.6) {
		return m.fromAddr
	}
	return g.randomLabel(6) + "@" + g.randomLabel(8) + pick(g, tlds)
}

func (g *Generator) urgentHeaders() {
	if g.chance(0.3) {
		g.msg.headers = append(g.msg.headers, header{"X-Priority", "1 (Highest)"}, header{"Importance", "high"})
	}
}

// padPhish adds hidden filler text, as phish uses to dilute filters, until
// the message reaches target.
func (g *Generator) padPhish(l *language, target int) {
	m := &g.msg
	for m.textSize() < target {
		if m.format == formatPlain {
			m.add(blockPara, g.sentences(l.footer, 2))
			continue
		}
		m.add(blockHidden, g.sentences(l.news, 3))
	}
}

func (g *Generator) credential(target int) string {
	m := &g.msg
	l := g.pickLang(0.65, 0.15, 0.1)
	g.setLang(l)
	bi := g.rng.IntN(len(brands))
	b := brands[bi]
	g.v.brand, g.v.company = b.name, b.name
	g.v.id = strings.ToUpper(g.randomLabel(3)) + "-" + g.digits(8)
	g.spoofSender(bi)
	m.subject = g.expand(pick(g, l.phishSubj))
	m.b64Subject = g.chance(0.4)
	g.urgentHeaders()
	m.format = formatHTML
	if g.chance(0.5) {
		m.format = formatAlternative
	}
	m.textEnc, m.htmlEnc = g.textEnc(), g.textEnc()
	url := g.phishURL(bi)
	if g.chance(0.5) {
		m.add(blockHeading, b.name)
	}
	if g.chance(0.5) {
		m.add(blockPara, g.expand(pick(g, l.hello)))
	}
	m.add(blockPara, g.sentences(l.phishBody, 2+g.rng.IntN(2)))
	m.link(blockButton, pick(g, l.phishButton), url)
	if g.chance(0.5) {
		// The text shows the brand's real address, the link goes elsewhere.
		m.link(blockLink, "https://"+b.real+pick(g, []string{"/signin", "/security", "/account"}), url)
	}
	m.add(blockPara, g.expand(pick(g, l.phishBody)))
	m.add(blockPara, g.expand(pick(g, l.footer)))
	g.padPhish(l, target)
	return g.envelopeFor(m)
}

func (g *Generator) delivery(target int) string {
	m := &g.msg
	l := g.pickLang(0.4, 0.25, 0.15)
	g.setLang(l)
	bi := brandIndex("dhl")
	switch l {
	case dutch:
		bi = brandIndex("postnl")
	case portuguese:
		bi = brandIndex("correios")
	}
	g.v.brand, g.v.company = brands[bi].name, brands[bi].name
	g.v.amount = g.money(l, 0.99+g.rng.Float64()*3)
	g.spoofSender(bi)
	m.subject = g.expand(pick(g, l.deliverySubj))
	m.b64Subject = g.chance(0.4)
	g.urgentHeaders()
	m.format = formatHTML
	if g.chance(0.4) {
		m.format = formatAlternative
	}
	m.textEnc, m.htmlEnc = g.textEnc(), g.textEnc()
	m.add(blockHeading, brands[bi].name)
	m.add(blockPara, g.expand(pick(g, l.hello)))
	m.add(blockPara, g.sentences(l.deliveryBody, 2+g.rng.IntN(2)))
	m.rows("Tracking", g.v.track, "€/$", g.v.amount)
	m.link(blockButton, pick(g, l.phishButton), g.phishURL(bi))
	m.add(blockPara, g.expand(pick(g, l.footer)))
	g.padPhish(l, target)
	return g.envelopeFor(m)
}

func (g *Generator) attachmentPhish(target int) string {
	m := &g.msg
	l := g.pickLang(0.6, 0.2, 0.1)
	g.setLang(l)
	bi := g.rng.IntN(len(brands))
	g.v.id = g.digits(6)
	v := pick(g, vendors)
	g.v.company, g.v.brand = v.name, v.name
	// A known supplier's name over a stranger's address.
	m.fromName = v.name + pick(g, []string{"", " Accounts", " Finance"})
	m.fromAddr = g.address(g.person(), g.randomLabel(7)+pick(g, tlds))
	if g.chance(0.6) {
		m.replyTo = "accounts." + g.randomLabel(5) + "@" + pick(g, freeMailLike)
	}
	m.messageID = g.messageID(hostOf(m.fromAddr))
	m.subject = g.expand(pick(g, l.invPhishSubj))
	g.urgentHeaders()
	m.format = formatPlain
	if g.chance(0.5) {
		m.format = formatAlternative
	}
	m.textEnc, m.htmlEnc = g.textEnc(), g.textEnc()
	m.add(blockPara, g.expand(pick(g, l.hello)))
	m.add(blockPara, g.sentences(l.invPhishBody, 2+g.rng.IntN(2)))
	g.closing(l, g.v.sender)
	url := g.phishURL(bi)
	size := max(1500, (target-m.textSize())*3/4)
	switch f := g.rng.Float64(); {
	case f < 0.5:
		name := pick(g, []string{"Invoice_", "Remittance_", "Payment_", "Doc_"}) + g.v.id + pick(g, []string{".html", ".htm", ".shtml"})
		m.attachments = append(m.attachments, attachment{name: name, ctype: "text/html", data: g.formPage(bi, url, size)})
	case f < 0.8:
		m.attachments = append(m.attachments, attachment{name: "Invoice_" + g.v.id + ".zip", ctype: "application/zip",
			data: g.zip("Invoice_"+g.v.id+".html", size, string(g.formPage(bi, url, 1500)))})
	default:
		m.attachments = append(m.attachments, attachment{name: "Invoice_" + g.v.id + ".pdf", ctype: "application/pdf", data: g.pdf(size, url)})
	}
	return g.envelopeFor(m)
}

var becSubjects = []string{"Quick request", "Are you available?", "Urgent task", "Gift cards for the team", "Wire transfer today", "Confidential", "Need a favor"}

var becBodies = []string{
	"Are you at your desk? I need you to handle an urgent task for me {urgency}.",
	"I'm in a meeting and can't take calls, so reply here.",
	"I need you to buy 5 gift cards of {amount} each for a client appreciation event. Keep this between us for now.",
	"Please process a wire transfer of {amount} to a new supplier today. I will send the bank details.",
	"Send me your mobile number, I have a quick task for you.",
	"Scratch the back of the cards and send me pictures of the codes.",
}

func (g *Generator) bec(t tenantInfo, target int) string {
	m := &g.msg
	g.setLang(english)
	exec := g.person()
	m.fromName = exec
	if g.chance(0.5) {
		m.fromName += pick(g, []string{" (CEO)", " - CFO", " | Managing Director"})
	}
	first, _, _ := strings.Cut(exec, " ")
	dom := pick(g, freeMailLike)
	if g.chance(0.4) { // a look-alike of the tenant's own domain
		dom = strings.Replace(t.domain, ".example", pick(g, []string{"-mail.example", "-corp.example", "-group.example"}), 1)
	}
	m.fromAddr = asciiFold(first) + "." + g.digits(3) + "@" + dom
	if g.chance(0.6) {
		m.replyTo = asciiFold(first) + ".office@" + pick(g, freeMailLike)
	}
	m.messageID = g.messageID(dom)
	m.subject = pick(g, becSubjects)
	g.urgentHeaders()
	m.format = formatPlain
	m.textEnc = enc7bit
	m.add(blockPara, g.expand(pick(g, english.hello)))
	m.add(blockPara, g.sentences(becBodies, 2+g.rng.IntN(2)))
	m.add(blockPara, first)
	m.add(blockPara, pick(g, []string{"Sent from my iPhone", "Sent from my mobile device", "Get Outlook for Android"}))
	g.padPhish(english, min(target, 4096))
	return m.fromAddr
}

var sharedSubjects = []string{
	"{sender} shared \"{doc}\" with you", "Please review and sign: {doc}",
	"You have received a secure document", "{doc} - shared via OneDrive", "Document for your approval: {doc}",
}

var sharedBodies = []string{
	"{sender} has shared a file with you. The link expires {urgency}.",
	"You have a new document waiting for your signature.",
	"This message was sent securely. Sign in with your work email to view the document.",
	"The document is encrypted for your protection.",
}

func (g *Generator) sharedDoc(target int) string {
	m := &g.msg
	l := english
	g.setLang(l)
	bi := brandIndex("microsoft")
	if g.chance(0.4) {
		bi = brandIndex("docusign")
	}
	g.v.brand, g.v.company = brands[bi].name, brands[bi].name
	g.spoofSender(bi)
	if g.chance(0.5) {
		m.fromName = g.v.sender + " via " + brands[bi].name
	}
	m.subject = g.expand(pick(g, sharedSubjects))
	m.format = formatHTML
	if g.chance(0.3) {
		m.format = formatAlternative
	}
	m.textEnc, m.htmlEnc = g.textEnc(), g.textEnc()
	m.add(blockHeading, g.v.doc)
	m.add(blockPara, g.sentences(sharedBodies, 2))
	url := g.freeHostURL(brands[bi].stem)
	if g.chance(0.3) {
		url = g.phishURL(bi)
	}
	m.link(blockButton, pick(g, []string{"Open", "Review document", "View file", "Open in OneDrive"}), url)
	m.add(blockPara, g.expand(pick(g, l.footer)))
	g.padPhish(l, target)
	return g.envelopeFor(m)
}

// brandIndex returns the index in brands of the brand with stem.
func brandIndex(stem string) int {
	for i, b := range brands {
		if b.stem == stem {
			return i
		}
	}
	panic("loadgen: no brand " + stem) // a typo in this package, caught by every test
}
