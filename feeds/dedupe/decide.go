package dedupe

import (
	"net/url"
	"strings"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds/canon"
)

// Reason says why two entries of different feeds were judged one story.
type Reason string

// The reasons for a cross-feed merge, strongest first.
const (
	SameGUID      Reason = "same-guid" // both carry the same globally unique GUID
	SameURL       Reason = "same-url"  // their links have the same canonical key
	SameText      Reason = "same-text" // the same body text, word for word (Signature.Body)
	NearDuplicate Reason = "near-duplicate"
)

// Options tunes near-duplicate detection. The zero value is the default
// every field documents; the defaults favour precision: a wrong merge hides
// news, a missed merge only repeats it.
type Options struct {
	// Window is how far apart (by publication time) two entries may be and
	// still be near-duplicates; 0 means 72h.
	Window time.Duration
	// MinWords is the smallest body, in words, that near-duplicate
	// detection considers; shorter texts only merge by GUID or URL. 0
	// means 40.
	MinWords int
	// Threshold is the Jaccard similarity of body shingles above which two
	// entries are near-duplicates; 0 means 0.8. With similar titles (see
	// TitleThreshold) 0.15 less is enough.
	Threshold float64
	// TitleThreshold is the title word Jaccard similarity that lowers the
	// body threshold; 0 means 0.5.
	TitleThreshold float64
	// MaxDistance is the largest SimHash distance worth a precise
	// comparison; 0 means 18.
	MaxDistance int
}

// WithDefaults returns o with every zero field set to its default.
func (o Options) WithDefaults() Options {
	if o.Window <= 0 {
		o.Window = 72 * time.Hour
	}
	if o.MinWords <= 0 {
		o.MinWords = 40
	}
	if o.Threshold <= 0 {
		o.Threshold = 0.8
	}
	if o.TitleThreshold <= 0 {
		o.TitleThreshold = 0.5
	}
	if o.MaxDistance <= 0 {
		o.MaxDistance = 18
	}
	return o
}

// Near reports whether two signatures are the same story told twice (the
// same wire story syndicated with a few words changed), and the body
// similarity it measured. Options must have defaults applied.
//
// Texts that are too short, or whose numbers or names were swapped (one
// text has a number or name the other lacks, and the other way round:
// "2016 budget" against "2015 budget", a weekly report built from one
// template, the same story about another person) are never near-duplicates,
// however similar the rest.
func (o Options) Near(a, b *Signature) (score float64, ok bool) {
	if a.Words < o.MinWords || b.Words < o.MinWords {
		return 0, false
	}
	if Distance(a.SimHash, b.SimHash) > o.MaxDistance {
		return 0, false
	}
	score = jaccard(a.Shingles, b.Shingles)
	need := o.Threshold
	if jaccard(a.Title, b.Title) >= o.TitleThreshold {
		need -= 0.15
	}
	if score < need {
		return score, false
	}
	if swapped(a.Numbers, b.Numbers, 0) || swapped(a.Names, b.Names, 0.15) {
		return score, false
	}
	return score, true
}

// swapped reports whether each set has members the other lacks (a
// replacement rather than an addition) and the differing members exceed
// the tolerated share of the union.
func swapped(a, b []uint64, tolerate float64) bool {
	n := overlap(a, b)
	onlyA, onlyB := len(a)-n, len(b)-n
	if onlyA == 0 || onlyB == 0 {
		// one text adds a few (a dateline, a byline): fine unless it is
		// most of what they have
		union := n + onlyA + onlyB
		return union > 0 && float64(onlyA+onlyB) > 0.34*float64(union)
	}
	union := n + onlyA + onlyB
	return float64(onlyA+onlyB) > tolerate*float64(union)
}

// URLKey returns the canonical key of link for cross-feed identity, or ""
// when link cannot identify a story: not an absolute http(s) URL, or a
// site's home page (aggregators link every item there).
func URLKey(link string) string {
	if link == "" {
		return ""
	}
	k := canon.Key(link)
	u, err := url.Parse(k)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	if strings.Trim(u.Path, "/") == "" && u.RawQuery == "" {
		return ""
	}
	return k
}

// GlobalGUID returns g if it looks globally unique, so that two feeds
// carrying it carry the same story: a URL or URN ("tag:", "urn:"), or a
// long opaque id; "" for blank, short or numeric GUIDs ("123", "post-4"),
// which feeds reuse independently.
func GlobalGUID(g string) string {
	g = strings.TrimSpace(g)
	if len(g) < 16 {
		return ""
	}
	if strings.Contains(g, ":") {
		return g
	}
	if len(g) >= 32 && !strings.ContainsAny(g, " \t") {
		return g // UUIDs, hashes
	}
	return ""
}
