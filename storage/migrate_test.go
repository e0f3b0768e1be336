package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// testdata/schema1.db was written by the schema 1 code (the storage package
// as of commit 8c4bc67^): feeds https://a.example/feed and
// https://b.example/feed, 30 entries each ("g:<feed>/<i>", published i days
// before 2026-10-01 12:00 UTC), saved with storage.Open and Save.
const schema1Fixture = "testdata/schema1.db"

// TestOpenSchema1File opens a file the previous schema wrote: Open
// migrates it in place, every entry and state survives, re-polling the
// same entries stores nothing new, and retention and backup work on it.
func TestOpenSchema1File(t *testing.T) {
	data, err := os.ReadFile(schema1Fixture)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tidyfeed.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(t.Context(), path); !errors.Is(err, ErrSchema) {
		t.Errorf("Verify of the schema 1 file: %v, want ErrSchema before migration", err)
	}
	now := time.Date(2026, 10, 2, 12, 0, 0, 0, time.UTC)
	s := openTest(t, path, Options{Now: func() time.Time { return now }})
	feedsWant := []string{"https://a.example/feed", "https://b.example/feed"}
	for _, f := range feedsWant {
		st, ok, err := s.State(t.Context(), f)
		if err != nil || !ok || st.Title != "Feed "+f || st.Entries != 30 {
			t.Errorf("state of %s after migration: %+v, %v, %v; want title and 30 entries", f, st, ok, err)
		}
		if keys := storedKeys(t, s, f); len(keys) != 30 {
			t.Errorf("%s after migration: %d entries, want 30", f, len(keys))
		}
	}
	recent, err := s.Recent(t.Context(), feedsWant, 5)
	if err != nil || len(recent) != 5 || recent[0].Title != "Story 0 of https://a.example/feed" && recent[0].Title != "Story 0 of https://b.example/feed" {
		t.Errorf("Recent after migration: %v, %v", keysOf(recent), err)
	}
	// Re-poll the same entries: nothing new, nothing updated.
	var es []feeds.Entry
	f := feedsWant[0]
	for i := range 30 {
		key := fmt.Sprintf("g:%s/%d", f, i)
		var old feeds.Entry
		s.ForEach(t.Context(), f, func(e feeds.Entry) error {
			if e.Key == key {
				old = e
			}
			return nil
		})
		es = append(es, old)
	}
	res, err := s.Save(t.Context(), Batch{State: feeds.FeedState{FeedID: f}, Entries: es})
	if err != nil || res.New != 0 || res.Updated != 0 {
		t.Errorf("re-poll after migration: %+v, %v; want nothing new or updated", res, err)
	}
	pr, err := s.Prune(t.Context(), func(string) Keep { return Keep{MaxAge: 10*24*time.Hour + time.Hour} }, 0)
	if err != nil || pr.Total() != 2*20 {
		t.Errorf("Prune after migration: %+v, %v; want %d deleted (entries older than 10 days)", pr, err, 2*20)
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	if _, err := s.BackupFile(t.Context(), backup); err != nil {
		t.Fatal(err)
	}
	if st, err := Verify(t.Context(), backup); err != nil || st.Entries != 2*10 {
		t.Errorf("Verify(backup of migrated file) = %+v, %v; want %d entries", st, err, 2*10)
	}
}
