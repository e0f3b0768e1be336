package canon

import (
	"net"
	"slices"
	"strings"
)

// Key returns the canonical identity key of a URL, for deciding whether two
// links name the same page: Clean first, then scheme https (http folded
// in), host lower-cased with leading "www." labels, a trailing dot and the
// default port removed, userinfo and fragment dropped (but a client-side
// route such as "#!/post/1" or "#/post/1" kept), trailing slashes
// folded ("/a/" and "/a" agree, "/" is the empty path), query parameters
// sorted with empty ones and an empty query removed, and percent-encoding
// normalised (unreserved characters decoded, other escapes in upper case,
// characters that need escaping escaped).
//
// Input that is not an absolute http or https URL is returned unchanged.
// Key is idempotent: Key(Key(u)) == Key(u).
func Key(raw string) string {
	u, ok := parseHTTP(Clean(raw))
	if !ok {
		return raw
	}
	host := hostKey(u.Hostname())
	if host == "" || strings.ContainsAny(host, "% \t\r\n") {
		// An escape in a host ("%25") or an IPv6 zone would be
		// decoded again when the key is parsed: leave it alone.
		return raw
	}
	port := u.Port()
	if port == "80" || port == "443" {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host = net.JoinHostPort(strings.Trim(host, "[]"), port)
	}
	var b strings.Builder
	b.WriteString("https://")
	b.WriteString(host)
	b.WriteString(normPath(u.EscapedPath()))
	if q := normQuery(u.RawQuery); q != "" {
		b.WriteByte('?')
		b.WriteString(q)
	}
	if f := u.EscapedFragment(); isRoute(u.Fragment) {
		b.WriteByte('#')
		b.WriteString(f)
	}
	return b.String()
}

// isRoute reports whether a fragment is a client-side route ("#!/post/1",
// "#/post/1"), which selects the content of a single-page site, rather
// than a place in the page.
func isRoute(fragment string) bool {
	return strings.HasPrefix(fragment, "!") || strings.HasPrefix(fragment, "/")
}

// normPath normalises an escaped path and folds trailing slashes.
func normPath(p string) string {
	p = normEscapes(p, "!$&'()*+,;=:@/")
	p = strings.TrimRight(p, "/")
	if p != "" && p[0] != '/' {
		p = "/" + p
	}
	return p
}

// normQuery normalises each parameter's escaping and sorts them.
func normQuery(q string) string {
	var parts []string
	for p := range strings.SplitSeq(q, "&") {
		if p == "" || p == "=" {
			continue
		}
		parts = append(parts, normEscapes(p, "!$'()*+,;=:@/?"))
	}
	slices.Sort(parts)
	return strings.Join(parts, "&")
}

// normEscapes decodes percent-escapes of unreserved characters, upper-cases
// the hex of the others, and escapes every byte that is neither unreserved
// nor in keep. In a string holding a '%' that does not start a valid
// escape, existing escapes are left alone (decoding one could complete or
// break another) and only the bytes that need escaping are escaped; that
// never turns the stray '%' into a valid escape, so the result is stable.
func normEscapes(s, keep string) string {
	const hex = "0123456789ABCDEF"
	valid := true
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			valid = false
			break
		}
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && !valid:
			b.WriteByte(c)
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			d := unhex(s[i+1])<<4 | unhex(s[i+2])
			if isUnreserved(d) {
				b.WriteByte(d)
			} else {
				b.WriteByte('%')
				b.WriteByte(hex[d>>4])
				b.WriteByte(hex[d&15])
			}
			i += 2
		case isUnreserved(c) || (c < 0x80 && strings.IndexByte(keep, c) >= 0):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
