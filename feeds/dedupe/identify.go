// Package dedupe decides which entries are the same story. Identify gives
// every entry of one fetched document a stable Key inside its feed and a
// Hash of its cleaned content, and folds entries that a document repeats.
//
// Keys come from the publisher's GUID while the feed's GUIDs behave; a
// document whose GUIDs are blank or repeated for different links falls back
// to canonical links, and an entry with neither gets a content fingerprint.
// The key's prefix records the criterion: "g:" GUID, "l:" link, "c:" content.
//
// Dedupe does no I/O: whether a key is already stored is storage's business
// (an unchanged Hash under a known Key is an unchanged entry).
package dedupe

import (
	"crypto/sha256"
	"encoding/hex"
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

// Hash fingerprints what a reader sees of an entry (title, link, cleaned
// body) with white space collapsed, so that cosmetic churn in the source
// does not look like an edit.
func Hash(e *feeds.Entry) string {
	h := sha256.New()
	for _, s := range []string{e.Title, e.Link, e.Content} {
		h.Write([]byte(strings.Join(strings.Fields(s), " ")))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
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
		g := strings.TrimSpace(e.GUID)
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
	if g := strings.TrimSpace(e.GUID); useGUID && g != "" {
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
