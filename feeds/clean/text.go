package clean

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// collapse trims s and replaces every run of white space with one space.
func collapse(s string) string {
	if isCollapsed(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for f := range strings.FieldsSeq(s) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f)
	}
	return b.String()
}

// isCollapsed reports whether collapse would return s unchanged: no white
// space at either end, and only single ASCII spaces inside.
func isCollapsed(s string) bool {
	space := true // at the start, a space would be leading
	for _, r := range s {
		if unicode.IsSpace(r) {
			if r != ' ' || space {
				return false
			}
			space = true
			continue
		}
		space = false
	}
	return !space || s == ""
}

// fold normalises text for comparison: camel-case joins ("articleComments")
// and letter/digit joins are split, letters are lower-cased with accents
// removed, every other character becomes a separator, and separators
// collapse to single spaces. Two blocks are "the same" when their folded
// texts are equal.
func fold(s string) string {
	if isASCII(s) {
		return foldASCII(s)
	}
	return foldRunes(stripAccents(s))
}

// foldASCII is fold for ASCII text, byte by byte.
func foldASCII(s string) string {
	b := make([]byte, 0, len(s))
	var prev byte
	space := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		lower, upper, digit := 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9'
		if lower || upper || digit {
			if !space && (('a' <= prev && prev <= 'z' && upper) || ('0' <= prev && prev <= '9') != digit) {
				b = append(b, ' ')
			}
			if upper {
				c += 'a' - 'A'
			}
			b = append(b, c)
			space = false
		} else if !space {
			b = append(b, ' ')
			space = true
		}
		prev = s[i]
	}
	if space && len(b) > 0 {
		b = b[:len(b)-1]
	}
	return string(b)
}

// foldRunes is fold after accents are stripped.
func foldRunes(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	var prev rune
	space := true
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if !space && splitBetween(prev, r) {
				b.WriteByte(' ')
			}
			b.WriteRune(unicode.ToLower(r))
			space = false
		case r == '\'' || r == '’' || r == 'ʼ':
			// Apostrophes separate elided articles (l'article, don't).
			if !space {
				b.WriteByte(' ')
				space = true
			}
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
		prev = r
	}
	return strings.TrimRight(b.String(), " ")
}

// splitBetween reports whether a word boundary is implied between adjacent
// letters or digits a and b: lower→upper ("articleComments") or a change
// between letter and digit ("12Comments").
func splitBetween(a, b rune) bool {
	if unicode.IsLower(a) && unicode.IsUpper(b) {
		return true
	}
	return unicode.IsDigit(a) != unicode.IsDigit(b)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// accentFolders pools the accent-stripping transformers, which are not
// safe for concurrent use and costly to build.
var accentFolders = sync.Pool{New: func() any {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

// latinRanges are the blocks of runes that stripLatin folds one at a time:
// Latin-1 Supplement and Latin Extended-A and -B, and General Punctuation
// (curly quotes, dashes, ellipsis). None of them is a combining mark, and
// none composes with a neighbour, so the accent-stripping transform of a
// string of them is the concatenation of the transforms of each rune.
var latinRanges = [][2]rune{{0x80, 0x250}, {0x2000, 0x2070}}

// latinFolds maps each rune of latinRanges to what the accent-stripping
// transform makes of it alone.
var latinFolds = func() map[rune]string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	m := map[rune]string{}
	for _, rg := range latinRanges {
		for r := rg[0]; r < rg[1]; r++ {
			out, _, err := transform.String(t, string(r))
			if err != nil {
				out = string(r)
			}
			m[r] = out
		}
	}
	return m
}()

// stripLatin strips accents from text made only of ASCII and latinRanges
// runes, rune by rune; for any other text it reports false.
func stripLatin(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			b.WriteByte(byte(r))
			continue
		}
		f, ok := latinFolds[r]
		if !ok {
			return "", false
		}
		b.WriteString(f)
	}
	return b.String(), true
}

var ligatures = strings.NewReplacer("ß", "ss", "æ", "ae", "Æ", "AE", "œ", "oe", "Œ", "OE", "ø", "o", "Ø", "O", "ł", "l", "Ł", "L", "đ", "d")

func stripAccents(s string) string {
	if out, ok := stripLatin(s); ok {
		return ligatures.Replace(out)
	}
	return stripAccentsTransform(s)
}

// stripAccentsTransform is stripAccents through the NFD → drop marks → NFC
// transform, for text of any script.
func stripAccentsTransform(s string) string {
	t := accentFolders.Get().(transform.Transformer)
	defer accentFolders.Put(t)
	t.Reset()
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	// A few letters do not decompose.
	return ligatures.Replace(out)
}

// words counts the words of folded text.
func words(f string) int {
	if f == "" {
		return 0
	}
	return strings.Count(f, " ") + 1
}

// vocab is a set of folded words.
type vocab map[string]bool

func newVocab(lists ...string) vocab {
	v := vocab{}
	for _, l := range lists {
		for _, w := range strings.Fields(l) {
			v[w] = true
		}
	}
	return v
}

// segment reports whether tok can be split entirely into words of v, each
// at least two letters long ("sharethisarticle" → share this article),
// and returns the parts.
func (v vocab) segment(tok string) ([]string, bool) {
	if len(tok) > 40 {
		return nil, false
	}
	// best[i] is the start of the last word of a segmentation of tok[:i].
	best := make([]int, len(tok)+1)
	for i := range best {
		best[i] = -1
	}
	best[0] = 0
	for i := 2; i <= len(tok); i++ {
		for j := i - 2; j >= 0; j-- {
			if best[j] >= 0 && v[tok[j:i]] {
				best[i] = j
				break
			}
		}
	}
	if best[len(tok)] < 0 {
		return nil, false
	}
	var parts []string
	for i := len(tok); i > 0; i = best[i] {
		parts = append([]string{tok[best[i]:i]}, parts...)
	}
	return parts, true
}

// isNumber reports whether the folded token is all digits.
func isNumber(tok string) bool {
	for i := 0; i < len(tok); i++ {
		if tok[i] < '0' || tok[i] > '9' {
			return false
		}
	}
	return tok != ""
}

// hasPhrase reports whether folded text f contains the folded phrase p at
// word boundaries.
func hasPhrase(f, p string) bool {
	i := strings.Index(" "+f+" ", " "+p+" ")
	return i >= 0
}

// startsPhrase reports whether folded text f starts with folded phrase p at
// a word boundary.
func startsPhrase(f, p string) bool {
	return f == p || strings.HasPrefix(f, p+" ")
}
