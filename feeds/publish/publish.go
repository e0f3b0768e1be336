package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// Entries is what the publisher reads from the store. *storage.Store
// satisfies it.
type Entries interface {
	// Recent returns up to limit entries of the given feeds, newest first.
	Recent(ctx context.Context, feedIDs []string, limit int) ([]feeds.Entry, error)
	// Version changes whenever the stored entries change.
	Version() uint64
	// Changed is when the stored entries last changed.
	Changed() time.Time
}

// SourceInfo describes one configured source for attribution in the output.
type SourceInfo struct {
	ID      string // feeds.Source.ID; entries are matched on Entry.FeedID
	Name    string // display name, already resolved by the caller; "" means FeedURL or ID
	FeedURL string // the source's feed URL; "" for a local file
	SiteURL string // the source's home page; "" if unknown
}

// Options configures a Publisher. The zero value is usable but publishes
// nothing, since only entries of Sources are published.
type Options struct {
	// Title is the output feed's title; "" means "tidyfeed".
	Title string
	// Link is the public base URL the feeds are served under, e.g.
	// "http://127.0.0.1:8080/"; a missing trailing slash is added. The
	// documents' rel=self links are Link+"feed.atom", Link+"feed.rss" and
	// Link+"feed.json". "" means "http://localhost/". A Link that is not an
	// absolute http(s) URL without query or fragment makes Render fail with
	// ErrInvalidLink.
	Link string
	// MaxItems caps the number of entries per document; 0 (or less) means 200.
	MaxItems int
	// Sources are the configured sources. Only their entries are published,
	// so a source removed from the configuration vanishes from the output.
	Sources []SourceInfo
	// Generator names the software in the documents, e.g. "tidyfeed 0.1.0";
	// "" means "tidyfeed".
	Generator string
	// Logger receives render failures seen by ServeHTTP; nil means
	// slog.Default().
	Logger *slog.Logger
}

// Format is an output format.
type Format string

// The output formats.
const (
	Atom Format = "atom" // Atom 1.0 (RFC 4287), served at /feed.atom
	RSS  Format = "rss"  // RSS 2.0, served at /feed.rss
	JSON Format = "json" // JSON Feed 1.1, served at /feed.json
)

// Formats lists every Format in a fixed order.
var Formats = []Format{Atom, RSS, JSON}

// ErrInvalidLink is returned by Render when Options.Link is not an absolute
// http(s) URL, or has a query or fragment that "feed.atom" cannot follow.
var ErrInvalidLink = errors.New("publish: Options.Link is not an absolute http(s) URL")

// ErrUnknownFormat is returned by Render for a Format it does not know.
var ErrUnknownFormat = errors.New("publish: unknown format")

// Document is one rendered feed document.
type Document struct {
	// Body is the document: exactly the bytes ServeHTTP sends (before any
	// gzip). It is shared with the cache and must not be modified.
	Body []byte
	// ContentType is the media type with charset, for the Content-Type header.
	ContentType string
	// ETag is a strong entity tag (quotes included) derived from a hash of Body.
	ETag string
	// LastModified is the latest of the newest entry's update, the store's
	// Changed() and the last options change, never later than the render
	// time, truncated to seconds. With none of them it is the Unix epoch,
	// which ServeHTTP does not send.
	LastModified time.Time
}

// Publisher renders and serves the output feeds. It is safe for concurrent
// use; create it with New.
type Publisher struct {
	entries Entries
	now     func() time.Time

	mu          sync.RWMutex // guards the fields below
	opts        Options
	gen         uint64    // bumped by every SetOptions
	optsChanged time.Time // when the rendered options last changed; zero before any change
	cache       map[Format]*cached

	renderMu map[Format]*sync.Mutex // one render per format at a time
}

// cached is one rendered document and what it was rendered from.
type cached struct {
	doc     Document
	version uint64
	gen     uint64

	gzOnce sync.Once
	gz     []byte // gzip of doc.Body, made on first demand
	gzETag string
}

// New returns a Publisher that reads entries from entries. It does no I/O;
// documents are rendered on first use.
func New(entries Entries, opts Options) *Publisher {
	p := &Publisher{
		entries:  entries,
		now:      time.Now,
		opts:     normalize(opts),
		cache:    make(map[Format]*cached),
		renderMu: make(map[Format]*sync.Mutex),
	}
	for _, f := range Formats {
		p.renderMu[f] = new(sync.Mutex)
	}
	return p
}

// SetOptions replaces the options (hot reload). Documents rendered with the
// old options are dropped from the cache. It is safe to call concurrently
// with Render and ServeHTTP; renders already under way finish with the
// options they started with.
func (p *Publisher) SetOptions(opts Options) {
	opts = normalize(opts)
	p.mu.Lock()
	defer p.mu.Unlock()
	if !sameOutput(p.opts, opts) {
		p.optsChanged = p.now()
	}
	p.opts = opts
	p.gen++
	clear(p.cache)
}

// Render returns the document for f. The result is cached per format and
// returned without touching the store again until Entries.Version() changes
// or SetOptions is called, so calling Render on every request is cheap.
// Body is identical for the same entries and options, whichever Publisher
// renders it. Concurrent calls for the same format wait for one render
// rather than each reading the store.
func (p *Publisher) Render(ctx context.Context, f Format) (Document, error) {
	c, err := p.render(ctx, f)
	if err != nil {
		return Document{}, err
	}
	return c.doc, nil
}

func (p *Publisher) render(ctx context.Context, f Format) (*cached, error) {
	rmu, ok := p.renderMu[f]
	if !ok {
		return nil, fmt.Errorf("render %q: %w", f, ErrUnknownFormat)
	}
	version := p.entries.Version()
	if c := p.lookup(f, version); c != nil {
		return c, nil
	}
	rmu.Lock()
	defer rmu.Unlock()
	if c := p.lookup(f, version); c != nil { // rendered while we waited
		return c, nil
	}

	p.mu.RLock()
	opts, gen, optsChanged := p.opts, p.gen, p.optsChanged
	p.mu.RUnlock()

	doc, err := p.build(ctx, f, opts, optsChanged)
	if err != nil {
		return nil, fmt.Errorf("render %s feed: %w", f, err)
	}
	c := &cached{doc: doc, version: version, gen: gen}
	p.mu.Lock()
	if p.gen == gen {
		p.cache[f] = c
	}
	p.mu.Unlock()
	return c, nil
}

func (p *Publisher) lookup(f Format, version uint64) *cached {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if c := p.cache[f]; c != nil && c.version == version && c.gen == p.gen {
		return c
	}
	return nil
}

// build reads the entries and renders one document.
func (p *Publisher) build(ctx context.Context, f Format, opts Options, optsChanged time.Time) (Document, error) {
	base, err := url.Parse(opts.Link)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" ||
		base.RawQuery != "" || base.ForceQuery || base.Fragment != "" {
		return Document{}, fmt.Errorf("%w: %q", ErrInvalidLink, opts.Link)
	}
	ids := make([]string, len(opts.Sources))
	for i, s := range opts.Sources {
		ids[i] = s.ID
	}
	var es []feeds.Entry
	if len(ids) > 0 {
		es, err = p.entries.Recent(ctx, ids, opts.MaxItems)
		if err != nil {
			return Document{}, fmt.Errorf("read recent entries: %w", err)
		}
	}
	changed := p.entries.Changed()
	ch := prepare(opts, es, changed)

	var body []byte
	var ctype string
	switch f {
	case Atom:
		body, err = renderAtom(ch)
		ctype = "application/atom+xml; charset=utf-8"
	case RSS:
		body, err = renderRSS(ch)
		ctype = "application/rss+xml; charset=utf-8"
	case JSON:
		body, err = renderJSON(ch)
		ctype = "application/feed+json; charset=utf-8"
	default:
		return Document{}, ErrUnknownFormat
	}
	if err != nil {
		return Document{}, err
	}

	mod := ch.updated
	for _, t := range []time.Time{changed, optsChanged} {
		if validTime(t) && t.After(mod) {
			mod = t
		}
	}
	if now := p.now(); mod.After(now) {
		mod = now
	}
	sum := sha256.Sum256(body)
	return Document{
		Body:         body,
		ContentType:  ctype,
		ETag:         `"` + hex.EncodeToString(sum[:16]) + `"`,
		LastModified: mod.UTC().Truncate(time.Second),
	}, nil
}

// normalize applies the documented defaults in one place.
func normalize(o Options) Options {
	o.Title = strings.TrimSpace(o.Title)
	if o.Title == "" {
		o.Title = "tidyfeed"
	}
	if o.Link == "" {
		o.Link = "http://localhost/"
	}
	if !strings.HasSuffix(o.Link, "/") {
		o.Link += "/"
	}
	if o.MaxItems <= 0 {
		o.MaxItems = 200
	}
	if o.Generator == "" {
		o.Generator = "tidyfeed"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.Sources = slices.Clone(o.Sources)
	return o
}

// sameOutput reports whether a and b render the same documents.
func sameOutput(a, b Options) bool {
	return a.Title == b.Title && a.Link == b.Link && a.MaxItems == b.MaxItems &&
		a.Generator == b.Generator && slices.Equal(a.Sources, b.Sources)
}
