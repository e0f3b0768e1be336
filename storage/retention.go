package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Keep is a retention policy for one feed's entries. The zero value keeps
// everything.
type Keep struct {
	// MaxAge deletes entries whose stored time (Published clamped to Seen,
	// as Recent orders them) is older than this; 0 means no age limit.
	MaxAge time.Duration
	// MaxItems keeps at most this many of the feed's newest entries; 0
	// means no count limit. Entries sharing the cut-off time are all kept.
	MaxItems int
}

// tombRenew is how old a tombstone's stamp must be before a Save that
// meets its entry again renews it: often enough that a tombstone of an
// entry still listed never expires, rarely enough not to write on every
// poll.
const tombRenew = 7 * 24 * time.Hour

// DefaultTombstoneAge is the age after which ExpireTombstones removes a
// tombstone that no poll has met since (see Retention).
const DefaultTombstoneAge = 180 * 24 * time.Hour

// errNothing rolls back a write transaction that found nothing to do.
var errNothing = errors.New("storage: nothing to do")

// stampOf decodes a tombstone's value: the unix nanos of the purge or of
// the last time a Save met its entry again.
func stampOf(v []byte) time.Time {
	if len(v) < 8 {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(v)))
}

// PruneResult says what Prune deleted.
type PruneResult struct {
	// Deleted counts the entries deleted per feed ID (feeds with none are
	// absent).
	Deleted map[string]int
	// Tombstones is how many expired tombstones were removed.
	Tombstones int
}

// Total returns the number of entries deleted over all feeds.
func (r PruneResult) Total() int {
	n := 0
	for _, v := range r.Deleted {
		n += v
	}
	return n
}

// Prune applies retention: for every feed with a stored state, keep(feedID)
// says how many entries and how old ones to keep, and the others are
// deleted, leaving tombstones (see Purge) so that a feed still listing them
// does not bring them back. Then tombstones not met by any poll for
// tombstoneAge (0 means DefaultTombstoneAge) are removed; a Save that meets
// a tombstoned entry renews its tombstone, so tombstones outlive the
// entries they stand for as long as a feed lists them. A nil keep deletes no
// entries.
//
// Prune works in transactions of at most 256 entries (or tombstones), so
// it never holds the write lock for long and polls interleave with it; on
// error, earlier transactions stay committed and the result counts them.
func (s *Store) Prune(ctx context.Context, keep func(feedID string) Keep, tombstoneAge time.Duration) (PruneResult, error) {
	res := PruneResult{Deleted: map[string]int{}}
	if keep != nil {
		cut, upTo, err := s.cutoffs(ctx, keep)
		if err != nil {
			return res, fmt.Errorf("prune entries: %w", err)
		}
		if err := s.pruneEntries(ctx, cut, upTo, res.Deleted); err != nil {
			return res, fmt.Errorf("prune entries: %w", err)
		}
	}
	if tombstoneAge <= 0 {
		tombstoneAge = DefaultTombstoneAge
	}
	n, err := s.ExpireTombstones(ctx, s.now().Add(-tombstoneAge))
	res.Tombstones = n
	return res, err
}

// cutoffs reads, in one read transaction, each feed's policy and turns it
// into the stored time below which its entries go (keyed by feed(8)), and
// the largest of them.
func (s *Store) cutoffs(ctx context.Context, keep func(string) Keep) (map[[8]byte]uint64, uint64, error) {
	now := s.now()
	cut := make(map[[8]byte]uint64)
	var upTo uint64
	err := s.view(ctx, func(tx *bolt.Tx) error {
		ids := tx.Bucket(bucketIDs)
		return tx.Bucket(bucketStates).ForEach(func(k, _ []byte) error {
			p := keep(string(k))
			if p.MaxAge <= 0 && p.MaxItems <= 0 {
				return nil
			}
			var limit uint64
			if p.MaxAge > 0 {
				limit = pubKey(now.Add(-p.MaxAge), now)
			}
			if p.MaxItems > 0 {
				pre := feedPrefix(string(k))
				var pubs []uint64
				c := ids.Cursor()
				for ik, v := c.Seek(pre[:]); ik != nil && bytes.HasPrefix(ik, pre[:]); ik, v = c.Next() {
					if len(v) == idValLen {
						pubs = append(pubs, binary.BigEndian.Uint64(v))
					}
				}
				if len(pubs) > p.MaxItems {
					slices.Sort(pubs)
					limit = max(limit, pubs[len(pubs)-p.MaxItems]) // the oldest kept
				}
			}
			if limit > 0 {
				cut[feedPrefix(string(k))] = limit
				upTo = max(upTo, limit)
			}
			return nil
		})
	})
	return cut, upTo, err
}

// pruneEntries walks the entries bucket oldest first up to upTo, deleting
// those below their feed's cut-off, a chunk per transaction.
func (s *Store) pruneEntries(ctx context.Context, cut map[[8]byte]uint64, upTo uint64, deleted map[string]int) error {
	if len(cut) == 0 {
		return nil
	}
	var from []byte // resume point: the first key not yet looked at
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var n int
		var version uint64
		var at int64
		more := false
		err := s.db.Update(func(tx *bolt.Tx) error {
			var victims [][]byte
			c := tx.Bucket(bucketEntries).Cursor()
			k, _ := c.First()
			if from != nil {
				k, _ = c.Seek(from)
			}
			for ; k != nil; k, _ = c.Next() {
				if len(k) != entryLen {
					continue
				}
				pub := binary.BigEndian.Uint64(k)
				if pub >= upTo {
					break
				}
				if limit, ok := cut[[8]byte(k[8:16])]; ok && pub < limit {
					victims = append(victims, bytes.Clone(k))
					if len(victims) == chunk {
						more = true
						from = append(bytes.Clone(k), 0) // just after k
						break
					}
				}
			}
			n = len(victims)
			if n == 0 {
				return errNothing // roll back: no commit, no fsync
			}
			if err := s.deleteEntries(tx, victims, deleted); err != nil {
				return err
			}
			w := saver{now: s.now()}
			err := w.bump(tx.Bucket(bucketMeta))
			version, at = w.version, w.changed
			return err
		})
		if err != nil && err != errNothing {
			return err
		}
		if n > 0 {
			s.observe(version, at)
		}
		if !more {
			return nil
		}
	}
}

// ExpireTombstones removes tombstones whose stamp (the purge, or the last
// Save that met their entry again) is before before, in transactions of at
// most 256, and returns how many it removed. An entry whose tombstone
// expired comes back as new if a feed lists it again.
func (s *Store) ExpireTombstones(ctx context.Context, before time.Time) (int, error) {
	total := 0
	var from []byte
	for {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("expire tombstones: %w", err)
		}
		n, more := 0, false
		err := s.db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketTombstones)
			var victims [][]byte
			c := b.Cursor()
			k, v := c.First()
			if from != nil {
				k, v = c.Seek(from)
			}
			for ; k != nil; k, v = c.Next() {
				if stampOf(v).Before(before) {
					victims = append(victims, bytes.Clone(k))
				}
				if len(victims) == chunk {
					more = true
					from = append(bytes.Clone(k), 0)
					break
				}
			}
			for _, k := range victims {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			n = len(victims)
			if n == 0 {
				return errNothing
			}
			return nil
		})
		if err != nil && err != errNothing {
			return total, fmt.Errorf("expire tombstones: %w", err)
		}
		total += n
		if !more {
			return total, nil
		}
	}
}

// Tombstones returns how many tombstones are stored (entries purged, and
// their canonical links).
func (s *Store) Tombstones(ctx context.Context) (int, error) {
	n := 0
	err := s.view(ctx, func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketTombstones).Stats().KeyN
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count tombstones: %w", err)
	}
	return n, nil
}
