package ingest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/clean"
	"github.com/tidyfeed/tidyfeed/feeds/fetch"
	"github.com/tidyfeed/tidyfeed/feeds/ingest"
	"github.com/tidyfeed/tidyfeed/feeds/parse"
)

// TestObserve checks the observer sees every outcome with what the poll
// measured: bytes received, a fetch duration, and duplicates folded.
func TestObserve(t *testing.T) {
	items := every(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 24*time.Hour, 3)
	items = append(items, items[0]) // the first item twice: folded as a duplicate
	doc := rss("observe.test", items, "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/down" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write([]byte(doc))
	}))
	t.Cleanup(srv.Close)
	var seen []ingest.Outcome
	in := ingest.New(ingest.Options{
		Fetcher: fetch.New(fetch.Options{AllowPrivate: true, Timeout: 5 * time.Second}),
		Parser:  parse.New(parse.Options{}),
		Cleaner: clean.New(clean.Options{}),
		Store:   newMemStore(),
		Logger:  discardLogger(),
		Observe: func(o ingest.Outcome) { seen = append(seen, o) },
	})
	src := feeds.Source{ID: srv.URL + "/feed", URL: srv.URL + "/feed"}
	first := in.Ingest(t.Context(), src)
	second := in.Ingest(t.Context(), src)
	down := in.Ingest(t.Context(), feeds.Source{ID: srv.URL + "/down", URL: srv.URL + "/down"})
	if len(seen) != 3 {
		t.Fatalf("observer saw %d outcomes, want 3", len(seen))
	}
	if seen[0].Status != first.Status || seen[1].Status != second.Status || seen[2].Status != down.Status {
		t.Errorf("observed statuses %s %s %s, want %s %s %s", seen[0].Status, seen[1].Status, seen[2].Status, first.Status, second.Status, down.Status)
	}
	if !first.Fetched || first.Bytes != int64(len(doc)) || first.FetchDuration <= 0 {
		t.Errorf("first poll: fetched %v, bytes %d (want %d), fetch duration %v (want > 0)", first.Fetched, first.Bytes, len(doc), first.FetchDuration)
	}
	if first.New != 3 || first.Duplicates != 1 {
		t.Errorf("first poll: new %d, duplicates %d; want 3 and 1", first.New, first.Duplicates)
	}
	if second.Status != ingest.StatusNotModified || second.State.LastStatus != http.StatusNotModified || second.Bytes != 0 {
		t.Errorf("second poll: %s, HTTP %d, bytes %d; want not-modified, 304, 0", second.Status, second.State.LastStatus, second.Bytes)
	}
	if down.Status != ingest.StatusError || down.State.LastStatus != http.StatusServiceUnavailable {
		t.Errorf("failing poll: %s, HTTP %d; want error, 503", down.Status, down.State.LastStatus)
	}
}
