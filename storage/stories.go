package storage

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// Walk calls fn for every story of the given feeds (nil: every feed),
// newest first, exactly as Recent without a limit returns them, but in
// chunks of at most 256 stories, each read in its own short transaction,
// so its memory does not grow with the store. fn runs outside
// any transaction. Walk stops at the first error fn returns and returns it
// unwrapped. Entries saved or deleted during the walk may or may not be
// seen.
func (s *Store) Walk(ctx context.Context, feedIDs []string, fn func(feeds.Entry) error) error {
	if feedIDs != nil && len(feedIDs) == 0 {
		return nil
	}
	want := wantFeeds(feedIDs)
	var before []byte // the last key handled; nil before the first chunk
	var view *storyView
	var batch []feeds.Entry
	next := func(tx *bolt.Tx) error {
		if view == nil {
			view = newStoryView(tx, want)
		}
		view.tx = tx
		c := tx.Bucket(bucketEntries).Cursor()
		var k, v []byte
		if before == nil {
			k, v = c.Last()
		} else {
			if k, v = c.Seek(before); k == nil {
				k, v = c.Last()
			}
			for k != nil && bytes.Compare(k, before) >= 0 {
				k, v = c.Prev()
			}
		}
		// A chunk ends at 256 stories or 1,024 keys looked at, whichever
		// comes first, so that a walk of a few feeds among many still
		// keeps each transaction short.
		for steps := 0; k != nil && len(batch) < chunk && steps < 4*chunk; k, v = c.Prev() {
			steps++
			before = append(before[:0], k...)
			if want != nil && (len(k) != entryLen || !want[[8]byte(k[8:16])]) {
				continue
			}
			e, err := decodeEntry(v)
			if err != nil {
				return fmt.Errorf("decode entry %x: %w", k, err)
			}
			if e, ok, err := view.story(id(k[8:]), e); err != nil {
				return err
			} else if ok {
				batch = append(batch, e)
			}
		}
		if k == nil {
			before = nil // nothing older: done after this chunk
		}
		return nil
	}
	for first := true; first || before != nil; first = false {
		batch = batch[:0]
		if err := s.view(ctx, next); err != nil {
			return fmt.Errorf("walk stories: %w", err)
		}
		for _, e := range batch {
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// Stories returns the stories the given feeds show (nil: every feed) for
// the stored entries refs name, in refs' order, in one read transaction.
// A ref may name any copy of a merged story: the result is the story as
// Recent and Walk show it. Refs of entries no longer stored are skipped,
// and a story named twice is returned once.
func (s *Store) Stories(ctx context.Context, feedIDs []string, refs []feeds.Ref) ([]feeds.Entry, error) {
	out := make([]feeds.Entry, 0, len(refs))
	err := s.view(ctx, func(tx *bolt.Tx) error {
		out = out[:0]
		view := newStoryView(tx, wantFeeds(feedIDs))
		seen := make(map[id]bool, len(refs))
		for _, r := range refs {
			k, err := view.anchor(makeID(r.FeedID, r.Key))
			if err != nil {
				return err
			}
			if seen[k] {
				continue
			}
			seen[k] = true
			v, err := getEntry(tx, k)
			if err != nil || v == nil {
				if err != nil {
					return fmt.Errorf("read entry %s %q: %w", r.FeedID, r.Key, err)
				}
				continue
			}
			e, err := decodeEntry(v)
			if err != nil {
				return fmt.Errorf("decode entry %s %q: %w", r.FeedID, r.Key, err)
			}
			if e, ok, err := view.story(k, e); err != nil {
				return err
			} else if ok {
				out = append(out, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load stories: %w", err)
	}
	return out, nil
}

// wantFeeds is the feed-hash set of feedIDs, nil for every feed.
func wantFeeds(feedIDs []string) map[[8]byte]bool {
	if feedIDs == nil {
		return nil
	}
	want := make(map[[8]byte]bool, len(feedIDs))
	for _, f := range feedIDs {
		want[feedPrefix(f)] = true
	}
	return want
}
