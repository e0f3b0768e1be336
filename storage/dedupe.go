package storage

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/dedupe"
)

// identityChurn is FeedState.Identity of a feed whose GUIDs were seen to
// change between polls while links stayed put.
const identityChurn = "link: guids churn"

// linkCounts counts the batch's entries per canonical link: a link that
// several entries of one document share cannot identify any of them.
func linkCounts(ss []signed) map[string]int {
	m := make(map[string]int, len(ss))
	for _, s := range ss {
		if s.urlKey != "" {
			m[s.urlKey]++
		}
	}
	return m
}

// storedKey is a stored entry's identity.
type storedKey struct {
	id  id
	key string
}

// churned looks for the stored entry of the same feed with the same
// canonical link, for a GUID- or link-keyed entry that is not stored under
// its key: the publisher regenerated its GUID (a new build, http→https, a
// GUID equal to a changed title), or dedupe keyed the document by other
// means than when the entry was stored (one item with a blank or repeated
// GUID makes dedupe key a whole document by links, and a later document
// by GUIDs again). Either way the entry keeps the key it was first stored
// under, GUID or link. The link must identify one entry of the document,
// and the two must be published at the same second (or, when the new
// entry has no date, carry the same title): a feed that lists only its
// latest item, linking the same page every time (a podcast's show page, a
// daily digest), publishes a new item, not the old one under a new GUID.
func (w *saver) churned(tx *bolt.Tx, k id, e *feeds.Entry, sd *signed, links map[string]int) (storedKey, bool) {
	if !byGUIDOrLink(e.Key) || sd.urlKey == "" || links[sd.urlKey] != 1 {
		return storedKey{}, false
	}
	var h [8]byte
	hash8(h[:], sd.urlKey)
	dated := !e.Published.IsZero() || !e.Updated.IsZero()
	sec := pubSec(newPub(e, w.now))
	var found storedKey
	ok := false
	lookup(tx.Bucket(bucketURLs), h, func(c id, _ byte) bool {
		if [8]byte(c[:8]) != [8]byte(k[:8]) || c == k {
			return true
		}
		raw, err := getEntry(tx, c)
		if err != nil || raw == nil {
			return true
		}
		old, err := decodeEntry(raw)
		if err != nil || dedupe.URLKey(old.Link) != sd.urlKey || !byGUIDOrLink(old.Key) {
			return true
		}
		if dated && pubSec(pubKey(old.Published, old.Seen)) != sec ||
			!dated && old.Title != e.Title {
			return true
		}
		// Another key of this batch may still claim it (the document lists
		// both): then it is not churn.
		for _, be := range w.batch.Entries {
			if be.Key == old.Key {
				return true
			}
		}
		found, ok = storedKey{id: c, key: old.Key}, true
		return false
	})
	return found, ok
}

// byGUIDOrLink reports whether key came from a GUID or a link, the keys
// churned may match to each other.
func byGUIDOrLink(key string) bool {
	return strings.HasPrefix(key, dedupe.ByGUID) || strings.HasPrefix(key, dedupe.ByLink)
}

// tombstoned reports whether the new entry e was purged before: by its
// key, or (for a regenerated GUID) by its feed and canonical link together
// with its publication time. A link alone cannot say it: every episode of
// a podcast may link its show page, and purging one must not refuse the
// next. It counts it, and renews the stamps of the tombstones it matched
// when they are older than tombRenew, so that ExpireTombstones keeps every
// tombstone whose entry a feed still lists.
func (w *saver) tombstoned(tx *bolt.Tx, k id, e *feeds.Entry, sd *signed) (bool, error) {
	tombs := tx.Bucket(bucketTombstones)
	dead := false
	renew := func(tk, v []byte) error {
		dead = true
		if !stampOf(v).Before(w.now.Add(-tombRenew)) {
			return nil
		}
		w.renew++
		return tombs.Put(tk, append(putUint64(uint64(w.now.UnixNano())), v[8:]...))
	}
	if v := tombs.Get(k[:]); v != nil {
		if err := renew(k[:], v); err != nil {
			return false, err
		}
	}
	if sd.urlKey != "" {
		lk := makeID(w.batch.State.FeedID, linkTombKey+sd.urlKey)
		if v := tombs.Get(lk[:]); len(v) == 16 && pubSec(binary.BigEndian.Uint64(v[8:])) == pubSec(newPub(e, w.now)) {
			if err := renew(lk[:], v); err != nil {
				return false, err
			}
		}
	}
	if dead {
		w.res.Tombstoned++
	}
	return dead, nil
}

// index (re)writes the index keys of the entry k stored at pub and, for a
// new entry of a feed that takes part in cross-feed merging, merges it into
// the story another feed already has, if any.
func (w *saver) index(tx *bolt.Tx, k id, e *feeds.Entry, sd *signed, pub uint64, isNew bool) error {
	ix := openIndexes(tx)
	old, had, err := ix.remove(k)
	if err != nil {
		return err
	}
	var flags byte
	prio := w.batch.Priority
	if had && !isNew {
		flags, prio = old.flags, int(old.priority)
	}
	if w.batch.NoDedupe {
		flags |= flagNoDedupe
	} else {
		flags &^= flagNoDedupe
	}
	s := makeSig(sd, pub, flags, prio, w.store.dedupe.MinWords)
	if isNew && !w.batch.NoDedupe {
		other, reason, score, found, err := w.match(tx, ix, k, sd, s)
		if err != nil {
			return fmt.Errorf("match across feeds: %w", err)
		}
		if found {
			if err := w.join(tx, k, e, other, reason, score); err != nil {
				return fmt.Errorf("merge into story: %w", err)
			}
		}
	}
	return ix.add(k, s)
}

// match finds another feed's stored entry that is the same story as the
// new entry: same global GUID, else same canonical URL, else a confirmed
// near-duplicate published within the window.
func (w *saver) match(tx *bolt.Tx, ix indexes, k id, sd *signed, s sig) (other id, reason string, score float64, found bool, err error) {
	feed := [8]byte(k[:8])
	exact := func(b *bolt.Bucket, h [8]byte) (id, bool) {
		var hit id
		ok := false
		lookup(b, h, func(c id, flags byte) bool {
			if [8]byte(c[:8]) == feed || flags&flagNoDedupe != 0 {
				return true
			}
			hit, ok = c, true
			return false
		})
		return hit, ok
	}
	if s.guid != zero8 {
		if c, ok := exact(ix.guids, s.guid); ok {
			return c, string(dedupe.SameGUID), 1, true, nil
		}
	}
	if s.url != zero8 {
		if c, ok := exact(ix.urls, s.url); ok {
			return c, string(dedupe.SameURL), 1, true, nil
		}
	}
	if s.body != 0 {
		if c, ok := exact(ix.bodies, [8]byte(binary.BigEndian.AppendUint64(nil, s.body))); ok {
			return c, string(dedupe.SameText), 1, true, nil
		}
	}
	if !s.words {
		return id{}, "", 0, false, nil
	}
	opts := w.store.dedupe
	win := uint32(opts.Window / time.Second)
	from, to := s.pubsec-min(s.pubsec, win), s.pubsec+win
	cands := ix.nearCandidates(s.simhash, from, to, feed, opts.MaxDistance)
	for i, c := range cands {
		if i == maxVerify {
			break
		}
		raw, err := getEntry(tx, c.k)
		if err != nil {
			return id{}, "", 0, false, err
		}
		if raw == nil {
			continue
		}
		ce, err := decodeEntry(raw)
		if err != nil {
			return id{}, "", 0, false, fmt.Errorf("decode entry %x: %w", c.k, err)
		}
		cs := dedupe.Sign(&ce)
		if sc, ok := opts.Near(&sd.sig, &cs); ok {
			return c.k, string(dedupe.NearDuplicate), sc, true, nil
		}
	}
	return id{}, "", 0, false, nil
}

// maxVerify bounds the precise comparisons per new entry: candidates come
// nearest first, and a story syndicated more widely than this is found
// through the first copies anyway.
const maxVerify = 8

// urlKeyOf is dedupe.URLKey, named for the tombstone code.
func urlKeyOf(link string) string { return dedupe.URLKey(link) }
