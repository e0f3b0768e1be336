package sanitize

import (
	"path"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// lazySrc and lazySrcset are the attributes lazy-loading scripts keep the
// real source in, most common first.
var (
	lazySrc = []string{"data-src", "data-lazy-src", "data-original", "data-lazy",
		"data-actualsrc", "data-hi-res-src", "data-orig-src", "data-url", "data-echo"}
	lazySrcset = []string{"data-srcset", "data-lazy-srcset", "data-original-set"}
)

// placeholderNames are image base names (without extension) used as
// stand-ins until a script loads the real image.
var placeholderNames = map[string]bool{
	"spacer": true, "blank": true, "pixel": true, "transparent": true,
	"placeholder": true, "lazy": true, "lazyload": true, "loading": true,
	"loader": true, "grey": true, "gray": true, "1x1": true, "empty": true,
	"clear": true, "dot": true, "trans": true, "px": true, "spinner": true,
	"lazy-placeholder": true, "lazy_placeholder": true, "blank-image": true,
}

// isPlaceholder reports whether an image source is a lazy-loading stand-in.
func isPlaceholder(src string) bool {
	s := strings.ToLower(strings.TrimSpace(src))
	if s == "" || s == "#" || strings.HasPrefix(s, "data:") || strings.HasPrefix(s, "about:") {
		return true
	}
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	base := path.Base(s)
	name := strings.TrimSuffix(base, path.Ext(base))
	return placeholderNames[name] || strings.Contains(name, "placeholder")
}

// lazy restores the real source of an img, source, iframe, video or audio
// from its lazy-loading attributes, and removes those attributes.
func (r *RewriteReport) lazy(n *html.Node) {
	switch n.DataAtom {
	case atom.Img, atom.Source, atom.Iframe, atom.Video, atom.Audio:
	default:
		return
	}
	fixed := false
	if v := firstAttr(n, lazySrc); v != "" {
		if cur := attr(n, "src"); cur == "" || isPlaceholder(cur) {
			setAttrNode(n, "src", v)
			fixed = true
		}
	}
	if v := firstAttr(n, lazySrcset); v != "" {
		if cur := attr(n, "srcset"); cur == "" || isPlaceholder(cur) {
			setAttrNode(n, "srcset", v)
			fixed = true
		}
	}
	if fixed {
		r.LazyFixed++
	}
	for _, k := range lazySrc {
		delAttrNode(n, k)
	}
	for _, k := range lazySrcset {
		delAttrNode(n, k)
	}
}

func firstAttr(n *html.Node, keys []string) string {
	for _, k := range keys {
		if v := strings.TrimSpace(attr(n, k)); v != "" {
			return v
		}
	}
	return ""
}

// noscript handles a <noscript> fallback: its first image replaces the
// source of a preceding placeholder image, or, with no image before it,
// its images are unwrapped in its place. The <noscript> is then removed;
// one without images is left for the sanitiser to drop.
func (r *RewriteReport) noscript(n *html.Node) {
	imgs := noscriptImages(n)
	if len(imgs) == 0 {
		return
	}
	if prev := prevElement(n); prev != nil && prev.DataAtom == atom.Img {
		src := attr(prev, "src")
		lazy := firstAttr(prev, lazySrc)
		if (src == "" || isPlaceholder(src)) && (lazy == "" || isPlaceholder(lazy)) {
			for _, k := range []string{"src", "srcset", "alt", "width", "height"} {
				if v := attr(imgs[0], k); v != "" && (k == "src" || k == "srcset" || attr(prev, k) == "") {
					setAttrNode(prev, k, v)
				}
			}
			delAttrNode(prev, "data-src")
			r.LazyFixed++
		}
		n.Parent.RemoveChild(n)
		return
	}
	for _, img := range imgs {
		if img.Parent != nil {
			img.Parent.RemoveChild(img)
		}
		n.Parent.InsertBefore(img, n)
	}
	r.LazyFixed++
	n.Parent.RemoveChild(n)
}

// noscriptImages returns the images inside a <noscript>, parsing its text
// when the DOM was built with scripting on (the content is then raw text).
func noscriptImages(n *html.Node) []*html.Node {
	var imgs []*html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.DataAtom == atom.Img {
				imgs = append(imgs, c)
			}
			find(c)
		}
	}
	if c := n.FirstChild; c != nil && c.Type == html.TextNode && c.NextSibling == nil {
		if !strings.Contains(c.Data, "<img") && !strings.Contains(c.Data, "<IMG") {
			return nil
		}
		ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
		nodes, err := html.ParseFragment(strings.NewReader(c.Data), ctx)
		if err != nil {
			return nil
		}
		for _, m := range nodes {
			if m.Type == html.ElementNode && m.DataAtom == atom.Img {
				imgs = append(imgs, m)
			}
			find(m)
		}
		return imgs
	}
	find(n)
	return imgs
}

// prevElement returns the element before n, skipping white space; nil if
// there is text or nothing before it.
func prevElement(n *html.Node) *html.Node {
	for p := n.PrevSibling; p != nil; p = p.PrevSibling {
		switch p.Type {
		case html.ElementNode:
			return p
		case html.TextNode:
			if strings.TrimSpace(p.Data) != "" {
				return nil
			}
		}
	}
	return nil
}
