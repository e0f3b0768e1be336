package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Purge deletes the stored entries of feedID ("" means every feed) whose
// Published time (clamped to Seen, as Recent orders them) is before before,
// and leaves a tombstone for each, so that a feed still listing a purged
// entry does not bring it back as new: Save skips tombstoned keys, and
// tombstoned canonical links of the same feed (a purged entry re-listed
// under a regenerated GUID), counting them in SaveResult.Tombstoned. It is
// the primitive a retention policy calls; it returns how many entries it
// deleted. It commits in transactions of at most 256 entries; on error,
// earlier ones stay committed. A purged member of a merged story leaves the
// story's id and its other copies alone.
func (s *Store) Purge(ctx context.Context, feedID string, before time.Time) (int, error) {
	limit := pubKey(before, before)
	var want [8]byte
	if feedID != "" {
		want = feedPrefix(feedID)
	}
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("purge entries: %w", err)
		}
		n, more := 0, false
		var version uint64
		var at int64
		err := s.db.Update(func(tx *bolt.Tx) error {
			var err error
			n, more, err = s.purgeChunk(tx, feedID, want, limit)
			if err != nil || n == 0 {
				return err
			}
			w := saver{now: s.now()}
			err = w.bump(tx.Bucket(bucketMeta))
			version, at = w.version, w.changed
			return err
		})
		if err != nil {
			return total, fmt.Errorf("purge entries: %w", err)
		}
		if n > 0 {
			s.observe(version, at)
		}
		total += n
		if !more {
			return total, nil
		}
	}
}

// purgeChunk deletes up to chunk entries older than limit and reports how
// many, and whether more may remain.
func (s *Store) purgeChunk(tx *bolt.Tx, feedID string, want [8]byte, limit uint64) (int, bool, error) {
	var victims [][]byte
	c := tx.Bucket(bucketEntries).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if len(k) != entryLen {
			continue
		}
		if binary.BigEndian.Uint64(k) >= limit {
			break
		}
		if feedID != "" && !bytes.Equal(k[8:16], want[:]) {
			continue
		}
		victims = append(victims, bytes.Clone(k))
		if len(victims) == chunk {
			break
		}
	}
	if err := s.deleteEntries(tx, victims, nil); err != nil {
		return 0, false, err
	}
	return len(victims), len(victims) == chunk, nil
}

// deleteEntries deletes the entries at the entries-bucket keys victims, with
// their index keys, leaves a tombstone for each (on its key and on its feed
// and canonical link), lowers their feeds' stored counts and, when counts is
// not nil, adds the number deleted per feed ID to it.
func (s *Store) deleteEntries(tx *bolt.Tx, victims [][]byte, counts map[string]int) error {
	if counts == nil {
		counts = make(map[string]int)
	}
	here := make(map[string]int)
	entries := tx.Bucket(bucketEntries)
	ix := openIndexes(tx)
	tombs := tx.Bucket(bucketTombstones)
	stamp := uint64(s.now().UnixNano())
	for _, ek := range victims {
		e, err := decodeEntry(entries.Get(ek))
		if err != nil {
			return fmt.Errorf("decode entry %x: %w", ek, err)
		}
		k := id(ek[8:])
		if err := entries.Delete(ek); err != nil {
			return err
		}
		if err := tx.Bucket(bucketIDs).Delete(k[:]); err != nil {
			return err
		}
		if _, _, err := ix.remove(k); err != nil {
			return err
		}
		if err := tombs.Put(k[:], putUint64(stamp)); err != nil {
			return err
		}
		if u := urlKeyOf(e.Link); u != "" {
			lk := makeID(e.FeedID, linkTombKey+u)
			if err := tombs.Put(lk[:], append(putUint64(stamp), ek[:8]...)); err != nil {
				return err
			}
		}
		here[e.FeedID]++
	}
	states := tx.Bucket(bucketStates)
	for feed, n := range here {
		counts[feed] += n
		v := states.Get([]byte(feed))
		if v == nil {
			continue
		}
		st, err := decodeState(v)
		if err != nil {
			return fmt.Errorf("decode state %q: %w", feed, err)
		}
		st.Entries = max(st.Entries-n, 0)
		nv, err := json.Marshal(st)
		if err != nil {
			return err
		}
		if err := states.Put([]byte(feed), nv); err != nil {
			return err
		}
	}
	return nil
}

// Tombstoned reports whether the entry (feedID, key) was purged.
func (s *Store) Tombstoned(ctx context.Context, feedID, key string) (bool, error) {
	var dead bool
	err := s.view(ctx, func(tx *bolt.Tx) error {
		k := makeID(feedID, key)
		dead = tx.Bucket(bucketTombstones).Get(k[:]) != nil
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("load tombstone of %q in %s: %w", key, feedID, err)
	}
	return dead, nil
}
