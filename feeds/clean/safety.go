package clean

// This file is the only place that calls the safety packages. Until
// feeds/clean/sanitize and feeds/canon land it holds minimal stand-ins.

import (
	"net/url"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// safety wraps the final sanitizer; one per Cleaner, safe for concurrent use.
type safety struct {
	policy *bluemonday.Policy
}

func newSafety() safety {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(false)
	return safety{policy: p}
}

// html returns raw with everything unsafe removed.
func (s safety) html(raw string) string {
	return s.policy.Sanitize(raw)
}

// safeText returns the plain, safe text of a title or summary.
func safeText(raw string) string {
	if !hasMarkup(raw) && !strings.Contains(raw, "&") {
		return collapse(raw)
	}
	return collapse(textOf(parseBody(raw)))
}

// cleanURL strips tracking parameters and unwraps redirect wrappers.
func cleanURL(u string) string {
	return strings.TrimSpace(u)
}

// rewrite makes URLs absolute against base, fixes lazy images and removes
// tracking pixels, recording removals in rep.
func rewrite(root *html.Node, base *url.URL, rep *Report) {
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		var next *html.Node
		for c := n.FirstChild; c != nil; c = next {
			next = c.NextSibling
			if c.Type != html.ElementNode {
				continue
			}
			if c.DataAtom == atom.Img {
				if v := attr(c, "data-src"); v != "" {
					setAttr(c, "src", v)
				}
				if attr(c, "width") == "1" || attr(c, "height") == "1" || attr(c, "width") == "0" {
					n.RemoveChild(c)
					rep.add("safety/pixel", attr(c, "src"))
					continue
				}
			}
			for i, a := range c.Attr {
				if (a.Key == "href" || a.Key == "src") && base != nil {
					if u, err := base.Parse(strings.TrimSpace(a.Val)); err == nil {
						c.Attr[i].Val = cleanURL(u.String())
					}
				}
			}
			walk(c)
		}
	}
	walk(root)
}

func setAttr(n *html.Node, key, val string) {
	for i, a := range n.Attr {
		if a.Key == key {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append(n.Attr, html.Attribute{Key: key, Val: val})
}
