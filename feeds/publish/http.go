package publish

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tidyfeed/tidyfeed/internal/accept"
)

// Cache lifetimes sent in Cache-Control.
const (
	currentMaxAge = "public, max-age=300"
	// Archive pages other than the newest never change (RFC 5005 §4), so
	// caches may keep them. The newest gains a next-archive link when the
	// open period closes, so it is served with currentMaxAge.
	archiveMaxAge = "public, max-age=31536000, immutable"
	assetMaxAge   = "public, max-age=86400"
)

// route maps a request path to a document, or to an asset (name != "").
func (p *Publisher) route(path string) (k docKey, asset string, ok bool) {
	switch path {
	case "/":
		return docKey{out: DefaultOutput, kind: pageKind, page: current}, "", true
	case "/" + xslName, "/" + cssName, "/" + opmlName:
		return docKey{}, path[1:], true
	}
	rest := strings.TrimPrefix(path, "/")
	p.mu.RLock()
	opts, outs := p.opts, p.outs
	p.mu.RUnlock()
	// The default output's page is at / only: its links are relative to
	// the site root, and the static folder has no feed/index.html.
	if name, ok := strings.CutSuffix(rest, "/"); ok && name != DefaultOutput && !strings.Contains(name, "/") && outs[name] != nil {
		return docKey{out: name, kind: pageKind, page: current}, "", true
	}
	dot := strings.LastIndexByte(rest, '.')
	if dot < 0 {
		return k, "", false
	}
	f := Format(rest[dot+1:])
	if !slices.Contains(Formats, f) {
		return k, "", false
	}
	rest = rest[:dot]
	if outs[rest] != nil {
		return docKey{out: rest, kind: f, page: current}, "", true
	}
	name, stamp, ok := strings.Cut(rest, "/archive/")
	if !ok || outs[name] == nil {
		return k, "", false
	}
	pg, ok := pageOf(stamp, opts.ArchivePeriod)
	if !ok {
		return k, "", false
	}
	return docKey{out: name, kind: f, page: pg}, "", true
}

// ServeHTTP serves GET and HEAD for every output: /feed.atom, /feed.rss
// and /feed.json for the default output and /<name>.atom (.rss, .json)
// for each named one; their RFC 5005 archive pages at
// /<name>/archive/<period start>.<format>; the HTML pages at / (the
// default output's, which is not at /feed/) and /<name>/; the stylesheets
// /tidyfeed.xsl and /tidyfeed.css; and the sources as /sources.opml.
//
// Documents carry a strong ETag, Last-Modified, Cache-Control (a year,
// immutable, for archive pages but the newest, which changes when the open
// period closes) and, when the client accepts it, gzip (with its own
// ETag). If-None-Match is honoured before If-Modified-Since,
// as RFC 9110 requires, with 304 Not Modified. A browser asking for HTML
// gets the Atom and RSS documents labelled application/xml, so that it
// applies their stylesheet instead of offering a download. Other paths get
// 404, other methods 405 with an Allow header, and a failed render 500
// (logged to Options.Logger).
func (p *Publisher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k, asset, ok := p.route(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	if asset != "" {
		p.serveAsset(w, r, asset)
		return
	}
	c, err := p.serve(r.Context(), k)
	if errors.Is(err, ErrUnknownOutput) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		p.mu.RLock()
		log := p.opts.Logger
		p.mu.RUnlock()
		log.ErrorContext(r.Context(), "render failed", "stage", "publish", "url", r.URL.Path, "error", err)
		http.Error(w, "feed unavailable", http.StatusInternalServerError)
		return
	}
	ctype := c.doc.ContentType
	h.Set("Cache-Control", currentMaxAge)
	if c.immutable {
		h.Set("Cache-Control", archiveMaxAge)
	}
	h.Add("Vary", "Accept-Encoding")
	switch k.kind {
	case pageKind:
		h.Set("Content-Security-Policy", PageCSP)
		h.Set("Referrer-Policy", "no-referrer")
	case Atom, RSS:
		h.Add("Vary", "Accept")
	}
	body, etag := c.doc.Body, c.doc.ETag
	if accept.Gzip(r.Header.Get("Accept-Encoding")) {
		body, etag = c.gzipped()
		h.Set("Content-Encoding", "gzip")
	}
	if (k.kind == Atom || k.kind == RSS) && wantsHTML(r.Header.Get("Accept")) {
		ctype = "application/xml; charset=utf-8"
		etag = strings.TrimSuffix(etag, `"`) + `-xml"`
	}
	h.Set("Content-Type", ctype)
	h.Set("ETag", etag)
	// ServeContent evaluates If-None-Match (first), If-Modified-Since and
	// Range, writes Last-Modified and Content-Length, and omits the body for
	// HEAD.
	http.ServeContent(w, r, "", c.doc.LastModified, bytes.NewReader(body))
}

// serveAsset serves a stylesheet or the OPML list.
func (p *Publisher) serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	body, ctype := p.asset(name)
	sum := sha256.Sum256(body)
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", assetMaxAge)
	if name == opmlName {
		h.Set("Cache-Control", currentMaxAge)
	}
	h.Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// asset returns a static asset's body and media type.
func (p *Publisher) asset(name string) ([]byte, string) {
	switch name {
	case xslName:
		return xslAsset, "text/xsl; charset=utf-8"
	case cssName:
		return cssAsset, "text/css; charset=utf-8"
	}
	p.mu.RLock()
	opts := p.opts
	p.mu.RUnlock()
	return OPML(opts.Title, opts.Sources), "text/x-opml; charset=utf-8"
}

// wantsHTML reports whether an Accept header is a browser's navigation:
// it names text/html and no feed type.
func wantsHTML(accept string) bool {
	a := strings.ToLower(accept)
	return strings.Contains(a, "text/html") && !strings.Contains(a, "atom") && !strings.Contains(a, "rss")
}

// gzipped returns the gzip-compressed body and its ETag, compressing once.
func (c *cached) gzipped() ([]byte, string) {
	c.gzOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression) // the level is valid
		zw.Write(c.doc.Body)                                        // a bytes.Buffer does not fail
		zw.Close()
		c.gz = buf.Bytes()
		c.gzETag = strings.TrimSuffix(c.doc.ETag, `"`) + `-gz"`
	})
	return c.gz, c.gzETag
}

// Handles reports whether path is one ServeHTTP serves (it may still
// answer 404 for an archive page that does not exist), so that a router
// can send every other path elsewhere.
func (p *Publisher) Handles(path string) bool {
	_, _, ok := p.route(path)
	return ok
}
