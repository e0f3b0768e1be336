// Package dedupe decides which entries are the same story. It works in two
// steps, both pure (no I/O):
//
// Inside one feed, Identify gives every entry of one fetched document a
// stable Key and a Hash of its cleaned content, and folds entries that a
// document repeats. Keys come from the publisher's GUID while the feed's
// GUIDs behave; a document whose GUIDs are blank or repeated for different
// links falls back to canonical links, and an entry with neither gets a
// content fingerprint. The key's prefix records the criterion: "g:" GUID,
// "l:" link, "c:" content. GUIDs that churn between polls while links stay
// put are caught by storage, which matches a new GUID to the stored entry of
// the same feed with the same canonical link (see storage's # Dedupe). So is
// a document keyed otherwise than the last (one new item with a blank or
// repeated GUID turns a whole document to link keys, and its leaving turns
// it back): storage matches a link key to a stored GUID key and the reverse
// the same way, so stored entries keep their keys and do not come back as
// new ones.
//
// Across feeds, storage asks this package whether a new entry is a story it
// already has: GlobalGUID and URLKey give the exact identities (same GUID,
// same canonical URL), and Sign plus Options.Near the fuzzy one: a 64-bit
// SimHash over word 3-shingles finds candidates through a banded index, and
// the Jaccard similarity of the shingles confirms them, with vetoes for
// texts whose numbers or names were swapped. storage imports dedupe (an
// earlier stage) and calls these functions inside its one write
// transaction per poll, so the decision and the write cannot disagree.
//
// # Caveats
//
// Near-duplicate detection favours precision: bodies under Options.MinWords
// words, truncated copies (a summary against the full text) and stories
// rewritten rather than lightly edited are left apart. Hash ignores
// whitespace, tracking parameters in the link and comment counters ("12
// comments"), so those never count as edits.
package dedupe

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/canon"
)

// Key prefixes name the criterion an entry's identity came from.
const (
	ByGUID    = "g:"
	ByLink    = "l:"
	ByContent = "c:"
)

// Identify sets Key and Hash on every entry of one document from one feed
// and returns the entries with in-document duplicates folded: of two entries
// with the same key the one with the later Updated time is kept (document
// order breaks ties), so an identical entry repeated in a document is one
// entry. The input slice is reused; order is preserved.
func Identify(entries []feeds.Entry) []feeds.Entry {
	useGUID := guidsBehave(entries)
	for i := range entries {
		e := &entries[i]
		e.Key = key(e, useGUID)
		e.Hash = Hash(e)
	}
	return fold(entries)
}

// Hash fingerprints what a reader sees of an entry (title, canonical link,
// cleaned body, and the canonical URLs of its enclosures) with white space
// collapsed and comment counters removed, so that cosmetic churn in the
// source (re-indented HTML, new tracking parameters, "12 comments" becoming
// "13 comments") does not look like an edit, while a new audio file under
// an unchanged episode text does. An entry without enclosures hashes as it
// did before enclosures were covered.
func Hash(e *feeds.Entry) string {
	h := sha256.New()
	writeMaterial(h, e, true)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// SameMaterial reports whether a and b differ in nothing Hash covers: the
// same text as Hash reads it and the same enclosure URLs. It tells an entry
// stored under an older definition of Hash (before enclosures were covered)
// from an edit, so that an upgrade does not mark every podcast episode as
// updated.
func SameMaterial(a, b *feeds.Entry) bool {
	ha, hb := sha256.New(), sha256.New()
	writeMaterial(ha, a, false)
	writeMaterial(hb, b, false)
	return bytes.Equal(ha.Sum(nil), hb.Sum(nil)) &&
		slices.EqualFunc(a.Enclosures, b.Enclosures, func(x, y feeds.Enclosure) bool {
			return canon.Key(x.URL) == canon.Key(y.URL)
		})
}

// writeMaterial writes what Hash covers to w: title, canonical link and
// body, and, with enclosures, the canonical URL of each enclosure.
func writeMaterial(w io.Writer, e *feeds.Entry, enclosures bool) {
	body := e.Content
	if mayCountComments(body) {
		body = commentCounter.ReplaceAllString(body, "")
	}
	buf := bufio.NewWriterSize(w, 4096)
	for _, s := range []string{e.Title, canon.Key(e.Link), body} {
		writeHashText(buf, s)
		buf.WriteByte(0)
	}
	if enclosures {
		for _, enc := range e.Enclosures {
			buf.WriteString(canon.Key(enc.URL))
			buf.WriteByte(0)
		}
	}
	buf.Flush() // a hash does not fail
}

// writeHashText writes s with its white space collapsed to single spaces
// and trimmed, and with no space at all between two tags ("> <"), which
// re-indented HTML adds or removes without changing what a reader sees.
// It streams what strings.Join(strings.Fields(s), " ") with "> <"
// replaced by "><" would build.
func writeHashText(w *bufio.Writer, s string) {
	prev := ""
	for f := range strings.FieldsSeq(s) {
		if prev != "" && !(prev[len(prev)-1] == '>' && f[0] == '<') {
			w.WriteByte(' ')
		}
		w.WriteString(f)
		prev = f
	}
}

// commentCounter matches "12 comments", "1 Comment", "(3 replies)",
// "Comments (4)": counters that change without the story changing.
var commentCounter = regexp.MustCompile(`(?i)\(?\b\d+\s+(?:comments?|responses?|replies|reply)\b\)?|\bcomments?\s*\(\d+\)`)

// mayCountComments reports whether s may hold a comment counter: the
// regular expression (a sixth of a poll's time when run on every body) is
// tried only on a short window around each counter word, and the whole body
// is rewritten only when one of them matches.
func mayCountComments(s string) bool {
	for _, word := range []string{"comment", "respons", "repl"} {
		for from := 0; ; {
			i := indexFold(s[from:], word)
			if i < 0 {
				break
			}
			i += from
			lo, hi := max(0, i-counterWindow), min(len(s), i+len(word)+counterWindow)
			if commentCounter.MatchString(s[lo:hi]) {
				return true
			}
			from = i + len(word)
		}
	}
	return false
}

// counterWindow is how far around a counter word its number may stand.
const counterWindow = 24

// indexFold returns the index of the lower-case ASCII word sub in s,
// ignoring ASCII case, or -1; it does not allocate.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		j := 0
		for j < len(sub) && s[i+j]|0x20 == sub[j] {
			j++
		}
		if j == len(sub) {
			return i
		}
	}
	return -1
}

// Criterion names the identity criterion most keys of a document use:
// "guid", "link" or "content" ("" for no entries). Storage records it in
// the feed state so users can see how a feed is deduplicated.
func Criterion(entries []feeds.Entry) string {
	var g, l, c int
	for _, e := range entries {
		switch {
		case strings.HasPrefix(e.Key, ByGUID):
			g++
		case strings.HasPrefix(e.Key, ByLink):
			l++
		case strings.HasPrefix(e.Key, ByContent):
			c++
		}
	}
	switch {
	case g+l+c == 0:
		return ""
	case g >= l && g >= c:
		return "guid"
	case l >= c:
		return "link"
	}
	return "content"
}

// guidsBehave reports whether the document's GUIDs can serve as identity:
// most entries have one, and no GUID is shared by entries with different
// links.
func guidsBehave(entries []feeds.Entry) bool {
	if len(entries) == 0 {
		return true
	}
	blank := 0
	links := make(map[string]string, len(entries))
	for _, e := range entries {
		g := guidKey(e.GUID)
		if g == "" {
			blank++
			continue
		}
		link := canon.Key(e.Link)
		if prev, ok := links[g]; ok && prev != link {
			return false
		}
		links[g] = link
	}
	// Blank GUIDs in a noticeable share of items: the feed does not use them.
	return blank*5 <= len(entries)
}

func key(e *feeds.Entry, useGUID bool) string {
	if g := guidKey(e.GUID); useGUID && g != "" {
		return ByGUID + g
	}
	if e.Link != "" {
		return ByLink + canon.Key(e.Link)
	}
	h := sha256.Sum256([]byte(e.Title + "\x00" + strings.Join(strings.Fields(e.Content), " ")))
	return ByContent + hex.EncodeToString(h[:12])
}

// fold keeps, for each key, the entry updated last, at the position of the
// key's first occurrence.
func fold(entries []feeds.Entry) []feeds.Entry {
	at := make(map[string]int, len(entries))
	out := entries[:0]
	for _, e := range entries {
		i, seen := at[e.Key]
		if !seen {
			at[e.Key] = len(out)
			out = append(out, e)
			continue
		}
		if e.Updated.After(out[i].Updated) {
			out[i] = e
		}
	}
	return out
}

// guidKey is a GUID as identity: trimmed, and an http URL written as https,
// so a GUID flipped from http to https stays the same identity. Nothing
// else is folded: feeds give distinct items GUIDs that differ only in a
// fragment or a query parameter.
func guidKey(g string) string {
	g = strings.TrimSpace(g)
	if rest, ok := strings.CutPrefix(g, "http://"); ok {
		return "https://" + rest
	}
	return g
}
