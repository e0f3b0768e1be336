package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tidyfeed/tidyfeed/feeds"
)

// clusterRecord is the "clusters" value: the members of one merged story,
// the first-seen one first. The first member's (FeedID, Key) is the story's
// identity for good, even after that entry is purged.
type clusterRecord struct {
	Members []memberRecord `json:"m"`
}

type memberRecord struct {
	FeedID   string    `json:"f"`
	Key      string    `json:"k"`
	Reason   string    `json:"r,omitempty"`
	Score    float64   `json:"s,omitempty"`
	Joined   time.Time `json:"j"`
	Priority int       `json:"p,omitempty"`
	// Edited is when the member's content last changed materially after it
	// was stored; zero if never.
	Edited time.Time `json:"e,omitzero"`
}

func loadCluster(b *bolt.Bucket, cid id) (clusterRecord, error) {
	var c clusterRecord
	v := b.Get(cid[:])
	if v == nil {
		return c, nil
	}
	if err := json.Unmarshal(v, &c); err != nil {
		return c, fmt.Errorf("decode cluster %x: %w", cid, err)
	}
	return c, nil
}

func putCluster(b *bolt.Bucket, cid id, c clusterRecord) error {
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return b.Put(cid[:], v)
}

// join merges the new entry e (id k) into the story of the stored entry
// other, for reason and score.
func (w *saver) join(tx *bolt.Tx, k id, e *feeds.Entry, other id, reason string, score float64) error {
	members := tx.Bucket(bucketMembers)
	clusters := tx.Bucket(bucketClusters)
	var cid id
	var rec clusterRecord
	if v := members.Get(other[:]); len(v) == idLen {
		cid = id(v)
		var err error
		if rec, err = loadCluster(clusters, cid); err != nil {
			return err
		}
	} else {
		// other becomes the first member of a new story.
		v, err := getEntry(tx, other)
		if err != nil || v == nil {
			return err
		}
		first, err := decodeEntry(v)
		if err != nil {
			return fmt.Errorf("decode entry %x: %w", other, err)
		}
		s, _ := decodeSig(tx.Bucket(bucketSigs).Get(other[:]))
		cid = other
		rec.Members = []memberRecord{{FeedID: first.FeedID, Key: first.Key, Joined: first.Seen, Priority: int(s.priority)}}
		if err := members.Put(other[:], cid[:]); err != nil {
			return err
		}
	}
	for _, m := range rec.Members {
		if m.FeedID == e.FeedID {
			// A feed's own stories stay apart: two entries of one feed that
			// look alike are a follow-up, not a copy.
			return nil
		}
	}
	rec.Members = append(rec.Members, memberRecord{
		FeedID: e.FeedID, Key: e.Key, Reason: reason, Score: score, Joined: w.now, Priority: w.batch.Priority,
	})
	if err := members.Put(k[:], cid[:]); err != nil {
		return err
	}
	w.res.Merged++
	return putCluster(clusters, cid, rec)
}

// edited notes a material edit of the stored entry k in its story, if any.
func (w *saver) edited(tx *bolt.Tx, k id, e *feeds.Entry) error {
	v := tx.Bucket(bucketMembers).Get(k[:])
	if len(v) != idLen {
		return nil
	}
	clusters := tx.Bucket(bucketClusters)
	cid := id(v)
	rec, err := loadCluster(clusters, cid)
	if err != nil {
		return err
	}
	for i := range rec.Members {
		if rec.Members[i].FeedID == e.FeedID && rec.Members[i].Key == e.Key {
			rec.Members[i].Edited = w.now
		}
	}
	return putCluster(clusters, cid, rec)
}

// memberEntry returns the record of mk, a member of the story cid, or nil
// when it is no longer stored or no longer in that story: an entry purged
// and stored again later is a new entry, which may have joined another
// story (the cluster record keeps its purged members for good).
func memberEntry(tx *bolt.Tx, cid, mk id) ([]byte, error) {
	if mv := tx.Bucket(bucketMembers).Get(mk[:]); !bytes.Equal(mv, cid[:]) {
		return nil, nil
	}
	return getEntry(tx, mk)
}

// storyView turns the raw entries of a Recent walk into one entry per
// story: a merged story is emitted once, at the position of its first
// stored member among the wanted feeds, with the preferred member's
// content and the others listed in Sources.
type storyView struct {
	tx   *bolt.Tx
	want map[[8]byte]bool // nil: every feed
	done map[id]bool
}

func newStoryView(tx *bolt.Tx, want map[[8]byte]bool) *storyView {
	return &storyView{tx: tx, want: want, done: make(map[id]bool)}
}

func (v *storyView) wanted(k id) bool { return v.want == nil || v.want[[8]byte(k[:8])] }

// anchor returns the key under which the story of the entry k is emitted:
// its first stored copy among the wanted feeds, or k itself when it stands
// alone.
func (v *storyView) anchor(k id) (id, error) {
	mv := v.tx.Bucket(bucketMembers).Get(k[:])
	if len(mv) != idLen {
		return k, nil
	}
	rec, err := loadCluster(v.tx.Bucket(bucketClusters), id(mv))
	if err != nil {
		return k, err
	}
	for _, m := range rec.Members {
		mk := makeID(m.FeedID, m.Key)
		if !v.wanted(mk) {
			continue
		}
		if raw, err := memberEntry(v.tx, id(mv), mk); err != nil || raw != nil {
			return mk, err
		}
	}
	return k, nil
}

// story returns what to emit for the raw entry e stored under k, or false
// to skip it.
func (v *storyView) story(k id, e feeds.Entry) (feeds.Entry, bool, error) {
	mv := v.tx.Bucket(bucketMembers).Get(k[:])
	if len(mv) != idLen {
		return e, true, nil
	}
	cid := id(mv)
	if v.done[cid] {
		return e, false, nil
	}
	rec, err := loadCluster(v.tx.Bucket(bucketClusters), cid)
	if err != nil {
		return e, false, err
	}
	type present struct {
		m     memberRecord
		k     id
		entry feeds.Entry
	}
	var ps []present
	for _, m := range rec.Members {
		mk := makeID(m.FeedID, m.Key)
		if !v.wanted(mk) {
			continue
		}
		if mk == k {
			ps = append(ps, present{m, mk, e})
			continue
		}
		raw, err := memberEntry(v.tx, cid, mk)
		if err != nil {
			return e, false, err
		}
		if raw == nil {
			continue // purged
		}
		me, err := decodeEntry(raw)
		if err != nil {
			return e, false, fmt.Errorf("decode entry %x: %w", mk, err)
		}
		ps = append(ps, present{m, mk, me})
	}
	if len(ps) == 0 || ps[0].k != k {
		// Not the anchor: the story is emitted where its first member is.
		// (A member missing from the cluster record stands alone.)
		if len(ps) == 0 {
			return e, true, nil
		}
		return e, false, nil
	}
	v.done[cid] = true
	anchor := ps[0]
	pref := 0
	for i := range ps {
		if ps[i].m.Priority > ps[pref].m.Priority {
			pref = i
		}
	}
	out := ps[pref].entry
	out.Published, out.Seen = anchor.entry.Published, anchor.entry.Seen
	// Joining never moves the story: its Updated is the first member's,
	// raised only by a material edit of the copy shown.
	out.Updated = anchor.entry.Updated
	if p := ps[pref]; pref != 0 && !p.m.Edited.IsZero() && p.entry.Updated.After(out.Updated) {
		out.Updated = p.entry.Updated
	}
	if out.Updated.Before(out.Published) {
		out.Updated = out.Published
	}
	if len(rec.Members) > 0 {
		out.StoryFeed, out.StoryKey = rec.Members[0].FeedID, rec.Members[0].Key
	}
	out.Sources = nil
	for i, p := range ps {
		if i == pref {
			continue
		}
		reason, score := p.m.Reason, p.m.Score
		if reason == "" {
			// The first copy: it is linked to the shown one by the shown
			// one's reason for joining.
			reason, score = ps[pref].m.Reason, ps[pref].m.Score
		}
		if score == 0 && reason != "" {
			score = 1
		}
		out.Sources = append(out.Sources, feeds.Copy{
			FeedID: p.entry.FeedID, Key: p.entry.Key, Title: p.entry.Title, Link: p.entry.Link,
			Reason: reason, Score: score, Joined: p.m.Joined,
		})
	}
	return out, true, nil
}

// Cluster is one merged story as Clusters reports it.
type Cluster struct {
	// Members are the story's copies, the first-seen one first; the first
	// member's (FeedID, Key) is the story's identity.
	Members []ClusterMember
	// Formed is when the second member joined; Latest when the last did.
	Formed, Latest time.Time
}

// ClusterMember is one copy of a merged story.
type ClusterMember struct {
	FeedID, Key string
	Title, Link string // "" once the entry is purged
	// Reason is why the copy joined: "same-guid", "same-url" or
	// "near-duplicate" (Score is then the measured similarity); "" for the
	// first member.
	Reason   string
	Score    float64
	Joined   time.Time
	Priority int
	// Preferred marks the copy whose content is published.
	Preferred bool
	// Purged is true when the entry is no longer stored, or was purged and
	// stored again into another story.
	Purged bool
}

// Clusters returns the merged stories to which a member joined at or after
// since, the most recently joined first. It reads the clusters index (one
// record per merged story, far fewer than entries) in one read transaction.
func (s *Store) Clusters(ctx context.Context, since time.Time) ([]Cluster, error) {
	var out []Cluster
	err := s.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketClusters).ForEach(func(k, v []byte) error {
			var rec clusterRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("decode cluster %x: %w", k, err)
			}
			if len(rec.Members) < 2 || rec.Members[len(rec.Members)-1].Joined.Before(since) {
				return nil
			}
			c := Cluster{Formed: rec.Members[1].Joined, Latest: rec.Members[len(rec.Members)-1].Joined}
			pref := 0
			for i, m := range rec.Members {
				if m.Priority > rec.Members[pref].Priority {
					pref = i
				}
			}
			for i, m := range rec.Members {
				cm := ClusterMember{FeedID: m.FeedID, Key: m.Key, Reason: m.Reason, Score: m.Score,
					Joined: m.Joined, Priority: m.Priority, Preferred: i == pref}
				if cm.Score == 0 && cm.Reason != "" {
					cm.Score = 1
				}
				raw, err := memberEntry(tx, id(k), makeID(m.FeedID, m.Key))
				if err != nil {
					return err
				}
				if raw == nil {
					cm.Purged = true
				} else if e, err := decodeEntry(raw); err == nil {
					cm.Title, cm.Link = e.Title, e.Link
				}
				c.Members = append(c.Members, cm)
			}
			out = append(out, c)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list clusters: %w", err)
	}
	slices.SortStableFunc(out, func(a, b Cluster) int { return b.Latest.Compare(a.Latest) })
	return out, nil
}
