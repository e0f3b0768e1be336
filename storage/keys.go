package storage

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"time"
)

// Bucket names; see the package documentation (# Layout).
var (
	bucketMeta     = []byte("meta")
	bucketEntries  = []byte("entries")
	bucketIDs      = []byte("ids")
	bucketStates   = []byte("states")
	bucketFeedMeta = []byte("feedmeta")

	// schema 2: dedupe indexes, stories and tombstones
	bucketSigs       = []byte("sigs")
	bucketURLs       = []byte("urls")
	bucketGUIDs      = []byte("guids")
	bucketSimhash    = []byte("simhash")
	bucketBodies     = []byte("bodies")
	bucketMembers    = []byte("members")
	bucketClusters   = []byte("clusters")
	bucketTombstones = []byte("tombstones")
)

// allBuckets are the top-level buckets of the current schema, meta aside.
var allBuckets = [][]byte{bucketEntries, bucketIDs, bucketStates, bucketFeedMeta,
	bucketSigs, bucketURLs, bucketGUIDs, bucketSimhash, bucketBodies, bucketMembers, bucketClusters, bucketTombstones}

// linkTombKey prefixes the key whose tombstone records a purged entry's
// canonical link: makeID(feed, linkTombKey+url).
const linkTombKey = "tomb-link:"

// Keys in the meta bucket.
var (
	metaSchema  = []byte("schema")
	metaVersion = []byte("version")
	metaChanged = []byte("changed")
)

// schemaVersion is the layout version this package reads and writes.
const schemaVersion = 2

// appendFill is the FillPercent of buckets whose keys mostly grow at the
// right edge (entries). Not 1.0: the first poll of a feed inserts older
// entries in the middle, and a full page would split on each of them.
const appendFill = 0.9

const (
	idLen    = 16        // feed(8) | key(8)
	entryLen = 8 + idLen // pub(8) | feed(8) | key(8)
	idValLen = 8 + 8     // pub(8) | content(8)
)

// id is the fixed-size identity of (FeedID, Key): feed(8) | key(8).
type id [idLen]byte

func hash8(dst []byte, s string) {
	sum := sha256.Sum256([]byte(s))
	copy(dst, sum[:8])
}

// feedPrefix returns feed(8) for feedID.
func feedPrefix(feedID string) [8]byte {
	var p [8]byte
	hash8(p[:], feedID)
	return p
}

func makeID(feedID, key string) id {
	var k id
	hash8(k[:8], feedID)
	hash8(k[8:], key)
	return k
}

// pubKey turns a Published time into the 8-byte ordering prefix, clamped to
// [0, seen] in unix nanoseconds.
func pubKey(pub, seen time.Time) uint64 {
	if pub.After(seen) {
		pub = seen
	}
	if pub.Before(time.Unix(0, 0)) {
		return 0
	}
	if pub.After(time.Unix(0, math.MaxInt64)) {
		return math.MaxInt64
	}
	return uint64(pub.UnixNano())
}

func entryKey(pub uint64, k id) []byte {
	b := make([]byte, entryLen)
	binary.BigEndian.PutUint64(b, pub)
	copy(b[8:], k[:])
	return b
}

func idValue(pub uint64, content [8]byte) []byte {
	b := make([]byte, idValLen)
	binary.BigEndian.PutUint64(b, pub)
	copy(b[8:], content[:])
	return b
}

func feedMetaKey(feedID, name string) []byte {
	b := make([]byte, 0, len(feedID)+1+len(name))
	b = append(b, feedID...)
	b = append(b, 0)
	return append(b, name...)
}

func putUint64(v uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, v)
}
