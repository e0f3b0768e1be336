package ingest_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/clean"
	"github.com/tidyfeed/tidyfeed/feeds/fetch"
	"github.com/tidyfeed/tidyfeed/feeds/ingest"
	"github.com/tidyfeed/tidyfeed/feeds/parse"
	"github.com/tidyfeed/tidyfeed/feeds/schedule"
	"github.com/tidyfeed/tidyfeed/storage"
)

// memStore is an in-memory ingest.Store.
type memStore struct {
	mu     sync.Mutex
	states map[string]feeds.FeedState
	keys   map[string]bool
	meta   map[string][]byte
}

func newMemStore() *memStore {
	return &memStore{states: map[string]feeds.FeedState{}, keys: map[string]bool{}, meta: map[string][]byte{}}
}

func (m *memStore) State(ctx context.Context, id string) (feeds.FeedState, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.states[id]
	st.RecentPosts = slices.Clone(st.RecentPosts)
	return st, ok, nil
}

func (m *memStore) Meta(ctx context.Context, id, name string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.meta[id+"\x00"+name], nil
}

func (m *memStore) Save(ctx context.Context, b storage.Batch) (storage.SaveResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var res storage.SaveResult
	for _, e := range b.Entries {
		k := b.State.FeedID + "\x00" + e.Key
		if !m.keys[k] {
			m.keys[k] = true
			res.New++
		}
	}
	m.states[b.State.FeedID] = b.State
	for name, v := range b.Meta {
		m.meta[b.State.FeedID+"\x00"+name] = v
	}
	return res, nil
}

// request is one request the publisher saw.
type request struct {
	at         time.Time
	host, path string
	inm, ims   string // If-None-Match, If-Modified-Since
	code       int
	retryUntil time.Time // end of the Retry-After it answered with
}

// publisher is a scripted feed server: each host plays one behaviour, and
// every request is recorded.
type publisher struct {
	mu       sync.Mutex
	reqs     []request
	inflight map[string]int
	maxHost  int
}

// rss renders a feed with items at the given times.
func rss(title string, items []time.Time, extra string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title><link>http://%s/</link><description>d</description>%s`, title, title, extra)
	for _, t := range items {
		fmt.Fprintf(&b, `<item><title>%s %d</title><link>http://%s/%d</link><guid>%s-%d</guid><pubDate>%s</pubDate><description>Entry body.</description></item>`,
			title, t.Unix(), title, t.Unix(), title, t.Unix(), t.Format(time.RFC1123Z))
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

// every returns n times step apart, the newest at the last multiple of step.
func every(now time.Time, step time.Duration, n int) []time.Time {
	last := now.Truncate(step)
	var ts []time.Time
	for i := range n {
		ts = append(ts, last.Add(-time.Duration(i)*step))
	}
	return ts
}

// conditional serves body with an ETag (and Last-Modified) derived from
// version, answering 304 to matching validators.
func conditional(w http.ResponseWriter, r *http.Request, version time.Time, body string, etag, lm bool) int {
	tag := fmt.Sprintf(`"v%d"`, version.Unix())
	mod := version.UTC().Format(http.TimeFormat)
	if etag {
		w.Header().Set("ETag", tag)
	}
	if lm {
		w.Header().Set("Last-Modified", mod)
	}
	if (etag && r.Header.Get("If-None-Match") == tag) || (!etag && lm && r.Header.Get("If-Modified-Since") == mod) {
		w.WriteHeader(http.StatusNotModified)
		return 304
	}
	w.Header().Set("Content-Type", "application/rss+xml")
	w.Write([]byte(body))
	return 200
}

func (p *publisher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	host := r.URL.Hostname()
	p.mu.Lock()
	p.inflight[host]++
	p.maxHost = max(p.maxHost, p.inflight[host])
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.inflight[host]--
		p.mu.Unlock()
	}()
	rec := request{at: now, host: host, path: r.URL.Path, inm: r.Header.Get("If-None-Match"), ims: r.Header.Get("If-Modified-Since")}
	rec.code, rec.retryUntil = p.serve(w, r, now, host)
	p.mu.Lock()
	p.reqs = append(p.reqs, rec)
	p.mu.Unlock()
}

// serve plays the behaviour of host and returns the status sent and the end
// of any Retry-After window it asked for.
func (p *publisher) serve(w http.ResponseWriter, r *http.Request, now time.Time, host string) (int, time.Time) {
	day := now.Truncate(24 * time.Hour)
	daily := every(now, 24*time.Hour, 5)
	switch {
	case host == "etag.test", strings.HasSuffix(host, ".big.test"):
		return conditional(w, r, day, rss(host, daily, ""), true, false), time.Time{}
	case host == "lm.test":
		return conditional(w, r, day, rss(host, daily, ""), false, true), time.Time{}
	case host == "hourly.test": // adaptive: posts every hour
		return conditional(w, r, now.Truncate(time.Hour), rss(host, every(now, time.Hour, 10), ""), true, false), time.Time{}
	case host == "daily.test": // adaptive: posts every day
		return conditional(w, r, day, rss(host, daily, ""), true, false), time.Time{}
	case host == "silent.test": // adaptive: weekly posts, silent for a month
		old := every(now.Add(-30*24*time.Hour), 7*24*time.Hour, 5)
		return conditional(w, r, old[0], rss(host, old, ""), true, false), time.Time{}
	case host == "ttl.test":
		return conditional(w, r, day, rss(host, daily, "<ttl>180</ttl>"), true, false), time.Time{}
	case host == "cache.test":
		w.Header().Set("Cache-Control", "public, max-age=7200")
		w.Header().Set("Age", "1800")
		return conditional(w, r, day, rss(host, daily, ""), true, false), time.Time{}
	case host == "expires.test":
		w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
		w.Header().Set("Expires", now.Add(4*time.Hour).UTC().Format(http.TimeFormat))
		return conditional(w, r, day, rss(host, daily, ""), true, false), time.Time{}
	case host == "skiphours.test":
		skip := "<skipHours>"
		for h := range 12 {
			skip += fmt.Sprintf("<hour>%d</hour>", h)
		}
		skip += "</skipHours><skipDays><day>Sunday</day></skipDays>"
		return conditional(w, r, day, rss(host, daily, skip), true, false), time.Time{}
	case host == "samebody.test": // no validators, same body: parsed once
		w.Write([]byte(rss(host, every(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), 24*time.Hour, 3), "")))
		return 200, time.Time{}
	case host == "ra-seconds.test", host == "ra-date.test", host == "ra-host.test":
		if now.Before(time.Date(2000, 1, 4, 0, 0, 0, 0, time.UTC)) { // rate-limited for the first days
			wait := 3 * time.Hour
			v := fmt.Sprint(int(wait.Seconds()))
			if host == "ra-date.test" {
				wait = 5 * time.Hour
				v = now.Add(wait).UTC().Format(http.TimeFormat)
			}
			w.Header().Set("Retry-After", v)
			w.WriteHeader(http.StatusTooManyRequests)
			return 429, now.Add(wait).Truncate(time.Second) // the header has whole seconds
		}
		return conditional(w, r, day, rss(host, daily, ""), true, false), time.Time{}
	case host == "unavailable.test":
		w.Header().Set("Retry-After", "7200")
		w.WriteHeader(http.StatusServiceUnavailable)
		return 503, now.Add(2 * time.Hour)
	case host == "error.test":
		w.WriteHeader(http.StatusInternalServerError)
		return 500, time.Time{}
	case host == "gone.test":
		w.WriteHeader(http.StatusGone)
		return 410, time.Time{}
	case host == "missing.test":
		http.NotFound(w, r)
		return 404, time.Time{}
	case host == "moved.test" && r.URL.Path == "/old":
		http.Redirect(w, r, "/new", http.StatusMovedPermanently)
		return 301, time.Time{}
	case host == "chain.test" && r.URL.Path == "/a":
		http.Redirect(w, r, "/b", http.StatusMovedPermanently)
		return 301, time.Time{}
	case host == "chain.test" && r.URL.Path == "/b":
		http.Redirect(w, r, "/c", http.StatusPermanentRedirect)
		return 308, time.Time{}
	case host == "temp.test" && r.URL.Path == "/feed":
		http.Redirect(w, r, "/real", http.StatusFound)
		return 302, time.Time{}
	case host == "moved.test", host == "chain.test", host == "temp.test":
		return conditional(w, r, day, rss(host, daily, ""), true, false), time.Time{}
	case host == "cf.test":
		w.Header().Set("Cf-Mitigated", "challenge")
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte("<html><title>Just a moment...</title></html>"))
		return 403, time.Time{}
	case host == "captcha.test":
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<html><head><title>Attention Required! | Cloudflare</title></head><body>...</body></html>`))
		return 200, time.Time{}
	case host == "slow.test":
		time.Sleep(8 * time.Second)
		return conditional(w, r, day, rss(host, daily, ""), true, false), time.Time{}
	case host == "hung.test":
		<-r.Context().Done()
		return 0, time.Time{}
	}
	http.NotFound(w, r)
	return 404, time.Time{}
}

// handlerTransport carries requests to an http.Handler in-process, so the
// whole week runs inside a synctest bubble; down simulates our own network
// failing.
type handlerTransport struct {
	h    http.Handler
	down atomic.Bool
}

func (t *handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.down.Load() {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// simFeed is one configured feed of the simulation.
type simFeed struct {
	behaviour string
	src       feeds.Source
}

func simFeeds() []simFeed {
	var fs []simFeed
	add := func(behaviour, u string, interval time.Duration) {
		fs = append(fs, simFeed{behaviour, feeds.Source{ID: u, URL: u, Interval: interval}})
	}
	pin := 30 * time.Minute // behaviours other than adaptive timing pin 30m
	add("validators: ETag, 304", "http://etag.test/feed", pin)
	add("validators: Last-Modified, 304", "http://lm.test/feed", pin)
	add("adaptive: hourly posts", "http://hourly.test/feed", 0)
	add("adaptive: daily posts", "http://daily.test/feed", 0)
	add("adaptive: silent a month", "http://silent.test/feed", 0)
	add("ttl 180", "http://ttl.test/feed", pin)
	add("Cache-Control max-age 2h, Age 30m", "http://cache.test/feed", pin)
	add("Expires +4h", "http://expires.test/feed", pin)
	add("skipHours 0-11, skipDays Sunday", "http://skiphours.test/feed", pin)
	add("same body, no validators", "http://samebody.test/feed", pin)
	add("429 Retry-After 3h (seconds), 3 days", "http://ra-seconds.test/feed", pin)
	add("429 Retry-After 5h (HTTP date), 3 days", "http://ra-date.test/feed", pin)
	for i := range 3 {
		add("429 on one host, 3 feeds", fmt.Sprintf("http://ra-host.test/f%d", i), pin)
	}
	add("503 Retry-After 2h, always", "http://unavailable.test/feed", pin)
	add("500 always (backoff)", "http://error.test/feed", pin)
	add("410 Gone", "http://gone.test/feed", pin)
	add("404 always", "http://missing.test/feed", pin)
	add("301 to /new", "http://moved.test/old", pin)
	add("301 then 308 chain", "http://chain.test/a", pin)
	add("302 to /real", "http://temp.test/feed", pin)
	add("challenge: 403 cf-mitigated", "http://cf.test/feed", pin)
	add("challenge: 200 HTML page", "http://captcha.test/feed", pin)
	add("slow: 8s response", "http://slow.test/feed", pin)
	add("hung: never answers", "http://hung.test/feed", pin)
	for i := range 50 {
		add("one host, 50 feeds", fmt.Sprintf("http://h.big.test/f%02d", i), pin)
	}
	return fs
}

// Simulation constants: the bubble's clock starts at 2000-01-01 00:00 UTC
// (a Saturday); the week starts at noon, so that the first polls are
// outside the skipHours window they cannot know of yet.
var (
	simStart    = time.Date(2000, 1, 1, 12, 0, 0, 0, time.UTC)
	simEnd      = simStart.Add(7 * 24 * time.Hour)
	outageStart = time.Date(2000, 1, 6, 10, 0, 0, 0, time.UTC)
	outageEnd   = outageStart.Add(3 * time.Hour)
	refreshAt   = time.Date(2000, 1, 2, 18, 0, 0, 0, time.UTC)
	simCap      = 24 * time.Hour // backoff cap, small enough to be reached within the week
)

// simResult is what a simulated week produced.
type simResult struct {
	feeds    []simFeed
	reqs     []request
	maxHost  int
	states   map[string]feeds.FeedState
	next     map[string]time.Time
	skips    []schedule.Skip
	outcomes map[string][]ingest.Outcome
	polls    int
}

// simulateWeek runs the scheduler, ingest and fetch against the publisher
// for a simulated week inside a synctest bubble: all time, including fetch
// timeouts and the publisher's clock, is the bubble's fake clock, which
// advances whenever every goroutine is waiting.
func simulateWeek(t *testing.T) simResult {
	var res simResult
	synctest.Test(t, func(t *testing.T) {
		time.Sleep(time.Until(simStart))
		pub := &publisher{inflight: map[string]int{}}
		tr := &handlerTransport{h: pub}
		store := newMemStore()
		rnd := rand.New(rand.NewPCG(6, 6))
		var rndMu sync.Mutex
		in := ingest.New(ingest.Options{
			Fetcher:    fetch.New(fetch.Options{Transport: tr, Timeout: 20 * time.Second}),
			Parser:     parse.New(parse.Options{}),
			Cleaner:    clean.New(clean.Options{}),
			Store:      store,
			BackoffCap: simCap,
			Logger:     discardLogger(),
			Jitter: func() float64 {
				rndMu.Lock()
				defer rndMu.Unlock()
				return 2*rnd.Float64() - 1
			},
		})
		var mu sync.Mutex
		outcomes := map[string][]ingest.Outcome{}
		sched := schedule.New(func(ctx context.Context, src feeds.Source) schedule.Result {
			out := in.Ingest(ctx, src)
			mu.Lock()
			outcomes[src.ID] = append(outcomes[src.ID], out)
			mu.Unlock()
			return out.Result()
		}, schedule.Options{Interval: 30 * time.Minute, Rand: rand.New(rand.NewPCG(1, 2)), Logger: discardLogger()})
		res.feeds = simFeeds()
		var srcs []feeds.Source
		for _, f := range res.feeds {
			srcs = append(srcs, f.src)
		}
		sched.SetSources(srcs, nil)

		ctx, cancel := context.WithDeadline(t.Context(), simEnd)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- sched.Run(ctx) }()
		go func() { // our own network fails for three hours
			time.Sleep(time.Until(outageStart))
			tr.down.Store(true)
			time.Sleep(time.Until(outageEnd))
			tr.down.Store(false)
		}()
		go func() { // a manual refresh
			time.Sleep(time.Until(refreshAt))
			skips := sched.RefreshAll()
			mu.Lock()
			res.skips = skips
			mu.Unlock()
		}()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		synctest.Wait()
		res.reqs, res.maxHost = pub.reqs, pub.maxHost
		res.states = store.states
		res.next = sched.Next()
		res.outcomes = outcomes
		for _, o := range outcomes {
			res.polls += len(o)
		}
	})
	return res
}

// reqsOf returns the requests to a host (and path, unless "").
func (r simResult) reqsOf(host, path string) []request {
	var out []request
	for _, q := range r.reqs {
		if q.host == host && (path == "" || q.path == path) {
			out = append(out, q)
		}
	}
	return out
}

func TestSimulatedWeek(t *testing.T) {
	r := simulateWeek(t)
	t.Logf("simulated a week: %d polls, %d requests", r.polls, len(r.reqs))
	t.Log("requests per feed per day (day 1 starts Sat 2000-01-01 12:00 UTC; outage day 5 10:00-13:00; refresh day 2 06:00):\n" + weekTable(r))

	t.Run("politeness per host", func(t *testing.T) {
		if r.maxHost != 1 {
			t.Errorf("at most %d requests in flight to one host, want 1", r.maxHost)
		}
		big := r.reqsOf("h.big.test", "")
		if len(big) < 50*7 {
			t.Fatalf("%d requests to the 50-feed host, want at least one a day per feed", len(big))
		}
		for i := 1; i < len(big); i++ {
			if gap := big[i].at.Sub(big[i-1].at); gap < 2*time.Second {
				t.Fatalf("requests to h.big.test %v apart at %v, want at least 2s", gap, big[i].at)
			}
		}
		if first, last := big[0].at, big[49].at; last.Sub(first) < 49*2*time.Second {
			t.Errorf("first 50 requests to one host within %v, want spread over at least 98s", last.Sub(first))
		}
	})

	t.Run("conditional on every repeat", func(t *testing.T) {
		for _, host := range []string{"etag.test", "lm.test", "h.big.test", "ttl.test", "cache.test", "skiphours.test", "moved.test", "hourly.test"} {
			seen := map[string]bool{}
			for _, q := range r.reqsOf(host, "") {
				if q.code == 301 || q.code == 308 {
					continue
				}
				if seen[q.path] && q.inm == "" && q.ims == "" {
					t.Errorf("%s%s at %v: unconditional repeat request", host, q.path, q.at)
				}
				seen[q.path] = true
			}
		}
	})

	t.Run("hints raise the interval", func(t *testing.T) {
		for _, tc := range []struct {
			host     string
			min, max int // requests over the week
		}{
			{"etag.test", 7 * 40, 7 * 54},      // pinned 30m: ~48/day
			{"ttl.test", 7 * 7, 7 * 9},         // ttl 3h: ~8/day
			{"cache.test", 7 * 14, 7 * 17},     // 2h - 30m: ~16/day
			{"expires.test", 7 * 5, 7 * 7},     // 4h: ~6/day
			{"hourly.test", 7 * 40, 7 * 54},    // adaptive: half of 1h, 30m
			{"daily.test", 7 * 2, 7*2 + 3},     // adaptive: half of 1d, 12h
			{"silent.test", 2, 4},              // adaptive: silent a month, 72h
			{"samebody.test", 7 * 40, 7 * 54},  // still polled; parsed once
			{"skiphours.test", 6 * 20, 6 * 26}, // 12 of 24 hours, 6 of 7 days
		} {
			if n := len(r.reqsOf(tc.host, "")); n < tc.min || n > tc.max {
				t.Errorf("%s: %d requests in the week, want %d to %d", tc.host, n, tc.min, tc.max)
			}
		}
	})

	t.Run("no request in skipHours or skipDays", func(t *testing.T) {
		for _, q := range r.reqsOf("skiphours.test", "") {
			if q.at.UTC().Hour() < 12 || q.at.UTC().Weekday() == time.Sunday {
				t.Errorf("request at %v, inside skipHours 0-11 or skipDays Sunday", q.at.UTC())
			}
		}
	})

	t.Run("no request inside a Retry-After window", func(t *testing.T) {
		for _, host := range []string{"ra-seconds.test", "ra-date.test", "ra-host.test", "unavailable.test"} {
			qs := r.reqsOf(host, "")
			if len(qs) == 0 {
				t.Fatalf("%s: no requests", host)
			}
			byPath := map[string]time.Time{}
			for _, q := range qs {
				if until := byPath[q.path]; q.at.Before(until) {
					t.Errorf("%s%s requested at %v, inside its Retry-After window until %v", host, q.path, q.at, until)
				}
				if !q.retryUntil.IsZero() {
					byPath[q.path] = q.retryUntil
				}
			}
		}
		// After the rate limit lifts, polling resumes.
		for _, host := range []string{"ra-seconds.test", "ra-date.test"} {
			var after int
			for _, q := range r.reqsOf(host, "") {
				if q.code != 429 {
					after++
				}
			}
			if after < 20 {
				t.Errorf("%s: %d requests after the rate limit lifted, want polling to resume", host, after)
			}
		}
	})

	t.Run("host pause after several feeds ask", func(t *testing.T) {
		// ra-host.test: while two of its three feeds are inside a
		// Retry-After window, the host is paused: no feed of it is asked,
		// not even the third one, which has no window of its own.
		windows := map[string]time.Time{}
		for _, q := range r.reqsOf("ra-host.test", "") {
			active := 0
			for _, until := range windows {
				if until.After(q.at) {
					active++
				}
			}
			if windows[q.path].After(q.at) || active >= schedule.HostEscalation {
				t.Errorf("ra-host.test%s at %v: inside its own window (until %v) or a host pause (%d windows open)", q.path, q.at, windows[q.path], active)
			}
			windows[q.path] = q.retryUntil
		}
	})

	t.Run("refresh skips the server's wishes", func(t *testing.T) {
		got := map[string]string{}
		for _, sk := range r.skips {
			got[sk.ID] = sk.Reason
			if !sk.Until.After(refreshAt) {
				t.Errorf("refresh skipped %s until %v, not after the refresh", sk.ID, sk.Until)
			}
		}
		for id, why := range map[string]string{
			"http://gone.test/feed":      "gone",
			"http://skiphours.test/feed": "skipDays", // Sunday
			"http://ra-host.test/f0":     "retry-after",
			"http://ra-host.test/f1":     "host retry-after",
		} {
			if got[id] != why {
				t.Errorf("refresh: %s skipped for %q, want %q (all skips: %v)", id, got[id], why, r.skips)
			}
		}
		// Everything else was polled at once.
		for _, f := range r.feeds {
			if _, skipped := got[f.src.ID]; skipped || f.src.ID == "http://hung.test/feed" {
				continue
			}
			polled := false
			for _, o := range r.outcomes[f.src.ID] {
				if a := o.State.LastAttempt; !a.Before(refreshAt) && a.Before(refreshAt.Add(5*time.Minute)) {
					polled = true
				}
			}
			if !polled {
				t.Errorf("%s: not polled within 5 minutes of the refresh", f.src.ID)
			}
		}
	})

	t.Run("backoff grows to the cap and keeps retrying", func(t *testing.T) {
		qs := r.reqsOf("error.test", "")
		var prev time.Duration
		var atCap int
		for i := 1; i < len(qs); i++ {
			gap := qs[i].at.Sub(qs[i-1].at)
			if gap > simCap+time.Minute {
				t.Errorf("error.test: gap %v, beyond the cap %v", gap, simCap)
			}
			if gap < prev*7/10 && !inOutage(qs[i-1].at) && !qs[i-1].at.Equal(refreshAt) {
				t.Errorf("error.test: gap %v after %v: backoff shrank", gap, prev)
			}
			if gap >= simCap*9/10 {
				atCap++
			}
			prev = gap
		}
		if atCap < 3 {
			t.Errorf("error.test: %d gaps at the cap, want retries at the cap to go on (requests %d)", atCap, len(qs))
		}
	})

	t.Run("gone stops polling, loudly", func(t *testing.T) {
		st := r.states["http://gone.test/feed"]
		if st.Gone.IsZero() || st.NextReason != "gone" || st.ErrorKind != "gone" {
			t.Errorf("gone.test state: gone %v, reason %q, kind %q; want gone", st.Gone, st.NextReason, st.ErrorKind)
		}
		if n := len(r.reqsOf("gone.test", "")); n > 8 {
			t.Errorf("gone.test: %d requests, want at most one per cap (8)", n)
		}
		st = r.states["http://missing.test/feed"]
		if st.Gone.IsZero() || st.Gone.Sub(st.ErrorSince) < schedule.NotFoundGone {
			t.Errorf("missing.test: gone %v, errors since %v; want gone after %v of 404s", st.Gone, st.ErrorSince, schedule.NotFoundGone)
		}
	})

	t.Run("permanent moves followed after a day", func(t *testing.T) {
		for _, tc := range []struct{ id, oldPath, to string }{
			{"http://moved.test/old", "/old", "http://moved.test/new"},
			{"http://chain.test/a", "/a", "http://chain.test/c"},
		} {
			st := r.states[tc.id]
			if st.MovedTo != tc.to || st.MoveFollowed.IsZero() {
				t.Errorf("%s: moved to %q, followed %v; want %q followed", tc.id, st.MovedTo, st.MoveFollowed, tc.to)
				continue
			}
			if st.MoveFollowed.Sub(st.MovedSince) < 24*time.Hour {
				t.Errorf("%s: followed %v after first seen, want at least a day", tc.id, st.MoveFollowed.Sub(st.MovedSince))
			}
			host := strings.TrimPrefix(tc.id, "http://")
			host = host[:strings.Index(host, "/")]
			for _, q := range r.reqsOf(host, tc.oldPath) {
				if q.at.After(st.MoveFollowed) {
					t.Errorf("%s: old URL requested at %v after the move was followed at %v", tc.id, q.at, st.MoveFollowed)
				}
			}
		}
		if st := r.states["http://temp.test/feed"]; st.MovedTo != "" {
			t.Errorf("302 remembered as a move to %q", st.MovedTo)
		}
		if n, real := len(r.reqsOf("temp.test", "/feed")), len(r.reqsOf("temp.test", "/real")); n != real || n < 7*40 {
			t.Errorf("302: %d requests to /feed, %d to /real; want every poll through /feed", n, real)
		}
	})

	t.Run("challenges reported as such", func(t *testing.T) {
		for _, id := range []string{"http://cf.test/feed", "http://captcha.test/feed"} {
			if st := r.states[id]; st.ErrorKind != "challenge" {
				t.Errorf("%s: error kind %q (%s), want challenge", id, st.ErrorKind, st.LastError)
			}
		}
	})

	t.Run("slow and hung responses", func(t *testing.T) {
		if st := r.states["http://slow.test/feed"]; st.ConsecutiveErrors != 0 || st.LastSuccess.IsZero() {
			t.Errorf("slow.test: %d errors, last success %v; want healthy", st.ConsecutiveErrors, st.LastSuccess)
		}
		st := r.states["http://hung.test/feed"]
		if st.ConsecutiveErrors == 0 || !strings.Contains(st.LastError, "timed out") {
			t.Errorf("hung.test: %d errors, last error %q; want timeouts", st.ConsecutiveErrors, st.LastError)
		}
	})

	t.Run("our outage is not the feeds' fault", func(t *testing.T) {
		var offline int
		for id, outs := range r.outcomes {
			for _, o := range outs {
				if o.Failure == schedule.FailOffline {
					offline++
				}
				if o.State.LastAttempt.After(outageStart) && o.State.LastAttempt.Before(outageEnd) &&
					o.State.ConsecutiveErrors > 1 && o.Failure != schedule.FailNone && isHealthyHost(id) {
					t.Errorf("%s: %d consecutive errors during our outage", id, o.State.ConsecutiveErrors)
				}
			}
		}
		if offline < 10 {
			t.Errorf("%d polls classified offline during the outage, want most of them", offline)
		}
		if st := r.states["http://etag.test/feed"]; st.ConsecutiveErrors != 0 {
			t.Errorf("etag.test: %d errors after the outage ended, want 0", st.ConsecutiveErrors)
		}
	})

	t.Run("no feed left unscheduled", func(t *testing.T) {
		for _, f := range r.feeds {
			next, ok := r.next[f.src.ID]
			if !ok || next.IsZero() {
				t.Errorf("%s: not scheduled at the end", f.src.ID)
				continue
			}
			if limit := simEnd.Add(max(simCap, schedule.SilentCeiling) + 24*time.Hour); next.After(limit) {
				t.Errorf("%s: next check %v, beyond cap and skip windows (%v)", f.src.ID, next, limit)
			}
			st := r.states[f.src.ID]
			if st.LastAttempt.Before(simEnd.Add(-max(simCap, schedule.SilentCeiling) - 36*time.Hour)) {
				t.Errorf("%s: last polled %v, silent for longer than the cap", f.src.ID, st.LastAttempt)
			}
		}
	})
}

func inOutage(t time.Time) bool { return !t.Before(outageStart) && t.Before(outageEnd) }

// isHealthyHost reports whether a feed's server always answers well.
func isHealthyHost(id string) bool {
	for _, bad := range []string{"error.", "gone.", "missing.", "hung.", "cf.", "captcha.", "unavailable.", "ra-"} {
		if strings.Contains(id, bad) {
			return false
		}
	}
	return true
}

func skippedIDs(skips []schedule.Skip) map[string]bool {
	m := map[string]bool{}
	for _, s := range skips {
		m[s.ID] = true
	}
	return m
}

// weekTable renders requests per feed per simulated day, by behaviour;
// behaviours with several feeds show the per-feed average.
func weekTable(r simResult) string {
	type row struct {
		behaviour string
		n         int
		days      [7]int
	}
	rows := map[string]*row{}
	var order []string
	hostOf := map[string]string{} // host+path prefix → behaviour
	for _, f := range r.feeds {
		if rows[f.behaviour] == nil {
			rows[f.behaviour] = &row{behaviour: f.behaviour}
			order = append(order, f.behaviour)
		}
		rows[f.behaviour].n++
		hostOf[strings.TrimPrefix(f.src.URL, "http://")] = f.behaviour
	}
	for _, q := range r.reqs {
		b, ok := hostOf[q.host+q.path]
		if !ok { // a redirect target: count it with the feed it belongs to
			for k, v := range hostOf {
				if strings.HasPrefix(k, q.host+"/") {
					b, ok = v, true
				}
			}
		}
		if d := int(q.at.Sub(simStart) / (24 * time.Hour)); ok && d >= 0 && d < 7 {
			rows[b].days[d]++
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-42s %5s %5s %5s %5s %5s %5s %5s %6s\n", "behaviour (requests per feed)", "d1", "d2", "d3", "d4", "d5", "d6", "d7", "total")
	sort.SliceStable(order, func(i, j int) bool { return false })
	for _, b := range order {
		rw := rows[b]
		label := b
		if rw.n > 1 {
			label = fmt.Sprintf("%s (avg of %d)", b, rw.n)
		}
		fmt.Fprintf(&sb, "%-42s", label)
		total := 0
		for _, n := range rw.days {
			total += n
			fmt.Fprintf(&sb, " %5s", perFeed(n, rw.n))
		}
		fmt.Fprintf(&sb, " %6s\n", perFeed(total, rw.n))
	}
	return sb.String()
}

func perFeed(n, feeds int) string {
	if feeds == 1 {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%.1f", float64(n)/float64(feeds))
}
