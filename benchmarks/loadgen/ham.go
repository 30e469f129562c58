package loadgen

import (
	"net/mail"
	"strconv"
	"strings"
)

// ham writes a legitimate message into g.msg and returns its envelope
// sender.
func (g *Generator) ham(t tenantInfo, target int) string {
	f := g.rng.Float64()
	switch {
	case f < 0.3:
		g.kind = "ham/newsletter"
		return g.newsletter(target)
	case f < 0.5:
		g.kind = "ham/invoice"
		return g.invoice(target)
	case f < 0.7:
		g.kind = "ham/notes"
		return g.notes(t, target)
	case f < 0.9:
		g.kind = "ham/shipping"
		return g.shipping(target)
	default:
		g.kind = "ham/reply"
		return g.reply(t, target)
	}
}

func (g *Generator) closing(l *language, signer string) {
	g.msg.add(blockPara, pick(g, l.regards))
	g.msg.add(blockPara, signer)
}

func (g *Generator) newsletter(target int) string {
	m := &g.msg
	l := g.pickLang(0.7, 0.12, 0.09)
	g.setLang(l)
	p := pick(g, publishers)
	g.v.company, g.v.product = p.name, p.product
	m.fromName = p.name
	m.fromAddr = pick(g, []string{"news", "newsletter", "hello", "digest", "info"}) + "@" + p.domain
	if g.chance(0.3) {
		m.replyTo = "editor@" + p.domain
	}
	issue := strconv.Itoa(10 + g.rng.IntN(400))
	if g.chance(0.5) {
		m.subject = p.name + " #" + issue + ": " + g.expand(pick(g, l.newsTitle))
	} else {
		m.subject = g.expand(pick(g, l.newsTitle)) + " – " + p.name
	}
	m.b64Subject = g.chance(0.3)
	m.messageID = g.messageID(p.domain)
	uid := g.base62(20)
	m.headers = append(m.headers,
		header{"List-Unsubscribe", "<https://" + p.domain + "/unsubscribe?u=" + uid + ">, <mailto:unsubscribe@" + p.domain + "?subject=" + uid + ">"},
		header{"List-Id", p.name + " <news." + p.domain + ">"},
		header{"Precedence", "bulk"},
	)
	m.format = formatAlternative
	if g.chance(0.15) {
		m.format = formatHTML
	}
	m.textEnc, m.htmlEnc = g.textEnc(), g.textEnc()
	if g.chance(0.5) {
		m.add(blockHidden, g.sentences(l.news, 1))
	}
	m.add(blockPara, g.expand(pick(g, l.hello)))
	m.add(blockPara, g.sentences(l.news, 2))
	for n := 0; n < 1 || m.textSize() < target; n++ {
		m.add(blockHeading, g.expand(pick(g, l.newsTitle)))
		m.add(blockPara, g.sentences(l.news, 2+g.rng.IntN(3)))
		m.link(blockLink, pick(g, l.readMore), "https://click."+p.domain+"/ls/click?upn="+g.base62(24))
	}
	m.add(blockPara, g.expand(pick(g, l.unsubscribe)))
	m.link(blockLink, "", "https://"+p.domain+"/unsubscribe?u="+uid)
	m.add(blockPara, g.expand(pick(g, l.footer)))
	return "bounce-" + g.digits(8) + "@bounces." + p.domain
}

func (g *Generator) invoice(target int) string {
	m := &g.msg
	l := g.pickLang(0.7, 0.12, 0.09)
	g.setLang(l)
	v := pick(g, vendors)
	g.v.company, g.v.product = v.name, v.product
	g.v.id = pick(g, []string{"INV-", "", "RE-", "F"}) + strconv.Itoa(m.date.Year()) + "-" + g.digits(5+g.rng.IntN(3))
	m.fromName = v.name
	if g.chance(0.5) {
		m.fromName += " Billing"
	}
	m.fromAddr = pick(g, []string{"billing", "invoices", "no-reply", "accounts"}) + "@" + v.domain
	m.subject = g.expand(pick(g, l.invoiceSubj))
	m.b64Subject = g.chance(0.2)
	m.messageID = g.messageID(v.domain)
	m.format = formatAlternative
	if g.chance(0.35) {
		m.format = formatPlain
	}
	m.textEnc, m.htmlEnc = g.textEnc(), g.textEnc()
	m.add(blockPara, g.expand(pick(g, l.hello)))
	m.add(blockPara, g.sentences(l.invoiceBody, 2+g.rng.IntN(2)))
	m.rows(l.rowInvoice[0], g.v.id, l.rowInvoice[1], g.formatDate(l, m.date), l.rowInvoice[2], g.v.amount, l.rowInvoice[3], g.v.due)
	items := make([]string, 0, 4)
	for range 1 + g.rng.IntN(4) {
		items = append(items, pick(g, lineItems)+" – "+g.money(l, 1+g.rng.Float64()*300))
	}
	m.list(items...)
	m.link(blockLink, pick(g, l.portal), "https://"+v.domain+"/billing/invoices/"+g.v.id)
	g.closing(l, v.name)
	withPDF := g.chance(0.3) || target > 12<<10
	if !withPDF {
		for m.textSize() < target {
			items := make([]string, 0, 8)
			for range 8 {
				items = append(items, pick(g, lineItems)+" – "+g.money(l, 1+g.rng.Float64()*300))
			}
			m.list(items...)
		}
	} else {
		name := "Invoice_" + g.v.id + ".pdf"
		if l != english && g.chance(0.5) {
			name = strings.Replace(l.rowInvoice[0], " ", "_", -1) + "_" + g.v.id + ".pdf"
		}
		size := max(1200, (target-m.textSize())*3/4)
		m.attachments = append(m.attachments, attachment{name: name, ctype: "application/pdf", data: g.pdf(size, "")})
	}
	if g.chance(0.5) {
		return m.fromAddr
	}
	return "bounces+" + g.digits(9) + "@mail." + v.domain
}

func (g *Generator) notes(t tenantInfo, target int) string {
	m := &g.msg
	l := g.pickLang(0.6, 0.15, 0.12)
	g.setLang(l)
	domain := t.domain
	if g.chance(0.3) {
		v := pick(g, vendors)
		domain, g.v.company = v.domain, v.name
	} else {
		g.v.company = t.name
	}
	m.fromName = g.v.sender
	m.fromAddr = g.address(g.v.sender, domain)
	m.subject = g.expand(pick(g, l.notesSubj))
	m.messageID = g.messageID(domain)
	if g.chance(0.3) {
		m.subject = "Re: " + m.subject
		ref := g.messageID(t.domain)
		m.headers = append(m.headers, header{"In-Reply-To", ref}, header{"References", ref})
	}
	if g.chance(0.4) {
		m.cc = append(m.cc, mail.Address{Address: g.address(g.person(), domain)})
	}
	m.format = formatPlain
	if g.chance(0.3) {
		m.format = formatAlternative
	}
	m.textEnc, m.htmlEnc = g.textEnc(), g.textEnc()
	m.add(blockPara, g.expand(pick(g, l.hello)))
	m.add(blockPara, g.expand(pick(g, l.notesIntro)))
	m.list(g.items(l.notesItems, 3+g.rng.IntN(4))...)
	m.list(g.items(l.actionItems, 1+g.rng.IntN(3))...)
	first, _, _ := strings.Cut(g.v.sender, " ")
	g.closing(l, first)
	if target > 12<<10 || g.chance(0.12) {
		size := max(2000, (target-m.textSize())*3/4)
		if g.chance(0.5) {
			m.attachments = append(m.attachments, attachment{name: "slides-" + strings.ReplaceAll(g.v.topic, " ", "-") + ".pdf", ctype: "application/pdf", data: g.pdf(size, "")})
		} else {
			m.attachments = append(m.attachments, attachment{name: "notes-" + g.digits(4) + ".zip", ctype: "application/zip", data: g.zip("notes.txt", size, g.phrases(l.notesItems, 3))})
		}
		return m.fromAddr
	}
	for m.textSize() < target {
		m.add(blockQuote, g.phrases(l.notesItems, 3)+" "+g.sentences(l.news, 2))
	}
	return m.fromAddr
}

func (g *Generator) shipping(target int) string {
	m := &g.msg
	l := g.pickLang(0.65, 0.15, 0.1)
	g.setLang(l)
	c := pick(g, carriers)
	shop := pick(g, vendors)
	g.v.company, g.v.product = c.name, shop.product
	g.v.id = g.digits(3) + "-" + g.digits(7)
	if g.chance(0.5) {
		m.fromName, m.fromAddr = shop.name, "orders@"+shop.domain
		m.messageID = g.messageID(shop.domain)
	} else {
		m.fromName, m.fromAddr = c.name, "noreply@"+c.domain
		m.messageID = g.messageID(c.domain)
	}
	m.subject = g.expand(pick(g, l.shipSubj))
	m.b64Subject = g.chance(0.3)
	m.format = formatAlternative
	if g.chance(0.2) {
		m.format = formatHTML
	}
	m.textEnc, m.htmlEnc = g.textEnc(), g.textEnc()
	m.add(blockPara, g.expand(pick(g, l.hello)))
	m.add(blockPara, g.sentences(l.shipBody, 2+g.rng.IntN(2)))
	m.rows("#", g.v.id, "Tracking", g.v.track, "ETA", g.v.due)
	m.link(blockButton, pick(g, l.track), "https://"+c.domain+"/t/"+g.v.track+"?lang="+l.code)
	for m.textSize() < target {
		items := make([]string, 0, 4)
		for range 4 {
			items = append(items, pick(g, lineItems)+" – "+g.money(l, 1+g.rng.Float64()*150))
		}
		m.list(items...)
		m.add(blockPara, g.sentences(l.news, 2))
	}
	m.add(blockPara, g.expand(pick(g, l.footer)))
	return "bounce@" + hostOf(m.fromAddr)
}

func (g *Generator) reply(t tenantInfo, target int) string {
	m := &g.msg
	l := g.pickLang(0.7, 0.12, 0.09)
	g.setLang(l)
	domain := t.domain
	if g.chance(0.4) {
		domain = pick(g, vendors).domain
	}
	m.fromName = g.v.sender
	m.fromAddr = g.address(g.v.sender, domain)
	m.subject = g.expand(pick(g, l.replySubj))
	m.messageID = g.messageID(domain)
	ref := g.messageID(t.domain)
	m.headers = append(m.headers, header{"In-Reply-To", ref}, header{"References", ref})
	m.format = formatPlain
	if g.chance(0.2) {
		m.format = formatAlternative
	}
	m.textEnc, m.htmlEnc = g.textEnc(), g.textEnc()
	m.add(blockPara, g.expand(pick(g, l.hello)))
	m.add(blockPara, g.expand(pick(g, l.replyBodies)))
	first, _, _ := strings.Cut(g.v.sender, " ")
	g.closing(l, first)
	for n := 0; n < 1 || m.textSize() < target; n++ {
		m.add(blockPara, g.formatDate(l, m.date.AddDate(0, 0, -1-n))+", "+m.to[0].Address+":")
		m.add(blockQuote, g.expand(pick(g, l.replyBodies))+" "+g.phrases(l.notesItems, 2))
	}
	return m.fromAddr
}
