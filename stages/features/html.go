package features

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// html reads one HTML part: visible text, links with their anchor text,
// and form, password, script and image signals. It reads at most
// MaxHTMLTokens tokens and checks the context every 1024 tokens.
func (w *walker) html(data []byte) {
	z := html.NewTokenizer(bytes.NewReader(data))
	z.SetMaxBuf(w.cfg.MaxPartBytes)
	var (
		skip       int // inside script/style/head title etc.
		inAnchor   bool
		anchorHref string
		anchorText strings.Builder
		text       strings.Builder
	)
	text.Grow(min(len(data), w.cfg.MaxTextBytes))
	flushAnchor := func() {
		if inAnchor {
			w.addLink(anchorHref, strings.TrimSpace(collapseSpace(anchorText.String())))
		}
		inAnchor = false
		anchorText.Reset()
	}
	for n := 0; ; n++ {
		if n == w.cfg.MaxHTMLTokens {
			w.hit("MaxHTMLTokens")
			break
		}
		if n&1023 == 1023 && !w.alive() {
			break
		}
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		switch tt {
		case html.TextToken:
			if skip > 0 {
				continue
			}
			t := z.Text()
			if text.Len() < w.cfg.MaxTextBytes {
				text.Write(t)
			}
			if inAnchor && anchorText.Len() < 256 {
				anchorText.Write(t)
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			if tt == html.EndTagToken {
				switch a {
				case atom.Script, atom.Style, atom.Title, atom.Head:
					if skip > 0 {
						skip--
					}
				case atom.A:
					flushAnchor()
				}
				if isBlock(a) {
					text.WriteByte('\n')
				}
				continue
			}
			var href, typ string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "href":
					href = string(v)
				case "type":
					typ = strings.ToLower(string(v))
				}
			}
			switch a {
			case atom.Script:
				w.htmlScript = true
				if tt == html.StartTagToken {
					skip++
				}
			case atom.Style, atom.Title, atom.Head:
				if tt == html.StartTagToken {
					skip++
				}
			case atom.A:
				flushAnchor()
				if href != "" {
					inAnchor, anchorHref = tt == html.StartTagToken, strings.TrimSpace(href)
					if !inAnchor {
						w.addLink(anchorHref, "")
					}
				}
			case atom.Form:
				w.htmlForm = true
			case atom.Input:
				if typ == "password" {
					w.htmlPassword = true
				}
			}
			if isBlock(a) {
				text.WriteByte('\n')
			}
		}
	}
	flushAnchor()
	// Bare URLs in HTML text are not collected: anchors carry the links,
	// and their text often repeats the href.
	w.addText(replacePlaceholders(text.String()))
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.Br, atom.P, atom.Div, atom.Tr, atom.Td, atom.Li, atom.H1, atom.H2, atom.H3, atom.Table, atom.Hr:
		return true
	}
	return false
}

func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
