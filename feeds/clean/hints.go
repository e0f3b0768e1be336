package clean

import (
	"strings"

	"golang.org/x/net/html"
)

// Class and id hints: publishers' own names for widget containers
// ("sharedaddy", "jp-relatedposts", "newsletter-signup", "ad-slot"). An
// element whose class or id has a hint token goes when its text is small
// next to the article's; the hint decides the family, so disabling the
// family keeps the element.

var hintTokens = map[string]map[string]bool{
	"share": set("share", "shares", "sharing", "sharedaddy", "sharethis", "social", "socials", "addtoany", "a2a",
		"shariff", "sociable", "socialshare", "share-buttons", "sharebar", "comments-link", "comment-count", "jp-sharing"),
	"ads": set("ad", "ads", "advert", "adverts", "advertisement", "advertising", "adsbygoogle", "adslot", "ad-slot",
		"sponsor", "sponsored", "dfp", "gpt-ad", "taboola", "outbrain", "werbung", "anzeige", "publicite", "publicidad"),
	"related": set("related", "relatedposts", "jp-relatedposts", "yarpp", "crp", "related-posts", "more-stories",
		"read-more-links", "recommended", "recirculation"),
	"cta": set("newsletter", "subscribe", "subscription", "signup", "sign-up", "mailchimp", "mc4wp", "optin", "opt-in",
		"mc-embedded-subscribe-form"),
}

func set(words ...string) map[string]bool {
	m := map[string]bool{}
	for _, w := range words {
		m[w] = true
	}
	return m
}

// hintFamily returns the family an element's class or id names, or "".
func hintFamily(n *html.Node) string {
	for _, a := range n.Attr {
		if a.Key != "class" && a.Key != "id" {
			continue
		}
		for _, tok := range strings.Fields(strings.ToLower(a.Val)) {
			if fam := tokenFamily(tok); fam != "" {
				return fam
			}
			if !strings.ContainsAny(tok, "-_") {
				continue
			}
			// The parts of "sd-sharing-enabled", "ad_slot".
			for len(tok) > 0 {
				i := strings.IndexAny(tok, "-_")
				part := tok
				if i >= 0 {
					part, tok = tok[:i], tok[i+1:]
				} else {
					tok = ""
				}
				if fam := tokenFamily(part); fam != "" {
					return fam
				}
			}
		}
	}
	return ""
}

// tokenFamily returns the family whose hint tokens hold tok, or "".
func tokenFamily(tok string) string {
	for fam, toks := range hintTokens {
		if toks[tok] {
			return fam
		}
	}
	return ""
}

// hinted is an element with a class or id hint, in document order.
type hinted struct {
	n      *html.Node
	family string
}

// hintedElements returns the elements under d.root whose class or id
// names a family, found in one walk shared by the four hint rules.
func (d *doc) hintedElements() []hinted {
	if d.hintsDone {
		return d.hints
	}
	d.hintsDone = true
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if len(c.Attr) > 0 {
				if fam := hintFamily(c); fam != "" {
					d.hints = append(d.hints, hinted{c, fam})
				}
			}
			walk(c)
		}
	}
	walk(d.root)
	return d.hints
}

// hintRule returns the rule removing elements hinted as family. An
// element inside one already removed is skipped; one kept (too large)
// does not hide hinted elements inside it.
func hintRule(family string) func(d *doc, name string) {
	return func(d *doc, name string) {
		hs := d.hintedElements()
		if len(hs) == 0 {
			return
		}
		total := 0
		for _, b := range d.live() {
			total += b.words
		}
		for _, h := range hs {
			if h.family == family && isInside(h.n, d.root) {
				d.removeHinted(h.n, total, name)
			}
		}
	}
}

// removeHinted removes element n when its text is at most a third of the
// entry's, recording the blocks it held.
func (d *doc) removeHinted(n *html.Node, total int, name string) bool {
	var inside []*block
	w := 0
	for _, b := range d.blocks {
		if !b.removed && len(b.nodes) > 0 && isInside(b.nodes[0], n) {
			inside = append(inside, b)
			w += b.words
		}
	}
	if w > 200 || 3*w > total {
		return false
	}
	var text []string
	for _, b := range inside {
		b.removed = true
		if b.text != "" {
			text = append(text, b.text)
		}
	}
	p := n.Parent
	p.RemoveChild(n)
	pruneUp(p, d.root)
	d.rep.add(name, strings.Join(text, " · "))
	return true
}

// isInside reports whether n is anc or lies below it.
func isInside(n, anc *html.Node) bool {
	for ; n != nil; n = n.Parent {
		if n == anc {
			return true
		}
	}
	return false
}
