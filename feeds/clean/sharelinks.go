package clean

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Share links are recognised by where they point, not by what they say:
// share bars are often icon lists whose only text is an aria-label or an
// image's alt text, which the block rules never see. These URL shapes are
// the share endpoints of the platforms themselves (sharer.php, intent/tweet,
// pin/create, whatsapp send, Blogger share-post.g, WordPress ?share=, an
// e-mail link with no address), so they hold for any publisher.
var shareURLRE = regexp.MustCompile(`(?i)` + strings.Join([]string{
	`/sharer(?:/sharer)?\.php`, `/share\.php(?:$|[?#])`, `/intent/(?:tweet|post|compose)`,
	`/sharearticle`, `/sharing/share-offsite`, `/pin/create/`, `/(?:share-post|email-post)\.g(?:$|[?#])`,
	`^https?://(?:api\.|web\.)?whatsapp\.com/send`, `^https?://wa\.me/\?`, `^https?://(?:t|telegram)\.me/share`,
	`^https?://(?:www\.)?reddit\.com/submit`, `^https?://(?:www\.)?addtoany\.com/`, `^https?://(?:[a-z0-9-]+\.)*sharethis\.com/`,
	`^https?://(?:www\.)?getpocket\.com/(?:save|edit)`, `^https?://(?:www\.)?flipboard\.com/bookmarklet`,
	`^https?://(?:www\.)?xing\.com/(?:spi/shares|social/share)`, `^https?://news\.ycombinator\.com/submitlink`,
	`^https?://bsky\.app/intent/`, `[?&]share=(?:twitter|facebook|email|linkedin|pinterest|reddit|tumblr|pocket|telegram|jetpack-whatsapp|whatsapp|x|mastodon|bluesky|threads|print|nextdoor)(?:$|&|#)`,
	`^mailto:\?`, `^(?:whatsapp|fb-messenger|viber|sms):`,
}, "|"))

// isShareURL reports whether href is a platform's share endpoint.
func isShareURL(href string) bool {
	return shareURLRE.MatchString(strings.TrimSpace(href))
}

// dropShareLinks removes links to share endpoints whose text is short (a
// label or an icon), recording each under share/link, and prunes the
// elements they leave empty.
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
