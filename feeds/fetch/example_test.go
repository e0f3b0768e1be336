package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/tidyfeed/tidyfeed/feeds/fetch"
)

// A first fetch stores the validators; the next one sends them back and
// learns that nothing changed.
func ExampleFetcher_Fetch() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "application/rss+xml; charset=iso-8859-1")
		w.Write([]byte("<rss><channel><title>Caf\xe9</title></channel></rss>"))
	}))
	defer srv.Close()

	f := fetch.New(fetch.Options{AllowPrivate: true}) // httptest listens on loopback
	first, err := f.Fetch(context.Background(), fetch.Request{URL: srv.URL})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(first.Status, first.Charset, first.ETag, string(first.Body))

	second, err := f.Fetch(context.Background(), fetch.Request{URL: srv.URL, ETag: first.ETag})
	var se *fetch.StatusError
	switch {
	case errors.As(err, &se):
		fmt.Println("status", se.Code, "retry after", se.RetryAfter)
	case err != nil:
		fmt.Println(err)
	default:
		fmt.Println(second.Status, second.NotModified, second.ETag)
	}
	// Output:
	// 200 windows-1252 "v1" <rss><channel><title>Café</title></channel></rss>
	// 304 true "v1"
}
