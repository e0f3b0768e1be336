package fetch

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// Decode returns body decoded to valid UTF-8 and the canonical name of the
// charset it was decoded from ("utf-8" when it already was UTF-8).
// contentType is the HTTP Content-Type header value, or "" when unknown. The
// rules, and the order in which they apply, are in the package comment; in
// short: BOM, UTF-16/32 byte patterns, JSON is UTF-8, header charset, the
// document's declaration, else UTF-8, with a label the bytes plainly
// contradict overridden (valid UTF-8 is UTF-8; mostly-invalid "UTF-8" is
// windows-1252). An XML declaration in the result says encoding="utf-8".
// err is non-nil only if the decoder fails, which the x/text decoders used
// here do not do on malformed input (they substitute U+FFFD).
// body is not modified; the result may share its memory when no change was
// needed.
func Decode(body []byte, contentType string) (utf8Body []byte, charsetName string, err error) {
	enc, name, rest := chooseEncoding(body, contentType)
	out, err := transcode(rest, enc)
	if err != nil {
		return nil, "", fmt.Errorf("decode body as %s: %w", name, err)
	}
	return fixXMLDecl(out), name, nil
}

// chooseEncoding applies the rules of the package comment. It returns the
// encoding (nil meaning UTF-8), its canonical name and the body without any
// byte order mark.
func chooseEncoding(body []byte, contentType string) (encoding.Encoding, string, []byte) {
	if enc, name, n := bomEncoding(body); name != "" {
		return enc, name, body[n:]
	}
	if enc, name := wideEncoding(body); name != "" {
		return enc, name, body
	}
	mediaType, headerLabel := parseContentType(contentType)
	kind := documentKind(mediaType, body)
	if kind == kindJSON {
		return nil, "utf-8", body
	}
	enc, name := lookupNarrow(headerLabel)
	var decl encoding.Encoding
	var declName string
	switch kind {
	case kindXML:
		decl, declName = lookupNarrow(xmlDeclEncoding(body))
	case kindHTML:
		// A feed served as text/html still starts with its XML
		// declaration; a page without one, or without encoding= in it,
		// declares its charset in a <meta>.
		decl, declName = lookupNarrow(xmlDeclEncoding(body))
		if declName == "" {
			decl, declName = metaEncoding(body)
		}
	}
	if name == "" || (name == "utf-8" && declName != "" && !utf8.Valid(body)) {
		enc, name = decl, declName
	}
	switch {
	case name == "" || name == "utf-8":
		// Nothing declared, or UTF-8: believe it unless the body is
		// mostly not UTF-8 at all.
		if utf8.Valid(body) || mostlyUTF8(body) {
			return nil, "utf-8", body
		}
		enc, name = lookupNarrow("windows-1252")
	case hasHighBit(body) && utf8.Valid(body):
		// A legacy charset whose non-ASCII bytes all happen to form valid
		// UTF-8 is, in practice, a UTF-8 document with a wrong label.
		return nil, "utf-8", body
	}
	return enc, name, body
}

// mostlyUTF8 reports whether body, which is not valid UTF-8, has more valid
// multi-byte sequences than invalid bytes: UTF-8 text with a few stray bytes
// rather than a legacy encoding.
func mostlyUTF8(body []byte) bool {
	var multi, invalid int
	for len(body) > 0 {
		r, n := utf8.DecodeRune(body)
		switch {
		case r == utf8.RuneError && n == 1:
			invalid++
		case n > 1:
			multi++
		}
		body = body[n:]
	}
	return multi > invalid
}

func hasHighBit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// bomEncoding recognises a byte order mark and returns its length.
func bomEncoding(b []byte) (encoding.Encoding, string, int) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return nil, "utf-8", 3
	case bytes.HasPrefix(b, []byte{0x00, 0x00, 0xFE, 0xFF}):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), "utf-32be", 4
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE, 0x00, 0x00}):
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), "utf-32le", 4
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be", 2
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le", 2
	}
	return nil, "", 0
}

// wideEncoding recognises UTF-16 and UTF-32 without a BOM from the zero
// bytes around the first two ASCII characters (XML 1.0 Appendix F,
// generalised from "<?" to any ASCII start such as "<rss").
func wideEncoding(b []byte) (encoding.Encoding, string) {
	if len(b) < 4 {
		return nil, ""
	}
	ascii := func(c byte) bool { return c != 0 && c < 0x80 }
	switch {
	case b[0] == 0 && b[1] == 0 && b[2] == 0 && ascii(b[3]):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), "utf-32be"
	case ascii(b[0]) && b[1] == 0 && b[2] == 0 && b[3] == 0:
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), "utf-32le"
	case b[0] == 0 && ascii(b[1]) && b[2] == 0 && ascii(b[3]):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be"
	case ascii(b[0]) && b[1] == 0 && ascii(b[2]) && b[3] == 0:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le"
	}
	return nil, ""
}

// lookupNarrow resolves a charset label to an ASCII-compatible encoding and
// its canonical lower-case name; nil, "" for unknown labels and for UTF-16
// and UTF-32 labels, which cannot describe a body that wideEncoding and
// bomEncoding did not recognise. UTF-8 is returned as nil, "utf-8".
func lookupNarrow(label string) (encoding.Encoding, string) {
	label = strings.ToLower(strings.TrimSpace(label))
	if label == "" || strings.HasPrefix(label, "utf-16") || strings.HasPrefix(label, "utf-32") ||
		strings.HasPrefix(label, "utf16") || strings.HasPrefix(label, "utf32") || label == "ucs-2" {
		return nil, ""
	}
	enc, err := htmlindex.Get(label)
	if err != nil {
		// Labels feeds use that the WHATWG list lacks: Python-style
		// underscores, and Mac names without the x- prefix.
		label = strings.ReplaceAll(label, "_", "-")
		if alias, ok := labelAliases[label]; ok {
			label = alias
		}
		if enc, err = htmlindex.Get(label); err != nil {
			return nil, ""
		}
	}
	name, err := htmlindex.Name(enc)
	if err != nil {
		return nil, ""
	}
	name = strings.ToLower(name)
	switch name {
	case "utf-8":
		return nil, name
	case "utf-16be", "utf-16le", "replacement":
		return nil, ""
	}
	return enc, name
}

// labelAliases maps charset labels seen in feeds to WHATWG labels.
var labelAliases = map[string]string{
	"mac-cyrillic": "x-mac-cyrillic",
	"maccyrillic":  "x-mac-cyrillic",
	"mac-roman":    "macintosh",
	"macroman":     "macintosh",
	"utf8":         "utf-8",
	"latin-1":      "iso-8859-1",
	"cp-1252":      "windows-1252",
	"cp-1251":      "windows-1251",
}

// parseContentType returns the lower-case media type and the charset
// parameter of a Content-Type value. It is lenient where mime.ParseMediaType
// is strict: single quotes and spaces around '=' are accepted, and a
// malformed parameter is skipped rather than failing the whole header.
func parseContentType(v string) (mediaType, charsetLabel string) {
	parts := strings.Split(v, ";")
	mediaType = strings.ToLower(strings.TrimSpace(parts[0]))
	for _, p := range parts[1:] {
		key, val, ok := strings.Cut(p, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(key), "charset") {
			continue
		}
		charsetLabel = strings.Trim(strings.TrimSpace(val), `"' `)
	}
	return mediaType, charsetLabel
}

type docKind int

const (
	kindXML docKind = iota
	kindHTML
	kindJSON
)

// documentKind classifies a body for charset purposes only.
func documentKind(mediaType string, body []byte) docKind {
	switch {
	case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"):
		return kindJSON
	case mediaType == "text/html":
		return kindHTML
	case strings.Contains(mediaType, "xml"):
		return kindXML
	}
	start := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case len(start) > 0 && (start[0] == '{' || start[0] == '['):
		return kindJSON
	case hasPrefixFold(start, "<!doctype html") || hasPrefixFold(start, "<html"):
		return kindHTML
	}
	return kindXML
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && strings.EqualFold(string(b[:len(prefix)]), prefix)
}

// xmlDeclRE matches an XML declaration's encoding pseudo-attribute at the
// start of a document; group 1 is the leading whitespace, group 3 the label.
var xmlDeclRE = regexp.MustCompile(`^([ \t\r\n]*)<\?xml[^>]*?[ \t\r\n]encoding[ \t\r\n]*=[ \t\r\n]*(["'])([^"'>]*)["']`)

// xmlDeclEncoding returns the encoding label of body's XML declaration, or "".
func xmlDeclEncoding(body []byte) string {
	m := xmlDeclRE.FindSubmatch(body[:min(len(body), 1024)])
	if m == nil {
		return ""
	}
	return string(m[3])
}

// metaEncoding returns the encoding that an HTML <meta> tag in the first
// 1024 bytes declares, or nil, "" when none declares a known one. It scans
// the way the HTML prescan does (and x/net/html/charset.DetermineEncoding
// with it), but answers only what a tag says: DetermineEncoding falls back
// to a guess of its own (windows-1252, or utf-8) when nothing is declared,
// and reports that guess with the same certain=false as a real <meta>, so
// its answer cannot tell a declaration from no declaration.
func metaEncoding(body []byte) (encoding.Encoding, string) {
	z := html.NewTokenizer(bytes.NewReader(body[:min(len(body), 1024)]))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return nil, ""
		case html.StartTagToken, html.SelfClosingTagToken:
			if enc, name := lookupNarrow(metaLabel(z)); name != "" {
				return enc, name
			}
		}
	}
}

// metaLabel returns the charset label declared by the tag z has just read,
// if it is a <meta charset="..."> or a <meta http-equiv="content-type"
// content="...; charset=...">, or "". As in HTML, a UTF-16 label in a
// <meta> means UTF-8, and of repeated attributes the first counts.
func metaLabel(z *html.Tokenizer) string {
	tag, hasAttr := z.TagName()
	if string(tag) != "meta" {
		return ""
	}
	var label, content string
	pragma := false
	seen := make(map[string]bool)
	for hasAttr {
		var key, val []byte
		key, val, hasAttr = z.TagAttr()
		if seen[string(key)] {
			continue
		}
		seen[string(key)] = true
		switch string(key) {
		case "charset":
			label = string(val)
		case "http-equiv":
			pragma = strings.EqualFold(string(val), "content-type")
		case "content":
			content = string(val)
		}
	}
	if label == "" && pragma {
		_, label = parseContentType(content)
	}
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(label)), "utf-16") {
		return "utf-8"
	}
	return label
}

// transcode converts body to UTF-8; enc nil means body is UTF-8 already, in
// which case invalid sequences are replaced with U+FFFD.
func transcode(body []byte, enc encoding.Encoding) ([]byte, error) {
	if enc == nil {
		if utf8.Valid(body) {
			return body, nil
		}
		return bytes.ToValidUTF8(body, []byte("\uFFFD")), nil
	}
	return enc.NewDecoder().Bytes(body)
}

// fixXMLDecl makes an XML declaration at the start of a UTF-8 body say
// encoding="utf-8" and drops whitespace before it.
func fixXMLDecl(b []byte) []byte {
	idx := xmlDeclRE.FindSubmatchIndex(b[:min(len(b), 1024)])
	if idx == nil {
		if t := bytes.TrimLeft(b, " \t\r\n"); bytes.HasPrefix(t, []byte("<?xml")) {
			return t
		}
		return b
	}
	lead, label := idx[3], b[idx[6]:idx[7]]
	if lead == 0 && strings.EqualFold(string(label), "utf-8") {
		return b
	}
	out := make([]byte, 0, len(b))
	out = append(out, b[lead:idx[6]]...)
	out = append(out, "utf-8"...)
	return append(out, b[idx[7]:]...)
}
