package storage

import (
	"bytes"
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tidyfeed/tidyfeed/feeds"
	"github.com/tidyfeed/tidyfeed/feeds/dedupe"
)

// flagNoDedupe marks index entries of feeds that opted out of cross-feed
// merging (Batch.NoDedupe): they are found for churn detection inside their
// own feed but never offered to other feeds.
const flagNoDedupe = 1

// sig is what the indexes hold about one stored entry (the "sigs" value):
// enough to remove its index keys when it changes or is purged, and to
// know its priority and opt-out without decoding the record.
type sig struct {
	simhash  uint64
	pubsec   uint32 // index time: pub(8) in seconds, see pubSec
	flags    byte
	priority int32
	url      [8]byte // hash of dedupe.URLKey(Link); zero when none
	guid     [8]byte // hash of dedupe.GlobalGUID(GUID); zero when none
	words    bool    // long enough for near-duplicate detection
	body     uint64  // dedupe.Signature.Body; zero when none
}

const sigLen = 8 + 4 + 1 + 4 + 8 + 8 + 1 + 8

func (s *sig) encode() []byte {
	b := make([]byte, 0, sigLen)
	b = binary.BigEndian.AppendUint64(b, s.simhash)
	b = binary.BigEndian.AppendUint32(b, s.pubsec)
	b = append(b, s.flags)
	b = binary.BigEndian.AppendUint32(b, uint32(s.priority))
	b = append(b, s.url[:]...)
	b = append(b, s.guid[:]...)
	w := byte(0)
	if s.words {
		w = 1
	}
	b = append(b, w)
	return binary.BigEndian.AppendUint64(b, s.body)
}

func decodeSig(b []byte) (sig, bool) {
	if len(b) != sigLen {
		return sig{}, false
	}
	s := sig{
		simhash:  binary.BigEndian.Uint64(b),
		pubsec:   binary.BigEndian.Uint32(b[8:]),
		flags:    b[12],
		priority: int32(binary.BigEndian.Uint32(b[13:])),
		words:    b[33] == 1,
		body:     binary.BigEndian.Uint64(b[34:]),
	}
	copy(s.url[:], b[17:25])
	copy(s.guid[:], b[25:33])
	return s, true
}

// pubSec turns pub(8) (unix nanos) into the index's 32-bit seconds.
func pubSec(pub uint64) uint32 {
	sec := pub / uint64(time.Second)
	if sec > 1<<32-1 {
		return 1<<32 - 1
	}
	return uint32(sec)
}

// signed is a batch entry's precomputed identity material; Save computes it
// before the write transaction so that the lock is held for index work only.
type signed struct {
	sig    dedupe.Signature
	urlKey string // dedupe.URLKey(Link)
	guid   string // dedupe.GlobalGUID(GUID)
}

func signEntry(e *feeds.Entry) signed {
	return signed{sig: dedupe.Sign(e), urlKey: dedupe.URLKey(e.Link), guid: dedupe.GlobalGUID(e.GUID)}
}

// makeSig builds the index record of an entry stored at pub.
func makeSig(sd *signed, pub uint64, flags byte, priority int, minWords int) sig {
	s := sig{simhash: sd.sig.SimHash, pubsec: pubSec(pub), flags: flags, priority: int32(priority),
		words: sd.sig.Words >= minWords, body: sd.sig.Body}
	if sd.urlKey != "" {
		hash8(s.url[:], sd.urlKey)
	}
	if sd.guid != "" {
		hash8(s.guid[:], sd.guid)
	}
	return s
}

// indexes are the index buckets of one transaction.
type indexes struct {
	sigs, urls, guids, simhash, bodies *bolt.Bucket
}

func openIndexes(tx *bolt.Tx) indexes {
	return indexes{
		sigs:    tx.Bucket(bucketSigs),
		urls:    tx.Bucket(bucketURLs),
		guids:   tx.Bucket(bucketGUIDs),
		simhash: tx.Bucket(bucketSimhash),
		bodies:  tx.Bucket(bucketBodies),
	}
}

var zero8 [8]byte

// add writes every index key of k.
func (ix indexes) add(k id, s sig) error {
	if err := ix.sigs.Put(k[:], s.encode()); err != nil {
		return err
	}
	flag := []byte{s.flags}
	if s.url != zero8 {
		if err := ix.urls.Put(prefixed(s.url[:], k), flag); err != nil {
			return err
		}
	}
	if s.guid != zero8 {
		if err := ix.guids.Put(prefixed(s.guid[:], k), flag); err != nil {
			return err
		}
	}
	if s.body != 0 {
		if err := ix.bodies.Put(prefixed(binary.BigEndian.AppendUint64(nil, s.body), k), flag); err != nil {
			return err
		}
	}
	if !s.words {
		return nil
	}
	v := binary.BigEndian.AppendUint64(nil, s.simhash)
	v = append(v, s.flags)
	for i, band := range dedupe.Bands(s.simhash) {
		if err := ix.simhash.Put(bandKey(i, band, s.pubsec, k), v); err != nil {
			return err
		}
	}
	return nil
}

// remove deletes every index key of k and returns its old sig, if any.
func (ix indexes) remove(k id) (sig, bool, error) {
	s, ok := decodeSig(ix.sigs.Get(k[:]))
	if !ok {
		return sig{}, false, nil
	}
	if err := ix.sigs.Delete(k[:]); err != nil {
		return s, true, err
	}
	if s.url != zero8 {
		if err := ix.urls.Delete(prefixed(s.url[:], k)); err != nil {
			return s, true, err
		}
	}
	if s.guid != zero8 {
		if err := ix.guids.Delete(prefixed(s.guid[:], k)); err != nil {
			return s, true, err
		}
	}
	if s.body != 0 {
		if err := ix.bodies.Delete(prefixed(binary.BigEndian.AppendUint64(nil, s.body), k)); err != nil {
			return s, true, err
		}
	}
	if s.words {
		for i, band := range dedupe.Bands(s.simhash) {
			if err := ix.simhash.Delete(bandKey(i, band, s.pubsec, k)); err != nil {
				return s, true, err
			}
		}
	}
	return s, true, nil
}

// resign rewrites the index keys of the stored entry k, stored at pub,
// from its current fields, keeping the flags and priority its feed gave
// it. An entry without index keys is left alone.
func (ix indexes) resign(k id, e *feeds.Entry, pub uint64, minWords int) error {
	old, had, err := ix.remove(k)
	if err != nil || !had {
		return err
	}
	sd := signEntry(e)
	return ix.add(k, makeSig(&sd, pub, old.flags, int(old.priority), minWords))
}

func prefixed(p []byte, k id) []byte {
	b := make([]byte, 0, len(p)+idLen)
	b = append(b, p...)
	return append(b, k[:]...)
}

// bandKey is band(1) | value(1) | pubsec(4) | feed(8) | key(8).
func bandKey(band int, value byte, pubsec uint32, k id) []byte {
	b := make([]byte, 0, 6+idLen)
	b = append(b, byte(band), value)
	b = binary.BigEndian.AppendUint32(b, pubsec)
	return append(b, k[:]...)
}

// lookup lists the ids under an 8-byte hash prefix in an index bucket
// (urls or guids), with their flags.
func lookup(b *bolt.Bucket, h [8]byte, fn func(k id, flags byte) bool) {
	c := b.Cursor()
	for k, v := c.Seek(h[:]); k != nil && bytes.HasPrefix(k, h[:]); k, v = c.Next() {
		if len(k) != 8+idLen {
			continue
		}
		var f byte
		if len(v) > 0 {
			f = v[0]
		}
		if !fn(id(k[8:]), f) {
			return
		}
	}
}

// nearCandidates lists the ids whose SimHash shares a band with h, was
// published within [from, to] and is within maxDist bits of h, nearest
// first, without ids of feed (the same feed) or opted-out feeds.
func (ix indexes) nearCandidates(h uint64, from, to uint32, feed [8]byte, maxDist int) []candidate {
	var out []candidate
	seen := make(map[id]bool)
	c := ix.simhash.Cursor()
	for i, band := range dedupe.Bands(h) {
		start := bandKey(i, band, from, id{})
		for k, v := c.Seek(start[:6]); k != nil && k[0] == byte(i) && k[1] == band; k, v = c.Next() {
			if len(k) != 6+idLen || len(v) != 9 {
				continue
			}
			if binary.BigEndian.Uint32(k[2:6]) > to {
				break
			}
			cid := id(k[6:])
			if [8]byte(cid[:8]) == feed || v[8]&flagNoDedupe != 0 || seen[cid] {
				continue
			}
			seen[cid] = true
			if d := dedupe.Distance(h, binary.BigEndian.Uint64(v)); d <= maxDist {
				out = append(out, candidate{k: cid, dist: d})
			}
		}
	}
	sortCandidates(out)
	return out
}

type candidate struct {
	k    id
	dist int
}

func sortCandidates(cs []candidate) {
	for i := 1; i < len(cs); i++ { // insertion sort: a handful of items
		for j := i; j > 0 && cs[j].dist < cs[j-1].dist; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}
