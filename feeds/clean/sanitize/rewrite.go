package sanitize

import (
	"net/url"
	"strings"

	"github.com/tidyfeed/tidyfeed/feeds/canon"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// RewriteReport says what Rewrite changed in a DOM.
type RewriteReport struct {
	// Removed lists the trackers and elements removed, in document order.
	Removed []Removal
	// Resolved counts URL attributes made absolute against the base.
	Resolved int
	// Cleaned counts URLs canon.Clean changed (tracking parameters,
	// redirect wrappers).
	Cleaned int
	// LazyFixed counts images, sources and frames whose real source was
	// restored from a lazy-loading attribute or a <noscript> fallback.
	LazyFixed int
}

// Removal is one element Rewrite removed.
type Removal struct {
	Element string // tag name: "img", "a", "base", ...
	URL     string // the src or href that condemned it, "" if none
	Reason  string // short phrase, e.g. "tracking pixel 1x1", "feedburner flare"
}

// urlAttrs are the attributes Rewrite resolves and cleans.
var urlAttrs = map[string]bool{"href": true, "src": true, "poster": true, "cite": true}

// Rewrite walks the DOM under root in place and:
//
//   - restores lazy images: data-src, data-lazy-src, data-original (and
//     friends) become src, data-srcset becomes srcset, when src is missing
//     or a placeholder (a data: URI, a spacer or blank GIF, about:blank);
//     a placeholder image followed by <noscript><img></noscript> takes the
//     fallback's source, and a lone <noscript> image is unwrapped;
//   - resolves href, src, srcset, poster and cite against base (nil leaves
//     relative URLs relative) and passes every http(s) URL through
//     canon.Clean; iframe sources are upgraded to https;
//   - removes <base> elements, so that an injected <base href> cannot
//     change what a later renderer resolves against;
//   - removes tracking pixels and beacons (see trackers.go) and feed-ad
//     links (FeedBurner ~ff and ~a flares, feedads.g.doubleclick.net,
//     feedsportal ads), and any element left empty by those removals.
//
// It must run before Sanitizer.HTML, which drops the attributes and the
// <noscript> elements it reads. root may be a document or any element;
// root itself is never removed. The DOM must be parsed from HTML (with
// scripting on or off: both <noscript> forms are understood).
func Rewrite(root *html.Node, base *url.URL) RewriteReport {
	var r RewriteReport
	for _, n := range elements(root) {
		if n.DataAtom == atom.Noscript && n.Parent != nil {
			r.noscript(n)
		}
	}
	for _, n := range elements(root) { // again: noscript fallbacks add images
		if n.Parent == nil || !attached(n, root) {
			continue
		}
		switch n.DataAtom {
		case atom.Base:
			r.remove(root, n, attr(n, "href"), "injected base")
			continue
		case atom.Img:
			r.lazy(n)
			// Judge the URL as published: cleaning would hide utm_ markers.
			if why, u := trackingImage(n, base); why != "" {
				r.remove(root, n, u, why)
				continue
			}
		case atom.A:
			if href := resolve(attr(n, "href"), base); adLink(href) != "" {
				r.remove(root, n, href, adLink(href))
				continue
			}
		default:
			r.lazy(n)
		}
		r.urls(n, base)
	}
	return r
}

// elements lists the elements under root in document order.
func elements(root *html.Node) []*html.Node {
	var elems []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode {
				elems = append(elems, c)
			}
			walk(c)
		}
	}
	walk(root)
	return elems
}

// resolve returns v resolved against base, or v when that is impossible.
func resolve(v string, base *url.URL) string {
	s := strings.TrimSpace(v)
	ref, err := url.Parse(s)
	if err != nil || base == nil || !base.IsAbs() {
		return s
	}
	return base.ResolveReference(ref).String()
}

// attached reports whether n is still under root (an ancestor may have
// been removed).
func attached(n, root *html.Node) bool {
	for p := n; p != nil; p = p.Parent {
		if p == root {
			return true
		}
	}
	return false
}

// remove detaches n, records it, and prunes ancestors it leaves empty.
func (r *RewriteReport) remove(root, n *html.Node, u, why string) {
	r.Removed = append(r.Removed, Removal{Element: n.Data, URL: u, Reason: why})
	p := n.Parent
	p.RemoveChild(n)
	for p != nil && p != root && p.Parent != nil && prunable(p) && empty(p) {
		up := p.Parent
		r.Removed = append(r.Removed, Removal{Element: p.Data, Reason: "left empty by " + why})
		up.RemoveChild(p)
		p = up
	}
}

// prunable elements may be removed once a tracker removal empties them.
func prunable(n *html.Node) bool {
	switch n.DataAtom {
	case atom.A, atom.P, atom.Div, atom.Span, atom.Figure, atom.Center, atom.Font, atom.Li, atom.Section:
		return true
	}
	return false
}

// empty reports whether n has no text and no elements other than <br>.
func empty(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			if strings.TrimSpace(c.Data) != "" {
				return false
			}
		case html.ElementNode:
			if c.DataAtom != atom.Br {
				return false
			}
		}
	}
	return true
}

// urls resolves and cleans n's URL attributes.
func (r *RewriteReport) urls(n *html.Node, base *url.URL) {
	for i, a := range n.Attr {
		if a.Namespace != "" {
			continue
		}
		var v string
		switch {
		case urlAttrs[a.Key]:
			v = r.fixURL(a.Val, base)
			if n.DataAtom == atom.Iframe && a.Key == "src" {
				v = httpsEmbed(v)
			}
		case a.Key == "srcset":
			v = r.fixSrcset(a.Val, base)
		default:
			continue
		}
		n.Attr[i].Val = v
	}
}

// fixURL resolves one URL against base and cleans it; anything that is not
// http(s) after resolution is returned as it was.
func (r *RewriteReport) fixURL(v string, base *url.URL) string {
	s := strings.TrimSpace(v)
	if s == "" {
		return v
	}
	ref, err := url.Parse(s)
	if err != nil {
		return v
	}
	if ref.Scheme == "" && base != nil && base.IsAbs() {
		abs := base.ResolveReference(ref)
		if abs.Scheme == "http" || abs.Scheme == "https" {
			s = abs.String()
			r.Resolved++
		}
	}
	if c := canon.Clean(s); c != s {
		r.Cleaned++
		s = c
	}
	return s
}

// fixSrcset applies fixURL to every candidate of a srcset.
func (r *RewriteReport) fixSrcset(v string, base *url.URL) string {
	cands := strings.Split(v, ",")
	for i, c := range cands {
		f := strings.Fields(c)
		if len(f) == 0 {
			continue
		}
		f[0] = r.fixURL(f[0], base)
		cands[i] = strings.Join(f, " ")
	}
	return strings.Join(cands, ", ")
}

// httpsEmbed upgrades an http or protocol-relative iframe URL to https:
// every embed host serves https, and the sanitiser keeps only https.
func httpsEmbed(v string) string {
	s := strings.TrimSpace(v)
	switch {
	case strings.HasPrefix(strings.ToLower(s), "http://"):
		return "https://" + s[len("http://"):]
	case strings.HasPrefix(s, "//"):
		return "https:" + s
	}
	return v
}

// attr returns the value of n's attribute key, or "".
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return a.Val
		}
	}
	return ""
}

// hasAttrNode reports whether n has attribute key.
func hasAttrNode(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return true
		}
	}
	return false
}

// setAttrNode sets attribute key of n to val.
func setAttrNode(n *html.Node, key, val string) {
	for i, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append(n.Attr, html.Attribute{Key: key, Val: val})
}

// delAttrNode removes attribute key from n.
func delAttrNode(n *html.Node, key string) {
	out := n.Attr[:0]
	for _, a := range n.Attr {
		if a.Key != key || a.Namespace != "" {
			out = append(out, a)
		}
	}
	n.Attr = out
}
