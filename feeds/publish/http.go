package publish

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
)

// paths maps the served paths to formats.
var paths = map[string]Format{
	"/feed.atom": Atom,
	"/feed.rss":  RSS,
	"/feed.json": JSON,
}

// ServeHTTP serves GET and HEAD for /feed.atom, /feed.rss and /feed.json
// with the bytes of Render: a strong ETag, Last-Modified, Cache-Control and,
// when the client accepts it, gzip (with its own ETag). If-None-Match is
// honoured before If-Modified-Since, as RFC 9110 requires, with 304 Not
// Modified. Other paths get 404, other methods 405 with an Allow header, and
// a failed render 500 (logged to Options.Logger).
func (p *Publisher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := paths[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	c, err := p.render(r.Context(), f)
	if err != nil {
		p.mu.RLock()
		log := p.opts.Logger
		p.mu.RUnlock()
		log.ErrorContext(r.Context(), "render failed", "stage", "publish", "url", r.URL.Path, "error", err)
		http.Error(w, "feed unavailable", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", c.doc.ContentType)
	h.Set("Cache-Control", "public, max-age=300")
	h.Add("Vary", "Accept-Encoding")
	h.Set("X-Content-Type-Options", "nosniff")
	body, etag := c.doc.Body, c.doc.ETag
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body, etag = c.gzipped()
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag)
	// ServeContent evaluates If-None-Match (first), If-Modified-Since and
	// Range, writes Last-Modified and Content-Length, and omits the body for
	// HEAD.
	http.ServeContent(w, r, "", c.doc.LastModified, bytes.NewReader(body))
}

// gzipped returns the gzip-compressed body and its ETag, compressing once.
func (c *cached) gzipped() ([]byte, string) {
	c.gzOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
		zw.Write(c.doc.Body)                                     // a bytes.Buffer does not fail
		zw.Close()
		c.gz = buf.Bytes()
		c.gzETag = strings.TrimSuffix(c.doc.ETag, `"`) + `-gz"`
	})
	return c.gz, c.gzETag
}

// acceptsGzip reports whether an Accept-Encoding header value allows gzip:
// an explicit gzip (or x-gzip) with q > 0, or else a "*" with q > 0.
func acceptsGzip(header string) bool {
	explicit, star := -1.0, -1.0
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		q := 1.0
		for param := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(param), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "gzip", "x-gzip":
			explicit = max(explicit, q)
		case "*":
			star = max(star, q)
		}
	}
	if explicit >= 0 {
		return explicit > 0
	}
	return star > 0
}
