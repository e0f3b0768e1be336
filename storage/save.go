package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/dedupe"
)

// Batch is everything one fetch of one feed produced; Save commits it in one
// transaction.
type Batch struct {
	// State is always saved, keyed by State.FeedID, which must be set. Its
	// Entries field is ignored and replaced by the stored count.
	State feeds.FeedState
	// Entries are upserted by (FeedID, Key). An entry's FeedID may be ""
	// (meaning State.FeedID) but no other feed's; Key must be set. Nil is
	// fine (304 Not Modified, fetch error).
	Entries []feeds.Entry
	// Meta holds per-feed named blobs (e.g. the cleaner's learned profile)
	// saved in the same transaction; a nil value deletes the blob.
	Meta map[string][]byte
	// Priority is the feed's feeds.Source.Priority: of the copies of a
	// merged story, the one from the feed with the highest priority is
	// published (first seen among equals). It is recorded when an entry is
	// first stored.
	Priority int
	// NoDedupe is feeds.Source.NoDedupe: the batch's new entries neither
	// join nor are joined by other feeds' stories.
	NoDedupe bool
}

// SaveResult counts what Save did with a Batch's entries.
type SaveResult struct {
	New, Updated, Unchanged int
	// Merged counts the new entries that joined another feed's story (they
	// are also counted in New); Tombstoned counts entries skipped because
	// they were purged before (see Purge).
	Merged, Tombstoned int
	// NewKeys and UpdatedKeys list the Keys of new and updated entries in
	// Batch order.
	NewKeys, UpdatedKeys []string
	// Recleaned counts the entries stored again because their cleaned text
	// changed while their source did not (also counted in Unchanged): not
	// edits, but what subscribers see changed, so copies should be synced.
	Recleaned int
}

// Save upserts b in one transaction. For each entry:
//
//   - a new (FeedID, Key) is inserted with Seen = now; a zero Published falls
//     back to Updated, then to Seen, and a zero Updated to Published;
//   - a stored key with a different Hash is rewritten with the new content,
//     keeping the stored Seen and, unless the new one is non-zero, the stored
//     Published and Updated; but when its source (Raw and the enclosure
//     URLs) is as stored, only the cleaning changed: the new content is
//     stored with the stored dates, counted as unchanged and Recleaned;
//   - a stored key with the same Hash is left alone (nothing is written);
//     one whose Hash differs only because Hash's definition changed since
//     it was stored (dedupe.SameMaterial) gets the new Hash and nothing
//     else, and is counted as unchanged.
//
// The feed state, its stored entry count and b.Meta are written in the same
// transaction; when nothing changed, nothing is committed. Save is safe for
// concurrent use; concurrent calls may share a commit (see # Transactions in
// the package documentation).
func (s *Store) Save(ctx context.Context, b Batch) (SaveResult, error) {
	feedID := b.State.FeedID
	if feedID == "" {
		return SaveResult{}, errors.New("save batch: empty State.FeedID")
	}
	for i := range b.Entries {
		e := &b.Entries[i]
		if e.Key == "" {
			return SaveResult{}, fmt.Errorf("save %s: entry %d has no key", feedID, i)
		}
		if e.FeedID != "" && e.FeedID != feedID {
			return SaveResult{}, fmt.Errorf("save %s: entry %q belongs to feed %q", feedID, e.Key, e.FeedID)
		}
	}
	if err := ctx.Err(); err != nil {
		return SaveResult{}, fmt.Errorf("save %s: %w", feedID, err)
	}
	w := &saver{store: s, batch: &b, now: s.now(), signed: make([]signed, len(b.Entries))}
	for i := range b.Entries {
		w.signed[i] = signEntry(&b.Entries[i])
	}
	if err := s.commit.update(w.run); err != nil {
		return SaveResult{}, fmt.Errorf("save %s: %w", feedID, asFull(err))
	}
	s.observe(w.version, w.changed)
	return w.res, nil
}

// saver is one Save's transaction function. run may be called more than
// once (see committer.update); it resets its outputs and derives everything
// else from the transaction. It reports whether it wrote anything.
type saver struct {
	store  *Store
	batch  *Batch
	now    time.Time
	signed []signed // per batch entry, computed before the transaction
	churn  int      // GUID-keyed entries matched to a stored GUID key by link (GUID churn)
	renew  int      // tombstones renewed (see tombstoned): a change to commit
	rehash int      // records given a new Hash only (see upsert): a change to commit

	// outputs of the last run
	res     SaveResult
	version uint64
	changed int64
}

func (w *saver) run(tx *bolt.Tx) (wrote bool, err error) {
	w.res, w.version, w.changed, w.churn, w.renew, w.rehash = SaveResult{}, 0, 0, 0, 0, 0
	b := w.batch
	feedID := b.State.FeedID
	entries := tx.Bucket(bucketEntries)
	entries.FillPercent = appendFill
	ids := tx.Bucket(bucketIDs)
	links := linkCounts(w.signed)
	for i := range b.Entries {
		if err := w.upsert(tx, entries, ids, &b.Entries[i], &w.signed[i], links); err != nil {
			return false, fmt.Errorf("store entry %q: %w", b.Entries[i].Key, err)
		}
	}
	stateChanged, err := w.putState(tx.Bucket(bucketStates))
	if err != nil {
		return false, fmt.Errorf("store state: %w", err)
	}
	metaChanged := false
	fm := tx.Bucket(bucketFeedMeta)
	for name, v := range b.Meta {
		k := feedMetaKey(feedID, name)
		old := fm.Get(k)
		switch {
		case v == nil && old != nil:
			err = fm.Delete(k)
		case v != nil && (old == nil || !bytes.Equal(old, v)):
			err = fm.Put(k, v)
		default:
			continue
		}
		if err != nil {
			return false, fmt.Errorf("store meta %q: %w", name, err)
		}
		metaChanged = true
	}
	// Only entry changes move the version: publish re-renders on it, and a
	// poll that merely records its state (a 304, an error) changes nothing
	// a subscriber sees.
	entriesChanged := w.res.New+w.res.Updated+w.res.Recleaned > 0
	if entriesChanged {
		if err := w.bump(tx.Bucket(bucketMeta)); err != nil {
			return false, err
		}
	}
	return entriesChanged || stateChanged || metaChanged || w.renew > 0 || w.rehash > 0, nil
}

// bump increments the persisted change counter and records the change time.
func (w *saver) bump(meta *bolt.Bucket) error {
	var v uint64
	if old := meta.Get(metaVersion); len(old) == 8 {
		v = binary.BigEndian.Uint64(old)
	}
	w.version = v + 1
	if err := meta.Put(metaVersion, putUint64(w.version)); err != nil {
		return err
	}
	w.changed = w.now.UnixNano()
	return meta.Put(metaChanged, putUint64(uint64(w.changed)))
}

func (w *saver) upsert(tx *bolt.Tx, entries, ids *bolt.Bucket, in *feeds.Entry, sd *signed, links map[string]int) error {
	e := *in
	e.FeedID = w.batch.State.FeedID
	k := makeID(e.FeedID, e.Key)
	content := contentHash(&e)
	cur := ids.Get(k[:])
	if cur == nil {
		tomb, err := w.tombstoned(tx, k, &e, sd)
		if err != nil || tomb {
			return err
		}
		if sk, ok := w.churned(tx, k, &e, sd, links); ok {
			// The same entry under a regenerated GUID, or keyed by its
			// link where it was stored by its GUID (or the reverse):
			// update it in place under its stored key.
			if strings.HasPrefix(e.Key, dedupe.ByGUID) && strings.HasPrefix(sk.key, dedupe.ByGUID) {
				w.churn++
			}
			e.Key, k = sk.key, sk.id
			cur = ids.Get(k[:])
		}
	}
	if cur == nil {
		e.Seen = w.now
		fillDates(&e)
		pub := pubKey(e.Published, e.Seen)
		if err := w.put(entries, ids, pub, k, content, &e); err != nil {
			return err
		}
		if err := w.index(tx, k, &e, sd, pub, true); err != nil {
			return err
		}
		w.res.New++
		w.res.NewKeys = append(w.res.NewKeys, e.Key)
		return nil
	}
	if len(cur) != idValLen {
		return fmt.Errorf("corrupt ids value of length %d", len(cur))
	}
	if bytes.Equal(cur[8:], content[:]) {
		w.res.Unchanged++
		return nil
	}
	oldKey := entryKey(binary.BigEndian.Uint64(cur), k)
	old, err := decodeEntry(entries.Get(oldKey))
	if err != nil {
		return fmt.Errorf("decode stored record: %w", err)
	}
	if old.Key != e.Key {
		w.store.log.Warn("entry key hash collision, update dropped",
			"feed", e.FeedID, "entry", e.Key, "stored", old.Key)
		w.res.Unchanged++
		return nil
	}
	if old.Hash != "" && e.Hash != "" && dedupe.SameMaterial(&old, &e) {
		// Stored under an older definition of Hash, not edited: keep the
		// record and its dates, with the new hash so the next poll reads
		// only ids again.
		old.Hash = e.Hash
		w.res.Unchanged++
		w.rehash++
		return w.put(entries, ids, binary.BigEndian.Uint64(cur), k, content, &old)
	}
	if old.Raw == e.Raw && slices.EqualFunc(old.Enclosures, e.Enclosures, func(a, b feeds.Enclosure) bool { return a.URL == b.URL }) {
		// The source is as stored (Hash covers the cleaned text and the
		// enclosure URLs): only the cleaning changed, a template learnt
		// since or a new rule. Subscribers get the new text, but not as an
		// edit: the dates stay, and it is not counted as updated.
		e.Seen, e.Published, e.Updated = old.Seen, old.Published, old.Updated
		pub := binary.BigEndian.Uint64(cur)
		if err := w.put(entries, ids, pub, k, content, &e); err != nil {
			return err
		}
		w.res.Unchanged++
		w.res.Recleaned++
		return w.index(tx, k, &e, sd, pub, false)
	}
	mergeUpdate(&e, &old, w.now)
	pub := pubKey(e.Published, e.Seen)
	if pub != binary.BigEndian.Uint64(cur) {
		if err := entries.Delete(oldKey); err != nil {
			return err
		}
	}
	if err := w.put(entries, ids, pub, k, content, &e); err != nil {
		return err
	}
	if err := w.index(tx, k, &e, sd, pub, false); err != nil {
		return err
	}
	if err := w.edited(tx, k, &e); err != nil {
		return err
	}
	w.res.Updated++
	w.res.UpdatedKeys = append(w.res.UpdatedKeys, e.Key)
	return nil
}

func (w *saver) put(entries, ids *bolt.Bucket, pub uint64, k id, content [8]byte, e *feeds.Entry) error {
	// bbolt keeps a reference to the value until commit: each gets its own.
	if err := entries.Put(entryKey(pub, k), encodeEntry(nil, e)); err != nil {
		return err
	}
	return ids.Put(k[:], idValue(pub, content))
}

// fillDates applies the fallbacks of a new entry: Published ← Updated ←
// Seen, Updated ← Published.
func fillDates(e *feeds.Entry) {
	if e.Published.IsZero() {
		e.Published = e.Updated
	}
	if e.Published.IsZero() {
		e.Published = e.Seen
	}
	if e.Updated.IsZero() {
		e.Updated = e.Published
	}
}

// newPub is the pub(8) a new entry e gets when it is stored at now.
func newPub(e *feeds.Entry, now time.Time) uint64 {
	f := feeds.Entry{Published: e.Published, Updated: e.Updated, Seen: now}
	fillDates(&f)
	return pubKey(f.Published, f.Seen)
}

// mergeUpdate keeps what an update must not change: Seen always, Published
// unless the new entry has it. Since an update is a material change (the
// Hash differs), Updated moves forward: to the new entry's Updated when the
// publisher bumped it, else to now.
func mergeUpdate(e, old *feeds.Entry, now time.Time) {
	e.Seen = old.Seen
	if e.Published.IsZero() {
		e.Published = old.Published
	}
	if !e.Updated.After(old.Updated) {
		e.Updated = now
	}
	if e.Updated.Before(e.Published) {
		e.Updated = e.Published
	}
}

// contentHash is content(8) of the layout: SHA-256 of Entry.Hash, or of the
// encoded record's content fields when dedupe left Hash empty.
func contentHash(e *feeds.Entry) [8]byte {
	var h [8]byte
	if e.Hash != "" {
		hash8(h[:], e.Hash)
		return h
	}
	c := *e
	c.Seen, c.Published, c.Updated = time.Time{}, time.Time{}, time.Time{}
	sum := sha256.Sum256(encodeEntry(nil, &c))
	copy(h[:], sum[:8])
	return h
}

// putState writes the batch's state with the stored entry count plus the
// new entries, unless it is byte-for-byte what is stored.
func (w *saver) putState(states *bolt.Bucket) (bool, error) {
	st := w.batch.State
	key := []byte(st.FeedID)
	stored := states.Get(key)
	st.Entries = w.res.New
	if c := dedupe.Criterion(w.batch.Entries); c != "" {
		st.Identity = c
		if c == "guid" && (w.churn > 0 || w.batch.State.Identity == identityChurn) {
			st.Identity = identityChurn
		}
	} else if stored != nil && st.Identity == "" {
		if old, err := decodeState(stored); err == nil {
			st.Identity = old.Identity
		}
	}
	if stored != nil {
		old, err := decodeState(stored)
		if err != nil {
			return false, err
		}
		st.Entries += old.Entries
	}
	v, err := json.Marshal(st)
	if err != nil {
		return false, err
	}
	if bytes.Equal(stored, v) {
		return false, nil
	}
	return true, states.Put(key, v)
}

func decodeState(v []byte) (feeds.FeedState, error) {
	var st feeds.FeedState
	err := json.Unmarshal(v, &st)
	return st, err
}

// asFull marks the errors of a store out of room with ErrFull.
func asFull(err error) error {
	if errors.Is(err, berrors.ErrMaxSizeReached) || errors.Is(err, syscall.ENOSPC) {
		return errors.Join(ErrFull, err)
	}
	return err
}
