package fetch

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Version is tidyfeed's version as shown in the default User-Agent. cmd/tidyfeed
// sets it at start-up, before calling New.
var Version = "dev"

// DefaultUserAgent returns the User-Agent sent when Options.UserAgent is "":
// "tidyfeed/<Version> (+https://github.com/tidyfeed/tidyfeed)".
func DefaultUserAgent() string {
	return "tidyfeed/" + Version + " (+https://github.com/tidyfeed/tidyfeed)"
}

// acceptHeader prefers feed media types, then generic XML and JSON.
const acceptHeader = "application/atom+xml, application/rss+xml, application/feed+json, " +
	"application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"

// Defaults applied by New for zero Options fields.
const (
	DefaultTimeout      = 20 * time.Second
	DefaultMaxBodyBytes = 10 << 20
	DefaultMaxRedirects = 10
)

// Options configures a Fetcher. The zero value is usable: it fetches only
// public addresses with the defaults below.
type Options struct {
	// UserAgent is sent on every request; "" means DefaultUserAgent().
	UserAgent string
	// Timeout bounds a whole request: connecting, redirects, headers and
	// reading the body. 0 means DefaultTimeout (20s).
	Timeout time.Duration
	// MaxBodyBytes caps the body after decompression; a larger body fails
	// with ErrTooLarge. 0 means DefaultMaxBodyBytes (10 MiB).
	MaxBodyBytes int64
	// AllowPrivate permits loopback, private and link-local addresses (tests,
	// intranet feeds). When false such addresses are refused at dial time.
	AllowPrivate bool
	// MaxRedirects is how many redirects one fetch follows; 0 means
	// DefaultMaxRedirects (10).
	MaxRedirects int
	// Logger receives a debug line per fetch; nil means slog.Default().
	// Errors are returned, not logged.
	Logger *slog.Logger
	// Transport carries the requests; nil means the Fetcher's own transport
	// with the address guard. A non-nil Transport is used as given, so the
	// address guard applies only if it provides one (tests inject one).
	Transport http.RoundTripper
}

// Fetcher performs feed GETs with one reused http.Client. It is safe for
// concurrent use by multiple goroutines.
type Fetcher struct {
	client    *http.Client
	userAgent string
	timeout   time.Duration
	maxBody   int64
	maxRedir  int
	logger    *slog.Logger
	now       func() time.Time
}

// New returns a Fetcher configured by opts, with defaults applied to zero
// fields. The Fetcher builds its http.Client and Transport once.
func New(opts Options) *Fetcher {
	allow := isPublicAddrPort
	if opts.AllowPrivate {
		allow = nil
	}
	return newFetcher(opts, allow)
}

func isPublicAddrPort(ap netip.AddrPort) bool { return isPublic(ap.Addr()) }

// newFetcher is New with the address check given explicitly; nil allows all.
// Tests use it to let exactly one loopback server through.
func newFetcher(opts Options, allow func(netip.AddrPort) bool) *Fetcher {
	f := &Fetcher{
		userAgent: opts.UserAgent,
		timeout:   opts.Timeout,
		maxBody:   opts.MaxBodyBytes,
		maxRedir:  opts.MaxRedirects,
		logger:    opts.Logger,
		now:       time.Now,
	}
	if f.userAgent == "" {
		f.userAgent = DefaultUserAgent()
	}
	if f.timeout <= 0 {
		f.timeout = DefaultTimeout
	}
	if f.maxBody <= 0 {
		f.maxBody = DefaultMaxBodyBytes
	}
	if f.maxRedir <= 0 {
		f.maxRedir = DefaultMaxRedirects
	}
	if f.logger == nil {
		f.logger = slog.Default()
	}
	f.logger = f.logger.With("stage", "fetch")
	rt := opts.Transport
	if rt == nil {
		rt = newTransport(allow)
	}
	f.client = &http.Client{Transport: rt, CheckRedirect: f.checkRedirect}
	return f
}

// CloseIdleConnections closes the keep-alive connections not in use, for
// a Fetcher that is being replaced; requests in flight are not disturbed.
func (f *Fetcher) CloseIdleConnections() { f.client.CloseIdleConnections() }

// newTransport builds the guarded transport. It ignores proxy settings so
// that the dial-time address check sees the real destination.
func newTransport(allow func(netip.AddrPort) bool) *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if allow != nil {
		d.Control = dialGuard(allow)
	}
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		// We ask for gzip ourselves so that BytesRead counts wire bytes and
		// the size cap applies to the decompressed stream.
		DisableCompression: true,
	}
}

// Request is one fetch. ETag and LastModified are the validators from the
// previous 200 or 304 of the same feed; "" means none.
type Request struct {
	URL          string
	ETag         string
	LastModified string
}

// Response is the outcome of a successful fetch (2xx or 304).
type Response struct {
	// URL is the final URL, after redirects.
	URL string
	// Status is the final HTTP status code (200 for ReadFile).
	Status int
	// NotModified is true for a 304. Body is then nil, and ETag and
	// LastModified are those of the 304 if it sent any, else the request's.
	NotModified bool
	// Body is the body decoded to valid UTF-8 (see Decode).
	Body []byte
	// Charset is the canonical name of the charset Body was decoded from;
	// "utf-8" when it was UTF-8 already.
	Charset string
	// ContentType is the Content-Type header as sent.
	ContentType string
	// ETag and LastModified are the response's validators, to send back in
	// the next Request.
	ETag         string
	LastModified string
	// Header is the final response's header.
	Header http.Header
	// PermanentRedirect is the URL that the 301/308 redirects at the start of
	// the chain led to; "" if the first response was not a 301 or 308.
	// Temporary redirects (302, 303, 307) are never recorded, and neither is
	// anything after the first temporary one.
	PermanentRedirect string
	// FreshUntil is when the response stops being fresh by its caching
	// headers (see FreshUntil); zero when it gave none.
	FreshUntil time.Time
	// Duration is the time from sending the request to reading the body.
	Duration time.Duration
	// BytesRead is the number of body bytes received, before decompression.
	BytesRead int64
}

// redirectState tracks one Fetch's redirect chain; it travels in the
// request context because the http.Client is shared.
type redirectState struct {
	permanentOnly bool // every redirect so far was a 301 or 308
	permanent     string
}

type redirectKey struct{}

func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > f.maxRedir {
		return fmt.Errorf("after %d redirects: %w", f.maxRedir, ErrTooManyRedirects)
	}
	if err := checkScheme(req.URL); err != nil {
		return err
	}
	st, _ := req.Context().Value(redirectKey{}).(*redirectState)
	if st == nil || req.Response == nil {
		return nil
	}
	switch code := req.Response.StatusCode; {
	case st.permanentOnly && (code == http.StatusMovedPermanently || code == http.StatusPermanentRedirect):
		st.permanent = req.URL.String()
	default:
		st.permanentOnly = false
	}
	return nil
}

func checkScheme(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w %q", ErrUnsupportedScheme, u.Scheme)
	}
	if u.Host == "" {
		return fmt.Errorf("url %q has no host", u.Redacted())
	}
	return nil
}

// Fetch performs one GET of req.URL. It returns a Response for 2xx and 304,
// a *StatusError for any other final status, and otherwise an error that
// wraps the cause (ErrPrivateAddress, ErrTooLarge, ErrTooManyRedirects,
// ErrUnsupportedScheme, context.DeadlineExceeded when Options.Timeout or
// ctx's deadline expired, or a network error) and names the URL.
func (f *Fetcher) Fetch(ctx context.Context, req Request) (*Response, error) {
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", req.URL, err)
	}
	if err := checkScheme(u); err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u.Redacted(), err)
	}
	resp, err := f.do(ctx, u, req)
	var se *StatusError
	switch {
	case errors.As(err, &se):
		return nil, se // already names the URL
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		return nil, fmt.Errorf("fetch %s: timed out after %v: %w", u.Redacted(), f.timeout, err)
	case err != nil:
		return nil, fmt.Errorf("fetch %s: %w", u.Redacted(), err)
	}
	f.logger.LogAttrs(ctx, slog.LevelDebug, "fetched",
		slog.String("url", resp.URL), slog.Int("status", resp.Status),
		slog.Duration("duration", resp.Duration), slog.Int64("bytes", resp.BytesRead))
	return resp, nil
}

func (f *Fetcher) do(ctx context.Context, u *url.URL, req Request) (*Response, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	st := &redirectState{permanentOnly: true}
	ctx = context.WithValue(ctx, redirectKey{}, st)
	hreq, err := f.newRequest(ctx, u, req)
	if err != nil {
		return nil, err
	}
	start := f.now()
	hresp, err := f.client.Do(hreq)
	if err != nil {
		return nil, unwrapURLError(err)
	}
	defer hresp.Body.Close()
	resp := &Response{
		URL:               hresp.Request.URL.String(),
		Status:            hresp.StatusCode,
		ContentType:       hresp.Header.Get("Content-Type"),
		ETag:              hresp.Header.Get("ETag"),
		LastModified:      hresp.Header.Get("Last-Modified"),
		Header:            hresp.Header,
		PermanentRedirect: st.permanent,
		FreshUntil:        FreshUntil(hresp.Header, f.now()),
	}
	switch {
	case hresp.StatusCode == http.StatusNotModified:
		resp.NotModified = true
		if resp.ETag == "" {
			resp.ETag = req.ETag
		}
		if resp.LastModified == "" {
			resp.LastModified = req.LastModified
		}
		resp.BytesRead, _ = io.Copy(io.Discard, io.LimitReader(hresp.Body, 4096))
		resp.Duration = f.now().Sub(start)
		return resp, nil
	case hresp.StatusCode < 200 || hresp.StatusCode > 299:
		var head []byte
		if isHTML(resp.ContentType, nil) && contentEncoding(hresp) == "" {
			head, _ = io.ReadAll(io.LimitReader(hresp.Body, challengeScan))
		}
		io.Copy(io.Discard, io.LimitReader(hresp.Body, 4096)) // let the connection be reused
		return nil, &StatusError{
			URL:        resp.URL,
			Code:       hresp.StatusCode,
			RetryAfter: parseRetryAfter(hresp.Header.Get("Retry-After"), f.now()),
			Header:     hresp.Header,
			Challenge:  isChallenge(hresp.Header, head),
		}
	}
	raw, n, err := f.readBody(hresp)
	resp.BytesRead = n
	if err != nil {
		return nil, err
	}
	if isChallenge(hresp.Header, raw) {
		return nil, fmt.Errorf("HTTP %d: %w", hresp.StatusCode, ErrChallenge)
	}
	resp.Body, resp.Charset, err = Decode(raw, resp.ContentType)
	if err != nil {
		return nil, err
	}
	resp.Duration = f.now().Sub(start)
	return resp, nil
}

// newRequest builds the GET with our headers and the caller's validators.
func (f *Fetcher) newRequest(ctx context.Context, u *url.URL, req Request) (*http.Request, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("User-Agent", f.userAgent)
	hreq.Header.Set("Accept", acceptHeader)
	hreq.Header.Set("Accept-Encoding", "gzip")
	if req.ETag != "" {
		hreq.Header.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		hreq.Header.Set("If-Modified-Since", req.LastModified)
	}
	return hreq, nil
}

// unwrapURLError drops the *url.Error layer, whose message repeats the
// method and URL that Fetch already names; its cause stays in the chain.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readBody reads the decompressed body up to the cap. It returns the bytes
// received on the wire alongside.
func (f *Fetcher) readBody(hresp *http.Response) ([]byte, int64, error) {
	if hresp.ContentLength > f.maxBody && contentEncoding(hresp) == "" {
		return nil, 0, fmt.Errorf("content-length %d over %d bytes: %w", hresp.ContentLength, f.maxBody, ErrTooLarge)
	}
	wire := &countingReader{r: hresp.Body}
	body, err := decompress(wire, contentEncoding(hresp))
	if err != nil {
		return nil, wire.n, err
	}
	b, err := io.ReadAll(io.LimitReader(body, f.maxBody+1))
	if err != nil {
		return nil, wire.n, fmt.Errorf("read body: %w", err)
	}
	if int64(len(b)) > f.maxBody {
		return nil, wire.n, fmt.Errorf("body over %d bytes: %w", f.maxBody, ErrTooLarge)
	}
	return b, wire.n, nil
}

func contentEncoding(hresp *http.Response) string {
	ce := strings.ToLower(strings.TrimSpace(hresp.Header.Get("Content-Encoding")))
	if ce == "identity" {
		return ""
	}
	return ce
}

// decompress wraps r according to a Content-Encoding value.
func decompress(r io.Reader, coding string) (io.Reader, error) {
	switch coding {
	case "":
		return r, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("read gzip body: %w", err)
		}
		return zr, nil
	case "deflate":
		// Servers send both zlib-wrapped (as specified) and raw deflate.
		br := bufio.NewReader(r)
		if hdr, err := br.Peek(2); err == nil && (uint16(hdr[0])<<8|uint16(hdr[1]))%31 == 0 && hdr[0]&0x0f == 8 {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return nil, fmt.Errorf("read deflate body: %w", err)
			}
			return zr, nil
		}
		return flate.NewReader(br), nil
	}
	return nil, fmt.Errorf("unsupported content-encoding %q", coding)
}
