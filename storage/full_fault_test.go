package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// TestMaxSizeFull fills a store capped by Options.MaxSize: the Save that
// would grow the file fails with ErrFull and keeps nothing of its batch,
// reads go on, and once space is freed inside the file (Purge) saves work
// again without the file growing past the cap.
func TestMaxSizeFull(t *testing.T) {
	const maxSize = 1 << 20
	path := filepath.Join(t.TempDir(), "full.db")
	s := openTest(t, path, Options{MaxSize: maxSize})
	ctx := t.Context()
	body := strings.Repeat("All work and no play makes a full disk. ", 200) // ~8 KB
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	batch := func(feed string, n int) Batch {
		var es []feeds.Entry
		for i := range 4 {
			es = append(es, feeds.Entry{Key: fmt.Sprintf("k%d-%d", n, i), FeedID: feed, Title: fmt.Sprintf("t %s %d %d", feed, n, i),
				Content: fmt.Sprintf("<p>%d %d %s</p>", n, i, body), Published: t0.Add(time.Duration(n) * time.Minute)})
		}
		return Batch{State: feeds.FeedState{FeedID: feed, LastAttempt: t0.Add(time.Duration(n) * time.Minute)}, Entries: es, NoDedupe: true}
	}
	var fullErr error
	saved := 0
	for n := range 1000 {
		if _, err := s.Save(ctx, batch("a", n)); err != nil {
			fullErr = err
			break
		}
		saved++
	}
	if !errors.Is(fullErr, ErrFull) || !strings.Contains(fullErr.Error(), "save a") {
		t.Fatalf("after %d batches: error %v; want ErrFull naming the feed", saved, fullErr)
	}
	stored := 0
	if err := s.ForEach(ctx, "a", func(feeds.Entry) error { stored++; return nil }); err != nil {
		t.Fatalf("read while full: %v", err)
	}
	if stored != 4*saved {
		t.Errorf("%d entries readable while full; want the %d of the %d saved batches, nothing of the failed one", stored, 4*saved, saved)
	}
	// Another feed's save may still fit in the pages the failed commit
	// freed; if it does not, it must fail the same clear way.
	if _, err := s.Save(ctx, batch("b", 0)); err != nil && !errors.Is(err, ErrFull) {
		t.Errorf("another feed's save while full: %v; want nil or ErrFull", err)
	}

	// Space returns: purge most of feed a, then feed b fits.
	if _, err := s.Purge(ctx, "a", t0.Add(time.Duration(saved-2)*time.Minute)); err != nil {
		t.Fatalf("purge while full: %v", err)
	}
	for n := range 3 {
		if _, err := s.Save(ctx, batch("b", n)); err != nil {
			t.Fatalf("save after space returned: %v", err)
		}
	}
	if st, _, err := s.State(ctx, "b"); err != nil || st.Entries != 12 {
		t.Errorf("feed b after recovery: %d entries (%v); want 12", st.Entries, err)
	}
	if fi := fileSize(t, path); fi > maxSize {
		t.Errorf("file is %d bytes; want at most MaxSize %d", fi, maxSize)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
