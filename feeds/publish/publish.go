package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/filter"
)

// Entries is what the publisher reads from the store. *storage.Store
// satisfies it.
type Entries interface {
	// Recent returns up to limit entries of the given feeds, newest first.
	Recent(ctx context.Context, feedIDs []string, limit int) ([]feeds.Entry, error)
	// Walk calls fn for each entry of the given feeds, newest first, as
	// Recent without a limit returns them, without holding them all: the
	// archive index reads every stored entry through it.
	Walk(ctx context.Context, feedIDs []string, fn func(feeds.Entry) error) error
	// Stories returns the entries of the given feeds that refs name, as
	// Recent returns them, in refs' order; refs no longer stored are
	// skipped. An archive page reads its entries through it.
	Stories(ctx context.Context, feedIDs []string, refs []feeds.Ref) ([]feeds.Entry, error)
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
	// Tags are the feed's tags from the configuration; they select it for
	// Outputs and become categories of its entries.
	Tags []string
}

// Output is a named output feed besides the default one, served at
// /<Name>.atom, /<Name>.rss and /<Name>.json and as an HTML page at
// /<Name>/.
type Output struct {
	// Name is the path segment; it must be non-empty, unique, and not
	// "feed" (the default output's name).
	Name string
	// Title is the output's title; "" means Options.Title and the name.
	Title string
	// Feeds lists the Source IDs the output carries; nil means every
	// source of Options.Sources.
	Feeds []string
	// MaxItems caps the entries per document; 0 means Options.MaxItems.
	MaxItems int
	// Filter hides entries when the output is rendered; nil shows all.
	Filter *filter.Set
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

	// Outputs are the named outputs besides the default one ("feed"),
	// which carries every source. Outputs with an empty, duplicate or
	// reserved name are ignored.
	Outputs []Output
	// Filter hides entries from the default output at render time; nil
	// shows all.
	Filter *filter.Set
	// Hub is a WebSub hub URL: every Atom and RSS document links to it
	// with rel="hub" and Sync pings it when a document changes; "" means
	// no hub.
	Hub string
	// Dir, if set, is a folder Sync writes every output into (documents,
	// archives, HTML pages, the stylesheets and sources.opml), atomically;
	// "" means no static files.
	Dir string
	// ArchivePeriod is the span of one RFC 5005 archive page, rounded
	// down to whole hours; 0 (or less than an hour) means 7 days.
	ArchivePeriod time.Duration
	// HTTPClient pings the hub; nil means a client with a 10s timeout.
	HTTPClient *http.Client
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
	// Changed(), the last options change and, for a subscription document,
	// the end of the newest archive page's period (when the document
	// started to link that page), never later than the render time,
	// truncated to seconds. With none of them it is the Unix epoch,
	// which ServeHTTP does not send.
	LastModified time.Time
}

// Publisher renders and serves the output feeds. It is safe for concurrent
// use; create it with New.
type Publisher struct {
	entries  Entries
	now      func() time.Time
	maxStale time.Duration // ServeHTTP may serve a document of older entries for twice this

	setMu       sync.Mutex   // one SetOptions at a time; only it writes opts and outs
	mu          sync.RWMutex // guards the fields below
	opts        Options
	outs        map[string]*output // by name; "feed" is the default
	gen         uint64             // bumped by every SetOptions that changes documents, but renames
	renames     uint64             // bumped by SetOptions that only renames sources (see SetOptions)
	archives    uint64             // bumped by every SetOptions that drops the archive indexes
	optsChanged time.Time          // when the rendered options last changed; zero before any change
	cache       map[docKey]*cached
	indexes     map[string]*archiveIndex

	renderMu sync.Mutex        // one render at a time; other requests wait for it or serve the previous document
	syncMu   sync.Mutex        // one Sync at a time; guards the fields below
	syncDir  string            // the Options.Dir that written describes
	written  map[string]string // Sync: path relative to syncDir → ETag of the file written there
	pinged   map[string]string // Sync: topic URL → ETag last announced to the hub
	listed   map[string]bool   // Sync: what syncDir's manifest lists (see manifestName); nil until read
}

// docKey names one document: an output, a kind of document and, for
// archive pages, the page.
type docKey struct {
	out  string
	kind Format // a feed Format, or pageKind for the HTML page
	page int64  // archive page index; current for the subscription document
}

// current is the docKey.page of a subscription document.
const current int64 = -1 << 62

// cached is one rendered document and what it was rendered from.
type cached struct {
	doc       Document
	immutable bool // an archive page other than the newest: served with archiveMaxAge
	version   uint64
	gen       uint64
	renames   uint64
	open      int64        // the archive period open when it was rendered (it links the last closed one)
	rendered  time.Time    // when it was rendered
	served    atomic.Int64 // unix nanoseconds ServeHTTP last served it (Refresh renders such documents again)

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
		maxStale: MaxStale,
		cache:    make(map[docKey]*cached),
		indexes:  make(map[string]*archiveIndex),
		written:  make(map[string]string),
		pinged:   make(map[string]string),
	}
	p.opts = normalize(opts)
	p.outs = outputsOf(p.opts)
	return p
}

// SetOptions replaces the options (hot reload). Documents rendered with the
// old options are dropped from the cache, unless the change cannot alter
// them (the same titles, sources, outputs and filters). A change of source
// names or site links only (a feed learned its title; the daemon makes one
// per such poll) is treated like a store change instead: Render is exact,
// and ServeHTTP may serve the previous document for up to MaxStale. It is
// safe to call concurrently with Render and ServeHTTP; renders already
// under way finish with the options they started with.
func (p *Publisher) SetOptions(opts Options) {
	opts = normalize(opts)
	// The comparisons and the per-output source tables cost milliseconds
	// at 10,000 sources; they are made before taking mu, which every
	// request needs. setMu keeps p.opts from changing meanwhile.
	p.setMu.Lock()
	defer p.setMu.Unlock()
	same, renamed, sameArchives := sameOutput(p.opts, opts), onlyRenamed(p.opts, opts), sameArchive(p.opts, opts)
	outs := outputsOf(opts)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.opts = opts
	p.outs = outs
	if same {
		return // nothing rendered changes: keep the cache
	}
	p.optsChanged = p.now()
	if !sameArchives {
		clear(p.indexes)
		p.archives++ // an index being built with the old options is not stored
	}
	if renamed {
		// Only a source's name or site link changed (a feed learned its
		// title): like a store change, the cached documents are stale but
		// may still be served for up to MaxStale.
		p.renames++
		return
	}
	p.gen++
	clear(p.cache)
}

// onlyRenamed reports whether b differs from a in nothing but the names
// and site links of the same sources.
func onlyRenamed(a, b Options) bool {
	if len(a.Sources) != len(b.Sources) {
		return false
	}
	c := a
	c.Sources = slices.Clone(a.Sources)
	for i := range c.Sources {
		if c.Sources[i].ID != b.Sources[i].ID {
			return false
		}
		c.Sources[i].Name, c.Sources[i].SiteURL = b.Sources[i].Name, b.Sources[i].SiteURL
	}
	return sameOutput(c, b)
}

// Render returns the default output's document for f. The result is
// cached and returned without touching the store again until
// Entries.Version() changes or SetOptions is called, so calling Render on
// every request is cheap. Body is identical for the same entries and
// options, whichever Publisher renders it. Concurrent calls wait for one
// render rather than each reading the store.
func (p *Publisher) Render(ctx context.Context, f Format) (Document, error) {
	return p.RenderOutput(ctx, DefaultOutput, f)
}

// RenderOutput is Render for the output called name (DefaultOutput for the
// default one). An unknown name fails with ErrUnknownOutput.
func (p *Publisher) RenderOutput(ctx context.Context, name string, f Format) (Document, error) {
	if !slices.Contains(Formats, f) {
		return Document{}, fmt.Errorf("render %q: %w", f, ErrUnknownFormat)
	}
	c, err := p.render(ctx, docKey{out: name, kind: f, page: current})
	if err != nil {
		return Document{}, err
	}
	return c.doc, nil
}

// MaxStale is how often a served document is rendered again while the
// stored entries keep changing. ServeHTTP serves the document it rendered
// before for up to twice MaxStale once the entries have changed, and
// Refresh, which the daemon calls after commits at most once per MaxStale,
// renders the documents that readers are reading, so a stream of commits
// turns neither every request into a render nor one request a second into
// a wait for one. Render itself is always current.
const MaxStale = time.Second

// DefaultOutput is the name of the output that carries every source,
// served at /feed.atom, /feed.rss and /feed.json.
const DefaultOutput = "feed"

// ErrUnknownOutput is returned for an output name that is not configured,
// and for an archive page that does not exist.
var ErrUnknownOutput = errors.New("publish: unknown output")

// render returns k's document of the current entries, rendering it
// unless it is cached.
func (p *Publisher) render(ctx context.Context, k docKey) (*cached, error) {
	return p.get(ctx, k, false)
}

// serve is render for ServeHTTP. A document rendered from older entries
// (with the current options) is served as it is while it is younger than
// twice maxStale, and while another request is rendering, so each
// document is rendered at most about once per maxStale however often polls
// change the store, and readers never queue behind a render. The gzip body
// is made before a render is cached, so that readers do not queue behind
// compression either. The document is marked as served, for Refresh.
func (p *Publisher) serve(ctx context.Context, k docKey) (*cached, error) {
	c, err := p.get(ctx, k, true)
	if err == nil {
		c.served.Store(p.now().UnixNano())
	}
	return c, err
}

// get is render, or serve when serving.
func (p *Publisher) get(ctx context.Context, k docKey, serving bool) (*cached, error) {
	if k.kind != pageKind && !slices.Contains(Formats, k.kind) {
		return nil, fmt.Errorf("render %q: %w", k.kind, ErrUnknownFormat)
	}
	version := p.entries.Version()
	if c := p.lookup(k, version); c != nil {
		return c, nil
	}
	if !serving {
		p.renderMu.Lock()
	} else {
		if c := p.previous(k); c != nil && p.now().Sub(c.rendered) < 2*p.maxStale {
			return c, nil
		}
		if !p.renderMu.TryLock() { // another request is rendering
			if c := p.previous(k); c != nil {
				return c, nil
			}
			p.renderMu.Lock()
		}
	}
	defer p.renderMu.Unlock()
	return p.renderLocked(ctx, k, version, serving)
}

// previous returns the document cached for k with the current options,
// whatever entries it was rendered from, or nil.
func (p *Publisher) previous(k docKey) *cached {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if c := p.cache[k]; c != nil && c.gen == p.gen {
		return c
	}
	return nil
}

// Refresh renders again each document that ServeHTTP served in the last
// two MaxStale and whose entries or source names changed, or whose
// archive period closed, since it was rendered, in the caller's
// goroutine. Called after commits (the daemon does, at most once per
// MaxStale), it keeps busy documents current in the background: readers
// are served the previous document meanwhile and none waits for a render.
// Documents nobody read lately are left to be rendered on demand. It
// returns the renders' errors joined.
func (p *Publisher) Refresh(ctx context.Context) error {
	version := p.entries.Version()
	since := p.now().Add(-2 * p.maxStale).UnixNano()
	type hot struct {
		k      docKey
		served int64
	}
	var docs []hot
	p.mu.RLock()
	open := periodOf(p.now(), p.opts.ArchivePeriod)
	for k, c := range p.cache {
		if served := c.served.Load(); c.gen == p.gen && served >= since && (c.version != version || c.renames != p.renames || c.open != open) {
			docs = append(docs, hot{k, served})
		}
	}
	p.mu.RUnlock()
	var errs []error
	for _, d := range docs {
		if err := ctx.Err(); err != nil {
			return err
		}
		p.renderMu.Lock()
		c, err := p.renderLocked(ctx, d.k, version, true)
		p.renderMu.Unlock()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c.served.CompareAndSwap(0, d.served) // still hot for the next Refresh
	}
	return errors.Join(errs...)
}

// renderLocked renders k unless a document for version was cached while
// the caller waited for renderMu, which it holds. With gz, the gzip body
// is made before the document is cached.
func (p *Publisher) renderLocked(ctx context.Context, k docKey, version uint64, gz bool) (*cached, error) {
	if c := p.lookup(k, version); c != nil { // rendered while we waited
		return c, nil
	}

	p.mu.RLock()
	opts, gen, renames, archives, optsChanged, out := p.opts, p.gen, p.renames, p.archives, p.optsChanged, p.outs[k.out]
	p.mu.RUnlock()
	// Read before build reads the clock: should the period close in
	// between, the document is rendered again on the next request.
	open := periodOf(p.now(), opts.ArchivePeriod)
	if out == nil {
		return nil, fmt.Errorf("render %s.%s: %w", k.out, k.kind, ErrUnknownOutput)
	}

	doc, immutable, err := p.build(ctx, k, out, opts, archives, version, optsChanged)
	if err != nil {
		return nil, fmt.Errorf("render %s.%s: %w", k.out, k.kind, err)
	}
	c := &cached{doc: doc, immutable: immutable, version: version, gen: gen, renames: renames, open: open, rendered: p.now()}
	if gz {
		c.gzipped()
	}
	p.mu.Lock()
	if p.gen == gen {
		p.cache[k] = c
	}
	p.mu.Unlock()
	return c, nil
}

// lookup returns the document cached for k if it is current: rendered
// from version, with the current options and source names, in the current
// archive period (a period that closes adds a page the document links).
func (p *Publisher) lookup(k docKey, version uint64) *cached {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if c := p.cache[k]; c != nil && c.version == version && c.gen == p.gen && c.renames == p.renames &&
		c.open == periodOf(p.now(), p.opts.ArchivePeriod) {
		return c
	}
	return nil
}

// build reads the entries and renders one document with opts, read when
// p.archives was archives. immutable reports whether it is an archive
// page other than the newest, which no closing period changes.
func (p *Publisher) build(ctx context.Context, k docKey, out *output, opts Options, archives, version uint64, optsChanged time.Time) (doc Document, immutable bool, err error) {
	base, err := url.Parse(opts.Link)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" ||
		base.RawQuery != "" || base.ForceQuery || base.Fragment != "" {
		return Document{}, false, fmt.Errorf("%w: %q", ErrInvalidLink, opts.Link)
	}
	idx, err := p.archiveIndex(ctx, out, opts, archives, version)
	if err != nil {
		return Document{}, false, err
	}
	changed := p.entries.Changed()
	var es []feeds.Entry
	limit := out.maxItems
	if k.page == current {
		if es, err = p.recent(ctx, out, limit); err != nil {
			return Document{}, false, err
		}
	} else {
		refs, ok := idx.pages[k.page]
		if !ok {
			return Document{}, false, fmt.Errorf("archive page %d: %w", k.page, ErrUnknownOutput)
		}
		if es, err = p.entries.Stories(ctx, out.ids, refs); err != nil {
			return Document{}, false, fmt.Errorf("read archive page %d: %w", k.page, err)
		}
		limit = 0
		// The newest page gains a next-archive link when the open period
		// closes; the others keep their neighbours.
		immutable = k.page != idx.order[len(idx.order)-1]
	}
	ch := prepare(opts, out, es, changed, limit)
	ch.links(opts, out, k, idx)

	var body []byte
	var ctype string
	switch k.kind {
	case Atom:
		body, err = renderAtom(ch)
		ctype = "application/atom+xml; charset=utf-8"
	case RSS:
		body, err = renderRSS(ch)
		ctype = "application/rss+xml; charset=utf-8"
	case JSON:
		body, err = renderJSON(ch)
		ctype = "application/feed+json; charset=utf-8"
	case pageKind:
		body, err = renderPage(ch, p.pageData(out, opts))
		ctype = "text/html; charset=utf-8"
	default:
		return Document{}, false, ErrUnknownFormat
	}
	if err != nil {
		return Document{}, false, err
	}

	mod := ch.updated
	if k.page == current {
		// The document links the newest archive page, which appeared when
		// its period closed, whether or not the store changed then.
		for _, t := range []time.Time{changed, optsChanged, idx.newestClosed()} {
			if validTime(t) && t.After(mod) {
				mod = t
			}
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
	}, immutable, nil
}

// recent reads the newest entries of out's sources, enough to fill limit
// after out's filter.
func (p *Publisher) recent(ctx context.Context, out *output, limit int) ([]feeds.Entry, error) {
	if len(out.ids) == 0 {
		return nil, nil
	}
	ask := limit
	if out.filter != nil {
		ask = limit * 4 // the filter hides some; read more than we show
	}
	es, err := p.entries.Recent(ctx, out.ids, ask)
	if err != nil {
		return nil, fmt.Errorf("read recent entries: %w", err)
	}
	return es, nil
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
	o.ArchivePeriod = o.ArchivePeriod.Truncate(time.Hour)
	if o.ArchivePeriod <= 0 {
		o.ArchivePeriod = 7 * 24 * time.Hour
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	o.Sources = slices.Clone(o.Sources)
	o.Outputs = slices.Clone(o.Outputs)
	return o
}

// sameArchive reports whether a and b put the same entries on the same
// archive pages: the same period, sources, outputs and filters, and, when
// a filter may match on feed names, the same names. A feed learning its
// title changes the documents but not the archive indexes.
func sameArchive(a, b Options) bool {
	filtered := hasRules(a.Filter) || slices.ContainsFunc(a.Outputs, func(o Output) bool { return hasRules(o.Filter) })
	return a.ArchivePeriod == b.ArchivePeriod && a.Filter.Rules().String() == b.Filter.Rules().String() &&
		slices.EqualFunc(a.Sources, b.Sources, func(x, y SourceInfo) bool {
			return x.ID == y.ID && slices.Equal(x.Tags, y.Tags) && (!filtered || x.Name == y.Name && x.FeedURL == y.FeedURL)
		}) &&
		slices.EqualFunc(a.Outputs, b.Outputs, func(x, y Output) bool {
			return x.Name == y.Name && slices.Equal(x.Feeds, y.Feeds) && x.Filter.Rules().String() == y.Filter.Rules().String()
		})
}

// hasRules reports whether s hides anything.
func hasRules(s *filter.Set) bool {
	r := s.Rules()
	return len(r.Include)+len(r.Exclude) > 0
}

// sameOutput reports whether a and b render the same documents.
func sameOutput(a, b Options) bool {
	return a.Title == b.Title && a.Link == b.Link && a.MaxItems == b.MaxItems &&
		a.Generator == b.Generator && a.Hub == b.Hub && a.ArchivePeriod == b.ArchivePeriod &&
		a.Filter.Rules().String() == b.Filter.Rules().String() &&
		slices.EqualFunc(a.Sources, b.Sources, func(x, y SourceInfo) bool {
			return x.ID == y.ID && x.Name == y.Name && x.FeedURL == y.FeedURL && x.SiteURL == y.SiteURL && slices.Equal(x.Tags, y.Tags)
		}) &&
		slices.EqualFunc(a.Outputs, b.Outputs, func(x, y Output) bool {
			return x.Name == y.Name && x.Title == y.Title && x.MaxItems == y.MaxItems && slices.Equal(x.Feeds, y.Feeds) &&
				x.Filter.Rules().String() == y.Filter.Rules().String()
		})
}
