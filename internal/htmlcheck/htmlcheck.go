// Package htmlcheck defines, once for every test in tidyfeed, what makes an
// HTML fragment dangerous to publish: script-capable elements, event
// handler attributes, URLs with a scheme other than http, https or mailto,
// and CSS that can run code or load resources.
//
// Dangerous parses the fragment as a browser would (golang.org/x/net/html,
// with scripting both on and off, and once more after a serialise/parse
// round trip, which is where mutation XSS appears) and lists every finding.
// It is a test oracle for packages clean, sanitize, publish and the
// end-to-end tests; production code sanitises with package sanitize and
// does not call it.
//
// # Caveats
//
//   - The check is deliberately stricter than browsers: a URL with control
//     characters inside its scheme ("java\x01script:") is reported although
//     browsers would treat it as a relative path.
//   - An iframe passes only with an https (or protocol-relative) src on one
//     of the embed hosts in EmbedHosts and a sandbox attribute that does not
//     allow top navigation or escaping the sandbox.
package htmlcheck

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// badElements are elements that must never appear in published HTML.
// iframe is handled separately. noscript, noembed, noframes, xmp and
// plaintext hold raw text whose meaning changes with the parser's mode,
// the raw material of mutation XSS.
var badElements = map[string]bool{
	"script": true, "style": true, "frame": true, "frameset": true,
	"object": true, "embed": true, "applet": true, "meta": true, "link": true,
	"base": true, "form": true, "svg": true, "math": true, "template": true,
	"noscript": true, "noembed": true, "noframes": true, "xmp": true,
	"plaintext": true,
}

// urlAttrs are attributes whose value a browser loads or navigates to.
var urlAttrs = map[string]bool{
	"href": true, "src": true, "action": true, "formaction": true,
	"poster": true, "srcset": true, "background": true, "data": true,
	"cite": true, "dynsrc": true, "lowsrc": true, "codebase": true,
	"ping": true, "manifest": true, "longdesc": true, "usemap": true,
	"profile": true, "icon": true, "xlink:href": true,
}

// EmbedHosts are the hosts (and their subdomains) an iframe may load from.
// package sanitize's allowlist must be a subset of this one.
var EmbedHosts = []string{
	"youtube.com", "youtube-nocookie.com", "player.vimeo.com",
	"w.soundcloud.com", "open.spotify.com", "bandcamp.com",
	"dailymotion.com", "geo.dailymotion.com", "embed.ted.com", "codepen.io",
	"player.twitch.tv", "clips.twitch.tv", "platform.twitter.com",
	"embed.podcasts.apple.com", "www.slideshare.net", "archive.org",
}

var (
	schemeRE   = regexp.MustCompile(`^([a-z][a-z0-9+.\-]*):`)
	dataImage  = regexp.MustCompile(`^data:image/(png|gif|jpeg|webp)[;,]`)
	badCSS     = []string{"expression(", "url(", "behavior", "-moz-binding", "@import", "javascript:"}
	cssComment = regexp.MustCompile(`/\*.*?\*/`)
)

// Dangerous reports every dangerous construct in the HTML fragment s, as
// short human-readable findings; nil means s is safe to publish. s is
// checked as parsed with scripting on, with scripting off, and after being
// serialised and parsed again.
func Dangerous(s string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(mode string, fs []string) {
		for _, f := range fs {
			if !seen[f] {
				seen[f] = true
				out = append(out, f+" ("+mode+")")
			}
		}
	}
	for _, scripting := range []bool{true, false} {
		doc, err := html.ParseWithOptions(strings.NewReader(s), html.ParseOptionEnableScripting(scripting))
		if err != nil {
			return append(out, "unparsable: "+err.Error())
		}
		mode := "scripting on"
		if !scripting {
			mode = "scripting off"
		}
		add(mode, check(doc))
		var b strings.Builder
		if err := html.Render(&b, doc); err != nil {
			return append(out, "unrenderable: "+err.Error())
		}
		again, err := html.ParseWithOptions(strings.NewReader(b.String()), html.ParseOptionEnableScripting(scripting))
		if err != nil {
			return append(out, "unparsable after round trip: "+err.Error())
		}
		add(mode+", reparsed", check(again))
	}
	return out
}

// check walks a parsed document and lists its dangerous constructs.
func check(n *html.Node) []string {
	var out []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			out = append(out, checkElement(n)...)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func checkElement(n *html.Node) []string {
	var out []string
	name := n.Data
	if n.Namespace != "" {
		name = n.Namespace + ":" + n.Data
		out = append(out, "foreign element <"+name+">")
	}
	if badElements[n.Data] {
		out = append(out, "element <"+n.Data+">")
	}
	if n.Data == "iframe" && n.Namespace == "" {
		if f := checkIframe(n); f != "" {
			out = append(out, f)
		}
	}
	for _, a := range n.Attr {
		key := strings.ToLower(a.Key)
		if a.Namespace != "" {
			key = a.Namespace + ":" + key
		}
		switch {
		case strings.HasPrefix(key, "on"):
			out = append(out, fmt.Sprintf("event handler %s on <%s>", key, name))
		case key == "srcdoc":
			out = append(out, "srcdoc on <"+name+">")
		case key == "style":
			if f := checkCSS(a.Val); f != "" {
				out = append(out, fmt.Sprintf("style %s on <%s>", f, name))
			}
		case key == "srcset":
			for _, c := range strings.Split(a.Val, ",") {
				if f := checkURL(firstField(c)); f != "" {
					out = append(out, fmt.Sprintf("%s in srcset of <%s>", f, name))
				}
			}
		case urlAttrs[key] || strings.HasSuffix(key, ":href"):
			if f := checkURL(a.Val); f != "" {
				out = append(out, fmt.Sprintf("%s in %s of <%s>", f, key, name))
			}
		}
	}
	return out
}

// checkURL returns a finding for a URL whose scheme is not allowed.
func checkURL(v string) string {
	s := strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToLower(v))
	m := schemeRE.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	switch m[1] {
	case "http", "https", "mailto":
		return ""
	case "data":
		if dataImage.MatchString(s) {
			return ""
		}
	}
	return "scheme " + m[1] + ":"
}

// checkCSS returns a finding for a style value that can run code or load
// resources.
func checkCSS(v string) string {
	s := strings.ToLower(cssComment.ReplaceAllString(v, ""))
	s = strings.Map(func(r rune) rune {
		if r <= ' ' || r == '\\' {
			return -1
		}
		return r
	}, s)
	for _, bad := range badCSS {
		if strings.Contains(s, bad) {
			return bad
		}
	}
	return ""
}

// checkIframe returns a finding unless the iframe loads an allowed embed
// host and is sandboxed.
func checkIframe(n *html.Node) string {
	src, hasSrc, sandbox, hasSandbox := "", false, "", false
	for _, a := range n.Attr {
		switch a.Key {
		case "src":
			src, hasSrc = a.Val, true
		case "sandbox":
			sandbox, hasSandbox = a.Val, true
		}
	}
	if !hasSandbox {
		return "iframe without sandbox"
	}
	for _, v := range strings.Fields(sandbox) {
		if strings.HasPrefix(v, "allow-top-navigation") || v == "allow-popups-to-escape-sandbox" {
			return "iframe sandbox allows " + v
		}
	}
	if !hasSrc {
		return "iframe without src"
	}
	if !EmbedAllowed(src) {
		return "iframe src not an allowed embed: " + src
	}
	return ""
}

// EmbedAllowed reports whether src is an https (or protocol-relative) URL
// on one of EmbedHosts.
func EmbedAllowed(src string) bool {
	u, err := url.Parse(strings.TrimSpace(src))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "") {
		return false
	}
	h := strings.ToLower(u.Hostname())
	for _, e := range EmbedHosts {
		if h == e || strings.HasSuffix(h, "."+e) {
			return true
		}
	}
	return false
}

func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}
