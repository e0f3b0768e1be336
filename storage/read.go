package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// fewFeeds is the largest feed filter for which Recent goes straight to the
// ids index: listing a few feeds' keys is cheaper than walking past every
// other feed's newest entries.
const fewFeeds = 16

// chunk is how many entries ForEach and Replace handle per transaction.
const chunk = 256

// State returns the stored state of feedID and whether there is one.
func (s *Store) State(ctx context.Context, feedID string) (feeds.FeedState, bool, error) {
	var (
		st    feeds.FeedState
		found bool
	)
	err := s.view(ctx, func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketStates).Get([]byte(feedID))
		if v == nil {
			return nil
		}
		found = true
		var err error
		st, err = decodeState(v)
		return err
	})
	if err != nil {
		return feeds.FeedState{}, false, fmt.Errorf("load state of %s: %w", feedID, err)
	}
	return st, found, nil
}

// States returns every stored feed state, ordered by FeedID.
func (s *Store) States(ctx context.Context) ([]feeds.FeedState, error) {
	var out []feeds.FeedState
	err := s.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketStates).ForEach(func(k, v []byte) error {
			st, err := decodeState(v)
			if err != nil {
				return fmt.Errorf("decode state %q: %w", k, err)
			}
			out = append(out, st)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("load states: %w", err)
	}
	return out, nil
}

// Meta returns a copy of the blob name of feedID, or nil, nil if absent.
func (s *Store) Meta(ctx context.Context, feedID, name string) ([]byte, error) {
	var out []byte
	err := s.view(ctx, func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketFeedMeta).Get(feedMetaKey(feedID, name)); v != nil {
			out = bytes.Clone(v)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load meta %q of %s: %w", name, feedID, err)
	}
	return out, nil
}

// Entry returns the stored entry (feedID, key) and whether it exists.
func (s *Store) Entry(ctx context.Context, feedID, key string) (feeds.Entry, bool, error) {
	var (
		e     feeds.Entry
		found bool
	)
	err := s.view(ctx, func(tx *bolt.Tx) error {
		k := makeID(feedID, key)
		v, err := getEntry(tx, k)
		if err != nil || v == nil {
			return err
		}
		e, err = decodeEntry(v)
		found = err == nil && e.Key == key
		return err
	})
	if err != nil {
		return feeds.Entry{}, false, fmt.Errorf("load entry %q of %s: %w", key, feedID, err)
	}
	if !found {
		return feeds.Entry{}, false, nil
	}
	return e, true, nil
}

// getEntry returns the record of k, or nil; valid until tx ends.
func getEntry(tx *bolt.Tx, k id) ([]byte, error) {
	cur := tx.Bucket(bucketIDs).Get(k[:])
	if cur == nil {
		return nil, nil
	}
	if len(cur) != idValLen {
		return nil, fmt.Errorf("corrupt ids value of length %d", len(cur))
	}
	return tx.Bucket(bucketEntries).Get(entryKey(binary.BigEndian.Uint64(cur), k)), nil
}

// Recent returns up to limit stories (limit <= 0 means all) of the given
// feeds, newest first by Published (clamped to Seen, see # Layout). A nil
// feedIDs means every feed; an empty non-nil one means none.
//
// A story merged from several feeds (see # Dedupe) is one entry: the copy
// of the feed with the highest Batch.Priority (the first seen among
// equals), at the position and with the Published and Seen of its first
// stored copy among the given feeds, its Updated moved only by material
// edits, StoryFeed and StoryKey naming its first copy, and Sources listing
// the other copies. A story standing alone is its entry, unchanged.
//
// With a limit and more than a few feeds, Recent walks the entries bucket
// backwards and decodes only the given feeds' records, so the usual call
// (most feeds, a small limit) costs about limit records. For a few feeds, or
// when the given feeds are too rare among the newest entries for that walk
// to pay off, it lists their keys from the ids index instead.
func (s *Store) Recent(ctx context.Context, feedIDs []string, limit int) ([]feeds.Entry, error) {
	if feedIDs != nil && len(feedIDs) == 0 {
		return nil, nil
	}
	var out []feeds.Entry
	err := s.view(ctx, func(tx *bolt.Tx) error {
		out = out[:0]
		want := wantFeeds(feedIDs)
		budget := -1 // unlimited walk
		if want != nil {
			if limit <= 0 || len(want) <= fewFeeds {
				budget = 0 // go straight to the index
			} else {
				budget = 8*limit + 1024
			}
		}
		done, err := recentWalk(tx, want, limit, budget, &out)
		if err != nil || done {
			return err
		}
		out = out[:0]
		return recentIndexed(tx, feedIDs, want, limit, &out)
	})
	if err != nil {
		return nil, fmt.Errorf("load recent entries: %w", err)
	}
	return out, nil
}

// recentWalk appends entries of the wanted feeds (nil: all) from newest to
// oldest until limit (<= 0: no limit) is reached, the bucket ends, or it
// has looked at budget keys (< 0: no budget). It reports whether the result
// is complete.
func recentWalk(tx *bolt.Tx, want map[[8]byte]bool, limit, budget int, out *[]feeds.Entry) (bool, error) {
	if budget == 0 {
		return false, nil
	}
	c := tx.Bucket(bucketEntries).Cursor()
	view := newStoryView(tx, want)
	steps := 0
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		if limit > 0 && len(*out) >= limit {
			return true, nil
		}
		if budget > 0 && steps >= budget {
			return false, nil
		}
		steps++
		if want != nil && (len(k) != entryLen || !want[[8]byte(k[8:16])]) {
			continue
		}
		e, err := decodeEntry(v)
		if err != nil {
			return false, fmt.Errorf("decode entry %x: %w", k, err)
		}
		if e, ok, err := view.story(id(k[8:]), e); err != nil {
			return false, err
		} else if ok {
			*out = append(*out, e)
		}
	}
	return true, nil
}

// recentIndexed is Recent through the ids index: list the feeds' keys,
// sort them newest first, read the first limit records.
func recentIndexed(tx *bolt.Tx, feedIDs []string, want map[[8]byte]bool, limit int, out *[]feeds.Entry) error {
	entries := tx.Bucket(bucketEntries)
	keys := feedEntryKeys(tx, feedIDs)
	slices.SortFunc(keys, func(a, b []byte) int { return bytes.Compare(b, a) })
	view := newStoryView(tx, want)
	for _, k := range keys {
		if limit > 0 && len(*out) >= limit {
			break
		}
		e, err := decodeEntry(entries.Get(k))
		if err != nil {
			return fmt.Errorf("decode entry %x: %w", k, err)
		}
		if e, ok, err := view.story(id(k[8:]), e); err != nil {
			return err
		} else if ok {
			*out = append(*out, e)
		}
	}
	return nil
}

// feedEntryKeys lists the entries-bucket keys of the given feeds from the
// ids index, unsorted. The keys are fresh allocations.
func feedEntryKeys(tx *bolt.Tx, feedIDs []string) [][]byte {
	var keys [][]byte
	c := tx.Bucket(bucketIDs).Cursor()
	seen := make(map[[8]byte]bool, len(feedIDs))
	for _, f := range feedIDs {
		p := feedPrefix(f)
		if seen[p] {
			continue
		}
		seen[p] = true
		for k, v := c.Seek(p[:]); k != nil && bytes.HasPrefix(k, p[:]); k, v = c.Next() {
			if len(k) != idLen || len(v) != idValLen {
				continue
			}
			keys = append(keys, entryKey(binary.BigEndian.Uint64(v), id(k)))
		}
	}
	return keys
}

// ForEach calls fn for every stored entry of feedID ("" means all feeds),
// oldest first, and stops at the first error fn returns, which it returns
// unwrapped. A feedID that was never saved fails with ErrNotFound. Entries are read in chunks of 256, each in its own short read
// transaction, and fn runs outside any transaction, so it may be slow or
// call other Store methods. Entries saved or deleted during the walk may or
// may not be seen.
func (s *Store) ForEach(ctx context.Context, feedID string, fn func(feeds.Entry) error) error {
	var (
		batch []feeds.Entry
		next  func(tx *bolt.Tx) error
	)
	if feedID == "" {
		var after []byte // last key handled; nil before the first chunk
		next = func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketEntries).Cursor()
			k, v := c.First()
			if after != nil {
				k, v = c.Seek(after)
				if bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
			for ; k != nil && len(batch) < chunk; k, v = c.Next() {
				e, err := decodeEntry(v)
				if err != nil {
					return fmt.Errorf("decode entry %x: %w", k, err)
				}
				batch = append(batch, e)
				after = bytes.Clone(k)
			}
			return nil
		}
	} else {
		var keys [][]byte
		err := s.view(ctx, func(tx *bolt.Tx) error {
			if tx.Bucket(bucketStates).Get([]byte(feedID)) == nil {
				return ErrNotFound
			}
			keys = feedEntryKeys(tx, []string{feedID})
			return nil
		})
		if err != nil {
			return fmt.Errorf("list entries of %s: %w", feedID, err)
		}
		slices.SortFunc(keys, bytes.Compare)
		next = func(tx *bolt.Tx) error {
			entries := tx.Bucket(bucketEntries)
			for len(keys) > 0 && len(batch) < chunk {
				k := keys[0]
				keys = keys[1:]
				v := entries.Get(k)
				if v == nil {
					continue // deleted or moved since the listing
				}
				e, err := decodeEntry(v)
				if err != nil {
					return fmt.Errorf("decode entry %x: %w", k, err)
				}
				batch = append(batch, e)
			}
			return nil
		}
	}
	for {
		batch = batch[:0]
		if err := s.view(ctx, next); err != nil {
			return fmt.Errorf("walk entries: %w", err)
		}
		if len(batch) == 0 {
			return nil
		}
		for _, e := range batch {
			if err := fn(e); err != nil {
				return err
			}
		}
	}
}

// Replace rewrites the cleaned fields (Title, Link, Content, Summary, Image,
// and Hash when non-empty) of stored entries, identified by (FeedID, Key),
// leaving dates, Raw and metadata alone, and updates their cross-feed
// index keys to match (the story an entry belongs to does not change). Entries that are not stored are
// skipped. It commits in transactions of 256 entries; on error, earlier
// chunks stay committed.
func (s *Store) Replace(ctx context.Context, entries []feeds.Entry) error {
	for part := range slices.Chunk(entries, chunk) {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("replace entries: %w", err)
		}
		var changed bool
		var version uint64
		var at int64
		err := s.db.Update(func(tx *bolt.Tx) error {
			n, err := replaceChunk(tx, part, s.dedupe.MinWords)
			if err != nil || n == 0 {
				return err
			}
			changed = true
			w := saver{now: s.now()}
			err = w.bump(tx.Bucket(bucketMeta))
			version, at = w.version, w.changed
			return err
		})
		if err != nil {
			return fmt.Errorf("replace entries: %w", err)
		}
		if changed {
			s.observe(version, at)
		}
	}
	return nil
}

// replaceChunk applies Replace to part and reports how many records
// changed. A changed record is signed again, so that later merges compare
// other feeds' copies with what is stored, not with what was.
func replaceChunk(tx *bolt.Tx, part []feeds.Entry, minWords int) (int, error) {
	entries := tx.Bucket(bucketEntries)
	ids := tx.Bucket(bucketIDs)
	ix := openIndexes(tx)
	n := 0
	for i := range part {
		in := &part[i]
		k := makeID(in.FeedID, in.Key)
		cur := ids.Get(k[:])
		if len(cur) != idValLen {
			continue
		}
		pub := binary.BigEndian.Uint64(cur)
		ek := entryKey(pub, k)
		old, err := decodeEntry(entries.Get(ek))
		if err != nil {
			return 0, fmt.Errorf("decode entry %q of %s: %w", in.Key, in.FeedID, err)
		}
		if old.Key != in.Key {
			continue // hash collision: not this entry
		}
		e := old
		e.Title, e.Link, e.Content, e.Summary, e.Image = in.Title, in.Link, in.Content, in.Summary, in.Image
		if in.Hash != "" {
			e.Hash = in.Hash
		}
		v := encodeEntry(nil, &e)
		if bytes.Equal(v, entries.Get(ek)) {
			continue
		}
		if err := entries.Put(ek, v); err != nil {
			return 0, err
		}
		if err := ids.Put(k[:], idValue(pub, contentHash(&e))); err != nil {
			return 0, err
		}
		if err := ix.resign(k, &e, pub, minWords); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}
