package ingest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
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
	"github.com/tidyfeed/tidyfeed/feeds/publish"
	"github.com/tidyfeed/tidyfeed/internal/race"
	"github.com/tidyfeed/tidyfeed/storage"
)

// Limits the hostile-publisher test configures, as a deployment would in
// feeds.yaml's fetch section.
const (
	hostileTimeout = 2 * time.Second
	hostileMaxBody = fetch.DefaultMaxBodyBytes // 10 MiB
)

// hostilePublisher serves one misbehaviour per path on loopback. Handlers
// that stream stop as soon as the client goes away.
func hostilePublisher(t *testing.T) http.Handler {
	t.Helper()
	mux := http.NewServeMux()
	ctxDone := func(r *http.Request) bool { return r.Context().Err() != nil }
	mux.HandleFunc("/good", func(w http.ResponseWriter, r *http.Request) {
		// A well-behaved feed that gains one entry per minute of wall time,
		// so repeated polls are cheap 304-like "same body" polls.
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, rss("good", every(time.Now().Truncate(time.Minute), time.Hour, 5), ""))
	})
	mux.HandleFunc("/trickle", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		doc := rss("trickle", every(time.Now(), time.Hour, 3), "")
		for i := range len(doc) {
			if _, err := w.Write([]byte{doc[i]}); err != nil || ctxDone(r) {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Second):
			}
		}
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers
	})
	mux.HandleFunc("/hang-body", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel>`))
		w.(http.Flusher).Flush()
		<-r.Context().Done() // headers and a start, then silence
	})
	endless := func(w http.ResponseWriter, r *http.Request, declare bool) {
		w.Header().Set("Content-Type", "application/rss+xml")
		if declare {
			w.Header().Set("Content-Length", fmt.Sprint(1<<30))
		}
		w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>`))
		chunk := []byte(strings.Repeat("<item><title>never ends</title></item>", 1000))
		for sent := 0; sent < 1<<30 && !ctxDone(r); sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) { endless(w, r, false) })
	mux.HandleFunc("/1gb", func(w http.ResponseWriter, r *http.Request) { endless(w, r, true) })
	mux.HandleFunc("/gzip-bomb", func(w http.ResponseWriter, r *http.Request) {
		// 1 GiB of zeros as 1024 gzip members of 1 MiB each (a gzip
		// stream may hold several), about 1 MB on the wire.
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Content-Encoding", "gzip")
		member := gzipZeros(t)
		for range 1 << 10 {
			if _, err := w.Write(member); err != nil || ctxDone(r) {
				return
			}
		}
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop?n="+fmt.Sprint(rand.Int()), http.StatusFound)
	})
	mux.HandleFunc("/truncated", func(w http.ResponseWriter, r *http.Request) {
		doc := rss("truncated", every(time.Now(), time.Hour, 20), "")
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(doc[:len(doc)/2]))
	})
	mux.HandleFunc("/garbage", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		rng := rand.New(rand.NewPCG(1, 2))
		b := make([]byte, 64<<10)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		w.Write(b)
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><html><head><title>Our blog</title></head><body>"+strings.Repeat("<p>Welcome to our site.</p>", 1000)+"</body></html>")
	})
	mux.HandleFunc("/100k-items", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>many</title><link>http://many.test/</link>`)
		for i := range 100000 {
			fmt.Fprintf(w, "<item><guid>g%d</guid><title>t%d</title></item>", i, i)
		}
		fmt.Fprint(w, "</channel></rss>")
	})
	mux.HandleFunc("/10mb-title", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>big</title><link>http://big.test/</link><item><guid>1</guid><title>`)
		fmt.Fprint(w, strings.Repeat("A", 10_000_000))
		fmt.Fprint(w, "</title><description>body</description></item></channel></rss>")
	})
	mux.HandleFunc("/deep", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>deep</title>`)
		fmt.Fprint(w, strings.Repeat("<x>", 3_000_000))
		fmt.Fprint(w, "</channel></rss>")
	})
	mux.HandleFunc("/deep-content", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprint(w, `<feed xmlns="http://www.w3.org/2005/Atom"><title>deep</title><id>urn:x</id><entry><id>urn:x:1</id><title>t</title><content type="xhtml">`)
		fmt.Fprint(w, strings.Repeat("<div>", 2_000_000))
		fmt.Fprint(w, "</content></entry></feed>")
	})
	mux.HandleFunc("/laughs", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		var b strings.Builder
		b.WriteString(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">`)
		prev := "lol"
		for i := 1; i <= 9; i++ {
			fmt.Fprintf(&b, `<!ENTITY lol%d "%s">`, i, strings.Repeat("&"+prev+";", 10))
			prev = fmt.Sprintf("lol%d", i)
		}
		b.WriteString(`<!ENTITY ext SYSTEM "file:///etc/passwd">]>`)
		b.WriteString(`<rss version="2.0"><channel><title>&lol9;</title><link>http://lol.test/</link>`)
		b.WriteString(`<item><guid>1</guid><title>&lol9;&ext;</title><description>&lol9;&ext;</description></item></channel></rss>`)
		fmt.Fprint(w, b.String())
	})
	return mux
}

var gzipZerosOnce = sync.OnceValues(func() ([]byte, error) {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if _, err := zw.Write(make([]byte, 1<<20)); err != nil {
		return nil, err
	}
	err := zw.Close()
	return b.Bytes(), err
})

// gzipZeros returns one gzip member holding 1 MiB of zeros.
func gzipZeros(t *testing.T) []byte {
	b, err := gzipZerosOnce()
	if err != nil {
		t.Error(err)
	}
	return b
}

// heapSampler records the peak live heap while it runs.
type heapSampler struct {
	peak atomic.Uint64
	stop chan struct{}
	done chan struct{}
}

func startHeapSampler() *heapSampler {
	s := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > s.peak.Load() {
				s.peak.Store(m.HeapAlloc)
			}
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

func (s *heapSampler) Stop() uint64 { close(s.stop); <-s.done; return s.peak.Load() }

func heapNow() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestHostilePublishers polls one misbehaving feed at a time over loopback
// with a deployment's limits (2s timeout, 10 MiB body cap), while a good
// feed keeps being polled and the merged output keeps being served. Each
// misbehaviour must end as that feed's own error (or a bounded success),
// within the timeout, without the heap growing out of proportion to the
// body cap and without a trace left in the store beyond the feed's state.
func TestHostilePublishers(t *testing.T) {
	if testing.Short() {
		t.Skip("hostile publishers take about 20s")
	}
	srv := httptest.NewServer(hostilePublisher(t))
	t.Cleanup(srv.Close)
	store, err := storage.Open(filepath.Join(t.TempDir(), "hostile.db"), storage.Options{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	in := ingest.New(ingest.Options{
		Fetcher: fetch.New(fetch.Options{AllowPrivate: true, Timeout: hostileTimeout, MaxBodyBytes: hostileMaxBody}),
		Parser:  parse.New(parse.Options{}),
		Cleaner: clean.New(clean.Options{}),
		Store:   store,
		Logger:  discardLogger(),
		Jitter:  func() float64 { return 0 },
	})
	src := func(path string) feeds.Source {
		return feeds.Source{ID: strings.TrimPrefix(path, "/"), URL: srv.URL + path}
	}
	good := src("/good")
	if out := in.Ingest(t.Context(), good); out.Err != nil {
		t.Fatalf("good feed: %v", out.Err)
	}
	pub := publish.New(store, publish.Options{Sources: []publish.SourceInfo{{ID: good.ID, Name: "good"}, {ID: "laughs", Name: "laughs"}, {ID: "100k-items", Name: "many"}, {ID: "10mb-title", Name: "big"}}})
	out := httptest.NewServer(pub)
	t.Cleanup(out.Close)

	// Background: the good feed keeps polling, readers keep reading.
	bg, stopBG := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	var goodPolls, goodErrs, reads, readErrs atomic.Int64
	var firstErr atomic.Value
	wg.Go(func() {
		for bg.Err() == nil {
			o := in.Ingest(bg, good)
			goodPolls.Add(1)
			if o.Err != nil && bg.Err() == nil {
				goodErrs.Add(1)
				firstErr.CompareAndSwap(nil, o.Err.Error())
			}
		}
	})
	wg.Go(func() {
		client := &http.Client{Timeout: 5 * time.Second}
		for i := 0; bg.Err() == nil; i++ {
			p := []string{"/feed.atom", "/feed.rss", "/feed.json"}[i%3]
			resp, err := client.Get(out.URL + p)
			reads.Add(1)
			if err != nil || resp.StatusCode != http.StatusOK {
				readErrs.Add(1)
				firstErr.CompareAndSwap(nil, fmt.Sprintf("GET %s: %v %v", p, err, resp))
			}
			if resp != nil {
				resp.Body.Close()
			}
		}
	})

	isTimeout := func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }
	tooLarge := func(err error) bool { return errors.Is(err, fetch.ErrTooLarge) }
	notFeed := func(err error) bool { return errors.Is(err, parse.ErrNotFeed) }
	// Under the race detector decompressing 10 MiB can take longer than
	// the timeout; either limit is then a fine end.
	capped := func(err error) bool { return tooLarge(err) || race.Enabled && isTimeout(err) }
	for _, tc := range []struct {
		path string
		// want decides whether the poll's error is the right one; nil
		// means the poll must succeed.
		want    func(error) bool
		wantMsg string // the error must mention it; "" means any wording
		check   func(t *testing.T, o ingest.Outcome)
	}{
		{path: "/trickle", want: isTimeout, wantMsg: "timed out"},
		{path: "/hang", want: isTimeout, wantMsg: "timed out"},
		{path: "/hang-body", want: isTimeout, wantMsg: "timed out"},
		{path: "/endless", want: capped},
		{path: "/1gb", want: tooLarge, wantMsg: "content-length"},
		{path: "/gzip-bomb", want: capped},
		{path: "/loop", want: func(err error) bool { return errors.Is(err, fetch.ErrTooManyRedirects) }, wantMsg: "redirects"},
		{path: "/truncated", want: func(err error) bool { return err != nil }, wantMsg: "unexpected EOF"},
		{path: "/garbage", want: notFeed, wantMsg: "not a feed"},
		{path: "/html", want: notFeed, wantMsg: "HTML page"},
		{path: "/deep", want: func(err error) bool { return errors.Is(err, parse.ErrTooDeep) }, wantMsg: "nested"},
		{path: "/deep-content", want: func(err error) bool { return errors.Is(err, parse.ErrTooDeep) }, wantMsg: "nested"},
		{path: "/100k-items", check: func(t *testing.T, o ingest.Outcome) {
			if o.New != ingest.DefaultMaxEntries {
				t.Errorf("100k items: %d new; want the newest %d stored", o.New, ingest.DefaultMaxEntries)
			}
		}},
		{path: "/10mb-title", check: func(t *testing.T, o ingest.Outcome) {
			n := 0
			err := store.ForEach(t.Context(), "10mb-title", func(e feeds.Entry) error {
				n++
				if len(e.Title) > parse.MaxTitleBytes {
					t.Errorf("10 MB title stored as %d bytes; want it cut to at most %d", len(e.Title), parse.MaxTitleBytes)
				}
				return nil
			})
			if err != nil || n != 1 {
				t.Errorf("stored %d entries (%v); want the one entry", n, err)
			}
		}},
		{path: "/laughs", check: func(t *testing.T, o ingest.Outcome) {
			err := store.ForEach(t.Context(), "laughs", func(e feeds.Entry) error {
				if len(e.Title)+len(e.Content) > 1000 || strings.Contains(e.Title+e.Content, "root:") {
					return fmt.Errorf("entity expanded: title %d bytes, content %d bytes", len(e.Title), len(e.Content))
				}
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}},
	} {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
			base := heapNow()
			sampler := startHeapSampler()
			start := time.Now()
			o := in.Ingest(t.Context(), src(tc.path))
			took := time.Since(start)
			peak := sampler.Stop()
			retained := int64(heapNow()) - int64(base)
			t.Logf("%s: %v in %v, peak heap +%d MiB, retained %+d MiB", tc.path, o.Err, took.Round(time.Millisecond), (int64(peak)-int64(base))>>20, retained>>20)

			if tc.want != nil {
				if o.Err == nil || !tc.want(o.Err) || !strings.Contains(o.Err.Error(), tc.wantMsg) {
					t.Errorf("error %v; want the %s error mentioning %q", o.Err, tc.path, tc.wantMsg)
				}
				if o.Status != ingest.StatusError || o.State.LastError == "" || o.State.ConsecutiveErrors < 1 {
					t.Errorf("status %s, state error %q, failures %d; want the error recorded in the feed's state", o.Status, o.State.LastError, o.State.ConsecutiveErrors)
				}
			} else if o.Err != nil {
				t.Errorf("error %v; want a successful poll", o.Err)
			}
			if tc.check != nil {
				tc.check(t, o)
			}
			// Within the limits: the timeout plus slack for parsing
			// and cleaning 10 MiB (much slower under the race detector).
			limit := hostileTimeout + 15*time.Second
			if race.Enabled {
				limit = hostileTimeout + 60*time.Second
			}
			if took > limit {
				t.Errorf("took %v; want under %v", took, limit)
			}
			// Memory: a generous bound, about 40× the body cap at the
			// peak, and nothing big kept afterwards (the store's
			// mmap lives outside the Go heap).
			if growth := int64(peak) - int64(base); growth > 40*hostileMaxBody {
				t.Errorf("peak heap grew by %d MiB; want under %d MiB", growth>>20, 40*hostileMaxBody>>20)
			}
			if retained > 64<<20 {
				t.Errorf("heap retained %d MiB after the poll; want under 64 MiB", retained>>20)
			}
		})
	}
	stopBG()
	wg.Wait()
	if goodPolls.Load() < 5 || goodErrs.Load() > 0 {
		t.Errorf("good feed: %d polls, %d errors (first %v); want it polling on without errors", goodPolls.Load(), goodErrs.Load(), firstErr.Load())
	}
	if reads.Load() < 10 || readErrs.Load() > 0 {
		t.Errorf("output: %d reads, %d errors (first %v); want it served throughout", reads.Load(), readErrs.Load(), firstErr.Load())
	}
	t.Logf("meanwhile: good feed polled %d times, output read %d times", goodPolls.Load(), reads.Load())
}
