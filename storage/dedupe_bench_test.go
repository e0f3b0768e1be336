package storage

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tidyfeed/tidyfeed/feeds"
)

var benchMaxEntries = flag.Int("dedupe.max", 1_000_000, "largest store BenchmarkDedupeLookup builds")

// benchVocab is the word list synthetic entries are drawn from.
var benchVocab = func() []string {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]string, 5000)
	for i := range out {
		var b strings.Builder
		for range 3 + r.IntN(6) {
			b.WriteByte(byte('a' + r.IntN(26)))
		}
		out[i] = b.String()
	}
	return out
}()

// synthEntry is synthetic entry i of feed f: 80 random words, published
// i*30s after base, so a store of a million entries spans about a year.
func synthEntry(r *rand.Rand, f, i int, base time.Time) feeds.Entry {
	words := make([]string, 80)
	for j := range words {
		words[j] = benchVocab[r.IntN(len(benchVocab))]
	}
	key := "g:" + strconv.Itoa(i)
	return feeds.Entry{
		FeedID: "feed" + strconv.Itoa(f), Key: key, GUID: key,
		Title:   strings.Join(words[:6], " "),
		Link:    "https://site" + strconv.Itoa(f) + ".example/post/" + strconv.Itoa(i),
		Content: "<p>" + strings.Join(words, " ") + "</p>",
		Hash:    key, Published: base.Add(time.Duration(i) * 30 * time.Second),
	}
}

// buildBenchStore writes n synthetic entries of 100 feeds with all their
// indexes, straight into the buckets (Save would fsync per batch).
func buildBenchStore(b *testing.B, n int) (*Store, time.Time) {
	b.Helper()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	now := base.Add(time.Duration(n) * 30 * time.Second)
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	s.db.NoSync = true
	r := rand.New(rand.NewPCG(3, 4))
	for start := 0; start < n; start += 20000 {
		err := s.db.Update(func(tx *bolt.Tx) error {
			entries, ids := tx.Bucket(bucketEntries), tx.Bucket(bucketIDs)
			entries.FillPercent = appendFill
			ix := openIndexes(tx)
			for i := start; i < min(n, start+20000); i++ {
				e := synthEntry(r, i%100, i, base)
				e.Seen = now
				k := makeID(e.FeedID, e.Key)
				pub := pubKey(e.Published, e.Seen)
				if err := entries.Put(entryKey(pub, k), encodeEntry(nil, &e)); err != nil {
					return err
				}
				if err := ids.Put(k[:], idValue(pub, contentHash(&e))); err != nil {
					return err
				}
				sd := signEntry(&e)
				if err := ix.add(k, makeSig(&sd, pub, 0, 0, s.dedupe.MinWords)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	s.db.NoSync = false
	return s, base
}

// BenchmarkDedupeLookup measures, per new entry, the identity lookup (ids,
// tombstone, same-feed link) and the cross-feed lookup (GUID, URL, text,
// SimHash band candidates in the time window, precise confirmation)
// against stores of growing size. Probes are either near-duplicates of a
// recent stored entry (three words changed) or fresh entries. recent200
// reads the newest 200 entries (the store side of rendering /feed.atom) from
// the same stores, so the large stores are built once.
func BenchmarkDedupeLookup(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		if n > *benchMaxEntries {
			continue
		}
		s, base := buildBenchStore(b, n)
		r := rand.New(rand.NewPCG(5, 6))
		probes := make([]feeds.Entry, 256)
		for i := range probes {
			src := n - 1 - r.IntN(min(n, 5000)) // a recent entry
			p := synthEntry(r, 100, n+i, base)  // fresh text, feed 100 (new)
			if i%2 == 0 {
				// a near-duplicate: the stored entry's text, three words changed
				var orig feeds.Entry
				err := s.db.View(func(tx *bolt.Tx) error {
					raw, err := getEntry(tx, makeID("feed"+strconv.Itoa(src%100), "g:"+strconv.Itoa(src)))
					if err != nil || raw == nil {
						return fmt.Errorf("probe source %d: %v", src, err)
					}
					orig, err = decodeEntry(raw)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				ws := strings.Fields(strings.Trim(orig.Content, "<p>/"))
				for _, j := range []int{10, 40, 70} {
					ws[j] = "changed"
				}
				p.Content = "<p>" + strings.Join(ws, " ") + "</p>"
				p.Title = orig.Title
				p.Published = orig.Published.Add(time.Hour)
			}
			probes[i] = p
		}
		for _, kind := range []string{"identity", "identity+cross-feed"} {
			b.Run(fmt.Sprintf("%s/%d", kind, n), func(b *testing.B) {
				merged := 0
				err := s.db.View(func(tx *bolt.Tx) error {
					i := 0
					for b.Loop() {
						p := &probes[i%len(probes)]
						i++
						w := &saver{store: s, batch: &Batch{State: feeds.FeedState{FeedID: p.FeedID}, Entries: []feeds.Entry{*p}}, now: s.now()}
						sd := signEntry(p)
						k := makeID(p.FeedID, p.Key)
						if tx.Bucket(bucketIDs).Get(k[:]) != nil {
							b.Fatal("probe already stored")
						}
						if _, err := w.tombstoned(tx, k, p, &sd); err != nil {
							return err
						}
						w.churned(tx, k, p, &sd, map[string]int{sd.urlKey: 1})
						if kind == "identity" {
							continue
						}
						pub := pubKey(p.Published, s.now())
						_, _, _, found, err := w.match(tx, openIndexes(tx), k, &sd, makeSig(&sd, pub, 0, 0, s.dedupe.MinWords))
						if err != nil {
							return err
						}
						if found {
							merged++
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				if kind != "identity" && b.N >= len(probes) && merged < b.N/2-b.N/20 {
					b.Errorf("found %d near-duplicates in %d probes, want about half", merged, b.N)
				}
			})
		}
		// The store read behind /feed.atom with max_items 200: the newest
		// 200 entries of all feeds (rendering them does not depend on n; see
		// feeds/publish BenchmarkRender).
		b.Run(fmt.Sprintf("recent200/%d", n), func(b *testing.B) {
			for b.Loop() {
				es, err := s.Recent(context.Background(), nil, 200)
				if err != nil || len(es) != 200 {
					b.Fatalf("Recent = %d entries, %v; want 200", len(es), err)
				}
			}
		})
	}
}
