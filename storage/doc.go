// Package storage keeps tidyfeed's entries, feed states and per-feed blobs in
// a single bbolt file. It takes what feeds/ingest produced for one fetched
// feed (a Batch: the feed's state, its cleaned entries with their raw form,
// and named blobs such as the cleaner's learned profile) and commits it in
// one transaction, so a crash leaves all of it or none. It gives publish the
// merged newest-first view (Recent, and Walk, which streams all of it in
// chunks, and Stories, which reads named entries of it for an archive
// page), a change counter for cache validators (Version, Changed), and
// reclean/explain a batched walk (ForEach, Replace).
//
// Callers never see a bbolt transaction. Only this package imports bbolt.
// Deciding which entries are the same story is feeds/dedupe's job; this
// package upserts by (FeedID, Key), keeps the indexes dedupe's decisions
// need, and applies them inside Save's transaction (see # Dedupe).
//
// # Layout
//
// Top-level buckets (schema version 2):
//
//	meta      "schema"  → uint64 big-endian schema version (2)
//	          "version" → uint64 big-endian change counter (seeds Version)
//	          "changed" → int64 big-endian unix nanos of the last entry change
//	entries   pub(8) | feed(8) | key(8)  → entry record
//	ids       feed(8) | key(8)           → pub(8) | content(8)
//	states    feed ID (UTF-8)            → FeedState as JSON
//	feedmeta  feed ID | 0x00 | name      → blob
//	sigs      feed(8) | key(8)           → simhash(8) | sec(4) | flags(1) | priority(4) | url(8) | guid(8) | long(1) | body(8)
//	urls      url(8) | feed(8) | key(8)  → flags(1)
//	guids     guid(8) | feed(8) | key(8) → flags(1)
//	simhash   band(1) | value(1) | sec(4) | feed(8) | key(8) → simhash(8) | flags(1)
//	bodies    body(8) | feed(8) | key(8) → flags(1)
//	members   feed(8) | key(8)           → story(16): feed(8) | key(8) of its first copy
//	clusters  story(16)                  → JSON: the story's copies, first first, with reasons
//	tombstones feed(8) | key(8)          → unix nanos of the purge; for a link tombstone
//	                                       (feed, "tomb-link:" + canonical link) also the purged entry's pub(8)
//
// feed(8) is the first 8 bytes of SHA-256(FeedID) and key(8) the first 8
// bytes of SHA-256(Key), so feed(8)|key(8) is a fixed-size identity of
// (FeedID, Key). pub(8) is the entry's Published time as big-endian unix
// nanoseconds, clamped to [0, Seen]: entries are ordered by time, new entries
// land at the right edge of the bucket (append-mostly, FillPercent 0.9), the
// newest-first view is a reverse cursor walk, and a future-dated entry sorts
// as if published when it was first seen. content(8) is the first 8 bytes of
// SHA-256(Entry.Hash) (or of the encoded entry without its dates when Hash
// is empty): an unchanged
// re-poll reads only the small ids index and never decodes a record. Because
// ids keys start with the feed hash, one feed's index entries are adjacent:
// a poll dirties a page or two of ids, and a prefix scan lists a feed.
//
// An entry record is a version byte (1) followed by the Entry's fields as
// uvarint-length-prefixed strings and varint numbers in a fixed order (see
// record.go); times keep their instant and UTC offset. Fields added later are
// appended, and a decoder treats missing trailing fields as zero, so adding
// a field needs no migration. Entry.Podcast was appended this way: a
// presence byte and its strings, written only for an entry that has one, so
// records of other entries are unchanged and older records decode with a
// nil Podcast. Feed states are small and stored as JSON.
//
// url(8) and guid(8) are the first 8 bytes of SHA-256 of dedupe.URLKey(Link)
// and dedupe.GlobalGUID(GUID) (absent when those are ""); sec(4) is pub(8)
// in seconds; flags bit 0 marks a feed that opted out of cross-feed
// merging. simhash holds one key per 8-bit band of the SimHash (8 keys) for
// entries long enough to compare, ordered by time inside each band value,
// so a lookup seeks to the time window and reads only what is in it. sigs
// lets an update or purge remove an entry's index keys. Schema 1 files are
// migrated on the first read-write Open (see migrate.go); a ReadOnly Open of
// one fails with ErrSchema.
//
// # Dedupe
//
// Save decides, inside its one transaction, what each new entry is:
//
//   - already stored under its key: an update when Hash differs (newest
//     content wins; Updated moves forward), else nothing; a Hash that
//     differs only because its definition changed (dedupe.SameMaterial)
//     is stored quietly, as no update; one that differs while the source
//     (Raw, enclosure URLs) is as stored comes from the cleaning alone (a
//     template learnt since): the new text is stored with the old dates,
//     as no update (SaveResult.Recleaned);
//   - purged before (a tombstone on its key, or on its feed and canonical
//     link together with the same publication second): skipped, counted
//     in SaveResult.Tombstoned;
//   - the same feed's stored entry with the same canonical link and
//     publication second (the same title when undated) under another GUID
//     or link key: an older GUID (GUIDs regenerated between polls), or a
//     GUID key where dedupe now keys the document by links, or the reverse
//     (one item with a blank or repeated GUID makes dedupe key a whole
//     document by links): that entry, updated in place under its stored
//     key, so an entry keeps the key it was first stored under;
//     FeedState.Identity records GUID churn (a GUID key matched to another
//     GUID key). A link alone is no identity: a feed may link every item
//     to one page (a podcast's show page, a daily digest);
//   - else new, and, unless its feed opted out (Batch.NoDedupe), merged
//     into another feed's story with the same global GUID, else the same
//     canonical URL, else the same body text word for word (at least
//     dedupe.MinTextWords words), else a near-duplicate: SimHash band candidates within
//     dedupe's time window, nearest first, confirmed by dedupe's
//     Options.Near on the candidate's re-signed text (at most 8 compared).
//
// A story's first copy gives it its identity for good; Recent shows the
// copy of the highest-priority feed (first seen among equals) at the first
// copy's position, and Clusters lists stories with the reason and score of
// every merge. One feed's own entries never merge with each other: a
// look-alike in the same feed is a follow-up. Entries stored twice before
// schema 2 are not merged after the fact.
//
// # Transactions
//
// Save runs exactly one bbolt write transaction per call, but concurrent
// Saves may share it: a Save that finds no commit in progress commits at
// once; Saves that arrive meanwhile wait and commit together next, in one
// transaction and one pair of fsyncs (group commit, see commit.go). A shared
// commit is still all-or-nothing for every feed in it. If one Save's
// function fails, it alone gets the error and the others are retried
// without it, so a Save's function may run twice; it derives everything
// from the transaction and resets its result on entry. A Save that changes
// nothing (same hashes, same state, same blobs) rolls back instead of
// committing. bbolt's DB.Batch was measured and not used: it made fewer,
// larger commits, but its 10ms timer made every Save wait, lone ones too
// (4 writers: 5.5ms per Save against 2.7ms for the group commit; numbers in
// store_bench_test.go). Reads use short read transactions and copy out.
//
// # Caveats
//
// Hashes are 64-bit: two keys of one feed whose hashes collide are treated
// as one entry (the later is logged and dropped when its content differs).
// Tombstones expire (ExpireTombstones, called by Prune) only when no poll
// has met their entry for the tombstone age; a Save that meets one renews
// it, at most weekly. A story's preferred copy follows the
// priority each copy's feed had when the copy was first stored.
// Times are stored with second offsets, not named zones. Version is bumped
// by every commit that adds, changes or removes an entry, and Changed
// records when; a commit of feed states alone (a 304, an error) moves
// neither, so publish keeps its rendered documents across such polls.
// Retention is Prune's job (keep max_age and max_items per feed); freed
// pages are reused by later writes but the file never shrinks by itself: Compact (offline) returns them to the
// file system, and Backup copies the file while it is in use. Entry records
// (~5 KB) are larger than a page and bbolt never splits a leaf of four or
// fewer elements, so an entry inserted among older ones (a new feed's
// backlog) rewrites up to three neighbours; new entries at the right edge
// do not. The file is locked by one read-write process at a time (several
// ReadOnly processes may share it).
package storage
