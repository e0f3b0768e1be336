package sanitize

import (
	"strings"
	"unicode"

	"golang.org/x/net/html"
)

// inline elements do not separate words when their tags are stripped.
var inline = map[string]bool{
	"a": true, "abbr": true, "b": true, "bdi": true, "bdo": true, "big": true,
	"cite": true, "code": true, "data": true, "dfn": true, "em": true,
	"font": true, "i": true, "kbd": true, "mark": true, "q": true, "s": true,
	"samp": true, "small": true, "span": true, "strike": true, "strong": true,
	"sub": true, "sup": true, "time": true, "tt": true, "u": true, "var": true,
	"wbr": true, "ins": true, "del": true, "nobr": true,
}

// hidden elements' text is never shown as prose.
var hidden = map[string]bool{
	"script": true, "style": true, "noscript": true, "template": true,
	"head": true, "title": true, "textarea": true, "select": true,
	"svg": true, "math": true, "iframe": true, "xmp": true,
	"noembed": true, "noframes": true,
}

// Text converts markup to plain text, for titles and summaries: tags are
// stripped (block boundaries become spaces), the content of script, style
// and similar elements is dropped, character references are decoded
// exactly once, control and format characters are removed and white space
// is collapsed to single spaces, trimmed.
//
// "&lt;script&gt;" therefore becomes the literal text "<script>": the
// result is plain text, not HTML, and must be escaped by whoever renders
// it (package publish's encoders do). Input without markup passes through
// with only its white space and entities normalised; a lone '<' that does
// not start a tag ("a < b", "<3") is kept.
func Text(raw string) string {
	if !strings.ContainsAny(raw, "<&") {
		// No markup and no entity: the text is raw itself, collapsed. Most
		// titles are like this; a tokenizer would cost a 4 KiB buffer.
		return collapse(raw)
	}
	return markupText(raw)
}

// markupText is Text for raw that may hold markup or entities.
func markupText(raw string) string {
	z := html.NewTokenizer(strings.NewReader(raw))
	var b strings.Builder
	skip := 0 // depth inside hidden elements
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return collapse(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			n := string(name)
			if hidden[n] {
				switch {
				case tt == html.StartTagToken:
					skip++
				case tt == html.EndTagToken && skip > 0:
					skip--
				}
			}
			if !inline[n] {
				b.WriteByte(' ')
			}
		}
	}
}

// collapse drops control and format characters (keeping the zero-width
// joiners emoji need) and collapses white space.
func collapse(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsControl(r):
			continue
		case unicode.Is(unicode.Cf, r) && r != '\u200c' && r != '\u200d':
			continue // bidi overrides, zero-width space, BOM; joiners stay for emoji
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
