package fetch

import (
	"bytes"
	"cmp"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// readFixture returns testdata/name.
func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// serve starts a loopback test server and a Fetcher allowed to reach it.
func serve(t *testing.T, h http.HandlerFunc) (*httptest.Server, *Fetcher) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, New(Options{AllowPrivate: true, Timeout: 5 * time.Second})
}

func TestFetchSendsHeadersAndReturnsValidators(t *testing.T) {
	atom := readFixture(t, "atom.xml")
	var got http.Header
	srv, f := serve(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
		w.Write(atom)
	})
	resp, err := f.Fetch(t.Context(), Request{URL: srv.URL + "/feed"})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"User-Agent", got.Get("User-Agent"), DefaultUserAgent()},
		{"Accept-Encoding", got.Get("Accept-Encoding"), "gzip"},
		{"If-None-Match", got.Get("If-None-Match"), ""},
		{"If-Modified-Since", got.Get("If-Modified-Since"), ""},
		{"ETag", resp.ETag, `"v1"`},
		{"LastModified", resp.LastModified, "Mon, 02 Jan 2006 15:04:05 GMT"},
		{"URL", resp.URL, srv.URL + "/feed"},
		{"Charset", resp.Charset, "utf-8"},
		{"ContentType", resp.ContentType, "application/atom+xml"},
		{"Body", string(resp.Body), string(atom)},
		{"PermanentRedirect", resp.PermanentRedirect, ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if !strings.HasPrefix(got.Get("Accept"), "application/atom+xml") {
		t.Errorf("Accept = %q, want feed types first", got.Get("Accept"))
	}
	if resp.Status != 200 || resp.NotModified {
		t.Errorf("Status, NotModified = %d, %v; want 200, false", resp.Status, resp.NotModified)
	}
	if resp.BytesRead != int64(len(atom)) {
		t.Errorf("BytesRead = %d, want %d", resp.BytesRead, len(atom))
	}
	if resp.Duration <= 0 {
		t.Errorf("Duration = %v, want > 0", resp.Duration)
	}
}

func TestFetchCustomUserAgentAndVersion(t *testing.T) {
	if got, want := DefaultUserAgent(), "tidyfeed/dev (+https://github.com/tidyfeed/tidyfeed)"; got != want {
		t.Errorf("DefaultUserAgent() = %q, want %q", got, want)
	}
	var ua string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ua = r.UserAgent() }))
	t.Cleanup(srv.Close)
	f := New(Options{AllowPrivate: true, UserAgent: "custom/1"})
	if _, err := f.Fetch(t.Context(), Request{URL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	if ua != "custom/1" {
		t.Errorf("User-Agent = %q, want %q", ua, "custom/1")
	}
}

func TestFetchConditional(t *testing.T) {
	tests := []struct {
		name             string
		req              Request
		sendValidators   bool // the 304 carries its own ETag/Last-Modified
		wantINM, wantIMS string
		wantETag, wantLM string
	}{
		{
			name:     "etag only, 304 without validators keeps the request's",
			req:      Request{ETag: `"v1"`},
			wantINM:  `"v1"`,
			wantETag: `"v1"`,
		},
		{
			name:    "both validators, 304 without validators",
			req:     Request{ETag: `W/"a"`, LastModified: "Mon, 02 Jan 2006 15:04:05 GMT"},
			wantINM: `W/"a"`, wantIMS: "Mon, 02 Jan 2006 15:04:05 GMT",
			wantETag: `W/"a"`, wantLM: "Mon, 02 Jan 2006 15:04:05 GMT",
		},
		{
			name:           "304 refreshes validators",
			req:            Request{ETag: `"v1"`, LastModified: "Mon, 02 Jan 2006 15:04:05 GMT"},
			sendValidators: true,
			wantINM:        `"v1"`, wantIMS: "Mon, 02 Jan 2006 15:04:05 GMT",
			wantETag: `"v2"`, wantLM: "Tue, 03 Jan 2006 15:04:05 GMT",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var inm, ims string
			srv, f := serve(t, func(w http.ResponseWriter, r *http.Request) {
				inm, ims = r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
				if tt.sendValidators {
					w.Header().Set("ETag", `"v2"`)
					w.Header().Set("Last-Modified", "Tue, 03 Jan 2006 15:04:05 GMT")
				}
				w.WriteHeader(http.StatusNotModified)
			})
			tt.req.URL = srv.URL
			resp, err := f.Fetch(t.Context(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if inm != tt.wantINM || ims != tt.wantIMS {
				t.Errorf("sent If-None-Match %q, If-Modified-Since %q; want %q, %q", inm, ims, tt.wantINM, tt.wantIMS)
			}
			if !resp.NotModified || resp.Status != 304 || resp.Body != nil {
				t.Errorf("NotModified, Status, Body = %v, %d, %q; want true, 304, nil", resp.NotModified, resp.Status, resp.Body)
			}
			if resp.ETag != tt.wantETag || resp.LastModified != tt.wantLM {
				t.Errorf("validators = %q, %q; want %q, %q", resp.ETag, resp.LastModified, tt.wantETag, tt.wantLM)
			}
		})
	}
}

func TestFetchCharset(t *testing.T) {
	tests := []struct {
		name        string
		fixture     string
		contentType string
		wantCharset string
		wantText    string
		wantDecl    bool // the result starts with an XML declaration saying utf-8
	}{
		{"latin-1 from header, no declaration", "latin1-nodecl.xml", "text/xml; charset=iso-8859-1", "windows-1252", "Café crème à la française", false},
		{"windows-1251 declaration", "windows-1251.xml", "application/rss+xml", "windows-1251", "Привет, мир", true},
		{"koi8-r declaration", "koi8-r.xml", "text/xml", "koi8-r", "Привет, мир", true},
		{"utf-16le with BOM", "utf16le-bom.xml", "application/xml", "utf-16le", "Grüße 日本", true},
		{"utf-16be with BOM", "utf16be-bom.xml", "", "utf-16be", "Grüße 日本", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := readFixture(t, tt.fixture)
			srv, f := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				} else {
					w.Header()["Content-Type"] = nil // no sniffing by net/http
				}
				w.Write(body)
			})
			resp, err := f.Fetch(t.Context(), Request{URL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Charset != tt.wantCharset {
				t.Errorf("Charset = %q, want %q", resp.Charset, tt.wantCharset)
			}
			if !bytes.Contains(resp.Body, []byte("<title>"+tt.wantText+"</title>")) {
				t.Errorf("Body = %q, want it to contain title %q", resp.Body, tt.wantText)
			}
			if tt.wantDecl && !bytes.HasPrefix(resp.Body, []byte(`<?xml version="1.0" encoding="utf-8"?>`)) {
				t.Errorf("Body starts %q, want a utf-8 XML declaration", resp.Body[:min(len(resp.Body), 45)])
			}
		})
	}
}

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFetchGzip(t *testing.T) {
	plain := bytes.Repeat(readFixture(t, "atom.xml"), 50)
	zipped := gzipBytes(t, plain)
	srv, f := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip" {
			t.Errorf("Accept-Encoding = %q, want gzip", r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write(zipped)
	})
	resp, err := f.Fetch(t.Context(), Request{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(resp.Body, plain) {
		t.Errorf("Body = %d bytes starting %q, want the %d decompressed bytes", len(resp.Body), resp.Body[:min(20, len(resp.Body))], len(plain))
	}
	if resp.BytesRead != int64(len(zipped)) {
		t.Errorf("BytesRead = %d, want %d (compressed size)", resp.BytesRead, len(zipped))
	}
}

func TestFetchBodyCap(t *testing.T) {
	const max = 1000
	bomb := readFixture(t, "bomb-20MiB.gz") // 20 MiB of zero bytes, 20 KiB zipped
	tests := []struct {
		name    string
		size    int
		chunked bool
		gzip    []byte
		wantErr bool
		max     int64 // 0 means the 1000 bytes above
	}{
		{name: "exactly the cap", size: max},
		{name: "over the cap with content-length", size: max + 1, wantErr: true},
		{name: "over the cap chunked", size: 10 * max, chunked: true, wantErr: true},
		// The cap is above the compressed size, so only a cap on the
		// decompressed stream catches it.
		{name: "gzip bomb", gzip: bomb, max: 1 << 20, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.gzip != nil {
					w.Header().Set("Content-Encoding", "gzip")
					w.Write(tt.gzip)
					return
				}
				body := bytes.Repeat([]byte("x"), tt.size)
				if tt.chunked {
					w.Write(body[:1])
					w.(http.Flusher).Flush()
					body = body[1:]
				}
				w.Write(body)
			}))
			t.Cleanup(srv.Close)
			f := New(Options{AllowPrivate: true, MaxBodyBytes: cmp.Or(tt.max, max)})
			resp, err := f.Fetch(t.Context(), Request{URL: srv.URL})
			if tt.wantErr {
				if !errors.Is(err, ErrTooLarge) {
					t.Fatalf("err = %v, want ErrTooLarge", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Body) != tt.size {
				t.Errorf("len(Body) = %d, want %d", len(resp.Body), tt.size)
			}
		})
	}
}

func TestFetchTimeoutOnTrickle(t *testing.T) {
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
				w.Write([]byte(" "))
				w.(http.Flusher).Flush()
			}
		}
	})
	const timeout = 300 * time.Millisecond
	f := New(Options{AllowPrivate: true, Timeout: timeout})
	start := time.Now()
	_, err := f.Fetch(t.Context(), Request{URL: srv.URL})
	elapsed := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if elapsed > timeout+2*time.Second {
		t.Errorf("fetch took %v, want about %v", elapsed, timeout)
	}
	if want := "fetch " + srv.URL + ": timed out after 300ms"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %q, want it to start %q", err, want)
	}
}

func TestFetchRedirects(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	redirect := func(code int, to string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, code) }
	}
	mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<rss/>")) })
	mux.Handle("/301", redirect(301, "/feed"))
	mux.Handle("/308", redirect(308, "/feed"))
	mux.Handle("/302", redirect(302, "/feed"))
	mux.Handle("/307", redirect(307, "/feed"))
	mux.Handle("/301-301", redirect(301, "/308"))
	mux.Handle("/301-302", redirect(301, "/302"))
	mux.Handle("/302-301", redirect(302, "/301"))
	mux.Handle("/loop", redirect(302, "/loop"))
	mux.Handle("/ftp", redirect(302, "ftp://example.com/feed"))
	mux.Handle("/file", redirect(301, "file:///etc/passwd"))
	for i := range 3 {
		mux.Handle(fmt.Sprintf("/chain%d", i), redirect(302, fmt.Sprintf("/chain%d", i+1)))
	}
	mux.HandleFunc("/chain3", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<rss/>")) })

	tests := []struct {
		path          string
		maxRedirects  int
		wantPermanent string // path, "" for none
		wantFinal     string
		wantErr       error
	}{
		{path: "/301", wantPermanent: "/feed", wantFinal: "/feed"},
		{path: "/308", wantPermanent: "/feed", wantFinal: "/feed"},
		{path: "/302", wantFinal: "/feed"},
		{path: "/307", wantFinal: "/feed"},
		{path: "/301-301", wantPermanent: "/feed", wantFinal: "/feed"},
		{path: "/301-302", wantPermanent: "/302", wantFinal: "/feed"},
		{path: "/302-301", wantFinal: "/feed"},
		{path: "/loop", wantErr: ErrTooManyRedirects},
		{path: "/chain0", maxRedirects: 3, wantFinal: "/chain3"},
		{path: "/chain0", maxRedirects: 2, wantErr: ErrTooManyRedirects},
		{path: "/ftp", wantErr: ErrUnsupportedScheme},
		{path: "/file", wantErr: ErrUnsupportedScheme},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s max %d", tt.path, tt.maxRedirects), func(t *testing.T) {
			f := New(Options{AllowPrivate: true, MaxRedirects: tt.maxRedirects})
			resp, err := f.Fetch(t.Context(), Request{URL: srv.URL + tt.path})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp.URL != srv.URL+tt.wantFinal {
				t.Errorf("URL = %q, want %q", resp.URL, srv.URL+tt.wantFinal)
			}
			wantPermanent := ""
			if tt.wantPermanent != "" {
				wantPermanent = srv.URL + tt.wantPermanent
			}
			if resp.PermanentRedirect != wantPermanent {
				t.Errorf("PermanentRedirect = %q, want %q", resp.PermanentRedirect, wantPermanent)
			}
		})
	}
}

func TestFetchStatusError(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		code       int
		retryAfter string
		want       time.Time
	}{
		{"429 delta seconds", 429, "120", now.Add(2 * time.Minute)},
		{"429 HTTP-date", 429, "Wed, 25 Nov 2026 13:30:00 GMT", time.Date(2026, 11, 25, 13, 30, 0, 0, time.UTC)},
		{"503 no header", 503, "", time.Time{}},
		{"503 garbage", 503, "soon", time.Time{}},
		{"404", 404, "", time.Time{}},
		{"410", 410, "", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, f := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.WriteHeader(tt.code)
				w.Write([]byte("go away"))
			})
			f.now = func() time.Time { return now }
			_, err := f.Fetch(t.Context(), Request{URL: srv.URL + "/x"})
			var se *StatusError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *StatusError", err, err)
			}
			if se.Code != tt.code || se.URL != srv.URL+"/x" {
				t.Errorf("Code, URL = %d, %q; want %d, %q", se.Code, se.URL, tt.code, srv.URL+"/x")
			}
			if !se.RetryAfter.Equal(tt.want) {
				t.Errorf("RetryAfter = %v, want %v", se.RetryAfter, tt.want)
			}
			if se.Header.Get("Retry-After") != tt.retryAfter {
				t.Errorf("Header Retry-After = %q, want %q", se.Header.Get("Retry-After"), tt.retryAfter)
			}
			want := fmt.Sprintf("fetch %s/x: HTTP %d %s", srv.URL, tt.code, http.StatusText(tt.code))
			if err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
		})
	}
}

func TestFetchRefusesPrivateAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request reached the server: %s", r.URL)
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	f := New(Options{})
	for _, raw := range []string{
		srv.URL,                                  // 127.0.0.1 literal
		"http://localhost:" + u.Port() + "/feed", // a name resolving to loopback
		"http://[::ffff:127.0.0.1]:" + u.Port(),  // IPv4-mapped loopback
	} {
		t.Run(raw, func(t *testing.T) {
			_, err := f.Fetch(t.Context(), Request{URL: raw})
			if !errors.Is(err, ErrPrivateAddress) {
				t.Fatalf("err = %v, want ErrPrivateAddress", err)
			}
			if !strings.Contains(err.Error(), ":"+u.Port()) {
				t.Errorf("err = %q, want it to name the address", err)
			}
		})
	}
}

// TestFetchRefusesRedirectToPrivate lets the guard admit exactly one loopback
// server, which redirects to another loopback server the guard refuses.
func TestFetchRefusesRedirectToPrivate(t *testing.T) {
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request reached the internal server: %s", r.URL)
	}))
	t.Cleanup(internal.Close)
	public := httptest.NewServer(http.RedirectHandler(internal.URL+"/secret", http.StatusFound))
	t.Cleanup(public.Close)
	publicAddr := netip.MustParseAddrPort(public.Listener.Addr().String())
	f := newFetcher(Options{}, func(ap netip.AddrPort) bool { return ap == publicAddr })

	_, err := f.Fetch(t.Context(), Request{URL: public.URL})
	if !errors.Is(err, ErrPrivateAddress) {
		t.Fatalf("err = %v, want ErrPrivateAddress", err)
	}
	if !strings.Contains(err.Error(), internal.Listener.Addr().String()) {
		t.Errorf("err = %q, want it to name %s", err, internal.Listener.Addr())
	}
}

func TestFetchRejectsBadURLs(t *testing.T) {
	f := New(Options{})
	for _, raw := range []string{"ftp://example.com/feed", "file:///etc/passwd", "javascript:alert(1)", "/relative", "http://"} {
		t.Run(raw, func(t *testing.T) {
			if _, err := f.Fetch(t.Context(), Request{URL: raw}); err == nil {
				t.Fatalf("Fetch(%q) succeeded, want an error", raw)
			}
		})
	}
	if _, err := f.Fetch(t.Context(), Request{URL: "gopher://example.com/"}); !errors.Is(err, ErrUnsupportedScheme) {
		t.Errorf("err = %v, want ErrUnsupportedScheme", err)
	}
}

func TestFetchConcurrent(t *testing.T) {
	srv, f := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, "<rss><channel><title>%s</title></channel></rss>", r.URL.Path)
	})
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			path := fmt.Sprintf("/%d", i)
			resp, err := f.Fetch(t.Context(), Request{URL: srv.URL + path})
			if err != nil {
				t.Error(err)
				return
			}
			if !bytes.Contains(resp.Body, []byte("<title>"+path+"</title>")) {
				t.Errorf("Body = %q, want title %s", resp.Body, path)
			}
		})
	}
	wg.Wait()
}

func TestFetchInjectedTransport(t *testing.T) {
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{
			StatusCode: 200,
			Header:     http.Header{"Content-Type": {"application/feed+json"}},
			Body:       io.NopCloser(strings.NewReader("\uFEFF{\"version\":\"https://jsonfeed.org/version/1.1\"}")),
			Request:    r,
		}, nil
	})
	f := New(Options{Transport: rt})
	resp, err := f.Fetch(t.Context(), Request{URL: "https://feeds.example/feed.json"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"version":"https://jsonfeed.org/version/1.1"}`; string(resp.Body) != want || resp.Charset != "utf-8" {
		t.Errorf("Body, Charset = %q, %q; want %q, utf-8", resp.Body, resp.Charset, want)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestFetchCallerCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	srv, f := serve(t, func(w http.ResponseWriter, r *http.Request) {
		cancel()
		<-r.Context().Done()
	})
	_, err := f.Fetch(ctx, Request{URL: srv.URL})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if strings.Contains(err.Error(), "timed out") {
		t.Errorf("err = %q, want no timeout wording for a cancelled caller", err)
	}
}

func TestFetchContentEncodings(t *testing.T) {
	plain := readFixture(t, "atom.xml")
	var zl, raw bytes.Buffer
	zw := zlib.NewWriter(&zl)
	zw.Write(plain)
	zw.Close()
	fw, _ := flate.NewWriter(&raw, flate.BestCompression)
	fw.Write(plain)
	fw.Close()
	tests := []struct {
		name    string
		coding  string
		body    []byte
		wantErr string // substring; "" means success with plain as the body
	}{
		{"identity", "identity", plain, ""},
		{"gzip", "gzip", gzipBytes(t, plain), ""},
		{"x-gzip", "x-gzip", gzipBytes(t, plain), ""},
		{"deflate zlib-wrapped", "deflate", zl.Bytes(), ""},
		{"deflate raw", "deflate", raw.Bytes(), ""},
		{"corrupt gzip", "gzip", []byte("definitely not gzip"), "gzip"},
		{"truncated gzip", "gzip", gzipBytes(t, plain)[:40], "read body"},
		{"brotli unsupported", "br", []byte{0x1b}, `unsupported content-encoding "br"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, f := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", tt.coding)
				w.Header().Set("Content-Type", "application/atom+xml")
				w.Write(tt.body)
			})
			resp, err := f.Fetch(t.Context(), Request{URL: srv.URL})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(resp.Body, plain) {
				t.Errorf("Body = %q, want %q", resp.Body, plain)
			}
			if resp.BytesRead != int64(len(tt.body)) {
				t.Errorf("BytesRead = %d, want %d", resp.BytesRead, len(tt.body))
			}
		})
	}
}
