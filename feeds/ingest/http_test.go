package ingest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/clean"
	"github.com/tidyfeed/tidyfeed/feeds/fetch"
	"github.com/tidyfeed/tidyfeed/feeds/ingest"
	"github.com/tidyfeed/tidyfeed/feeds/parse"
	"github.com/tidyfeed/tidyfeed/feeds/schedule"
)

// httpPublisher serves scripted behaviours over real loopback HTTP and
// records each request's path and If-None-Match.
type httpPublisher struct {
	mu    sync.Mutex
	seen  []string // "path inm"
	count atomic.Int64
}

func (p *httpPublisher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := p.count.Add(1)
	p.mu.Lock()
	p.seen = append(p.seen, r.URL.Path+" "+r.Header.Get("If-None-Match"))
	p.mu.Unlock()
	doc := rss("http.test", every(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 24*time.Hour, 3), "<ttl>90</ttl>")
	switch r.URL.Path {
	case "/etag", "/new":
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write([]byte(doc))
	case "/samebody": // a new ETag on every response, the same body
		w.Header().Set("ETag", fmt.Sprintf(`"e%d"`, n))
		w.Write([]byte(doc))
	case "/ra-seconds":
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	case "/ra-date":
		w.Header().Set("Retry-After", time.Now().Add(2*time.Hour).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusServiceUnavailable)
	case "/gone":
		w.WriteHeader(http.StatusGone)
	case "/challenge":
		w.Header().Set("Cf-Mitigated", "challenge")
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte("<html><title>Just a moment...</title></html>"))
	case "/home": // an ordinary HTML page: not a feed, but no challenge
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><head><title>Welcome</title></head><body>hi</body></html>"))
	case "/old":
		http.Redirect(w, r, "/new", http.StatusMovedPermanently)
	default:
		http.NotFound(w, r)
	}
}

func (p *httpPublisher) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// newHTTPIngester returns an ingester polling over loopback HTTP whose
// clock is *now (nil: the wall clock).
func newHTTPIngester(t *testing.T, now *atomic.Pointer[time.Time]) (*ingest.Ingester, *httpPublisher, string) {
	t.Helper()
	pub := &httpPublisher{}
	srv := httptest.NewServer(pub)
	t.Cleanup(srv.Close)
	opts := ingest.Options{
		Fetcher: fetch.New(fetch.Options{AllowPrivate: true, Timeout: 5 * time.Second}),
		Parser:  parse.New(parse.Options{}),
		Cleaner: clean.New(clean.Options{}),
		Store:   newMemStore(),
		Logger:  discardLogger(),
		Jitter:  func() float64 { return 0 },
	}
	if now != nil {
		opts.Now = func() time.Time { return *now.Load() }
	}
	return ingest.New(opts), pub, srv.URL
}

func TestIngestHTTP(t *testing.T) {
	in, pub, base := newHTTPIngester(t, nil)
	src := func(path string) feeds.Source {
		return feeds.Source{ID: base + path, URL: base + path, Interval: 30 * time.Minute}
	}
	t.Run("validators and 304", func(t *testing.T) {
		first := in.Ingest(t.Context(), src("/etag"))
		second := in.Ingest(t.Context(), src("/etag"))
		if first.Err != nil || second.Status != ingest.StatusNotModified || second.State.ETag != `"v1"` {
			t.Fatalf("second poll: %v %s etag %q; want not-modified keeping \"v1\"", second.Err, second.Status, second.State.ETag)
		}
		reqs := pub.requests()
		if got := reqs[len(reqs)-1]; got != `/etag "v1"` {
			t.Errorf("repeat request %q, want If-None-Match \"v1\"", got)
		}
		if second.State.NextReason != "ttl" || second.State.NextCheck.Sub(second.State.LastAttempt) != 90*time.Minute {
			t.Errorf("after a 304: next in %v (%s), want the stored ttl of 90m", second.State.NextCheck.Sub(second.State.LastAttempt), second.State.NextReason)
		}
	})
	t.Run("same body keeps new validators", func(t *testing.T) {
		first := in.Ingest(t.Context(), src("/samebody"))
		second := in.Ingest(t.Context(), src("/samebody"))
		if first.Status != ingest.StatusNew || second.Status != ingest.StatusNotModified {
			t.Fatalf("statuses %s, %s; want new, not-modified", first.Status, second.Status)
		}
		if second.State.ETag == first.State.ETag || second.State.ETag == "" {
			t.Errorf("ETag after an unchanged body %q, want the new one (first %q)", second.State.ETag, first.State.ETag)
		}
	})
	for _, tc := range []struct {
		path       string
		failure    schedule.Failure
		status     int
		retryAfter time.Duration
		reason     string
	}{
		{"/ra-seconds", schedule.FailRetryAfter, 429, time.Hour, "retry-after"},
		{"/ra-date", schedule.FailRetryAfter, 503, 2 * time.Hour, "retry-after"},
		{"/gone", schedule.FailGone, 410, 0, "gone"},
		{"/challenge", schedule.FailChallenge, 403, 0, "backoff"},
		{"/home", schedule.FailTemporary, 200, 0, "backoff"},
		{"/missing", schedule.FailNotFound, 404, 0, "backoff"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			before := time.Now()
			out := in.Ingest(t.Context(), src(tc.path))
			st := out.State
			if out.Failure != tc.failure || st.ErrorKind != string(tc.failure) || st.LastStatus != tc.status || st.NextReason != tc.reason {
				t.Errorf("got failure %q kind %q status %d reason %q, want %q %d %q (error %v)",
					out.Failure, st.ErrorKind, st.LastStatus, st.NextReason, tc.failure, tc.status, tc.reason, out.Err)
			}
			if tc.retryAfter > 0 {
				want := before.Add(tc.retryAfter)
				if d := st.RetryAfter.Sub(want); d < -2*time.Second || d > 2*time.Second || !st.NextCheck.Equal(st.RetryAfter) {
					t.Errorf("retry after %v, next %v; want both about %v", st.RetryAfter, st.NextCheck, want)
				}
				if until, why, held := ingest.Held(st, time.Now()); !held || why != "retry-after" || !until.Equal(st.RetryAfter) {
					t.Errorf("Held = %v %q %v, want held for retry-after", until, why, held)
				}
			}
			if tc.failure == schedule.FailGone {
				if st.Gone.IsZero() || !out.Result().Gone {
					t.Errorf("410: gone %v, result gone %v; want gone", st.Gone, out.Result().Gone)
				}
			}
			if tc.path == "/home" && !strings.Contains(st.LastError, "not a feed") {
				t.Errorf("HTML page error %q, want it to say not a feed", st.LastError)
			}
		})
	}
}

func TestIngestHTTPOverDays(t *testing.T) {
	var clock atomic.Pointer[time.Time]
	set := func(t time.Time) { clock.Store(&t) }
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	set(t0)
	in, pub, base := newHTTPIngester(t, &clock)

	t.Run("301 followed after three polls over a day", func(t *testing.T) {
		src := feeds.Source{ID: base + "/old", URL: base + "/old"}
		for i, at := range []time.Duration{0, 12 * time.Hour, 23 * time.Hour, 25 * time.Hour} {
			set(t0.Add(at))
			out := in.Ingest(t.Context(), src)
			st := out.State
			followed := !st.MoveFollowed.IsZero()
			if want := i == 3; followed != want || st.MovedTo != base+"/new" {
				t.Errorf("poll %d at +%v: moved to %q, followed %v; want %q, followed %v", i+1, at, st.MovedTo, followed, base+"/new", want)
			}
		}
		set(t0.Add(26 * time.Hour))
		before := len(pub.requests())
		out := in.Ingest(t.Context(), src)
		reqs := pub.requests()[before:]
		if len(reqs) != 1 || !strings.HasPrefix(reqs[0], "/new ") || out.State.MoveFollowed.IsZero() || out.Source.ID != base+"/old" {
			t.Errorf("after the move: requests %q, followed %v, id %s; want one request to /new and the old id", reqs, out.State.MoveFollowed, out.Source.ID)
		}
	})
	t.Run("404 for three days is gone", func(t *testing.T) {
		src := feeds.Source{ID: base + "/missing", URL: base + "/missing"}
		for day := range 4 {
			set(t0.Add(time.Duration(day) * 24 * time.Hour))
			out := in.Ingest(t.Context(), src)
			if gone := !out.State.Gone.IsZero(); gone != (day == 3) {
				t.Errorf("day %d: gone %v (reason %q), want %v", day, gone, out.State.NextReason, day == 3)
			}
		}
	})
}

// TestBrokenDocumentKeepsNoValidators: a document that does not parse
// leaves no ETag behind, so the next poll fetches it again and reports it
// again, instead of taking the server's 304 for a healthy feed.
func TestBrokenDocumentKeepsNoValidators(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"broken"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"broken"`)
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body>not a feed</body></html>"))
	}))
	defer srv.Close()
	in := ingest.New(ingest.Options{
		Fetcher: fetch.New(fetch.Options{AllowPrivate: true, Timeout: 5 * time.Second}),
		Parser:  parse.New(parse.Options{}),
		Cleaner: clean.New(clean.Options{}),
		Store:   newMemStore(),
		Logger:  discardLogger(),
		Jitter:  func() float64 { return 0 },
	})
	src := feeds.Source{ID: srv.URL + "/f", URL: srv.URL + "/f", Interval: 30 * time.Minute}
	for poll := 1; poll <= 2; poll++ {
		out := in.Ingest(t.Context(), src)
		if out.Status != ingest.StatusError || out.State.ConsecutiveErrors != poll || out.State.ETag != "" {
			t.Errorf("poll %d of an unparseable document: status %s, %d errors in a row, ETag %q; want an error, %d, no ETag",
				poll, out.Status, out.State.ConsecutiveErrors, out.State.ETag, poll)
		}
	}
}
