package clean

import (
	"html"
	"regexp"
	"strings"
	"unicode/utf8"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// markupRE finds something that looks like an HTML tag or comment.
var markupRE = regexp.MustCompile(`<(?:[a-zA-Z][a-zA-Z0-9:-]*(?:\s|/?>)|/[a-zA-Z][a-zA-Z0-9:-]*\s*>|!--)`)

// hasMarkup reports whether s looks like HTML rather than plain text.
func hasMarkup(s string) bool {
	return markupRE.MatchString(s)
}

// textToHTML turns a plain-text body into one <p> per non-blank line. The
// text is entity-decoded first (feeds often escape plain text) and then
// escaped, so it can never become markup.
func textToHTML(s string) string {
	s = html.UnescapeString(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		line = collapse(line)
		if line == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(html.EscapeString(line))
		b.WriteString("</p>\n")
	}
	return b.String()
}

// parseBody parses an HTML fragment into the children of a fresh <div>
// root. Scripting is disabled so that <noscript> fallbacks (lazy images)
// parse as elements.
func parseBody(s string) *xhtml.Node {
	root := &xhtml.Node{Type: xhtml.ElementNode, Data: "div", DataAtom: atom.Div}
	ctx := &xhtml.Node{Type: xhtml.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := xhtml.ParseFragmentWithOptions(strings.NewReader(s), ctx, xhtml.ParseOptionEnableScripting(false))
	if err != nil {
		// The tokenizer does not fail on bad HTML; only reader errors land
		// here. Fall back to the text, escaped.
		nodes, _ = xhtml.ParseFragment(strings.NewReader(textToHTML(s)), ctx)
	}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	return root
}

// render serialises root's children into a buffer of sizeHint bytes
// to start with (the source body's length: cleaning mostly removes).
func render(root *xhtml.Node, sizeHint int) string {
	var b strings.Builder
	b.Grow(sizeHint)
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		_ = xhtml.Render(&b, c)
	}
	return b.String()
}

// dropTags are removed with their content before anything else looks at
// the DOM: they are never content, and their text would confuse the rules.
// The sanitizer would remove them too; removing them here makes the
// removal visible in the Report.
var dropTags = map[atom.Atom]string{
	atom.Script: "safety/script", atom.Style: "safety/style", atom.Template: "safety/template",
	atom.Object: "safety/object", atom.Embed: "safety/embed", atom.Applet: "safety/applet",
	atom.Frame: "safety/frame", atom.Frameset: "safety/frameset", atom.Meta: "safety/meta",
	atom.Link: "safety/link", atom.Base: "safety/base", atom.Title: "safety/title",
	// Form controls carry embed-code snippets and sign-up boxes.
	atom.Textarea: "share/embed-code", atom.Input: "share/embed-code",
	atom.Select: "share/embed-code", atom.Button: "share/button", atom.Form: "cta/form",
}

// formMaxWords and formMaxRunes bound the text, outside its controls, of a
// form that dropElements removes whole: a sign-up or search box has a
// label, a line of pitch and a button, no more than the 40 words the cta
// rules judge. A longer form holds the article itself (ASP.NET pages wrap
// the whole body in one), and is unwrapped instead. The rune bound
// stands in for words in scripts written without spaces.
const (
	formMaxWords = 40
	formMaxRunes = 300
)

// formHoldsProse reports whether form n has more text outside its
// controls and other dropTags elements than a sign-up box.
func formHoldsProse(n *xhtml.Node) bool {
	text := collapse(textOutside(n, func(c *xhtml.Node) bool { return dropTags[c.DataAtom] != "" }))
	return words(fold(text)) > formMaxWords || utf8.RuneCountInString(text) > formMaxRunes
}

// dropElements removes dropTags elements under root, recording each.
func dropElements(root *xhtml.Node, rep *Report, disabled func(family string) bool) {
	var next *xhtml.Node
	for c := root.FirstChild; c != nil; c = next {
		next = c.NextSibling
		if c.Type == xhtml.CommentNode {
			root.RemoveChild(c)
			continue
		}
		if c.Type != xhtml.ElementNode {
			continue
		}
		if c.DataAtom == atom.Form && formHoldsProse(c) {
			// A form around the article: unwrap it, so that its controls
			// are dropped like any others when the loop reaches them and
			// the rules judge its blocks one by one.
			first := c.FirstChild
			unwrap(c)
			if first != nil {
				next = first
			}
			continue
		}
		if rule, ok := dropTags[c.DataAtom]; ok && !(strings.HasPrefix(rule, "share/") && disabled("share")) &&
			!(strings.HasPrefix(rule, "cta/") && disabled("cta")) {
			text := textOf(c)
			if c.DataAtom == atom.Input {
				text = attr(c, "value")
			}
			if c.DataAtom != atom.Script && c.DataAtom != atom.Style {
				rep.add(rule, text)
			} else {
				rep.add(rule, "")
			}
			p := c.Parent
			p.RemoveChild(c)
			continue
		}
		dropElements(c, rep, disabled)
	}
}
