package parse

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"
)

// MaxTitleBytes caps a feed's or an entry's title as read from the
// document (markup and entities included); a longer title is cut at a
// character boundary. Real titles are a few hundred bytes at most; a
// 10 MB title would otherwise be stored and republished in every output.
const MaxTitleBytes = 2048

// cutTitle returns s cut to at most MaxTitleBytes at a rune boundary.
func cutTitle(s string) string {
	if len(s) <= MaxTitleBytes {
		return s
	}
	n := MaxTitleBytes
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// ErrTooDeep reports an XML document whose elements nest deeper than
// MaxDepth. Such a document is hostile or broken: no feed needs it, and
// gofeed's memory and time grow with the nesting (a 10 MB body of "<x>"
// costs about a gigabyte of heap). Parse checks before parsing and wraps
// it with the depth reached.
var ErrTooDeep = errors.New("parse: elements nested too deeply")

// MaxDepth is how deeply Parse lets XML elements nest, counting the root
// element as 1. Real feeds, XHTML content included, stay under 100.
const MaxDepth = 512

// voidElements are HTML elements that publishers write unclosed inside
// unescaped content (<br>, <img ...>); they never count as nesting.
var voidElements = [][]byte{
	[]byte("br"), []byte("hr"), []byte("img"), []byte("input"), []byte("meta"), []byte("link"),
	[]byte("area"), []byte("base"), []byte("col"), []byte("embed"), []byte("param"),
	[]byte("source"), []byte("track"), []byte("wbr"),
}

// checkDepth scans an XML body's markup, skipping comments, CDATA sections,
// processing instructions and declarations, and fails with ErrTooDeep once
// elements nest deeper than limit. It does not check well-formedness: an
// unbalanced end tag only lowers the count. The scan costs a small fraction
// of a parse (one pass, looking only at markup).
func checkDepth(b []byte, limit int) error {
	depth := 0
	for {
		i := bytes.IndexByte(b, '<')
		if i < 0 || i+1 >= len(b) {
			return nil
		}
		b = b[i+1:]
		var end int
		switch c := b[0]; {
		case c == '/':
			depth--
			end = bytes.IndexByte(b, '>')
		case c == '?':
			end = indexAfter(b, "?>")
		case bytes.HasPrefix(b, []byte("!--")):
			end = indexAfter(b, "-->")
		case bytes.HasPrefix(b, []byte("![CDATA[")):
			end = indexAfter(b, "]]>")
		case c == '!':
			end = bytes.IndexByte(b, '>')
		default:
			end = tagEnd(b)
			if end > 0 && b[end-1] != '/' && !isVoid(b[:end]) {
				depth++
				if depth > limit {
					return fmt.Errorf("%w: more than %d levels", ErrTooDeep, limit)
				}
			}
		}
		if end < 0 {
			return nil // unterminated markup; the parser will say so
		}
		b = b[end:]
	}
}

// indexAfter is the index of sep in b, or -1.
func indexAfter(b []byte, sep string) int { return bytes.Index(b, []byte(sep)) }

// tagEnd returns the index of the '>' closing the start tag at the
// beginning of b, skipping quoted attribute values; -1 if there is none.
func tagEnd(b []byte) int {
	var quote byte
	for i, c := range b {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i
		case c == '<':
			return -1 // not a tag after all ("a < b" in sloppy text)
		}
	}
	return -1
}

// isVoid reports whether the start tag's name (the bytes up to a space, '/'
// or the end) is an HTML void element, in any case.
func isVoid(tag []byte) bool {
	n := 0
	for n < len(tag) && tag[n] != ' ' && tag[n] != '/' && tag[n] != '\t' && tag[n] != '\n' && tag[n] != '\r' {
		n++
	}
	name := tag[:n]
	if n > 6 {
		return false
	}
	for _, v := range voidElements {
		if bytes.EqualFold(name, v) {
			return true
		}
	}
	return false
}
