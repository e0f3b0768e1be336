package ingest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/clean"
	"github.com/tidyfeed/tidyfeed/feeds/fetch"
	"github.com/tidyfeed/tidyfeed/feeds/filter"
	"github.com/tidyfeed/tidyfeed/feeds/ingest"
	"github.com/tidyfeed/tidyfeed/feeds/parse"
)

// TestFilterHook checks that Options.Filter sees the parsed entries before
// the store, that only the kept ones are stored, and that its counts are
// saved in the feed state.
func TestFilterHook(t *testing.T) {
	items := every(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 24*time.Hour, 5)
	doc := rss("filter.test", items, "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(doc)) }))
	t.Cleanup(srv.Close)
	f := filter.New(filter.Options{Backlog: 2, Now: func() time.Time { return time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC) }})
	in := ingest.New(ingest.Options{
		Fetcher: fetch.New(fetch.Options{AllowPrivate: true, Timeout: 5 * time.Second}),
		Parser:  parse.New(parse.Options{}),
		Cleaner: clean.New(clean.Options{}),
		Store:   newMemStore(),
		Logger:  discardLogger(),
		Filter:  f.Apply,
	})
	out := in.Ingest(t.Context(), feeds.Source{ID: srv.URL, URL: srv.URL})
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	if out.New != 2 {
		t.Errorf("stored %d new entries, want the backlog cap of 2", out.New)
	}
	if got := out.State.Dropped[filter.ReasonBacklog]; got != 3 {
		t.Errorf("state.Dropped = %v, want backlog: 3", out.State.Dropped)
	}
	if out.State.Filter.Horizon.IsZero() {
		t.Error("state.Filter.Horizon not saved")
	}
}
