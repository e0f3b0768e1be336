package ingest_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/clean"
	"github.com/tidyfeed/tidyfeed/feeds/fetch"
	"github.com/tidyfeed/tidyfeed/feeds/ingest"
	"github.com/tidyfeed/tidyfeed/feeds/parse"
	"github.com/tidyfeed/tidyfeed/feeds/publish"
	"github.com/tidyfeed/tidyfeed/feeds/schedule"
	"github.com/tidyfeed/tidyfeed/storage"
)

// TestStoreFull polls a feed that grows by big entries into a store capped
// at 1 MiB. When the store is full the poll fails with storage.ErrFull,
// classified as our own failure (the feed's backoff does not grow), the
// output is still served, and once space returns polling stores again.
func TestStoreFull(t *testing.T) {
	var n atomic.Int64
	body := strings.Repeat("The store is filling up with this text. ", 150)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := n.Add(1)
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>big</title><link>http://big.test/</link>`)
		for i := range 4 {
			fmt.Fprintf(w, `<item><guid>%d-%d</guid><title>Item %d-%d</title><pubDate>%s</pubDate><description><![CDATA[<p>%d %d %s</p>]]></description></item>`,
				k, i, k, i, t0.Add(time.Duration(k)*time.Hour).Format(time.RFC1123Z), k, i, body)
		}
		fmt.Fprint(w, "</channel></rss>")
	}))
	t.Cleanup(srv.Close)
	store, err := storage.Open(filepath.Join(t.TempDir(), "full.db"), storage.Options{MaxSize: 1 << 20, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	in := ingest.New(ingest.Options{
		Fetcher: fetch.New(fetch.Options{AllowPrivate: true}),
		Parser:  parse.New(parse.Options{}),
		Cleaner: clean.New(clean.Options{}),
		Store:   store,
		Logger:  discardLogger(),
		Jitter:  func() float64 { return 0 },
	})
	src := feeds.Source{ID: "big", URL: srv.URL + "/big", NoDedupe: true}
	pub := httptest.NewServer(publish.New(store, publish.Options{Sources: []publish.SourceInfo{{ID: "big", Name: "big"}}}))
	t.Cleanup(pub.Close)

	var full ingest.Outcome
	polls := 0
	for ; polls < 500; polls++ {
		out := in.Ingest(t.Context(), src)
		if out.Err != nil {
			full = out
			break
		}
	}
	if !errors.Is(full.Err, storage.ErrFull) || full.Failure != schedule.FailInternal || !strings.Contains(full.Err.Error(), "big") {
		t.Fatalf("after %d polls: error %v, failure %q; want storage.ErrFull naming the feed, classified %q", polls, full.Err, full.Failure, schedule.FailInternal)
	}
	for _, p := range []string{"/feed.atom", "/feed.rss", "/feed.json"} {
		resp, err := http.Get(pub.URL + p)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s while the store is full: %v %v", p, err, resp)
		}
		resp.Body.Close()
	}
	// Space returns: drop the oldest entries.
	if _, err := store.Purge(t.Context(), "big", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n.Load()-3)*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if out := in.Ingest(t.Context(), src); out.Err != nil || out.New != 4 {
		t.Fatalf("poll after space returned: %v, %d new; want 4 new", out.Err, out.New)
	}
}
