// Package feeds holds the vocabulary every stage of tidyfeed's pipeline speaks:
// a configured Source, the Feed metadata and Entry values that flow from parse
// through clean and dedupe into storage and publish, and the FeedState that
// records how polling a source went.
//
// The data flows config → schedule → fetch → parse → clean → dedupe → store →
// publish; each stage is a sub-package of this one (feeds/fetch, feeds/parse,
// ...), and feeds/ingest alone knows their order. This package imports no
// stage, no storage and no third-party library, so every stage can import it.
package feeds

import "time"

// Source is one feed from the configuration: where to read it and how to
// treat it. Exactly one of URL and Path is set.
type Source struct {
	// ID is the source's stable key in the store: the URL as written in the
	// config, or "file:" followed by the absolute path. It never depends on
	// the order of feeds in the config.
	ID string
	// Name is the display name from the config; "" means the feed's own title.
	Name string
	// URL is an absolute http or https URL, or "" for a local file.
	URL string
	// Path is an absolute path to a local feed file, or "" for a URL.
	Path string
	// Interval pins the poll interval; 0 means the configured default.
	Interval time.Duration
	// Tags are labels given to the feed in the config.
	Tags []string
	// Priority orders sources when one story arrives from several; higher
	// wins, 0 is the default.
	Priority int
	// NoDedupe opts the source out of cross-feed merging.
	NoDedupe bool
	// Clean holds per-feed cleaning rules from the config.
	Clean CleanRules
}

// Location returns the URL or the path, whichever is set, for messages.
func (s Source) Location() string {
	if s.URL != "" {
		return s.URL
	}
	return s.Path
}

// CleanRules are per-feed cleaning options that generic rules cannot know.
// The zero value means "generic rules only".
type CleanRules struct {
	// Remove lists CSS selectors whose matches are removed from every entry.
	Remove []string
	// Replace lists regular-expression replacements applied to the entry HTML
	// before cleaning.
	Replace []Replacement
	// Disable names rule families switched off for this feed.
	Disable []string
}

// Replacement is one regular-expression substitution (RE2 syntax; With may
// use $1-style references).
type Replacement struct {
	Pattern string
	With    string
}

// Feed is the metadata of a parsed feed document.
type Feed struct {
	Title       string // plain text
	Link        string // the site's home page, absolute
	Description string // plain text
	Language    string
	Image       string // absolute URL of the feed's logo or icon
	Format      string // "rss", "atom" or "json"
	Version     string // format version as gofeed reports it, e.g. "2.0"
	// Hints are the publisher's polling hints found in the document.
	Hints PollHints
}

// PollHints are what a feed document says about how often to poll it.
// Zero values mean "not given".
type PollHints struct {
	TTL        time.Duration // RSS <ttl>
	UpdateBase time.Duration // from sy:updatePeriod / sy:updateFrequency
	SkipHours  []int         // RSS <skipHours>, hours 0-23 in GMT
	SkipDays   []string      // RSS <skipDays>, English day names
}

// Person is an author or contributor.
type Person struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URI   string `json:"uri,omitempty"`
}

// Enclosure is a media attachment (podcast audio, video, image).
type Enclosure struct {
	URL    string `json:"url"`
	Type   string `json:"type,omitempty"`
	Length int64  `json:"length,omitempty"`
}

// Raw is an entry as the publisher sent it, kept next to the cleaned form so
// that cleaning can be re-run and explained without refetching.
type Raw struct {
	Title   string `json:"title,omitempty"`   // as in the document (may hold markup)
	Link    string `json:"link,omitempty"`    // as in the document, resolved to absolute
	Content string `json:"content,omitempty"` // content:encoded, Atom content, JSON content_html
	Summary string `json:"summary,omitempty"` // description, Atom summary, JSON summary
	// Text is true when Content (or Summary, if Content is empty) is plain
	// text rather than HTML (JSON Feed content_text, Atom type="text").
	Text bool `json:"text,omitempty"`
	// Base is the URL relative references in Content and Summary resolve
	// against: the Atom xml:base chain, else the entry link, else the feed.
	Base string `json:"base,omitempty"`
}

// Entry is one item of a feed. Parse fills Raw and the metadata fields;
// clean fills Title, Link, Content and Summary from Raw; dedupe sets Key
// and Hash; storage sets Seen and Sources.
type Entry struct {
	// Key is the entry's stable identity inside its feed, chosen by dedupe
	// (GUID, canonical link or content fingerprint). Storage keys on
	// (FeedID, Key).
	Key string `json:"key"`
	// FeedID is the Source.ID the entry came from.
	FeedID string `json:"feed"`
	// GUID is the publisher's id (RSS guid, Atom id, JSON id), "" if none.
	GUID string `json:"guid,omitempty"`

	Title   string `json:"title"`             // plain text, safe
	Link    string `json:"link,omitempty"`    // absolute, tracking removed
	Content string `json:"content,omitempty"` // clean, safe HTML
	Summary string `json:"summary,omitempty"` // plain text excerpt

	Authors    []Person    `json:"authors,omitempty"`
	Categories []string    `json:"categories,omitempty"`
	Enclosures []Enclosure `json:"enclosures,omitempty"`
	Image      string      `json:"image,omitempty"` // absolute URL of a lead image

	// Published falls back to Updated, then to Seen; never zero once stored.
	Published time.Time `json:"published"`
	// Updated is when the publisher last changed the entry, or Published.
	Updated time.Time `json:"updated"`
	// Seen is when tidyfeed first stored the entry.
	Seen time.Time `json:"seen"`

	// Hash fingerprints the cleaned content (title, link, body) and the
	// enclosure URLs so that an unchanged re-poll is recognised cheaply.
	// Set by dedupe.
	Hash string `json:"hash,omitempty"`

	Raw Raw `json:"raw"`

	// StoryFeed and StoryKey identify the first-seen entry of the story
	// this entry stands for, when storage merged copies of one story from
	// several feeds; both are "" for an entry that stands alone, whose own
	// (FeedID, Key) is then its story. They never change once set, so
	// publish derives the public id from them: it stays the same when more
	// sources join or the preferred copy changes. Set by storage's Recent.
	StoryFeed string `json:"story_feed,omitempty"`
	StoryKey  string `json:"story_key,omitempty"`
	// Sources lists the other feeds that carried the same story (not the
	// entry's own FeedID), oldest join first; nil when only one did. Set by
	// storage's Recent.
	Sources []Copy `json:"sources,omitempty"`

	// Podcast holds the entry's podcast (iTunes) fields, nil when the
	// publisher gave none. Set by parse, kept by storage, written by
	// publish.
	Podcast *Podcast `json:"podcast,omitempty"`
}

// Podcast is an episode's podcast metadata, taken from the iTunes RSS
// extension (itunes:duration, itunes:explicit, ...). Every field is
// optional; "" means the publisher did not give it. Values are kept as the
// publisher wrote them (trimmed), except that Image is absolute and the
// text fields are plain text.
type Podcast struct {
	// Duration is the episode length as written: seconds ("1830") or
	// "[HH:]MM:SS".
	Duration string `json:"duration,omitempty"`
	// Explicit is the publisher's explicit flag as written ("true",
	// "false", "yes", "no", "clean", ...); publish normalises it.
	Explicit string `json:"explicit,omitempty"`
	// Episode and Season are the episode and season numbers as written.
	Episode string `json:"episode,omitempty"`
	Season  string `json:"season,omitempty"`
	// EpisodeType is "full", "trailer" or "bonus" as written.
	EpisodeType string `json:"episode_type,omitempty"`
	// Image is the absolute URL of the episode's artwork.
	Image string `json:"image,omitempty"`
	// Subtitle and Summary are plain text.
	Subtitle string `json:"subtitle,omitempty"`
	Summary  string `json:"summary,omitempty"`
	// Author is the episode's author as written (plain text).
	Author string `json:"author,omitempty"`
}

// Ref names one stored entry by its feed and key.
type Ref struct {
	FeedID, Key string
}

// Copy is one more source of a merged story: another feed's entry that
// dedupe judged to be the same story, and why.
type Copy struct {
	FeedID string `json:"feed"`
	Key    string `json:"key"`
	Title  string `json:"title,omitempty"`
	Link   string `json:"link,omitempty"`
	// Reason is why it was merged: "same-guid", "same-url" or
	// "near-duplicate" (for the story's first copy: the reason the shown
	// copy joined it).
	Reason string `json:"reason,omitempty"`
	// Score is the measured text similarity (0-1) of a near-duplicate, 1
	// for the exact reasons.
	Score float64 `json:"score,omitempty"`
	// Joined is when storage merged it into the story.
	Joined time.Time `json:"joined,omitzero"`
}

// FeedState is what tidyfeed remembers about polling one source. Storage
// keeps one per Source.ID; the scheduler plans from it.
type FeedState struct {
	FeedID string `json:"feed"`

	// Title, Link and Description are the feed's own metadata from the last
	// successful parse.
	Title       string `json:"title,omitempty"`
	Link        string `json:"link,omitempty"`
	Description string `json:"description,omitempty"`

	// ETag and LastModified are the HTTP validators of the last 200 or 304.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// BodyHash fingerprints the last body parsed, to skip unchanged bodies.
	BodyHash string `json:"body_hash,omitempty"`

	LastAttempt time.Time `json:"last_attempt,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastStatus  int       `json:"last_status,omitempty"` // HTTP status, 0 for files or no response
	LastError   string    `json:"last_error,omitempty"`
	// ErrorSince is when the current run of errors began; zero when healthy.
	ErrorSince        time.Time `json:"error_since,omitzero"`
	ConsecutiveErrors int       `json:"consecutive_errors,omitempty"`

	NextCheck  time.Time `json:"next_check,omitzero"`
	NextReason string    `json:"next_reason,omitempty"` // "interval", "ttl", "retry-after", "backoff", ...

	// MovedTo is the target of a permanent redirect (301/308) seen on the
	// last poll; MovedSince is when that move was first seen.
	MovedTo    string    `json:"moved_to,omitempty"`
	MovedSince time.Time `json:"moved_since,omitzero"`

	// Entries is how many entries of this feed are stored.
	Entries int `json:"entries,omitempty"`

	// ErrorKind classifies LastError for status and planning: "retry-after",
	// "gone", "not-found", "challenge", "temporary", "offline" (every feed
	// failed at once: our network, not counted against the feed), "internal"
	// (our own failure, not counted either); "" when healthy.
	ErrorKind string `json:"error_kind,omitempty"`
	// RetryAfter is the end of the window in which the server asked not to
	// be polled (Retry-After on a 429 or 503, capped); zero when none. A
	// manual refresh skips the feed until then.
	RetryAfter time.Time `json:"retry_after,omitzero"`
	// Gone is when the feed was found gone (410, or 404 for days); zero
	// while it is not. A gone feed is only probed at the backoff cap and a
	// manual refresh skips it.
	Gone time.Time `json:"gone,omitzero"`
	// MovedSeen counts the consecutive successful polls that were
	// permanently redirected to MovedTo.
	MovedSeen int `json:"moved_seen,omitempty"`
	// MoveFollowed is when tidyfeed started polling MovedTo instead of the
	// configured URL (after the move was seen on several polls over at
	// least a day); zero while the move is only suggested or absent. The
	// source keeps its configured ID; feeds.yaml is never rewritten.
	MoveFollowed time.Time `json:"move_followed,omitzero"`
	// Hints are the polling hints of the last parsed document, kept so that
	// a 304 is planned like the 200 before it.
	Hints PollHints `json:"hints,omitzero"`
	// RecentPosts holds the publication times of the newest dated entries
	// of the last parsed document (newest first, at most 20), from which an
	// adaptive interval is learnt.
	RecentPosts []time.Time `json:"recent_posts,omitempty"`
	// Identity is the criterion the feed's entries are identified by, as
	// dedupe and storage found it on the last parse: "guid", "link" (GUIDs
	// blank or repeated), "link: guids churn" (GUIDs changed between polls
	// while links stayed put) or "content" (neither); "" before any parse.
	Identity string `json:"identity,omitempty"`
	// Dropped counts, by reason, the entries of the last parsed document
	// that package filter held back ("exclude:title", "include", "max-age",
	// "future", "backlog", "redated", ...); nil when none were. It is
	// replaced, not added to, on every parse, so an entry that stays in the
	// document is counted once, not once per poll.
	Dropped map[string]int `json:"dropped,omitempty"`
	// Filter is what package filter remembers between polls.
	Filter FilterState `json:"filter,omitzero"`
}

// FilterState is what package filter remembers about one feed between
// polls. The zero value means "nothing held back yet".
type FilterState struct {
	// Horizon is set on the first poll when the backlog cap cut the
	// document: entries dated before it are never published later.
	Horizon time.Time `json:"horizon,omitzero"`
	// Held lists the entries the backlog cap held back that Horizon does
	// not cover (undated, or dated the same as the oldest entry kept), by
	// a hash of their Key (package filter's); they are never published
	// later either. A hash leaves the list once a document no longer has
	// its entry.
	Held []string `json:"held,omitempty"`
	// HeldFrom and HeldTo bound the dates of a burst of old entries that
	// the source re-dated to "now" at once (a platform migration); new
	// entries dated inside the window are held back.
	HeldFrom time.Time `json:"held_from,omitzero"`
	HeldTo   time.Time `json:"held_to,omitzero"`
}
