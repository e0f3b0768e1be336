package storage_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/storage"
)

// Open a store, save what one fetch of a feed produced, and read the merged
// newest-first view back.
func Example() {
	dir, err := os.MkdirTemp("", "tidyfeed-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := storage.Open(filepath.Join(dir, "tidyfeed.db"), storage.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	ctx := context.Background()
	day := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	res, err := s.Save(ctx, storage.Batch{
		State: feeds.FeedState{FeedID: "https://blog.example/feed", ETag: `"abc"`},
		Entries: []feeds.Entry{
			{Key: "post-1", Title: "First post", Hash: "h1", Published: day},
			{Key: "post-2", Title: "Second post", Hash: "h2", Published: day.Add(time.Hour)},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("new:", res.NewKeys)

	recent, err := s.Recent(ctx, nil, 10)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range recent {
		fmt.Println(e.Published.Format(time.DateTime), e.Title)
	}
	// Output:
	// new: [post-1 post-2]
	// 2026-11-24 10:00:00 Second post
	// 2026-11-24 09:00:00 First post
}
