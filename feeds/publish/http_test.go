package publish

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func serve(t *testing.T, p *Publisher, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	return rec
}

func TestServeHTTP(t *testing.T) {
	p := New(newFake(richEntries(4)), testOptions())
	tests := []struct {
		path, ctype string
		format      Format
	}{
		{"/feed.atom", "application/atom+xml; charset=utf-8", Atom},
		{"/feed.rss", "application/rss+xml; charset=utf-8", RSS},
		{"/feed.json", "application/feed+json; charset=utf-8", JSON},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			doc, err := p.Render(t.Context(), tt.format)
			if err != nil {
				t.Fatalf("Render(%s): %v", tt.format, err)
			}
			rec := serve(t, p, http.MethodGet, tt.path, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s: status = %d, want 200", tt.path, rec.Code)
			}
			h := rec.Header()
			for k, want := range map[string]string{
				"Content-Type":  tt.ctype,
				"ETag":          doc.ETag,
				"Last-Modified": doc.LastModified.UTC().Format(http.TimeFormat),
				"Cache-Control": "public, max-age=300",
				"Vary":          "Accept-Encoding",
			} {
				if got := h.Get(k); got != want {
					t.Errorf("GET %s: %s = %q, want %q", tt.path, k, got, want)
				}
			}
			if h.Get("Content-Encoding") != "" {
				t.Errorf("Content-Encoding = %q without Accept-Encoding", h.Get("Content-Encoding"))
			}
			if !bytes.Equal(rec.Body.Bytes(), doc.Body) {
				t.Errorf("GET %s body differs from Render's Body (%d vs %d bytes)", tt.path, rec.Body.Len(), len(doc.Body))
			}
			etag := h.Get("ETag")
			if len(etag) < 3 || etag[0] != '"' || etag[len(etag)-1] != '"' {
				t.Errorf("ETag = %q, want a strong quoted tag", etag)
			}
			lm := h.Get("Last-Modified")

			conditional := []struct {
				name string
				hdr  map[string]string
				want int
			}{
				{"if-none-match", map[string]string{"If-None-Match": etag}, http.StatusNotModified},
				{"if-none-match list", map[string]string{"If-None-Match": `"nope", ` + etag}, http.StatusNotModified},
				{"if-none-match weak", map[string]string{"If-None-Match": "W/" + etag}, http.StatusNotModified},
				{"if-none-match star", map[string]string{"If-None-Match": "*"}, http.StatusNotModified},
				{"if-none-match stale", map[string]string{"If-None-Match": `"stale"`}, http.StatusOK},
				{"if-modified-since same", map[string]string{"If-Modified-Since": lm}, http.StatusNotModified},
				{"if-modified-since later", map[string]string{"If-Modified-Since": doc.LastModified.Add(time.Hour).Format(http.TimeFormat)}, http.StatusNotModified},
				{"if-modified-since earlier", map[string]string{"If-Modified-Since": doc.LastModified.Add(-time.Second).Format(http.TimeFormat)}, http.StatusOK},
				// If-None-Match takes precedence: a stale tag means 200 even
				// when If-Modified-Since alone would give 304.
				{"stale etag beats if-modified-since", map[string]string{"If-None-Match": `"stale"`, "If-Modified-Since": lm}, http.StatusOK},
				{"matching etag beats old if-modified-since", map[string]string{"If-None-Match": etag, "If-Modified-Since": doc.LastModified.Add(-time.Hour).Format(http.TimeFormat)}, http.StatusNotModified},
			}
			for _, c := range conditional {
				t.Run(c.name, func(t *testing.T) {
					rec := serve(t, p, http.MethodGet, tt.path, c.hdr)
					if rec.Code != c.want {
						t.Fatalf("status = %d, want %d", rec.Code, c.want)
					}
					if c.want == http.StatusNotModified {
						if rec.Body.Len() != 0 {
							t.Errorf("304 has a %d-byte body, want none", rec.Body.Len())
						}
						if got := rec.Header().Get("ETag"); got != etag {
							t.Errorf("304 ETag = %q, want %q", got, etag)
						}
					} else if !bytes.Equal(rec.Body.Bytes(), doc.Body) {
						t.Errorf("200 body differs from Render's Body")
					}
				})
			}

			t.Run("head", func(t *testing.T) {
				rec := serve(t, p, http.MethodHead, tt.path, nil)
				if rec.Code != http.StatusOK {
					t.Fatalf("HEAD status = %d, want 200", rec.Code)
				}
				if rec.Body.Len() != 0 {
					t.Errorf("HEAD body has %d bytes, want 0", rec.Body.Len())
				}
				if got, want := rec.Header().Get("Content-Type"), tt.ctype; got != want {
					t.Errorf("HEAD Content-Type = %q, want %q", got, want)
				}
				if got := rec.Header().Get("ETag"); got != etag {
					t.Errorf("HEAD ETag = %q, want %q", got, etag)
				}
			})

			t.Run("gzip", func(t *testing.T) {
				rec := serve(t, p, http.MethodGet, tt.path, map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
				if rec.Code != http.StatusOK {
					t.Fatalf("status = %d, want 200", rec.Code)
				}
				if got := rec.Header().Get("Content-Encoding"); got != "gzip" {
					t.Fatalf("Content-Encoding = %q, want gzip", got)
				}
				gzTag := rec.Header().Get("ETag")
				if gzTag == etag || gzTag == "" {
					t.Errorf("gzip ETag = %q, want one that differs from the identity ETag %q", gzTag, etag)
				}
				zr, err := gzip.NewReader(rec.Body)
				if err != nil {
					t.Fatalf("gzip body: %v", err)
				}
				plain, err := io.ReadAll(zr)
				if err != nil {
					t.Fatalf("gunzip: %v", err)
				}
				if !bytes.Equal(plain, doc.Body) {
					t.Errorf("gunzipped body differs from Render's Body")
				}
				rec = serve(t, p, http.MethodGet, tt.path, map[string]string{"Accept-Encoding": "gzip", "If-None-Match": gzTag})
				if rec.Code != http.StatusNotModified {
					t.Errorf("If-None-Match with the gzip ETag: status = %d, want 304", rec.Code)
				}
			})
		})
	}
}

func TestServeHTTPErrors(t *testing.T) {
	p := New(newFake(richEntries(1)), testOptions())
	tests := []struct {
		name, method, path string
		want               int
		allow              string
	}{
		{"unknown path", http.MethodGet, "/feed.xml", http.StatusNotFound, ""},
		{"unknown output", http.MethodGet, "/nope.atom", http.StatusNotFound, ""},
		{"unknown archive page", http.MethodGet, "/feed/archive/2001-01-01T00.atom", http.StatusNotFound, ""},
		{"misaligned archive stamp", http.MethodGet, "/feed/archive/2001-01-02T05.atom", http.StatusNotFound, ""},
		{"path prefix", http.MethodGet, "/feed.atom/x", http.StatusNotFound, ""},
		{"post unknown path", http.MethodPost, "/nope", http.StatusNotFound, ""},
		{"post", http.MethodPost, "/feed.atom", http.StatusMethodNotAllowed, "GET, HEAD"},
		{"put", http.MethodPut, "/feed.rss", http.StatusMethodNotAllowed, "GET, HEAD"},
		{"delete", http.MethodDelete, "/feed.json", http.StatusMethodNotAllowed, "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(t, p, tt.method, tt.path, nil)
			if rec.Code != tt.want {
				t.Fatalf("%s %s: status = %d, want %d", tt.method, tt.path, rec.Code, tt.want)
			}
			if got := rec.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
		})
	}
}
