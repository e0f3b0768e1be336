package sanitize

import (
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// DefaultEmbedHosts are the hosts (with their subdomains) whose iframes
// Sanitizer.HTML keeps when Options.EmbedHosts is nil: video, audio and
// code-pen players that publishers embed in articles.
var DefaultEmbedHosts = []string{
	"youtube.com", "youtube-nocookie.com", "player.vimeo.com",
	"w.soundcloud.com", "open.spotify.com", "bandcamp.com",
	"dailymotion.com", "embed.ted.com", "codepen.io",
}

// iframeSandbox is the sandbox every kept iframe gets: players need
// scripts and their own origin (cross-origin to us), and "watch on
// YouTube" opens a popup; top navigation is never allowed.
const iframeSandbox = "allow-scripts allow-same-origin allow-popups"

// Options configures a Sanitizer. The zero value is usable: iframes from
// DefaultEmbedHosts are kept.
type Options struct {
	// EmbedHosts replaces DefaultEmbedHosts as the iframe allowlist; nil
	// means DefaultEmbedHosts. Each entry matches the host and its
	// subdomains.
	EmbedHosts []string
	// NoEmbeds drops every iframe, allowlisted or not.
	NoEmbeds bool
}

// Sanitizer is an allowlist HTML sanitiser. Its policy is built once by New;
// a Sanitizer is safe for concurrent use.
type Sanitizer struct {
	policy *bluemonday.Policy
}

// New builds a Sanitizer from opts.
func New(opts Options) *Sanitizer {
	hosts := opts.EmbedHosts
	if hosts == nil {
		hosts = DefaultEmbedHosts
	}
	return &Sanitizer{policy: newPolicy(hosts, !opts.NoEmbeds && len(hosts) > 0)}
}

// urlPart is a URL value that cannot carry a dangerous scheme: an http,
// https or mailto URL, a protocol-relative or absolute path, a query-only
// or fragment-only reference ("?page=2", "#fn1": a scheme never starts
// with '?' or '#'), or a relative reference with no colon before its
// first '/', '?' or '#'. Entities are already decoded when bluemonday
// matches, and white space or control characters inside a scheme make it
// fail.
const urlPart = `(?:(?i:https?|mailto):[^\s]*|/[^\s]*|[?#][^\s]*|[^\s:/?#]+(?:[/?#][^\s]*)?)`

// srcsetPart is one srcset URL: as urlPart, but without commas.
const srcsetPart = `(?:(?i:https?):[^\s,]+|/[^\s,]*|[^\s,:/?#]+(?:[/?#][^\s,]*)?)`

var (
	safeURL    = regexp.MustCompile(`^\s*` + urlPart + `\s*$`)
	safeSrcset = regexp.MustCompile(`^\s*` + srcsetPart + `(?:\s+[0-9.]+[wxh])?\s*(?:,\s*` + srcsetPart + `(?:\s+[0-9.]+[wxh])?\s*)*,?\s*$`)
	number     = regexp.MustCompile(`^\s*[0-9]{1,5}(?:px|%)?\s*$`)
)

func newPolicy(embedHosts []string, embeds bool) *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(true)
	p.RequireParseableURLs(true)
	p.RequireNoReferrerOnFullyQualifiedLinks(true)

	p.AllowElements("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
		"ul", "ol", "li", "dl", "dt", "dd", "blockquote", "pre", "code", "kbd",
		"samp", "var", "table", "thead", "tbody", "tfoot", "tr", "th", "td",
		"caption", "colgroup", "col", "figure", "figcaption", "picture",
		"em", "strong", "b", "i", "u", "s", "sub", "sup", "small", "mark",
		"abbr", "cite", "q", "dfn", "time", "del", "ins", "details", "summary",
		"span", "div", "section", "article", "aside", "header", "footer",
		"main", "address", "bdi", "bdo", "ruby", "rt", "rp", "wbr", "big", "tt")
	p.AllowAttrs("title").Globally()
	p.AllowAttrs("lang").Matching(regexp.MustCompile(`^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$`)).Globally()
	p.AllowAttrs("dir").Matching(regexp.MustCompile(`^(?i:ltr|rtl|auto)$`)).Globally()

	p.AllowAttrs("href").Matching(safeURL).OnElements("a")
	p.AllowAttrs("cite").Matching(safeURL).OnElements("blockquote", "q", "del", "ins")
	p.AllowAttrs("datetime").OnElements("time", "del", "ins")
	p.AllowAttrs("start", "reversed").OnElements("ol")
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^[1aAiI]$`)).OnElements("ol")
	p.AllowAttrs("value").Matching(number).OnElements("li")
	p.AllowAttrs("colspan", "rowspan").Matching(number).OnElements("td", "th")
	p.AllowAttrs("scope").Matching(regexp.MustCompile(`^(?i:row|col|rowgroup|colgroup)$`)).OnElements("th")
	p.AllowAttrs("span").Matching(number).OnElements("col", "colgroup")
	p.AllowAttrs("open").OnElements("details")

	p.AllowElements("img", "source", "audio", "video", "track")
	p.AllowAttrs("src").Matching(safeURL).OnElements("img", "source", "audio", "video", "track")
	p.AllowAttrs("srcset").Matching(safeSrcset).OnElements("img", "source")
	p.AllowAttrs("alt").OnElements("img")
	p.AllowAttrs("width", "height").Matching(number).OnElements("img", "video", "iframe")
	p.AllowAttrs("sizes", "media").Matching(regexp.MustCompile(`^[\w\s(),.:%-]*$`)).OnElements("img", "source")
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^[\w.+/-]+(?:;[\w\s=".,+/-]*)?$`)).OnElements("source")
	p.AllowAttrs("controls", "loop", "muted", "preload").OnElements("audio", "video")
	p.AllowAttrs("playsinline").OnElements("video")
	p.AllowAttrs("poster").Matching(safeURL).OnElements("video")
	p.AllowAttrs("kind", "srclang", "label", "default").OnElements("track")

	if embeds {
		p.AllowElements("iframe")
		p.AllowAttrs("src").Matching(embedRegexp(embedHosts)).OnElements("iframe")
		p.AllowAttrs("allowfullscreen").OnElements("iframe")
		p.RequireSandboxOnIFrame() // sandbox="" on every iframe; HTML widens it
	}

	// Text inside these is never article prose; drop it with the element.
	p.SkipElementsContent("script", "style", "noscript", "template", "title",
		"textarea", "select", "option", "button", "svg", "head", "xmp",
		"noembed", "noframes", "frameset", "iframe")
	// bluemonday skips these by default, but frame and embed are void (a
	// skip would never end and would eat the rest of the entry), and the
	// content of object and applet is the fallback browsers show.
	p.AllowElementsContent("frame", "embed", "object", "applet")
	return p
}

// embedRegexp matches an https or protocol-relative URL on one of hosts.
func embedRegexp(hosts []string) *regexp.Regexp {
	quoted := make([]string, len(hosts))
	for i, h := range hosts {
		quoted[i] = regexp.QuoteMeta(strings.ToLower(h))
	}
	return regexp.MustCompile(`^\s*(?i:https:)?//(?i:(?:[a-z0-9-]+\.)*(?:` +
		strings.Join(quoted, "|") + `))(?:[/?#][^\s]*)?\s*$`)
}

// HTML returns raw reduced to the allowlist described in the package
// documentation. It never fails: unparsable input yields what the HTML5
// tokenizer makes of it, escaped.
func (s *Sanitizer) HTML(raw string) string {
	if containsFold(raw, "<iframe") {
		raw = dropIframeText(raw)
	}
	out := s.sanitize(raw)
	if strings.Contains(out, "<iframe") {
		out = fixIframes(out)
	}
	return out
}

// sanitize is bluemonday's Sanitize writing into a buffer sized for the
// input up front, which saves the repeated growth of its own buffer and
// the final copy. As in Sanitize, an error yields "".
func (s *Sanitizer) sanitize(raw string) string {
	if strings.TrimSpace(raw) == "" {
		return raw
	}
	var b strings.Builder
	b.Grow(len(raw) + len(raw)/8)
	if err := s.policy.SanitizeReaderToWriter(strings.NewReader(raw), &b); err != nil {
		return ""
	}
	return b.String()
}

// fixIframes drops iframes left without a src (their src failed the
// allowlist) and gives the others the fixed sandbox. Whatever sits between
// <iframe> and </iframe> is dropped: browsers never show it. out is
// bluemonday's output: well-formed tokens, attribute values escaped.
func fixIframes(out string) string {
	z := html.NewTokenizer(strings.NewReader(out))
	var b strings.Builder
	b.Grow(len(out))
	inside, keep := false, false
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return b.String()
		}
		tok := z.Token()
		if tok.Data != "iframe" || tt == html.TextToken {
			if !inside {
				b.WriteString(tok.String())
			}
			continue
		}
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			if inside {
				continue
			}
			keep = hasAttr(tok.Attr, "src")
			inside = tt == html.StartTagToken
			if keep {
				tok.Attr = setAttr(tok.Attr, "sandbox", iframeSandbox)
				tok.Type = html.StartTagToken
				b.WriteString(tok.String())
				if !inside {
					b.WriteString("</iframe>")
				}
			}
		case html.EndTagToken:
			if inside && keep {
				b.WriteString("</iframe>")
			}
			inside = false
		}
	}
}

// dropIframeText removes the text between <iframe> and </iframe>, which
// browsers never show and which bluemonday would otherwise print, escaped,
// when it drops a non-allowlisted iframe. Every other token is copied byte
// for byte, so the sanitiser sees the same tokens minus that text.
func dropIframeText(raw string) string {
	z := html.NewTokenizer(strings.NewReader(raw))
	var b strings.Builder
	b.Grow(len(raw))
	inside := false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String()
		case html.StartTagToken:
			name, _ := z.TagName()
			inside = string(name) == "iframe"
		case html.EndTagToken:
			inside = false
		case html.TextToken:
			if inside {
				continue
			}
		}
		b.Write(z.Raw())
	}
}

// containsFold reports whether s contains the ASCII string sub, ignoring
// case.
func containsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	// Jump between occurrences of the first byte when case cannot change
	// it (sub starts with "<" for every caller).
	if c := sub[0]; !('a' <= c|0x20 && c|0x20 <= 'z') {
		for i := 0; ; i++ {
			j := strings.IndexByte(s[i:], c)
			if j < 0 {
				return false
			}
			i += j
			if i+len(sub) > len(s) {
				return false
			}
			if strings.EqualFold(s[i:i+len(sub)], sub) {
				return true
			}
		}
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

func hasAttr(attrs []html.Attribute, key string) bool {
	for _, a := range attrs {
		if a.Key == key {
			return true
		}
	}
	return false
}

func setAttr(attrs []html.Attribute, key, val string) []html.Attribute {
	for i := range attrs {
		if attrs[i].Key == key {
			attrs[i].Val = val
			return attrs
		}
	}
	return append(attrs, html.Attribute{Key: key, Val: val})
}
