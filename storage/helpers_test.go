package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// clock is a settable fake time source for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// openTest opens a store in a fresh temporary directory (or at path, when
// given) and, at cleanup, checks bbolt's consistency and our own index
// invariants before closing it.
func openTest(t testing.TB, path string, opts Options) *Store {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "tidyfeed.db")
	}
	s, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := checkStore(s); err != nil {
			t.Errorf("consistency check: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// checkStore runs tx.Check and verifies that ids and entries mirror each
// other and that every feed state counts its entries.
func checkStore(s *Store) error {
	return s.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		entries, ids := tx.Bucket(bucketEntries), tx.Bucket(bucketIDs)
		perFeed := map[[8]byte]int{}
		nIDs := 0
		err := ids.ForEach(func(k, v []byte) error {
			nIDs++
			if len(k) != idLen || len(v) != idValLen {
				return fmt.Errorf("ids %x → %x: bad lengths", k, v)
			}
			rec := entries.Get(entryKey(binary.BigEndian.Uint64(v), id(k)))
			if rec == nil {
				return fmt.Errorf("ids %x points at a missing record", k)
			}
			e, err := decodeEntry(rec)
			if err != nil {
				return err
			}
			if want := makeID(e.FeedID, e.Key); !bytes.Equal(want[:], k) {
				return fmt.Errorf("record of %q/%q filed under id %x", e.FeedID, e.Key, k)
			}
			if e.Seen.IsZero() || e.Published.IsZero() || e.Updated.IsZero() {
				return fmt.Errorf("entry %q has a zero date: %+v", e.Key, e)
			}
			perFeed[[8]byte(k[:8])]++
			return nil
		})
		if err != nil {
			return err
		}
		if n := entries.Stats().KeyN; n != nIDs {
			return fmt.Errorf("entries bucket has %d keys, ids has %d", n, nIDs)
		}
		return tx.Bucket(bucketStates).ForEach(func(k, v []byte) error {
			st, err := decodeState(v)
			if err != nil {
				return err
			}
			if got := perFeed[feedPrefix(string(k))]; got != st.Entries {
				return fmt.Errorf("state of %s says %d entries, index has %d", k, st.Entries, got)
			}
			return nil
		})
	})
}

// entry builds a test entry of feed with key, hash and a Published offset
// (in hours) from base; off == 0 leaves Published zero.
func entry(feed, key, hash string, pub time.Time) feeds.Entry {
	return feeds.Entry{
		FeedID:    feed,
		Key:       key,
		Hash:      hash,
		Title:     "title " + key,
		Link:      "https://example.com/" + key,
		Content:   "<p>content of " + key + " " + hash + "</p>",
		Published: pub,
		Raw:       feeds.Raw{Title: "raw " + key, Content: "<p>raw " + key + " " + hash + "</p>"}, // an edit changes the source
	}
}

func keysOf(es []feeds.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.FeedID + "/" + e.Key
	}
	return out
}
