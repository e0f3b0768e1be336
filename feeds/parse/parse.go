package parse

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"

	"github.com/mmcdole/gofeed"
	"github.com/tidyfeed/tidyfeed/feeds"
)

// ErrNotFeed reports a body that is no feed at all: an HTML page (a bot
// challenge, an error page, a site's home page), another XML or JSON
// document, an empty or binary body. Parse wraps it with a detail, for
// example `parse: not a feed: HTML page (title "Just a moment...")`.
var ErrNotFeed = errors.New("parse: not a feed")

// Options configures a Parser. The zero value is usable: every entry is
// returned.
type Options struct {
	// MaxEntries caps how many entries Parse returns, keeping the first ones
	// in document order (feeds list the newest first); 0 means no limit.
	MaxEntries int
}

// Parser turns feed bodies into feeds.Feed and feeds.Entry values. Build one
// with New and share it: it is safe for concurrent use, because every call to
// Parse uses its own gofeed parser and translators.
type Parser struct {
	opts Options
}

// New returns a Parser configured by opts.
func New(opts Options) *Parser {
	if opts.MaxEntries < 0 {
		opts.MaxEntries = 0
	}
	return &Parser{opts: opts}
}

// Parse parses body, a whole RSS, Atom or JSON Feed document, fetched from
// base (an absolute http(s) or file: URL; "" leaves links relative to
// nothing, so relative links without an xml:base or feed link are dropped).
//
// It returns the feed's metadata and its entries in document order. Every
// entry's Link, Raw.Link, enclosure and image URL is absolute or empty.
// Published and Updated are UTC and both zero when the entry carries no
// usable date. A body that is not a feed yields an error wrapping ErrNotFeed;
// XML nested deeper than MaxDepth yields ErrTooDeep before gofeed sees it;
// a feed that is broken beyond what gofeed tolerates yields another error.
func (p *Parser) Parse(body []byte, base string) (feeds.Feed, []feeds.Entry, error) {
	docBase := parseBase(base)
	if bytes.HasPrefix(body, []byte{0x1F, 0x8B}) {
		return feeds.Feed{}, nil, fmt.Errorf("%w: gzip-compressed body", ErrNotFeed)
	}
	body = toUTF8(body)
	if len(bytes.TrimSpace(body)) == 0 {
		return feeds.Feed{}, nil, fmt.Errorf("%w: empty body", ErrNotFeed)
	}

	if !isJSONBody(body) {
		if err := checkDepth(body, MaxDepth); err != nil {
			return feeds.Feed{}, nil, err
		}
	}

	var c capture
	gp := gofeed.NewParser()
	gp.RSSTranslator = &rssTranslator{c: &c}
	gp.AtomTranslator = &atomTranslator{c: &c}
	gp.JSONTranslator = &jsonTranslator{c: &c}
	gf, err := gp.Parse(bytes.NewReader(body))
	if err != nil {
		if why := notFeed(body); why != "" {
			return feeds.Feed{}, nil, fmt.Errorf("%w: %s", ErrNotFeed, why)
		}
		return feeds.Feed{}, nil, fmt.Errorf("parse feed: %w", err)
	}
	if c.json != nil && !isJSONFeed(c.json) {
		return feeds.Feed{}, nil, fmt.Errorf("%w: JSON document is not a JSON Feed", ErrNotFeed)
	}
	var bases *xmlBases
	if c.json == nil && bytes.Contains(body, []byte("xml:base")) {
		bases = scanXMLBase(body)
	}
	b := builder{gf: gf, c: &c, docBase: docBase, bases: bases, max: p.opts.MaxEntries}
	return b.feed(), b.entries(), nil
}

// isJSONBody reports whether body starts, after whitespace, like a JSON
// document. encoding/json bounds nesting itself.
func isJSONBody(body []byte) bool {
	t := bytes.TrimLeft(body[:min(len(body), 512)], " \t\r\n")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// parseBase parses the document URL; a relative or broken one counts as
// absent.
func parseBase(base string) *url.URL {
	if base == "" {
		return nil
	}
	u, err := url.Parse(base)
	if err != nil || !u.IsAbs() {
		return nil
	}
	return u
}
