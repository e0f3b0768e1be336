package storage

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// migrate brings a file of an older schema up to schemaVersion inside
// Open's write transaction, so a crash leaves the old file or the new one.
// Schema 1 → 2 adds the dedupe indexes (sigs, urls, guids, simhash), the
// stories (members, clusters) and tombstones: every stored entry is indexed
// so that new entries can join it; stories already stored twice are not
// merged after the fact. Newer or unknown versions are left for load to
// refuse with ErrSchema.
func (s *Store) migrate(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	v := meta.Get(metaSchema)
	if len(v) != 8 || binary.BigEndian.Uint64(v) != 1 {
		return nil
	}
	ix := openIndexes(tx)
	minWords := s.dedupe.MinWords
	n := 0
	err := tx.Bucket(bucketEntries).ForEach(func(k, v []byte) error {
		if len(k) != entryLen {
			return nil
		}
		e, err := decodeEntry(v)
		if err != nil {
			return fmt.Errorf("decode entry %x: %w", k, err)
		}
		sd := signEntry(&e)
		n++
		return ix.add(id(k[8:]), makeSig(&sd, binary.BigEndian.Uint64(k), 0, 0, minWords))
	})
	if err != nil {
		return fmt.Errorf("migrate schema 1 to 2: %w", err)
	}
	s.log.Info("store migrated", "from", 1, "to", 2, "entries", n)
	return meta.Put(metaSchema, putUint64(2))
}
