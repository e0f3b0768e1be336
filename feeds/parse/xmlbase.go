package parse

import (
	"bytes"
	"html"
	"net/url"
	"strings"
)

// xmlBases are the xml:base values in scope at the places Parse needs them,
// as gofeed's model does not keep them. Values are resolved along the chain
// but may still be relative when no ancestor is absolute.
type xmlBases struct {
	feed    string   // at the Atom <feed> or RSS <channel>
	entries []string // per entry/item in document order: at its <content>, else its <summary>/<description>, else itself
}

// scanXMLBase walks the start and end tags of body, without building
// anything, to recover the xml:base chain. Parse runs it only when the body
// contains "xml:base", which few real feeds do. Comments, CDATA sections,
// processing instructions and doctypes are skipped; malformed markup ends the
// scan with what it found so far.
func scanXMLBase(b []byte) *xmlBases {
	type frame struct {
		name string // lower-case local name
		base *url.URL
	}
	var (
		stack      []frame
		res        xmlBases
		inEntry    bool
		hasContent bool
	)
	for {
		i := bytes.IndexByte(b, '<')
		if i < 0 || i+1 >= len(b) {
			return &res
		}
		b = b[i:]
		var end string
		switch {
		case bytes.HasPrefix(b, []byte("<!--")):
			end = "-->"
		case bytes.HasPrefix(b, []byte("<![CDATA[")):
			end = "]]>"
		case bytes.HasPrefix(b, []byte("<?")):
			end = "?>"
		case bytes.HasPrefix(b, []byte("<!")):
			end = ">"
		case b[1] == '/':
			if n := len(stack); n > 0 {
				if name := stack[n-1].name; name == "entry" || name == "item" {
					inEntry = false
				}
				stack = stack[:n-1]
			}
			end = ">"
		}
		if end != "" {
			k := bytes.Index(b, []byte(end))
			if k < 0 {
				return &res
			}
			b = b[k+len(end):]
			continue
		}
		name, raw, selfClosing, rest, ok := startTag(b)
		if !ok {
			return &res
		}
		b = rest
		var parent *url.URL
		if n := len(stack); n > 0 {
			parent = stack[n-1].base
		}
		base := parent
		if raw != "" {
			if u, err := url.Parse(strings.TrimSpace(html.UnescapeString(raw))); err == nil && safeBase(u) {
				if parent != nil {
					u = parent.ResolveReference(u)
				}
				base = u
			}
		}
		local := strings.ToLower(name[strings.LastIndexByte(name, ':')+1:])
		s := ""
		if base != nil {
			s = base.String()
		}
		depth := len(stack)
		switch {
		case (local == "feed" && depth == 0) || (local == "channel" && depth <= 1):
			res.feed = s
		case (local == "entry" || local == "item") && depth <= 2 && !inEntry:
			res.entries = append(res.entries, s)
			inEntry, hasContent = true, false
		case inEntry && (local == "content" || local == "encoded"):
			res.entries[len(res.entries)-1] = s
			hasContent = true
		case inEntry && !hasContent && (local == "summary" || local == "description"):
			res.entries[len(res.entries)-1] = s
		}
		if !selfClosing {
			stack = append(stack, frame{name: local, base: base})
		} else if local == "entry" || local == "item" {
			inEntry = false
		}
	}
}

// safeBase rejects xml:base values with a scheme that could not be a base
// for web content (javascript:, data: ...).
func safeBase(u *url.URL) bool {
	switch strings.ToLower(u.Scheme) {
	case "", "http", "https", "file":
		return true
	}
	return false
}

// startTag reads the start tag at the beginning of b (which begins with
// '<'): its qualified name, the raw xml:base attribute value, whether it
// closes itself, and what follows it.
func startTag(b []byte) (name, xmlBase string, selfClosing bool, rest []byte, ok bool) {
	j := 1
	for j < len(b) && !isSpaceOr(b[j], "/>") {
		j++
	}
	name = string(b[1:j])
	for j < len(b) {
		switch c := b[j]; {
		case c == '>':
			return name, xmlBase, b[j-1] == '/', b[j+1:], name != ""
		case c == '"' || c == '\'':
			k := bytes.IndexByte(b[j+1:], c)
			if k < 0 {
				return "", "", false, nil, false
			}
			j += k + 2
		case c == '=':
			// attribute name is the token before '='
			a := bytes.TrimRight(b[:j], " \t\r\n")
			s := len(a)
			for s > 0 && !isSpaceOr(a[s-1], "\"'") {
				s--
			}
			attr := string(a[s:])
			k := j + 1
			for k < len(b) && isSpaceOr(b[k], "") {
				k++
			}
			if k < len(b) && (b[k] == '"' || b[k] == '\'') {
				e := bytes.IndexByte(b[k+1:], b[k])
				if e < 0 {
					return "", "", false, nil, false
				}
				if attr == "xml:base" {
					xmlBase = string(b[k+1 : k+1+e])
				}
				j = k + e + 2
				continue
			}
			j = k
		default:
			j++
		}
	}
	return "", "", false, nil, false
}

func isSpaceOr(c byte, extra string) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || strings.IndexByte(extra, c) >= 0
}
