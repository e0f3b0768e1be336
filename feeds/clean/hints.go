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
			for _, cand := range hintCandidates(tok) {
				for fam, toks := range hintTokens {
					if toks[cand] {
						return fam
					}
				}
			}
		}
	}
	return ""
}

// hintCandidates returns tok and its parts split at "-" and "_".
func hintCandidates(tok string) []string {
	out := []string{tok}
	parts := strings.FieldsFunc(tok, func(r rune) bool { return r == '-' || r == '_' })
	if len(parts) > 1 {
		out = append(out, parts...)
	}
	return out
}

// hintRule returns the rule removing elements hinted as family.
func hintRule(family string) func(d *doc, name string) {
	return func(d *doc, name string) {
		total := 0
		for _, b := range d.live() {
			total += b.words
		}
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			var next *html.Node
			for c := n.FirstChild; c != nil; c = next {
				next = c.NextSibling
				if c.Type != html.ElementNode {
					continue
				}
				if hintFamily(c) == family && d.removeHinted(c, total, name) {
					continue
				}
				walk(c)
			}
		}
		walk(d.root)
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
