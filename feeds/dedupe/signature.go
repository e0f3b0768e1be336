package dedupe

import (
	"html"
	"math/bits"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// Signature is what near-duplicate detection knows of an entry's cleaned
// text. Sign builds it in one pass over the text; Near compares two.
type Signature struct {
	// SimHash is a 64-bit SimHash over the word 3-shingles of the body
	// (title excluded, so a retitled syndicated copy keeps it). Similar
	// texts have SimHashes that differ in few bits; storage indexes it by
	// bands (see Bands) to find candidates without scanning.
	SimHash uint64
	// Words is how many words the body has.
	Words int
	// Body fingerprints the body's words in order (case, markup, links and
	// punctuation aside), so that one text published twice is recognised
	// exactly; 0 for bodies under MinTextWords words, which are too
	// generic ("Read more", an image caption) to identify a story.
	Body uint64
	// Shingles are the sorted, distinct hashes of the body's word
	// 3-shingles, for the precise Jaccard similarity.
	Shingles []uint64
	// Title holds the sorted, distinct hashes of the title's words.
	Title []uint64
	// Numbers and Names are the sorted, distinct hashes of the numbers and
	// of the capitalised words not starting a sentence, in title and body:
	// texts that agree except for these are different stories.
	Numbers, Names []uint64
}

// MinTextWords is the smallest body whose exact text identifies a story
// across feeds (Signature.Body).
const MinTextWords = 25

// shingleSize is the number of words per shingle.
const shingleSize = 3

// Sign computes e's signature from its cleaned Title and Content (Summary
// when Content is empty). It is pure and cheap: one pass over the text,
// no regular expressions.
func Sign(e *feeds.Entry) Signature {
	body := e.Content
	if strings.TrimSpace(body) == "" {
		body = e.Summary
	}
	var s Signature
	var nums, names []uint64
	words(plainText(e.Title), func(w word) {
		s.Title = append(s.Title, w.hash)
		if w.number {
			nums = append(nums, w.hash)
		}
	})
	var bits bitCounter
	var h1, h2 uint64 // the two previous word hashes
	words(plainText(body), func(w word) {
		s.Words++
		if w.number {
			nums = append(nums, w.hash)
		} else if w.name {
			names = append(names, w.hash)
		}
		if s.Words >= shingleSize {
			sh := mix(mix(h1^0x9e3779b97f4a7c15, h2), w.hash)
			s.Shingles = append(s.Shingles, sh)
			bits.add(sh)
		}
		h1, h2 = h2, w.hash
		s.Body = mix(s.Body, w.hash)
	})
	if s.Words < MinTextWords {
		s.Body = 0
	}
	// v counts the shingles with each bit set: a bit of the SimHash is set
	// when more than half of the shingles have it.
	v := bits.counts()
	half := int32(len(s.Shingles) / 2)
	for b := range 64 {
		if v[b] > half {
			s.SimHash |= 1 << b
		}
	}
	s.Shingles = sortedSet(s.Shingles)
	s.Title = sortedSet(s.Title)
	s.Numbers = sortedSet(nums)
	s.Names = sortedSet(names)
	return s
}

// Distance returns the number of bits in which two SimHashes differ.
func Distance(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// BandCount is the number of 8-bit bands a SimHash is cut into for the
// candidate index: two SimHashes within BandCount-1 bits of each other
// share at least one band exactly.
const BandCount = 8

// Bands returns the 8-bit bands of a SimHash, lowest first.
func Bands(h uint64) [BandCount]byte {
	var b [BandCount]byte
	for i := range b {
		b[i] = byte(h >> (8 * i))
	}
	return b
}

// word is one token of a text.
type word struct {
	hash   uint64
	number bool // only digits (and inner separators such as 4.5 or 1,000)
	name   bool // capitalised and not the first word of a sentence
}

// words calls fn for every word of s (runs of letters and digits, lower
// cased for hashing) and reports how many there were.
func words(s string, fn func(word)) int {
	n := 0
	sentence := true // the next word starts a sentence
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if !isWordRune(r) {
			if r == '.' || r == '!' || r == '?' || r == ':' || r == '"' || r == '\n' {
				sentence = true
			}
			i += size
			continue
		}
		h := uint64(14695981039346656037)
		digits, letters := 0, 0
		upper := unicode.IsUpper(r)
		for i < len(s) {
			r, size = rune(s[i]), 1
			if r >= utf8.RuneSelf {
				r, size = utf8.DecodeRuneInString(s[i:])
			}
			if !isWordRune(r) {
				// keep 4.5, 1,000 and 10:30 together as one number
				if digits > 0 && letters == 0 && (r == '.' || r == ',' || r == ':') && i+size < len(s) && isDigit(s[i+size]) {
					h = (h ^ uint64(r)) * 1099511628211
					i += size
					continue
				}
				break
			}
			if r < utf8.RuneSelf {
				if r >= '0' && r <= '9' {
					digits++
				} else {
					letters++
					if r >= 'A' && r <= 'Z' {
						r += 'a' - 'A'
					}
				}
			} else if unicode.IsDigit(r) {
				digits++
			} else {
				letters++
				r = unicode.ToLower(r)
			}
			h = (h ^ uint64(r)) * 1099511628211
			i += size
		}
		n++
		fn(word{hash: mix(h, 0), number: letters == 0, name: upper && !sentence && letters > 1})
		sentence = false
	}
	return n
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// mix combines two 64-bit values into a well-spread hash.
func mix(a, b uint64) uint64 {
	h := a ^ (b + 0x9e3779b97f4a7c15 + a<<6 + a>>2)
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// plainText drops HTML tags and decodes entities; block-level tag
// boundaries become line breaks, which end sentences.
func plainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for len(s) > 0 {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i:]
		j := strings.IndexByte(s, '>')
		if j < 0 {
			break
		}
		if isBlockTag(s[1:j]) {
			b.WriteByte('\n')
		} else {
			b.WriteByte(' ')
		}
		s = s[j+1:]
	}
	return html.UnescapeString(b.String())
}

func isBlockTag(t string) bool {
	t = strings.TrimPrefix(t, "/")
	for _, p := range []string{"p", "br", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "td", "pre", "figcaption"} {
		if strings.HasPrefix(t, p) && (len(t) == len(p) || t[len(p)] == ' ' || t[len(p)] == '/') {
			return true
		}
	}
	return false
}

// sortedSet sorts s and removes repeats, in place.
func sortedSet(s []uint64) []uint64 {
	slices.Sort(s)
	return slices.Compact(s)
}

// overlap returns |a ∩ b| of two sorted sets.
func overlap(a, b []uint64) int {
	n := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}

// jaccard returns |a ∩ b| / |a ∪ b| of two sorted sets; 0 when both are empty.
func jaccard(a, b []uint64) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 0
	}
	n := overlap(a, b)
	return float64(n) / float64(len(a)+len(b)-n)
}

// bitCounter counts, for each of the 64 bit positions, how many of the
// values added have that bit set. It adds eight positions at once: lane j
// holds, in byte k, the count for bit 8k+j, and the lanes are emptied into
// the totals before a byte can overflow.
type bitCounter struct {
	lanes   [8]uint64
	pending int // values added since the lanes were last emptied
	total   [64]int32
}

const laneOnes = 0x0101010101010101

func (c *bitCounter) add(x uint64) {
	for j := range c.lanes {
		c.lanes[j] += x >> j & laneOnes
	}
	if c.pending++; c.pending == 255 {
		c.flush()
	}
}

func (c *bitCounter) flush() {
	for j, l := range c.lanes {
		for k := range 8 {
			c.total[8*k+j] += int32(l >> (8 * k) & 0xff)
		}
		c.lanes[j] = 0
	}
	c.pending = 0
}

// counts returns the count for each bit position.
func (c *bitCounter) counts() [64]int32 {
	c.flush()
	return c.total
}
