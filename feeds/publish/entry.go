package publish

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"html"
	"mime"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/idna"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// channel is the format-neutral view of one output document: every string
// already stripped of characters XML forbids, every link absolute, every
// date valid. The format mappings (atom.go, rss.go, json.go) only copy it.
type channel struct {
	title, generator, description string
	home                          string // Options.Link
	self                          func(f Format) string
	updated                       time.Time // newest entry update, else Changed(), else the Unix epoch
	newest                        time.Time // newest entry update; zero without entries
	items                         []item

	// Set by links (outputs.go).
	output     string                // the output's name
	current    func(f Format) string // the subscription document
	prev, next func(f Format) string // RFC 5005 prev-archive, next-archive; "" for none
	archive    bool                  // the document is an archive page (fh:archive)
	hub        string                // WebSub hub; "" for none
	page       string                // the output's HTML page
	xsl        string                // the stylesheet, relative to the document
}

// item is one entry ready for output.
type item struct {
	id         string // urn:tidyfeed:<hex>, the same in every format
	title      string // plain text
	link       string // absolute http(s) or ""
	content    string // HTML; never empty
	summary    string // plain text, may be ""
	authors    []feeds.Person
	categories []string
	enclosures []feeds.Enclosure // absolute URL, Type always set
	image      string
	published  time.Time // zero if unknown
	updated    time.Time // never zero
	src        *source
	also       []alsoSource // other configured feeds that carried the story
	podcast    *podcast     // iTunes fields; nil when none
}

// alsoSource is another feed's copy of a merged story.
type alsoSource struct {
	src    *source
	link   string  // the copy's own link, absolute http(s) or ""
	reason string  // "same-guid", "same-url", "near-duplicate"
	score  float64 // similarity, 1 for exact reasons
}

// source is one configured source as attributed in the output.
type source struct {
	key     string // SourceInfo.ID, stripped
	id      string // an absolute IRI for Atom's <source><id>
	name    string // never empty
	feedURL string // absolute http(s) or ""
	siteURL string // absolute http(s) or ""
	updated time.Time
	tags    []string // the feed's tags, categories of its entries
}

// entryID returns the stable public id of the entry keyed (feedID, key).
func entryID(feedID, key string) string {
	sum := sha256.Sum256([]byte(feedID + "\x00" + key))
	return "urn:tidyfeed:" + hex.EncodeToString(sum[:16])
}

// prepare turns stored entries into the neutral channel of out. Entries
// of feeds out does not carry, and entries out's filter hides, are dropped;
// at most limit entries are kept (0: all).
func prepare(opts Options, out *output, es []feeds.Entry, changed time.Time, limit int) *channel {
	srcs := make(map[string]*source, len(out.srcs))
	for _, s := range out.srcs {
		srcs[s.ID] = newSource(s)
	}
	// Sources that carried a merged story are attributed even when out
	// does not carry them.
	others := make(map[string]*source, len(opts.Sources))
	for _, s := range opts.Sources {
		others[s.ID] = newSource(s)
	}
	ch := &channel{
		title:       line(out.title),
		generator:   line(opts.Generator),
		description: line(out.title) + ": cleaned entries merged from " + plural(len(out.srcs), "feed"),
		home:        opts.Link,
		self:        func(f Format) string { return opts.Link + out.name + "." + string(f) },
	}
	seen := make(map[string]bool, len(es))
	for i := range es {
		e := &es[i]
		s := srcs[e.FeedID]
		if s == nil || out.filter.Match(e, s.name) != "" {
			continue
		}
		it := newItem(e, s, changed)
		for _, c := range e.Sources {
			if cs := cmp.Or(srcs[c.FeedID], others[c.FeedID]); cs != nil && cs.key != s.key {
				it.also = append(it.also, alsoSource{src: cs, link: absURL(c.Link), reason: line(c.Reason), score: c.Score})
			}
		}
		if seen[it.id] {
			continue
		}
		seen[it.id] = true
		ch.items = append(ch.items, it)
		if it.updated.After(s.updated) {
			s.updated = it.updated
		}
		if it.updated.After(ch.newest) {
			ch.newest = it.updated
		}
		if len(ch.items) == limit {
			break
		}
	}
	// Newest first, ties broken by id so the order never depends on the store.
	slices.SortStableFunc(ch.items, func(a, b item) int {
		if c := b.sortTime().Compare(a.sortTime()); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	ch.updated = ch.newest
	if ch.updated.IsZero() && len(out.srcs) > 0 {
		ch.updated = firstValid(changed)
	}
	if ch.updated.IsZero() {
		// An output without sources does not change with the store.
		ch.updated = time.Unix(0, 0).UTC()
	}
	return ch
}

func (it *item) sortTime() time.Time { return cmpTime(it.published, it.updated) }

func cmpTime(a, b time.Time) time.Time {
	if a.IsZero() {
		return b
	}
	return a
}

// sourceName is the name a source is published under and that feed-name
// filter rules match, in the documents and in the archive index alike: its
// Name, else its FeedURL, as one clean line, else "unnamed feed" (never
// its ID, which may be a local path).
func sourceName(s SourceInfo) string {
	return cmp.Or(line(s.Name), line(s.FeedURL), "unnamed feed")
}

func newSource(s SourceInfo) *source {
	src := &source{
		key:     line(s.ID),
		name:    sourceName(s),
		feedURL: absURL(s.FeedURL),
		siteURL: absURL(s.SiteURL),
	}
	for _, t := range s.Tags {
		if t = line(t); t != "" {
			src.tags = append(src.tags, t)
		}
	}
	// A source without a feed URL (a local file) gets an opaque id: the
	// public output never shows local paths.
	src.id = src.feedURL
	if src.id == "" {
		src.id = entryID(s.ID, "")
	}
	return src
}

func newItem(e *feeds.Entry, s *source, changed time.Time) item {
	key := cmp.Or(e.Key, e.GUID, e.Link, e.Hash, e.Title)
	id := entryID(e.FeedID, key)
	if e.StoryFeed != "" && e.StoryKey != "" {
		// A merged story keeps the id of its first copy, whichever copy
		// is shown and however many join.
		id = entryID(e.StoryFeed, e.StoryKey)
	}
	it := item{
		id:        id,
		title:     line(e.Title),
		link:      absURL(e.Link),
		content:   text(e.Content),
		summary:   text(e.Summary),
		image:     absURL(e.Image),
		published: firstValid(e.Published),
		updated:   firstValid(e.Updated, e.Published, e.Seen, changed, time.Unix(0, 0)),
		src:       s,
		podcast:   newPodcast(e.Podcast),
	}
	if it.content == "" && it.summary != "" {
		it.content = "<p>" + html.EscapeString(it.summary) + "</p>"
	}
	for _, a := range e.Authors {
		p := feeds.Person{Name: line(a.Name), Email: line(a.Email), URI: absURL(a.URI)}
		if p.Email != "" && !strings.Contains(p.Email, "@") {
			p.Email = ""
		}
		if p.Name == "" {
			p.Name = p.Email
		}
		if p.Name != "" {
			it.authors = append(it.authors, p)
		}
	}
	for _, c := range slices.Concat(e.Categories, s.tags) {
		if c = line(c); c != "" && !slices.Contains(it.categories, c) {
			it.categories = append(it.categories, c)
		}
	}
	for _, enc := range e.Enclosures {
		u := absURL(enc.URL)
		if u == "" {
			continue
		}
		typ := line(enc.Type)
		// ParseMediaType also takes a bare "audio" (a Content-Disposition
		// form); a media type needs its subtype.
		if mt, _, err := mime.ParseMediaType(typ); err != nil || !strings.Contains(mt, "/") {
			typ = guessType(u)
		}
		it.enclosures = append(it.enclosures, feeds.Enclosure{URL: u, Type: typ, Length: max(enc.Length, 0)})
	}
	return it
}

// guessType guesses an enclosure's media type from its URL's extension.
func guessType(u string) string {
	if pu, err := url.Parse(u); err == nil {
		if t := mime.TypeByExtension(strings.ToLower(path.Ext(pu.Path))); t != "" {
			if mt, _, err := mime.ParseMediaType(t); err == nil {
				return mt
			}
		}
	}
	return "application/octet-stream"
}

// validTime reports whether t is a date worth publishing: years 1000-9999,
// which every format and reader can represent.
func validTime(t time.Time) bool {
	y := t.UTC().Year()
	return !t.IsZero() && y >= 1000 && y <= 9999
}

// firstValid returns the first valid time, in UTC and truncated to seconds,
// or the zero time.
func firstValid(ts ...time.Time) time.Time {
	for _, t := range ts {
		if validTime(t) {
			return t.UTC().Truncate(time.Second)
		}
	}
	return time.Time{}
}

// absURL returns s as a URI if it is an absolute http(s) URL, else "".
// RSS links and enclosures and JSON Feed urls must be URIs, not IRIs: an
// internationalised host is given in its ASCII (punycode) form, and every
// byte a URI may not hold as it is (space, control, non-ASCII, and
// "<>\^`{|}) is percent-encoded; what is already escaped stays.
func absURL(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || !validXML(s) {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return ""
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	if authority, ok = asciiAuthority(authority); !ok {
		return ""
	}
	return scheme + "://" + authority + escapeNonURI(tail)
}

// asciiAuthority returns a URL's authority ([user@]host[:port]) with an
// internationalised host name in its ASCII form; ok is false when the
// host cannot be written so.
func asciiAuthority(a string) (string, bool) {
	if isASCII(a) {
		return a, true
	}
	user, hostport := "", a
	if i := strings.LastIndexByte(a, '@'); i >= 0 {
		user, hostport = escapeNonURI(a[:i+1]), a[i+1:]
	}
	host, port := hostport, ""
	if i := strings.LastIndexByte(hostport, ':'); i >= 0 && !strings.HasSuffix(hostport, "]") {
		host, port = hostport[:i], hostport[i:]
	}
	h, err := idna.Lookup.ToASCII(host)
	if err != nil || !isASCII(port) {
		return "", false
	}
	return user + h + port, true
}

// isASCII reports whether s is all ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// escapeNonURI percent-encodes the bytes of s that a URI may not hold
// unescaped, and a '%' that does not start an escape.
func escapeNonURI(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		bad := c <= 0x20 || c >= 0x7f || strings.IndexByte("\"<>\\^`{|}", c) >= 0 ||
			c == '%' && !(i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]))
		if !bad {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// isHex reports whether c is a hexadecimal digit.
func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func plural(n int, word string) string {
	s := strconv.Itoa(n) + " " + word
	if n != 1 {
		s += "s"
	}
	return s
}
