package parse

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/mmcdole/gofeed/json"
	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// toUTF8 strips a UTF-8 byte order mark and transcodes UTF-16/32 bodies
// (told by a byte order mark or by the NUL pattern of "<") to UTF-8,
// rewriting the XML declaration to match. Other bodies come back unchanged.
func toUTF8(b []byte) []byte {
	var enc encoding.Encoding
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return fixDecl(b[3:])
	case bytes.HasPrefix(b, []byte{0x00, 0x00, 0xFE, 0xFF}), bytes.HasPrefix(b, []byte{0, 0, 0, '<'}):
		enc = utf32.UTF32(utf32.BigEndian, utf32.UseBOM)
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE, 0x00, 0x00}), bytes.HasPrefix(b, []byte{'<', 0, 0, 0}):
		enc = utf32.UTF32(utf32.LittleEndian, utf32.UseBOM)
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}), len(b) >= 4 && b[0] == 0 && b[1] != 0 && b[2] == 0 && b[3] != 0:
		enc = unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), len(b) >= 4 && b[0] != 0 && b[1] == 0 && b[2] != 0 && b[3] == 0:
		enc = unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	default:
		return fixDecl(b)
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return b
	}
	return fixDecl(bytes.TrimPrefix(out, []byte{0xEF, 0xBB, 0xBF}))
}

var declEncoding = regexp.MustCompile(`(?i)^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']`)

var wideEncoding = regexp.MustCompile(`(?i)^(utf|ucs)[-_]?(16|32|2|4)|^u(16|32)$`)

// fixDecl makes an ASCII-compatible body parseable by gofeed: a declared
// UTF-16/32 encoding (which the bytes no longer match) or one Go does not
// know becomes utf-8; bytes that are not valid UTF-8 under a UTF-8 or no
// declaration are read as windows-1252 when undeclared (the web's default
// for legacy text) and have bad sequences replaced with U+FFFD otherwise.
func fixDecl(b []byte) []byte {
	label := ""
	var m []int
	if bytes.HasPrefix(bytes.TrimLeft(b[:min(len(b), 64)], " \t\r\n"), []byte("<?xml")) {
		m = declEncoding.FindSubmatchIndex(b[:min(len(b), 256)])
		if m != nil {
			label = strings.ToLower(strings.TrimSpace(string(b[m[2]:m[3]])))
		}
	}
	switch {
	case label == "" || label == "utf-8" || label == "utf8":
		if utf8.Valid(b) {
			return b
		}
		if label == "" {
			if out, err := charmap.Windows1252.NewDecoder().Bytes(b); err == nil {
				return out
			}
		}
		return bytes.ToValidUTF8(b, []byte("\uFFFD"))
	case wideEncoding.MatchString(label):
	default:
		if enc, _ := charset.Lookup(label); enc != nil {
			return b
		}
	}
	out := make([]byte, 0, len(b))
	out = append(out, b[:m[2]]...)
	out = append(out, "utf-8"...)
	out = append(out, b[m[3]:]...)
	if !utf8.Valid(out) {
		out = bytes.ToValidUTF8(out, []byte("\uFFFD"))
	}
	return out
}

// notFeed explains why a body gofeed could not parse is no feed at all, or
// returns "" when it looks like a (broken) feed.
func notFeed(b []byte) string {
	t := bytes.TrimLeft(b, " \t\r\n")
	switch {
	case bytes.IndexByte(b[:min(len(b), 1024)], 0) >= 0 || !utf8.Valid(b[:min(len(b), 1024)]) && !bytes.HasPrefix(t, []byte("<")):
		return "binary body"
	case bytes.HasPrefix(t, []byte("{")):
		if bytes.Contains(b, []byte("jsonfeed.org")) {
			return ""
		}
		return "JSON document is not a JSON Feed"
	case bytes.HasPrefix(t, []byte("[")):
		return "JSON document is not a JSON Feed"
	case !bytes.HasPrefix(t, []byte("<")):
		return fmt.Sprintf("body starts with %q", string(t[:min(len(t), 24)]))
	}
	root, isHTML := rootElement(t)
	switch strings.ToLower(root) {
	case "rss", "rdf:rdf", "rdf", "feed":
		return ""
	case "html":
		isHTML = true
	}
	if isHTML {
		return fmt.Sprintf("HTML page (title %q)", htmlTitle(b))
	}
	if root == "" {
		return "no root element"
	}
	return fmt.Sprintf("XML document with root <%s>", root)
}

// rootElement returns the name of the first element, skipping the XML
// declaration, processing instructions, comments and a doctype; isHTML
// reports an HTML doctype.
func rootElement(b []byte) (name string, isHTML bool) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '<')
		if i < 0 || i+1 >= len(b) {
			return "", isHTML
		}
		b = b[i:]
		var end []byte
		switch {
		case bytes.HasPrefix(b, []byte("<!--")):
			end = []byte("-->")
		case bytes.HasPrefix(b, []byte("<?")):
			end = []byte("?>")
		case bytes.HasPrefix(b, []byte("<!")):
			if len(b) >= 14 && bytes.EqualFold(b[:14], []byte("<!doctype html")) {
				isHTML = true
			}
			end = []byte(">")
		default:
			j := 1
			for j < len(b) && !strings.ContainsRune(" \t\r\n/>", rune(b[j])) {
				j++
			}
			return string(b[1:j]), isHTML
		}
		k := bytes.Index(b, end)
		if k < 0 {
			return "", isHTML
		}
		b = b[k+len(end):]
	}
	return "", isHTML
}

// htmlTitle returns the plain text of an HTML page's <title>, shortened.
func htmlTitle(b []byte) string {
	z := html.NewTokenizer(bytes.NewReader(b[:min(len(b), 64<<10)]))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken:
			if name, _ := z.TagName(); string(name) == "title" {
				if z.Next() != html.TextToken {
					return ""
				}
				t := plainText(string(z.Text()))
				if r := []rune(t); len(r) > 80 {
					t = string(r[:80]) + "…"
				}
				return t
			}
		}
	}
}

// isJSONFeed tells a JSON Feed from other JSON that gofeed parsed into an
// empty feed.
func isJSONFeed(f *json.Feed) bool {
	return strings.Contains(f.Version, "jsonfeed.org") || len(f.Items) > 0 || f.Title != ""
}
