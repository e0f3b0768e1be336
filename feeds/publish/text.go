package publish

import (
	"strings"
	"unicode/utf8"
)

// allowed reports whether r may appear in the output: a character of XML
// 1.0's Char production that is neither a C1 control nor a noncharacter.
func allowed(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r < 0x7F:
		return true
	case r <= 0x9F: // DEL and C1 controls: legal XML 1.0, but discouraged and never meant
		return false
	case r <= 0xD7FF:
		return true
	case r < 0xE000: // surrogates
		return false
	case r >= 0xFDD0 && r <= 0xFDEF:
		return false
	case r&0xFFFE == 0xFFFE: // U+xxFFFE and U+xxFFFF in every plane
		return false
	default:
		return r <= utf8.MaxRune
	}
}

// validXML reports whether s is valid UTF-8 made only of allowed characters.
func validXML(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || !allowed(r) {
			return false
		}
		i += size
	}
	return true
}

// text returns s without invalid UTF-8 and characters that are not allowed.
func text(s string) string {
	if validXML(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !(r == utf8.RuneError && size == 1) && allowed(r) {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// line is text for single-line fields (titles, names, attributes): runs of
// white space, line breaks included, become one space and the ends are
// trimmed.
func line(s string) string {
	return strings.Join(strings.Fields(text(s)), " ")
}
