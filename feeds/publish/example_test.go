package publish_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/publish"
)

// store is a stand-in for *storage.Store.
type store struct{ entries []feeds.Entry }

func (s store) Recent(ctx context.Context, feedIDs []string, limit int) ([]feeds.Entry, error) {
	return s.entries, nil
}
func (s store) Walk(ctx context.Context, feedIDs []string, fn func(feeds.Entry) error) error {
	for _, e := range s.entries {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}
func (s store) Stories(ctx context.Context, feedIDs []string, refs []feeds.Ref) ([]feeds.Entry, error) {
	var out []feeds.Entry
	for _, r := range refs {
		for _, e := range s.entries {
			if e.FeedID == r.FeedID && e.Key == r.Key {
				out = append(out, e)
			}
		}
	}
	return out, nil
}
func (s store) Version() uint64    { return 1 }
func (s store) Changed() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

func ExamplePublisher() {
	st := store{entries: []feeds.Entry{{
		Key: "https://example.org/hello", FeedID: "https://example.org/feed",
		Title: "Hello", Link: "https://example.org/hello", Content: "<p>Hi.</p>",
		Published: time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC),
	}}}
	p := publish.New(st, publish.Options{
		Title:   "My merged feed",
		Link:    "http://127.0.0.1:8080/",
		Sources: []publish.SourceInfo{{ID: "https://example.org/feed", Name: "Example", FeedURL: "https://example.org/feed"}},
	})

	// cmd/tidyfeed serves p with http.Server; export writes Render's Body.
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest("GET", "/feed.json", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))

	doc, _ := p.Render(context.Background(), publish.JSON)
	fmt.Println(doc.ETag == rec.Header().Get("ETag"), doc.LastModified.Format(time.RFC3339))
	// Output:
	// 200 application/feed+json; charset=utf-8
	// true 2026-01-02T03:04:05Z
}
