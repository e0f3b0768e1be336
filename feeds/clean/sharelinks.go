package clean

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Share links are recognised by where they point, not by what they say:
// share bars are often icon lists whose only text is an aria-label or an
// image's alt text, which the block rules never see. These URL shapes are
// the share endpoints of the platforms themselves (sharer.php, intent/tweet,
// pin/create, whatsapp send, Blogger share-post.g, WordPress ?share=, an
// e-mail link with no address), so they hold for any publisher. Plain
// substring tests: links are many, and a regular expression over every
// href cost a seventh of the cleaning time.
var shareURLParts = []string{
	"/sharer.php", "/share.php", "/intent/tweet", "/intent/post", "/intent/compose", "/sharearticle",
	"/sharing/share-offsite", "/pin/create/", "/share-post.g", "/email-post.g", "whatsapp.com/send",
	"//wa.me/?", "//t.me/share", "//telegram.me/share", "reddit.com/submit", "//www.addtoany.com/",
	"//addtoany.com/", "sharethis.com/", "getpocket.com/save", "getpocket.com/edit", "flipboard.com/bookmarklet",
	"xing.com/spi/shares", "xing.com/social/share", "news.ycombinator.com/submitlink", "//bsky.app/intent/",
}

// shareURLSchemes open app share links and address-less e-mail links.
var shareURLSchemes = []string{"mailto:?", "whatsapp:", "fb-messenger:", "viber:", "sms:"}

// shareTargets are the values of WordPress/Jetpack's share= parameter.
var shareTargets = set("twitter", "facebook", "email", "linkedin", "pinterest", "reddit", "tumblr", "pocket",
	"telegram", "jetpack-whatsapp", "whatsapp", "x", "mastodon", "bluesky", "threads", "print", "nextdoor")

// isShareURL reports whether href is a platform's share endpoint.
func isShareURL(href string) bool {
	h := strings.ToLower(strings.TrimSpace(href))
	for _, p := range shareURLSchemes {
		if strings.HasPrefix(h, p) {
			return true
		}
	}
	if !strings.Contains(h, "share") && !strings.Contains(h, "intent/") && !strings.Contains(h, "pin/create") &&
		!strings.Contains(h, "whatsapp") && !strings.Contains(h, "wa.me") && !strings.Contains(h, "submit") &&
		!strings.Contains(h, "pocket") && !strings.Contains(h, "bookmarklet") && !strings.Contains(h, "post.g") {
		return false
	}
	for _, p := range shareURLParts {
		if strings.Contains(h, p) {
			return true
		}
	}
	for _, sep := range []string{"?share=", "&share="} {
		if i := strings.Index(h, sep); i >= 0 {
			v := h[i+len(sep):]
			if j := strings.IndexAny(v, "&#"); j >= 0 {
				v = v[:j]
			}
			return shareTargets[v]
		}
	}
	return false
}

// dropShareLinks removes links to share endpoints whose text is short (a
// label or an icon), recording each under share/link, and prunes the
// elements they leave empty. An sms: link inside a sentence is unwrapped
// instead: its text is the article's, only the link goes.
func dropShareLinks(root *html.Node, rep *Report) {
	var links []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if c.DataAtom == atom.A && isShareURL(attr(c, "href")) && words(fold(textOf(c))) <= 8 {
				links = append(links, c)
				continue
			}
			walk(c)
		}
	}
	walk(root)
	for _, a := range links {
		if isSMSLink(a) && inProse(a) {
			// "text OUTAGE to 55512": the text is the article's.
			unwrap(a)
			continue
		}
		label := collapse(textOf(a))
		if label == "" {
			label = attr(a, "aria-label")
		}
		if label == "" {
			label = attr(a, "title")
		}
		rep.add("share/link", label)
		p := a.Parent
		p.RemoveChild(a)
		pruneUp(p, root)
	}
}

// isSMSLink reports whether a is an sms: link. Its text may be a share
// button's label ("SMS") or part of a sentence ("text OUTAGE to 55512").
func isSMSLink(a *html.Node) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(attr(a, "href"))), "sms:")
}

// inProse reports whether link a sits in a sentence: the text of its
// nearest block element outside every link has at least four words, and
// they are not interface words ("Share this with your friends:").
func inProse(a *html.Node) bool {
	blk := a.Parent
	for blk != nil && blk.Parent != nil && !isBlockElem(blk) {
		blk = blk.Parent
	}
	if blk == nil {
		return false
	}
	f := fold(textOutside(blk, func(c *html.Node) bool { return c.DataAtom == atom.A }))
	return words(f) >= 4 && !uiLex.isUI(f, 12)
}

// unwrap replaces n with its children.
func unwrap(n *html.Node) {
	p := n.Parent
	for c := n.FirstChild; c != nil; c = n.FirstChild {
		n.RemoveChild(c)
		p.InsertBefore(c, n)
	}
	p.RemoveChild(n)
}
